import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import {
  campaignSections, campaignTaskUnits, campaignTasks, campaigns, eventAudiences, eventQuestions, eventUnits, events, observanceOverrides,
  observanceRules, sessions,
} from '../../db/schema/index.js';
import { Problem, conflict, fieldError, notFound, unprocessable } from '../../lib/problems.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { createEventIn } from '../events/event-create.js';
import type { CreateEventBody } from '../events/events.schemas.js';
import { assertVenueFree } from '../events/venue-clash.js';
import type { CopyCampaignBody } from './campaigns.schemas.js';
import { retitled, shiftDays, shiftInstant, type ObservanceCalendar } from './event-shift.js';

export type CopyDeps = { db: Database; changes: ChangeRecorder; defaultTimezone: string };
export type CopyResult = { id: string; eventsCopied: number; eventsWithoutVenue: { id: string; copiedFromEventId: string; titleZh: string }[] };

/** No event has this id: the venue check of a copy not yet written excludes nothing. */
const NO_EVENT = '00000000-0000-0000-0000-000000000000';

/**
 * A plan copied to another year in one transaction: its sections, tasks (each remembering
 * the task it came from, so the reports can compare the years) and lead units, and with
 * `withEvents` its events as drafts moved to the new year. Any failure writes nothing.
 */
export async function copyCampaign(deps: CopyDeps, sourceId: string, body: CopyCampaignBody, actor: Actor): Promise<CopyResult> {
  const { db } = deps;
  return db.transaction(async (tx) => {
    const [source] = await tx.select().from(campaigns).where(eq(campaigns.id, sourceId));
    if (!source) throw notFound('campaign', sourceId);
    const [taken] = await tx.select({ id: campaigns.id }).from(campaigns).where(eq(campaigns.slug, body.slug));
    // The same code as createCampaign's unique violation (409 duplicate), with the field named for forms.
    if (taken) throw conflict('duplicate', 'Another plan already has this slug.', { errors: [fieldError('/slug', 'is taken by another plan', 'duplicate')] });
    const [row] = await tx.insert(campaigns).values({
      slug: body.slug, year: body.year,
      titleZh: body.titleZh ?? retitled(source.titleZh, source.year, body.year),
      titleEn: body.titleEn === undefined ? source.titleEn && retitled(source.titleEn, source.year, body.year) : body.titleEn,
      descriptionZh: source.descriptionZh, descriptionEn: source.descriptionEn,
    }).returning({ id: campaigns.id });
    const id = row!.id;
    const taskMap = await copyPlan(tx, source.id, id);
    const copied = body.withEvents ? await copyEvents(tx, deps, taskMap, body.year - source.year, actor) : { eventsCopied: 0, eventsWithoutVenue: [] };
    await recordAudit(tx, actor, { action: 'copied', objectKind: 'campaign', objectId: id, changedFields: ['sections', 'tasks', ...(body.withEvents ? ['events'] : [])] });
    return { id, ...copied };
  });
}

/** Sections, tasks and lead units, in their order; the map leads from each old task to its copy. */
async function copyPlan(tx: Transaction, sourceId: string, targetId: string): Promise<Map<string, string>> {
  const sections = await tx.select().from(campaignSections).where(eq(campaignSections.campaignId, sourceId)).orderBy(asc(campaignSections.position), asc(campaignSections.createdAt));
  const taskMap = new Map<string, string>();
  if (sections.length === 0) return taskMap;
  const tasks = await tx.select().from(campaignTasks).where(inArray(campaignTasks.sectionId, sections.map((s) => s.id))).orderBy(asc(campaignTasks.position), asc(campaignTasks.createdAt));
  for (const section of sections) {
    const [copy] = await tx.insert(campaignSections).values({ campaignId: targetId, position: section.position, titleZh: section.titleZh, titleEn: section.titleEn })
      .returning({ id: campaignSections.id });
    for (const task of tasks.filter((t) => t.sectionId === section.id)) {
      const [taskCopy] = await tx.insert(campaignTasks).values({
        sectionId: copy!.id, position: task.position, titleZh: task.titleZh, titleEn: task.titleEn, descriptionZh: task.descriptionZh, copiedFromTaskId: task.id,
      }).returning({ id: campaignTasks.id });
      taskMap.set(task.id, taskCopy!.id);
    }
  }
  if (taskMap.size) {
    const leads = await tx.select().from(campaignTaskUnits).where(inArray(campaignTaskUnits.taskId, [...taskMap.keys()]));
    if (leads.length) await tx.insert(campaignTaskUnits).values(leads.map((l) => ({ taskId: taskMap.get(l.taskId)!, unitId: l.unitId })));
  }
  return taskMap;
}

