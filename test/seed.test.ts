import t, { type Test } from 'tap';
import { and, asc, count, eq, gt, gte, lt, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../src/db/client.js';
import {
  campaignSections, campaignTaskUnits, campaignTasks, campaigns, events, observances, towns, units, venues,
} from '../src/db/schema/index.js';
import { occurrenceFor } from '../src/modules/observances/occurrences.js';
import { seedDatabase } from '../seeds/seed.js';
import { seedCampaign2024, seedObservances, seedTowns, seedUnits, seedVenues } from '../seeds/data/index.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit } from './helpers/factories.js';

const ZONE = 'Asia/Shanghai';
const fixedClock = (iso: string) => ({ now: () => new Date(iso) });

/** Row counts of every table of the schema, by name. */
async function tableCounts(db: Database): Promise<Record<string, number>> {
  const result = await db.execute(sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { table_name: string }[];
  const counts: Record<string, number> = {};
  for (const { table_name: name } of rows) {
    const r = await db.execute(sql`select count(*)::int as n from ${sql.identifier(name)}`);
    counts[name] = ((Array.isArray(r) ? r : (r as { rows: unknown[] }).rows)[0] as { n: number }).n;
  }
  return counts;
}

/** The 2024 plan as stored: sections and tasks in order, lead units as sorted slugs. */
async function storedPlan(db: Database, slug: string) {
  const [plan] = await db.select({ id: campaigns.id, year: campaigns.year, titleZh: campaigns.titleZh }).from(campaigns).where(eq(campaigns.slug, slug));
  if (!plan) return null;
  const sections = await db.select({ id: campaignSections.id, titleZh: campaignSections.titleZh, titleEn: campaignSections.titleEn }).from(campaignSections)
    .where(eq(campaignSections.campaignId, plan.id)).orderBy(asc(campaignSections.position));
  const shaped = [];
  for (const s of sections) {
    const tasks = await db.select({ id: campaignTasks.id, titleZh: campaignTasks.titleZh, titleEn: campaignTasks.titleEn, descriptionZh: campaignTasks.descriptionZh })
      .from(campaignTasks).where(eq(campaignTasks.sectionId, s.id)).orderBy(asc(campaignTasks.position));
    const withLeads = [];
    for (const task of tasks) {
      const leads = await db.select({ slug: units.slug }).from(campaignTaskUnits).innerJoin(units, eq(units.id, campaignTaskUnits.unitId))
        .where(eq(campaignTaskUnits.taskId, task.id)).orderBy(asc(units.slug));
      withLeads.push({ titleZh: task.titleZh, titleEn: task.titleEn, descriptionZh: task.descriptionZh, leadUnitSlugs: leads.map((l) => l.slug) });
    }
    shaped.push({ titleZh: s.titleZh, titleEn: s.titleEn, tasks: withLeads });
  }
  return { ...plan, sections: shaped };
}

async function checkSeeded(t: Test, db: Database, clockIso: string) {
  const now = new Date(clockIso);
  const plan = await storedPlan(db, 'miyun-2024');
  t.ok(plan, 'the 2024 plan exists');
  t.equal(plan!.year, 2024);
  t.equal(plan!.titleZh, seedCampaign2024.titleZh);
  t.strictSame(plan!.sections, seedCampaign2024.sections.map((s) => ({
    titleZh: s.titleZh, titleEn: s.titleEn,
    tasks: s.tasks.map((x) => ({ titleZh: x.titleZh, titleEn: x.titleEn, descriptionZh: x.descriptionZh, leadUnitSlugs: [...x.leadUnitSlugs].sort() })),
  })), 'sections, tasks and lead units match seeds/data/campaign-2024.ts');

  const townCount = (await db.select({ n: count() }).from(towns))[0]!.n;
  t.equal(townCount, 20, 'the 20 towns and subdistricts');
  t.equal(seedTowns.length, 20);
  const unitRows = await db.select({ kind: units.kind, townId: units.townId }).from(units);
  t.equal(unitRows.length, seedUnits.length);
  t.ok(unitRows.length >= 40 && unitRows.length <= 50, `about 45 units (${unitRows.length})`);
  t.equal(unitRows.filter((u) => u.kind === 'town').length, 20, '20 of them towns');
  t.ok(unitRows.every((u) => (u.kind === 'town') === (u.townId !== null)), 'town units name their town');
  t.equal((await db.select({ n: count() }).from(venues))[0]!.n, seedVenues.length, 'the venues');
  t.equal((await db.select({ n: count() }).from(observances))[0]!.n, seedObservances.length, 'the themed days');

  // Every published 2024 event sits on its themed day's 2024 occurrence, under a task of the 2024 plan.
  const y2024 = { start: DateTime.fromObject({ year: 2024 }, { zone: ZONE }).toJSDate(), end: DateTime.fromObject({ year: 2025 }, { zone: ZONE }).toJSDate() };
  const past = await db.select({ firstStartAt: events.firstStartAt, observanceSlug: observances.slug, campaignSlug: campaigns.slug })
    .from(events)
    .innerJoin(observances, eq(observances.id, events.observanceId))
    .innerJoin(campaignTasks, eq(campaignTasks.id, events.taskId))
    .innerJoin(campaignSections, eq(campaignSections.id, campaignTasks.sectionId))
    .innerJoin(campaigns, eq(campaigns.id, campaignSections.campaignId))
    .where(and(eq(events.status, 'published'), gte(events.firstStartAt, y2024.start), lt(events.firstStartAt, y2024.end)));
  t.ok(past.length >= 15, `published 2024 events (${past.length})`);
  for (const e of past) {
    const seeded = seedObservances.find((o) => o.slug === e.observanceSlug)!;
    const occurrence = occurrenceFor(seeded.rules, seeded.overrides, 2024);
    const day = DateTime.fromJSDate(e.firstStartAt!, { zone: ZONE }).toISODate()!;
    t.ok(occurrence?.status === 'scheduled' && occurrence.startDate <= day && day <= occurrence.endDate!,
      `${e.observanceSlug}: ${day} within its 2024 dates ${occurrence?.startDate}..${occurrence?.endDate}`);
    t.equal(e.campaignSlug, 'miyun-2024', `${e.observanceSlug} 2024 event is under the 2024 plan`);
  }
  const upcoming = await db.select({ n: count() }).from(events).where(and(eq(events.status, 'published'), gt(events.firstStartAt, now)));
  t.ok(upcoming[0]!.n >= 10, `at least 10 published events start after ${clockIso} (${upcoming[0]!.n})`);
}

for (const clockIso of ['2026-11-28T10:00:00+08:00', '2025-03-01T00:00:00+08:00']) {
  t.test(`a fresh database, clock ${clockIso}`, async (t) => {
    const clock = fixedClock(clockIso);
    const { app, db } = await build(t, { clock });
    const report = await seedDatabase(db, { timezone: ZONE, clock });
    t.ok(report, 'a report');
    t.ok(report!.referenceRows > 0);
    t.ok(report!.events > 0);
    const year = DateTime.fromISO(clockIso, { setZone: true }).setZone(ZONE).year;
    t.strictSame(report!.campaigns, ['miyun-2024', `miyun-${year}`, `miyun-${year + 1}`]);
    await checkSeeded(t, db, clockIso);
    // A year of activity for the 2024 plan's events, so the demo's report has figures (seeds/demo-activity.ts).
    t.ok(report!.peopleReached > 0, 'the demo reached people in 2024');
    const plan2024 = (await app.inject({ url: '/api/v1/campaigns?year=2024' })).json<{ items: { id: string }[] }>().items[0]!;
    const figures = (await app.inject({ url: `/api/v1/reports/campaigns/${plan2024.id}?groupBy=month`, headers: adminHeaders })).json<{ totals: { figures: Record<string, number> } }>().totals.figures;
    t.ok(figures.registrationsIndividual! > 0 && figures.registrationsClass! > 0 && figures.checkedIn! > 0 && figures.recordedAttendance! > 0, 'sign-ups, classes, check-ins and door counts');
    t.equal(figures.attended, report!.peopleReached, 'the report counts the people the seed says it brought');
    t.ok(figures.scienceWorkers! > 0 && figures.volunteers! > 0);

    const before = await tableCounts(db);
    t.ok(Object.keys(before).length >= 10, 'counted every table');
    const again = await seedDatabase(db, { timezone: ZONE, clock });
    t.strictSame(again, { referenceRows: 0, campaigns: [], events: 0, skipped: [], peopleReached: 0 }, 'a second run adds nothing');
    t.strictSame(await tableCounts(db), before, 'row counts of every table are unchanged');

    t.equal(await seedDatabase(db, { timezone: ZONE, clock, onlyIfEmpty: true }), null, 'onlyIfEmpty skips a seeded database');

    // The public API shows the demo: upcoming events, and the announced 2024 S&T Week.
    const list = await app.inject({ url: '/api/v1/events?limit=50' });
    t.equal(list.statusCode, 200, list.body.slice(0, 300));
    const items = list.json().items as { status: string; firstStartAt: string; lastEndAt: string; titleZh: string }[];
    t.ok(items.length >= 10, `upcoming events listed (${items.length})`);
    t.ok(items.every((e) => e.status === 'published' && Date.parse(e.lastEndAt) > Date.parse(clockIso)), 'only published events not over yet');
    t.ok(items.filter((e) => Date.parse(e.firstStartAt) > Date.parse(clockIso)).length >= 10, 'at least 10 start after the clock');

    const calendar = await app.inject({ url: '/api/v1/calendar?year=2024' });
    t.equal(calendar.statusCode, 200);
    type Entry = { observance: { slug: string }; occurrence: { startDate: string; endDate: string; source: string; provisional: boolean }; publishedEvents: number };
    const stWeek = (calendar.json().items as Entry[]).find((i) => i.observance.slug === 'science-technology-week');
    t.match(stWeek, { occurrence: { startDate: '2024-05-25', endDate: '2024-06-01', source: 'override', provisional: false } });
    t.ok(stWeek!.publishedEvents >= 1, 'S&T Week 2024 has published events');
    const campaignList = (await app.inject({ url: '/api/v1/campaigns?year=2024' })).json().items;
    t.equal(campaignList.length, 1);
    t.equal(campaignList[0].sections.length, seedCampaign2024.sections.length);
  });
}

t.test('onlyIfEmpty seeds an empty database and skips one with units', async (t) => {
  const clock = fixedClock('2025-03-01T00:00:00+08:00');
  const empty = await build(t, { clock });
  const report = await seedDatabase(empty.db, { timezone: ZONE, clock, onlyIfEmpty: true });
  t.ok(report && report.referenceRows > 0, 'an empty database is seeded');

  const used = await build(t, { clock });
  await buildUnit(used.db, { slug: 'own-bureau' });
  const before = await tableCounts(used.db);
  t.equal(await seedDatabase(used.db, { timezone: ZONE, clock, onlyIfEmpty: true }), null);
  t.strictSame(await tableCounts(used.db), before, 'nothing was added');
});

t.test('a later run adds only what is missing and keeps what organizers changed', async (t) => {
  const clock = fixedClock('2025-03-01T00:00:00+08:00');
  const { app, db } = await build(t, { clock });
  await seedDatabase(db, { timezone: ZONE, clock });
  // An organizer stores the 2025 dates of S&T Week; a re-seed must not drop or duplicate them.
  const put = await app.inject({
    method: 'PUT', url: '/api/v1/observances/science-technology-week/overrides/2025',
    headers: { authorization: 'Bearer test-admin-token-0123456789' }, payload: { startDate: '2025-05-17', endDate: '2025-05-24' },
  });
  t.equal(put.statusCode, 200, put.body);
  const before = await tableCounts(db);
  const report = await seedDatabase(db, { timezone: ZONE, clock });
  t.strictSame(report, { referenceRows: 0, campaigns: [], events: 0, skipped: [], peopleReached: 0 });
  t.strictSame(await tableCounts(db), before);
  const occurrence = (await app.inject({ url: '/api/v1/observances/science-technology-week/occurrences?year=2025' })).json();
  t.match(occurrence, { startDate: '2025-05-17', source: 'override' });

  // A year later the clock has moved on: the next year's demo plan and its events come in.
  const later = fixedClock('2026-03-01T00:00:00+08:00');
  const next = await seedDatabase(db, { timezone: ZONE, clock: later });
  t.strictSame(next!.campaigns, ['miyun-2027']);
  t.ok(next!.events > 0);
  t.equal(next!.referenceRows, 0);
  const upcoming = await db.select({ n: count() }).from(events).where(and(eq(events.status, 'published'), gt(events.firstStartAt, later.now())));
  t.ok(upcoming[0]!.n >= 10, `the demo still has upcoming events a year on (${upcoming[0]!.n})`);
  const in2026 = await db.select({ n: count() }).from(events).innerJoin(campaignTasks, eq(campaignTasks.id, events.taskId))
    .innerJoin(campaignSections, eq(campaignSections.id, campaignTasks.sectionId)).innerJoin(campaigns, eq(campaigns.id, campaignSections.campaignId))
    .where(eq(campaigns.slug, 'miyun-2026'));
  t.ok(in2026[0]!.n >= 10, `the 2026 demo plan, made by the first run, has its events (${in2026[0]!.n})`);
});
