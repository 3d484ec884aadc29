import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '../../db/client.js';
import { events, registrationHistory, registrations, sessions } from '../../db/schema/index.js';
import type { Actor } from '../audit/audit.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { promoteWaitlisted } from './seats.js';

type Context = { now: Date; actor: Actor; changes: ChangeRecorder };

/**
 * When an event or a session is cancelled, its live registrations are cancelled in the
 * same transaction (the mail planner tells the people). A cancelled event's sessions are
 * cancelled with it: writing their rows is what makes a sign-up waiting on one of them
 * re-check and find it cancelled (see seats.ts), and it tells calendars each session is off.
 */
export async function cancelRegistrationsOf(tx: Transaction, scope: { eventId: string } | { sessionId: string }, ownerUnitId: string, { now, actor, changes }: Context) {
  const reason = 'eventId' in scope ? 'event_cancelled' : 'session_cancelled';
  if ('eventId' in scope) {
    await tx.update(sessions).set({ status: 'cancelled', updatedAt: now }).where(and(eq(sessions.eventId, scope.eventId), eq(sessions.status, 'scheduled')));
  }
  const cancelled = await tx.update(registrations).set({ status: 'cancelled', statusChangedAt: now, updatedAt: now })
    .where(and('eventId' in scope ? eq(registrations.eventId, scope.eventId) : eq(registrations.sessionId, scope.sessionId),
      inArray(registrations.status, ['confirmed', 'waitlisted'])))
    .returning();
  if (cancelled.length === 0) return;
  await tx.insert(registrationHistory).values(cancelled.map((r) => ({
    registrationId: r.id, sessionId: r.sessionId, status: 'cancelled' as const, headcount: r.headcount, reason, actorAccountId: actor?.accountId ?? null, changedAt: now,
  })));
  // Recounted from the rows: `returning` gives the new status, not the one each row had.
  // (Drizzle writes columns in SET unqualified, so the outer row is named by hand.)
  await tx.update(sessions).set({ seatsTaken: sql`(select coalesce(sum(r.headcount), 0) from registrations r where r.session_id = sessions.id and r.status in ('confirmed', 'attended'))::int` })
    .where(inArray(sessions.id, [...new Set(cancelled.map((r) => r.sessionId))]));
  for (const r of cancelled) {
    await changes.record(tx, { entity: 'registration', action: 'cancelled', registrationId: r.id, eventId: r.eventId, sessionId: r.sessionId, ownerUnitId, status: 'cancelled', changedFields: ['status'], actor });
  }
}

/** After capacity rose (a session's, its event's or its venue's), the waiting lists of the upcoming sessions move. */
export async function promoteAfterCapacityChange(tx: Transaction, scope: { eventId: string } | { sessionId: string } | { venueId: string }, context: Context) {
  const where = 'sessionId' in scope ? eq(sessions.id, scope.sessionId)
    : 'eventId' in scope ? eq(sessions.eventId, scope.eventId)
      : sql`${sessions.eventId} in (select ${events.id} from ${events} where ${events.venueId} = ${scope.venueId})`;
  const waiting = await tx.selectDistinct({ id: sessions.id }).from(sessions)
    .innerJoin(registrations, and(eq(registrations.sessionId, sessions.id), eq(registrations.status, 'waitlisted')))
    .where(and(where, gt(sessions.startsAt, context.now)));
  for (const { id } of waiting) await promoteWaitlisted(tx, id, context);
}