const groupBy = <T, K>(rows: T[], key: (row: T) => K) => {
  const map = new Map<K, T[]>();
  for (const row of rows) map.set(key(row), [...(map.get(key(row)) ?? []), row]);
  return map;
};

/**
 * The events of the old plan's tasks (all but cancelled ones) as drafts under the copied
 * tasks, through the same creation path as POST /events (its checks, change records and
 * audit). What belongs to the old year stays behind: registrations, the science worker and
 * volunteer counts, the review comment, cancelled sessions, hidden questions.
 */
async function copyEvents(tx: Transaction, deps: CopyDeps, taskMap: Map<string, string>, years: number, actor: Actor): Promise<Omit<CopyResult, 'id'>> {
  if (taskMap.size === 0) return { eventsCopied: 0, eventsWithoutVenue: [] };
  const sourceEvents = await tx.select().from(events)
    .where(and(inArray(events.taskId, [...taskMap.keys()]), ne(events.status, 'cancelled')))
    .orderBy(asc(events.firstStartAt), asc(events.createdAt), asc(events.id));
  if (sourceEvents.length === 0) return { eventsCopied: 0, eventsWithoutVenue: [] };
  const ids = sourceEvents.map((e) => e.id);
  const observanceIds = [...new Set(sourceEvents.flatMap((e) => (e.observanceId ? [e.observanceId] : [])))];
  const [coUnits, audiences, liveSessions, questions, rules, overrides] = await Promise.all([
    tx.select().from(eventUnits).where(inArray(eventUnits.eventId, ids)),
    tx.select().from(eventAudiences).where(inArray(eventAudiences.eventId, ids)),
    tx.select().from(sessions).where(and(inArray(sessions.eventId, ids), eq(sessions.status, 'scheduled'))).orderBy(asc(sessions.startsAt), asc(sessions.id)),
    tx.select().from(eventQuestions).where(and(inArray(eventQuestions.eventId, ids), eq(eventQuestions.hidden, false))).orderBy(asc(eventQuestions.position), asc(eventQuestions.createdAt)),
    observanceIds.length ? tx.select().from(observanceRules).where(inArray(observanceRules.observanceId, observanceIds)).orderBy(sql`${observanceRules.validFromYear} asc nulls first`) : [],
    observanceIds.length ? tx.select().from(observanceOverrides).where(inArray(observanceOverrides.observanceId, observanceIds)) : [],
  ]);
  const [unitsOf, audiencesOf, sessionsOf, questionsOf] = [groupBy(coUnits, (r) => r.eventId), groupBy(audiences, (r) => r.eventId), groupBy(liveSessions, (r) => r.eventId), groupBy(questions, (r) => r.eventId)];
  const calendars = new Map<string, ObservanceCalendar>(observanceIds.map((id) => [id, {
    rules: rules.filter((r) => r.observanceId === id),
    overrides: overrides.filter((o) => o.observanceId === id),
  }]));

  const eventsWithoutVenue: CopyResult['eventsWithoutVenue'] = [];
  for (const event of sourceEvents) {
    const zone = event.timezone;
    const live = sessionsOf.get(event.id) ?? [];
    const anchor = live[0]?.startsAt ?? event.registrationOpensAt ?? event.registrationClosesAt;
    const days = anchor ? shiftDays(anchor, zone, years, event.observanceId ? calendars.get(event.observanceId) : undefined) : 0;
    const move = (at: Date | null) => (at ? shiftInstant(at, zone, days) : null);
    const slots = live.map((s) => ({ startsAt: move(s.startsAt)!, endsAt: move(s.endsAt)!, capacity: s.capacity, streamUrl: s.streamUrl }));
    const venueId = await venueIfFree(tx, event.venueId, slots);
    const body: CreateEventBody = {
      titleZh: event.titleZh, titleEn: event.titleEn, descriptionZh: event.descriptionZh, descriptionEn: event.descriptionEn, type: event.type,
      ownerUnitId: event.ownerUnitId, coUnitIds: (unitsOf.get(event.id) ?? []).map((u) => u.unitId), audiences: (audiencesOf.get(event.id) ?? []).map((a) => a.audienceSlug),
      observanceId: event.observanceId, taskId: taskMap.get(event.taskId!)!, venueId, timezone: zone,
      registrationMode: event.registrationMode, registrationOpensAt: move(event.registrationOpensAt)?.toISOString() ?? null,
      registrationClosesAt: move(event.registrationClosesAt)?.toISOString() ?? null, capacity: event.capacity, partySizeLimit: event.partySizeLimit,
      waitlistEnabled: event.waitlistEnabled, promotionCutoffMinutes: event.promotionCutoffMinutes, reminderOffsetsMinutes: event.reminderOffsetsMinutes, tags: event.tags,
      sessions: slots.map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), capacity: s.capacity, streamUrl: s.streamUrl })),
    };
    const copyId = await createCopy(tx, deps, body, event, actor);
    const asked = questionsOf.get(event.id) ?? [];
    if (asked.length) {
      await tx.insert(eventQuestions).values(asked.map((q) => ({ eventId: copyId, position: q.position, kind: q.kind, labelZh: q.labelZh, labelEn: q.labelEn, options: q.options, required: q.required })));
    }
    if (event.venueId && !venueId) eventsWithoutVenue.push({ id: copyId, copiedFromEventId: event.id, titleZh: event.titleZh });
  }
  return { eventsCopied: sourceEvents.length, eventsWithoutVenue };
}

