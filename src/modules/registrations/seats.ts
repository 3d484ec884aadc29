import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '../../db/client.js';
import { events, registrationHistory, registrations, sessions } from '../../db/schema/index.js';
import type { Actor } from '../audit/audit.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';

/*
 * Seats, and why they never overbook.
 *
 * A session row carries `seats_taken` (the headcount of confirmed and attended
 * registrations) and `effective_capacity` (kept by triggers from the session's, event's or
 * venue's capacity), and a CHECK constraint says the first never exceeds the second.
 *
 * Taking seats is one conditional UPDATE of that row: it adds the headcount only if it
 * still fits. A sign-up does it in the same statement that inserts the registration
 * (registrations.service.ts): a resident's sign-up is that one statement outside any
 * transaction (signUpInOneStatement: it locks the row, takes the seats or else puts the
 * registration on the waiting list, and plans its mail), so the row lock is held for that
 * statement and its commit only, with no round trip to the API in between; a sign-up that
 * needs a transaction (staff, an Idempotency-Key) holds it from that statement to its
 * commit. Sign-ups for one session queue on that lock; those for other sessions never meet. Everything else that moves seats or capacity
 * (cancellations, headcount changes, capacity changes through the triggers, cancelling a
 * session or an event, which cancels its sessions) writes or locks the same row first, so
 * under READ COMMITTED a waiting UPDATE re-checks its condition against the committed row:
 * no double counting, no stale capacity, no seat taken in a session cancelled meanwhile.
 * We chose the conditional update over SELECT … FOR UPDATE and a later write because it
 * holds the lock for fewer round trips, and that lock bounds a popular session's throughput.
 *
 * When the seats do not fit, the sign-up decides under the row's lock (in its one
 * statement, or with `lockSession` in its transaction): a seat that freed meanwhile is
 * taken, otherwise the registration joins the waiting list while still holding the lock. A seat that frees in a concurrent transaction
 * is then either seen here or frees after this entry commits (and promotes it): nobody
 * waits while a seat that fits them stays empty. Locks are always taken in the order
 * event, session, registration.
 */

export type LockedSession = {
  id: string; eventId: string; status: string; startsAt: Date; effectiveCapacity: number | null; seatsTaken: number;
  promotionCutoffMinutes: number; ownerUnitId: string;
};

/** Adds `headcount` to the session's seats if they fit; false when full (nothing written). */
export async function takeSeats(tx: Transaction, sessionId: string, headcount: number): Promise<boolean> {
  const rows = await tx.update(sessions).set({ seatsTaken: sql`${sessions.seatsTaken} + ${headcount}` })
    .where(and(eq(sessions.id, sessionId), eq(sessions.status, 'scheduled'),
      sql`(${sessions.effectiveCapacity} is null or ${sessions.seatsTaken} + ${headcount} <= ${sessions.effectiveCapacity})`))
    .returning({ id: sessions.id });
  return rows.length > 0;
}

export async function releaseSeats(tx: Transaction, sessionId: string, headcount: number): Promise<void> {
  if (headcount === 0) return;
  await tx.update(sessions).set({ seatsTaken: sql`${sessions.seatsTaken} - ${headcount}` }).where(eq(sessions.id, sessionId));
}

/** The session row under lock, with what the waiting list needs from its event. */
export async function lockSession(tx: Transaction, sessionId: string): Promise<LockedSession | undefined> {
  const [row] = await tx.select({
    id: sessions.id, eventId: sessions.eventId, status: sessions.status, startsAt: sessions.startsAt,
    effectiveCapacity: sessions.effectiveCapacity, seatsTaken: sessions.seatsTaken,
    promotionCutoffMinutes: events.promotionCutoffMinutes, ownerUnitId: events.ownerUnitId,
  }).from(sessions).innerJoin(events, eq(events.id, sessions.eventId)).where(eq(sessions.id, sessionId)).for('no key update', { of: sessions });
  return row;
}

export const seatsLeft = (session: Pick<LockedSession, 'effectiveCapacity' | 'seatsTaken'>) =>
  session.effectiveCapacity === null ? Number.POSITIVE_INFINITY : session.effectiveCapacity - session.seatsTaken;

/** Within the cut-off before the start, freed seats wait for an organizer (or a new sign-up). */
export const withinCutoff = (session: Pick<LockedSession, 'startsAt' | 'promotionCutoffMinutes'>, now: Date) =>
  now.getTime() >= session.startsAt.getTime() - session.promotionCutoffMinutes * 60_000;

/**
 * Moves waiting registrations into freed seats, oldest first, skipping any that do not fit:
 * a class of 40 at the head of the list does not keep a family of 2 out of the 3 seats
 * left, but among those that fit, first come is first served. Not within the cut-off
 * before the session starts. Runs in the transaction that freed the seats.
 */
export async function promoteWaitlisted(tx: Transaction, sessionId: string, { now, actor, changes }: { now: Date; actor: Actor; changes: ChangeRecorder }): Promise<string[]> {
  const session = await lockSession(tx, sessionId);
  if (!session || session.status !== 'scheduled' || withinCutoff(session, now)) return [];
  let left = seatsLeft(session);
  if (left <= 0) return [];
  const waiting = await tx.select({ id: registrations.id, headcount: registrations.headcount }).from(registrations)
    .where(and(eq(registrations.sessionId, sessionId), eq(registrations.status, 'waitlisted'))).orderBy(asc(registrations.seq));
  const promoted: { id: string; headcount: number }[] = [];
  for (const candidate of waiting) {
    if (candidate.headcount > left) continue;
    promoted.push(candidate);
    left -= candidate.headcount;
    if (left <= 0) break;
  }
  if (promoted.length === 0) return [];
  const ids = promoted.map((p) => p.id);
  const headcount = promoted.reduce((sum, p) => sum + p.headcount, 0);
  await tx.update(sessions).set({ seatsTaken: sql`${sessions.seatsTaken} + ${headcount}` }).where(eq(sessions.id, sessionId));
  await tx.update(registrations).set({ status: 'confirmed', statusChangedAt: now, updatedAt: now }).where(inArray(registrations.id, ids));
  await tx.insert(registrationHistory).values(promoted.map((p) => ({
    registrationId: p.id, sessionId, status: 'confirmed' as const, headcount: p.headcount, reason: 'promoted', actorAccountId: actor?.accountId ?? null, changedAt: now,
  })));
  for (const id of ids) {
    await changes.record(tx, { entity: 'registration', action: 'promoted', registrationId: id, eventId: session.eventId, sessionId, ownerUnitId: session.ownerUnitId, status: 'confirmed', changedFields: ['status'], actor });
  }
  return ids;
}
