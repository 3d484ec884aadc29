import { and, asc, desc, eq, gt, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { events, registrations, sessions } from '../../db/schema/index.js';

/**
 * Views across events for the staff's dashboard. A caller sees the events their units own,
 * as the per-event registration list allows them (co-organizing units do not get the list,
 * so they do not get it here either); admins see all.
 */
export type OverviewScope = { kind: 'all' } | { kind: 'units'; unitIds: string[] };
const ownedBy = (scope: OverviewScope): SQL | undefined =>
  scope.kind === 'all' ? undefined : sql`${events.ownerUnitId} = any(${sql.param(scope.unitIds)}::uuid[])`;

/**
 * The latest sign-ups, newest first. Only what a glance needs: the name (these readers are
 * the event's organizers and checkers, who see it in the list anyway) and the school, never
 * a phone number, an address or an answer.
 */
export async function recentRegistrations(db: Executor, { scope, limit }: { scope: OverviewScope; limit: number }) {
  const rows = await db.select({
    id: registrations.id, kind: registrations.kind, status: registrations.status, source: registrations.source,
    headcount: registrations.headcount, name: registrations.contactName, school: registrations.school, createdAt: registrations.createdAt,
    sessionId: sessions.id, startsAt: sessions.startsAt, endsAt: sessions.endsAt,
    eventId: events.id, titleZh: events.titleZh, titleEn: events.titleEn, timezone: events.timezone,
  }).from(registrations)
    .innerJoin(sessions, eq(sessions.id, registrations.sessionId))
    .innerJoin(events, eq(events.id, registrations.eventId))
    .where(ownedBy(scope))
    .orderBy(desc(registrations.seq))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id, kind: r.kind, status: r.status, source: r.source, headcount: r.headcount, name: r.name, school: r.school,
    createdAt: r.createdAt.toISOString(),
    session: { id: r.sessionId, startsAt: r.startsAt.toISOString(), endsAt: r.endsAt.toISOString() },
    event: { id: r.eventId, titleZh: r.titleZh, titleEn: r.titleEn, timezone: r.timezone },
  }));
}

// The outer column named by hand: Drizzle may write a selected column unqualified, and inside
// the subquery `id` would then be the registration's own.
const waitlisted = sql<number>`(select count(*)::int from registrations w where w.session_id = sessions.id and w.status = 'waitlisted')`;
const waitlistedHeadcount = sql<number>`(select coalesce(sum(w.headcount), 0)::int from registrations w where w.session_id = sessions.id and w.status = 'waitlisted')`;

/**
 * Sessions not over yet that start before `until`, in order of start: live sessions of
 * events that are not cancelled (drafts too, so organizers see what they are preparing),
 * with seats taken, capacity and the waiting list. `after` is the last row's (start, id).
 */
export async function upcomingSessions(db: Executor, { scope, now, until, limit, after }: {
  scope: OverviewScope; now: Date; until: Date; limit: number; after?: { startsAt: Date; id: string };
}) {
  const rows = await db.select({
    id: sessions.id, startsAt: sessions.startsAt, endsAt: sessions.endsAt, capacity: sessions.effectiveCapacity, seatsTaken: sessions.seatsTaken,
    waitlisted, waitlistedHeadcount,
    eventId: events.id, titleZh: events.titleZh, titleEn: events.titleEn, status: events.status, timezone: events.timezone, registrationMode: events.registrationMode,
  }).from(sessions)
    .innerJoin(events, eq(events.id, sessions.eventId))
    .where(and(
      eq(sessions.status, 'scheduled'), ne(events.status, 'cancelled'), gt(sessions.endsAt, now), lt(sessions.startsAt, until), ownedBy(scope),
      after ? or(gt(sessions.startsAt, after.startsAt), and(eq(sessions.startsAt, after.startsAt), gt(sessions.id, after.id))) : undefined,
    ))
    .orderBy(asc(sessions.startsAt), asc(sessions.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map((r) => ({
      id: r.id, startsAt: r.startsAt.toISOString(), endsAt: r.endsAt.toISOString(),
      capacity: r.capacity, seatsTaken: r.seatsTaken, waitlisted: { registrations: r.waitlisted, headcount: r.waitlistedHeadcount },
      event: { id: r.eventId, titleZh: r.titleZh, titleEn: r.titleEn, status: r.status, timezone: r.timezone, registrationMode: r.registrationMode },
    })),
    last: rows.length > limit ? page.at(-1) : undefined,
  };
}
