import { and, asc, eq, exists, gt, gte, ilike, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Executor } from '../../db/client.js';
import {
  campaignSections, campaignTasks, campaigns, eventAudiences, eventUnits, events, observances, sessions, towns, units, venues,
} from '../../db/schema/index.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor.js';
import { Problem } from '../../lib/problems.js';
import type { EventListQuery } from './events.schemas.js';
import type { Viewer } from '../accounts/principal.js';

export type { Viewer } from '../accounts/principal.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A plain date means that day in the calendar's zone: `from` its start, `to` its end, so
 * from=to=2024-05-25 is that one day. The schema lets through what no Date can hold (a leap
 * second, year 0 or 10000 after the offset), which would otherwise fail in the driver as a 500.
 */
export function boundary(value: string, param: 'from' | 'to' | 'updatedSince' | 'since', zone: string): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value) ? DateTime.fromISO(value, { zone }) : undefined;
  const date = day ? (param === 'to' ? day.plus({ days: 1 }) : day).toJSDate() : new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw new Problem(400, 'validation_failed', 'The request querystring is invalid.', {
      errors: [{ in: 'querystring', pointer: `/${param}`, detail: 'is not a time this calendar can hold (years 1 to 9999)' }],
    });
  }
  return date;
}

/** Events a unit owns or co-organizes. */
export const ownedByAny = (unitIds: string[]) => or(
  sql`${events.ownerUnitId} = any(${sql.param(unitIds)}::uuid[])`,
  exists(sql`(select 1 from ${eventUnits} where ${eventUnits.eventId} = ${events.id} and ${eventUnits.unitId} = any(${sql.param(unitIds)}::uuid[]))`),
)!;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function filters(query: EventListQuery, viewer: Viewer, zone: string, now: Date): SQL[] {
  const where: (SQL | undefined)[] = [];
  if (viewer.kind === 'public' && query.status && query.status !== 'published' && query.status !== 'cancelled') {
    throw new Problem(401, 'authentication_required', 'Only organizers see draft events.', {
      errors: [{ in: 'querystring', pointer: '/status', detail: 'drafts need an organizer\'s credentials' }],
    });
  }
  if (query.status) where.push(eq(events.status, query.status));
  // As visibleTo: a cancelled event that had been published stays listed, so people learn of it;
  // an organizer also sees the drafts of the units they act for.
  const everPublished = sql`${events.publishedAt} is not null`;
  if (viewer.kind === 'public') where.push(everPublished);
  if (viewer.kind === 'units') where.push(or(everPublished, ownedByAny(viewer.unitIds))!);

  // The public list starts from now unless asked otherwise; organizers see everything by default,
  // and so does a sync (updatedSince), which must hear of past events' changes too.
  const from = query.from ? boundary(query.from, 'from', zone) : viewer.kind === 'public' && !query.updatedSince ? now : undefined;
  const to = query.to ? boundary(query.to, 'to', zone) : undefined;
  if (from && to && from >= to) {
    throw new Problem(400, 'invalid_range', '`to` must be after `from`.', { errors: [{ in: 'querystring', pointer: '/to', detail: 'is not after from' }] });
  }
  if (from || to) {
    // An event is in the range when one of its sessions overlaps it, cancelled ones included:
    // a cancellation stays listed where the session was, so calendars and bots learn of it.
    // Drizzle's exists() puts no parentheses around raw SQL, so the subqueries bring their own.
    where.push(exists(sql`(select 1 from ${sessions} where ${and(
      eq(sessions.eventId, events.id),
      from ? gt(sessions.endsAt, from) : undefined, to ? lt(sessions.startsAt, to) : undefined,
    )})`));
  }
  if (query.observance) where.push(inArray(events.observanceId, sql`(select ${observances.id} from ${observances} where ${observances.slug} = ${query.observance})`));
  if (query.task) where.push(eq(events.taskId, query.task));
  if (query.campaign) {
    where.push(inArray(events.taskId, sql`(select ${campaignTasks.id} from ${campaignTasks}
      join ${campaignSections} on ${campaignSections.id} = ${campaignTasks.sectionId}
      join ${campaigns} on ${campaigns.id} = ${campaignSections.campaignId} where ${campaigns.slug} = ${query.campaign})`));
  }
  if (query.venue) where.push(inArray(events.venueId, sql`(select ${venues.id} from ${venues} where ${venues.slug} = ${query.venue})`));
  if (query.town) {
    where.push(inArray(events.venueId, sql`(select ${venues.id} from ${venues} join ${towns} on ${towns.id} = ${venues.townId} where ${towns.slug} = ${query.town})`));
  }
  if (query.audience) {
    where.push(exists(sql`(select 1 from ${eventAudiences} where ${eventAudiences.eventId} = ${events.id} and ${eventAudiences.audienceSlug} = ${query.audience})`));
  }
  if (query.unit) {
    const unitId = sql`(select ${units.id} from ${units} where ${units.slug} = ${query.unit})`;
    where.push(or(
      eq(events.ownerUnitId, unitId),
      exists(sql`(select 1 from ${eventUnits} where ${eventUnits.eventId} = ${events.id} and ${eventUnits.unitId} = ${unitId})`),
    ));
  }
  if (query.type) where.push(eq(events.type, query.type));
  if (query.q) {
    // Substring match (trigram-indexed on title_zh): works for Chinese, unlike English full-text search.
    const pattern = `%${escapeLike(query.q)}%`;
    where.push(or(ilike(events.titleZh, pattern), ilike(events.titleEn, pattern), ilike(events.descriptionZh, pattern), ilike(events.descriptionEn, pattern)));
  }
  if (query.updatedSince) where.push(changedSince(boundary(query.updatedSince, 'updatedSince', zone)));
  return where.filter((w): w is SQL => w !== undefined);
}