/**
 * The venue-clash rule applies to drafts too (venue-clash.ts: a draft holds its slot), so
 * the copies hold theirs. A copy whose new time is already taken at its venue, by an event
 * of the new year or by an earlier copy, is copied without the venue rather than failing the
 * whole plan: the organizer then picks another venue or time, and the answer lists it. The
 * check takes the venue's lock, held to commit, like any booking.
 */
async function venueIfFree(tx: Transaction, venueId: string | null, slots: { startsAt: Date; endsAt: Date }[]): Promise<string | null> {
  if (!venueId) return null;
  try {
    await assertVenueFree(tx, venueId, NO_EVENT, slots);
    return venueId;
  } catch (error) {
    if (error instanceof Problem && error.code === 'venue_in_use') return null;
    throw error;
  }
}

/** Creates one copy; a copy the event rules refuse (a time moved past the calendar's years) names the event rather than a field of a body the caller never sent. */
async function createCopy(tx: Transaction, deps: CopyDeps, body: CreateEventBody, source: { id: string; titleZh: string }, actor: Actor) {
  try {
    return await createEventIn(tx, body, deps, actor);
  } catch (error) {
    if (!(error instanceof Problem) || error.status !== 422) throw error;
    const details = (error.extra.errors ?? []).map((e) => `${e.pointer} ${e.detail}`).join('; ');
    throw unprocessable('event_not_copyable', `The event "${source.titleZh}" cannot be moved to that year.`, [
      fieldError('/year', `moves the event ${source.id} ("${source.titleZh}") where it is not valid: ${details}`, 'event_not_copyable'),
    ]);
  }
}
