import { inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database, Transaction } from '../src/db/client.js';
import {
  audiences, campaignSections, campaignTaskUnits, campaignTasks, campaigns, observanceOverrides, observanceRules, observances, towns, units, venues,
} from '../src/db/schema/index.js';
import type { Clock } from '../src/lib/clock.js';
import { Problem } from '../src/lib/problems.js';
import { createChangeRecorder } from '../src/modules/changes/change-recorder.js';
import { createEventsService } from '../src/modules/events/events.service.js';
import { nextOccurrences, occurrenceFor, type Occurrence } from '../src/modules/observances/occurrences.js';
import {
  seedAudiences, seedCampaign2024, seedEventTemplates, seedObservances, seedTowns, seedUnits, seedVenues, type SeedCampaign, type SeedEventTemplate,
} from './data/index.js';
import { seedDemoActivity } from './demo-activity.js';

export type SeedOptions = { timezone: string; clock?: Clock; onlyIfEmpty?: boolean };
export type SeedReport = { referenceRows: number; campaigns: string[]; events: number; skipped: string[]; peopleReached: number };

const ids = async <T extends { slug: string; id: string }>(rows: Promise<T[]>) => new Map((await rows).map((r) => [r.slug, r.id]));

/** Towns, units, audiences, themed days and venues; rows that exist (by slug) are left as they are. */
async function seedReference(tx: Transaction): Promise<number> {
  let inserted = 0;
  const count = (rows: unknown[]) => { inserted += rows.length; };
  count(await tx.insert(towns).values(seedTowns).onConflictDoNothing().returning({ id: towns.id }));
  const townIds = await ids(tx.select({ slug: towns.slug, id: towns.id }).from(towns));
  count(await tx.insert(units).values(seedUnits.map((u) => ({ slug: u.slug, kind: u.kind, nameZh: u.nameZh, nameEn: u.nameEn, townId: u.townSlug ? townIds.get(u.townSlug)! : null })))
    .onConflictDoNothing().returning({ id: units.id }));
  count(await tx.insert(audiences).values(seedAudiences).onConflictDoNothing().returning({ slug: audiences.slug }));
  count(await tx.insert(venues).values(seedVenues.map(({ townSlug, ...v }) => ({ ...v, townId: townSlug ? townIds.get(townSlug)! : null })))
    .onConflictDoNothing().returning({ id: venues.id }));
  for (const o of seedObservances) {
    const [row] = await tx.insert(observances).values({ slug: o.slug, kind: o.kind, nameZh: o.nameZh, nameEn: o.nameEn, descriptionZh: o.descriptionZh ?? null, descriptionEn: o.descriptionEn ?? null })
      .onConflictDoNothing().returning({ id: observances.id });
    if (!row) continue; // an existing observance keeps the rules and overrides its organizers gave it
    count([row]);
    await tx.insert(observanceRules).values(o.rules.map((r) => ({ observanceId: row.id, ...r })));
    if (o.overrides.length) await tx.insert(observanceOverrides).values(o.overrides.map((v) => ({ observanceId: row.id, ...v, noteZh: v.noteZh ?? null, noteEn: v.noteEn ?? null })));
  }
  return inserted;
}

/** Inserts a plan with its sections, tasks and lead units; returns task ids by key, or null if the slug exists. */
async function seedCampaign(tx: Transaction, plan: SeedCampaign): Promise<Map<string, string> | null> {
  const [row] = await tx.insert(campaigns).values({ slug: plan.slug, year: plan.year, titleZh: plan.titleZh, titleEn: plan.titleEn, descriptionZh: plan.descriptionZh, descriptionEn: plan.descriptionEn ?? null })
    .onConflictDoNothing().returning({ id: campaigns.id });
  if (!row) return null;
  const unitIds = await ids(tx.select({ slug: units.slug, id: units.id }).from(units));
  const taskIds = new Map<string, string>();
  for (const [i, section] of plan.sections.entries()) {
    const [s] = await tx.insert(campaignSections).values({ campaignId: row.id, position: i + 1, titleZh: section.titleZh, titleEn: section.titleEn }).returning({ id: campaignSections.id });
    for (const [j, task] of section.tasks.entries()) {
      const [t] = await tx.insert(campaignTasks).values({ sectionId: s!.id, position: j + 1, titleZh: task.titleZh, titleEn: task.titleEn, descriptionZh: task.descriptionZh }).returning({ id: campaignTasks.id });
      taskIds.set(task.key, t!.id);
      if (task.leadUnitSlugs.length) await tx.insert(campaignTaskUnits).values(task.leadUnitSlugs.map((slug) => ({ taskId: t!.id, unitId: unitIds.get(slug)! })));
    }
  }
  return taskIds;
}

/** The 2024 plan's structure, relabelled for another year's demo. */
const demoPlanFor = (year: number): SeedCampaign => ({
  ...seedCampaign2024,
  slug: `miyun-${year}`,
  year,
  titleZh: `${year}年密云区科普工作要点（演示）`,
  titleEn: `Miyun District Science Popularisation Work Plan ${year} (demo)`,
  descriptionZh: `演示数据：沿用2024年工作要点的结构。${seedCampaign2024.descriptionZh}`,
});