/**
 * An event's public record changed: the event itself (its sessions' changes mark it too), a
 * session's availability word (stamped on the session row), or a venue (or its town), themed
 * day, plan task or unit it shows by name.
 */
const changedSince = (since: Date) => or(
  gte(events.updatedAt, since),
  exists(sql`(select 1 from ${sessions} where ${sessions.eventId} = ${events.id} and ${sessions.availabilityChangedAt} >= ${since.toISOString()}::timestamptz)`),
  inArray(events.venueId, sql`(select ${venues.id} from ${venues} left join ${towns} on ${towns.id} = ${venues.townId}
    where ${venues.updatedAt} >= ${since.toISOString()}::timestamptz or ${towns.updatedAt} >= ${since.toISOString()}::timestamptz)`),
  inArray(events.observanceId, sql`(select ${observances.id} from ${observances} where ${observances.updatedAt} >= ${since.toISOString()}::timestamptz)`),
  inArray(events.taskId, sql`(select ${campaignTasks.id} from ${campaignTasks} where ${campaignTasks.updatedAt} >= ${since.toISOString()}::timestamptz)`),
  exists(sql`(select 1 from ${units} where ${units.updatedAt} >= ${since.toISOString()}::timestamptz and (${units.id} = ${events.ownerUnitId}
    or ${units.id} in (select ${eventUnits.unitId} from ${eventUnits} where ${eventUnits.eventId} = ${events.id})))`),
)!;

/**
 * One page of event ids in a stable order: by first session start (events without
 * sessions last), then id. The cursor is the last row's key, so pages never skip or
 * repeat rows when events are added in between.
 */
export async function listEventIds(db: Executor, query: EventListQuery, viewer: Viewer, zone: string, now: Date) {
  const where = filters(query, viewer, zone, now);
  if (query.cursor) {
    const [start, id] = decodeCursor(query.cursor, 2) as [string | null, string | null];
    // A tampered key must not reach the database, where it would fail as a 500.
    const startAt = start === null ? null : new Date(start);
    const year = startAt?.getUTCFullYear() ?? 2000;
    if (!id || !UUID.test(id) || !(year >= 1 && year <= 9999)) throw invalidCursor();
    where.push(startAt === null
      ? and(isNull(events.firstStartAt), gt(events.id, id!))!
      : or(gt(events.firstStartAt, startAt), and(eq(events.firstStartAt, startAt), gt(events.id, id!)), isNull(events.firstStartAt))!);
  }
  const rows = await db.select({ id: events.id, firstStartAt: events.firstStartAt }).from(events)
    .where(and(...where))
    .orderBy(sql`${events.firstStartAt} asc nulls last`, asc(events.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    ids: page.map((r) => r.id),
    nextCursor: rows.length > query.limit && last ? encodeCursor([last.firstStartAt?.toISOString() ?? null, last.id]) : null,
  };
}
