import { and, eq, gt, lt, ne, sql } from 'drizzle-orm';
import type { Transaction } from '../../db/client.js';
import { events, sessions, venues } from '../../db/schema/index.js';
import { conflict } from '../../lib/problems.js';

export type Slot = { startsAt: Date; endsAt: Date };

/**
 * Refuses a booking that overlaps another event's live session at an exclusive venue.
 *
 * Locking: a transaction-scoped advisory lock per venue serialises every booking
 * check of that venue across all processes, so two concurrent requests cannot both
 * see the slot free. It is held until commit, after the session row is written.
 * (An exclusion constraint would need the venue and its shared-use flag copied onto
 * every session row, and would give no name of the other event to show.)
 *
 * Drafts hold their slot: a bureau planning an event should not lose the hall to
 * one created after it. Sessions of one event may overlap each other (parallel groups).
 */
export async function assertVenueFree(tx: Transaction, venueId: string | null, eventId: string, slots: Slot[]) {
  if (!venueId || slots.length === 0) return;
  const [venue] = await tx.select({ shared: venues.allowsSharedUse }).from(venues).where(eq(venues.id, venueId));
  if (!venue || venue.shared) return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`venue:${venueId}`}, 0))`);
  for (const slot of slots) {
    const [clash] = await tx.select({
      eventId: events.id, titleZh: events.titleZh, titleEn: events.titleEn, sessionId: sessions.id, startsAt: sessions.startsAt, endsAt: sessions.endsAt,
    }).from(sessions).innerJoin(events, eq(sessions.eventId, events.id))
      .where(and(
        eq(events.venueId, venueId), ne(events.status, 'cancelled'), eq(sessions.status, 'scheduled'), ne(events.id, eventId),
        lt(sessions.startsAt, slot.endsAt), gt(sessions.endsAt, slot.startsAt),
      ))
      .orderBy(sessions.startsAt)
      .limit(1);
    if (clash) {
      throw conflict('venue_in_use', `The venue is booked at that time by the event "${clash.titleZh}".`, {
        conflictingEvent: { id: clash.eventId, titleZh: clash.titleZh, titleEn: clash.titleEn },
        conflictingSession: { id: clash.sessionId, startsAt: clash.startsAt.toISOString(), endsAt: clash.endsAt.toISOString() },
      });
    }
  }
}