type Placement = { template: SeedEventTemplate; occurrence: Occurrence };

/**
 * Seeds an empty database with the reference data, the 2024 plan with a year of past
 * events on 2024's themed days, and demo plans with events on the coming occurrences
 * (relative to the clock), so the demo always has upcoming events. Running it again
 * adds nothing: rows are matched by slug and a plan's events come only with the plan.
 */
export async function seedDatabase(db: Database, { timezone, clock = { now: () => new Date() }, onlyIfEmpty = false }: SeedOptions): Promise<SeedReport | null> {
  if (onlyIfEmpty && (await db.select({ id: units.id }).from(units).limit(1)).length > 0) return null;
  const report: SeedReport = { referenceRows: 0, campaigns: [], events: 0, skipped: [], peopleReached: 0 };

  const plans = await db.transaction(async (tx) => {
    report.referenceRows = await seedReference(tx);
    const now = DateTime.fromJSDate(clock.now(), { zone: timezone });
    const created = new Map<number, Map<string, string>>();
    for (const plan of [seedCampaign2024, demoPlanFor(now.year), demoPlanFor(now.year + 1)]) {
      const taskIds = await seedCampaign(tx, plan);
      if (taskIds) { created.set(plan.year, taskIds); report.campaigns.push(plan.slug); }
    }
    return created;
  });
  if (plans.size === 0) return report;

  const observanceRows = await db.select({ id: observances.id, slug: observances.slug }).from(observances).where(inArray(observances.slug, seedEventTemplates.map((t) => t.observanceSlug)));
  const rules = await db.select().from(observanceRules).where(inArray(observanceRules.observanceId, observanceRows.map((o) => o.id)));
  const overrides = await db.select().from(observanceOverrides).where(inArray(observanceOverrides.observanceId, observanceRows.map((o) => o.id)));
  const calendarOf = (slug: string) => {
    const id = observanceRows.find((o) => o.slug === slug)?.id;
    return { id, rules: rules.filter((r) => r.observanceId === id), overrides: overrides.filter((o) => o.observanceId === id) };
  };

  const placements: Placement[] = [];
  const heldIn2024: string[] = [];
  const now = DateTime.fromJSDate(clock.now(), { zone: timezone });
  for (const template of seedEventTemplates) {
    const { rules: r, overrides: o } = calendarOf(template.observanceSlug);
    if (plans.has(2024)) {
      const past = occurrenceFor(r, o, 2024);
      if (past?.status === 'scheduled') placements.push({ template, occurrence: past });
      else report.skipped.push(`${template.key} (2024: dates not announced)`);
    }
    // The next two occurrences, not one: next year's demo plan gets its events now, because a later
    // run (its clock in that year) finds the plan existing and, by design, adds no events to it.
    const coming = nextOccurrences(r, o, now, timezone, 2);
    for (const occurrence of coming) {
      if (occurrence.year !== 2024 && plans.has(occurrence.year)) placements.push({ template, occurrence });
    }
    if (coming.length === 0) report.skipped.push(`${template.key} (no coming dates announced)`);
  }

  // The seed discards the documents the service returns, so their links need no host.
  const events = createEventsService({ db, clock, changes: createChangeRecorder(), defaultTimezone: timezone, baseUrl: '', tombstoneRetentionDays: 90 });
  const refs = {
    units: await ids(db.select({ slug: units.slug, id: units.id }).from(units)),
    venues: await ids(db.select({ slug: venues.slug, id: venues.id }).from(venues)),
  };
  for (const { template, occurrence } of placements) {
    const day = DateTime.fromISO(occurrence.startDate, { zone: timezone }).plus({ days: template.dayOffset ?? 0 });
    const sessions = template.sessions.map((s) => {
      const [hour, minute] = s.startTime.split(':').map(Number) as [number, number];
      const start = day.plus({ days: s.dayOffset ?? 0 }).set({ hour, minute });
      return { startsAt: start.toISO()!, endsAt: start.plus({ minutes: s.durationMinutes }).toISO()! };
    });
    try {
      const event = await events.create({
        titleZh: template.titleZh, titleEn: template.titleEn, descriptionZh: template.descriptionZh, descriptionEn: template.descriptionEn,
        type: template.type, ownerUnitId: refs.units.get(template.ownerUnitSlug)!, coUnitIds: template.coUnitSlugs.map((s) => refs.units.get(s)!),
        observanceId: calendarOf(template.observanceSlug).id ?? null, taskId: plans.get(occurrence.year)!.get(template.taskKey) ?? null,
        venueId: refs.venues.get(template.venueSlug)!, registrationMode: template.registrationMode, capacity: template.capacity ?? null,
        tags: template.tags, audiences: template.audienceSlugs, sessions,
      });
      await events.publish(event.id);
      report.events += 1;
      if (occurrence.year === 2024) heldIn2024.push(event.id);
    } catch (error) {
      // Two themed days can fall together and book the same hall: keep the first, note the other.
      if (error instanceof Problem && error.code === 'venue_in_use') report.skipped.push(`${template.key} (${occurrence.year}: venue in use)`);
      else throw error;
    }
  }
  report.peopleReached = await seedDemoActivity(db, heldIn2024, clock.now());
  return report;
}

