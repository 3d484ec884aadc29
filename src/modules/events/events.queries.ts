import { aliasedTable, and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import {
  campaignSections, campaignTasks, campaigns, eventAudiences, eventUnits, events, observances, sessions, towns, units, venues,
} from '../../db/schema/index.js';
import type { EventResponse, SessionResponse } from './events.schemas.js';

const ownerUnit = aliasedTable(units, 'owner_unit');
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Sessions rows as stored; `effectiveCapacity` and `sequence` are derived from the event. */
export type SessionRow = typeof sessions.$inferSelect;

export const effectiveCapacity = (session: { capacity: number | null }, event: { capacity: number | null }, venue: { capacity: number | null } | null) =>
  session.capacity ?? event.capacity ?? venue?.capacity ?? null;

/**
 * Full events with their references, in four queries for any number of ids.
 * `publicView` hides what only organizers and registrants may see.
 */
export async function loadEvents(db: Executor, ids: string[], { publicView }: { publicView: boolean }): Promise<EventResponse[]> {
  if (ids.length === 0) return [];
  const rows = await db.select({
    event: events,
    owner: { id: ownerUnit.id, slug: ownerUnit.slug, nameZh: ownerUnit.nameZh, nameEn: ownerUnit.nameEn },
    observance: { id: observances.id, slug: observances.slug, nameZh: observances.nameZh, nameEn: observances.nameEn },
    // Drizzle turns a left-joined object into null only when all its columns come from one table:
    // the task and its campaign are selected apart and joined up below.
    task: { id: campaignTasks.id, titleZh: campaignTasks.titleZh, titleEn: campaignTasks.titleEn },
    campaign: { id: campaigns.id, slug: campaigns.slug },
    venue: { id: venues.id, slug: venues.slug, nameZh: venues.nameZh, nameEn: venues.nameEn, addressZh: venues.addressZh, isOnline: venues.isOnline, capacity: venues.capacity },
    town: { id: towns.id, slug: towns.slug, nameZh: towns.nameZh, nameEn: towns.nameEn },
  }).from(events)
    .innerJoin(ownerUnit, eq(events.ownerUnitId, ownerUnit.id))
    .leftJoin(observances, eq(events.observanceId, observances.id))
    .leftJoin(campaignTasks, eq(events.taskId, campaignTasks.id))
    .leftJoin(campaignSections, eq(campaignTasks.sectionId, campaignSections.id))
    .leftJoin(campaigns, eq(campaignSections.campaignId, campaigns.id))
    .leftJoin(venues, eq(events.venueId, venues.id))
    .leftJoin(towns, eq(venues.townId, towns.id))
    .where(inArray(events.id, ids));

  const [coUnits, audienceRows, sessionRows] = await Promise.all([
    db.select({ eventId: eventUnits.eventId, id: units.id, slug: units.slug, nameZh: units.nameZh, nameEn: units.nameEn })
      .from(eventUnits).innerJoin(units, eq(eventUnits.unitId, units.id)).where(inArray(eventUnits.eventId, ids)).orderBy(asc(units.slug)),
    db.select({ eventId: eventAudiences.eventId, slug: eventAudiences.audienceSlug }).from(eventAudiences)
      .where(inArray(eventAudiences.eventId, ids)).orderBy(asc(eventAudiences.audienceSlug)),
    db.select().from(sessions).where(inArray(sessions.eventId, ids)).orderBy(asc(sessions.startsAt), asc(sessions.id)),
  ]);

  const byId = new Map(rows.map((row) => {
    const e = row.event;
    const hideStream = publicView && e.registrationMode !== 'none';
    const eventSessions: SessionResponse[] = sessionRows.filter((s) => s.eventId === e.id).map((s) => ({
      id: s.id, eventId: s.eventId, startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString(), capacity: s.capacity,
      effectiveCapacity: effectiveCapacity(s, e, row.venue), status: s.status, sequence: e.sequence + s.sequence,
      streamUrl: hideStream ? null : s.streamUrl, updatedAt: s.updatedAt.toISOString(),
    }));
    const response: EventResponse = {
      id: e.id, titleZh: e.titleZh, titleEn: e.titleEn, descriptionZh: e.descriptionZh, descriptionEn: e.descriptionEn,
      type: e.type, status: e.status, ownerUnit: row.owner,
      coUnits: coUnits.filter((u) => u.eventId === e.id).map(({ eventId: _, ...u }) => u),
      observance: row.observance,
      task: row.task && row.campaign ? { ...row.task, campaignId: row.campaign.id, campaignSlug: row.campaign.slug } : null,
      venue: row.venue ? { ...row.venue, town: row.town } : null,
      audiences: audienceRows.filter((a) => a.eventId === e.id).map((a) => a.slug),
      timezone: e.timezone, registrationMode: e.registrationMode,
      registrationOpensAt: iso(e.registrationOpensAt), registrationClosesAt: iso(e.registrationClosesAt),
      capacity: e.capacity, tags: e.tags, sequence: e.sequence,
      firstStartAt: iso(e.firstStartAt), lastEndAt: iso(e.lastEndAt), sessions: eventSessions,
      publishedAt: iso(e.publishedAt), cancelledAt: iso(e.cancelledAt),
      createdAt: e.createdAt.toISOString(), updatedAt: e.updatedAt.toISOString(),
    };
    return [e.id, response] as const;
  }));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Keeps the event's span and `updated_at` in step with its live sessions. */
export async function refreshEventSpan(tx: Executor, eventId: string) {
  await tx.update(events).set({
    firstStartAt: sql`(select min(${sessions.startsAt}) from ${sessions} where ${sessions.eventId} = ${eventId} and ${sessions.status} = 'scheduled')`,
    lastEndAt: sql`(select max(${sessions.endsAt}) from ${sessions} where ${sessions.eventId} = ${eventId} and ${sessions.status} = 'scheduled')`,
    updatedAt: sql`now()`,
  }).where(eq(events.id, eventId));
}

export async function lockEvent(tx: Executor, eventId: string) {
  const [row] = await tx.select().from(events).where(eq(events.id, eventId)).for('update');
  return row;
}

export async function countLiveSessions(tx: Executor, eventId: string) {
  const [row] = await tx.select({ n: sql<number>`count(*)::int` }).from(sessions).where(and(eq(sessions.eventId, eventId), eq(sessions.status, 'scheduled')));
  return row?.n ?? 0;
}
