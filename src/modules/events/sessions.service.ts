import { and, eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { events, sessions } from '../../db/schema/index.js';
import { conflict, notFound, type FieldProblem } from '../../lib/problems.js';
import { SESSION_CALENDAR_FIELDS, changedFields, touchesCalendar } from '../changes/calendar-fields.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { sessionTimes, throwIfAny } from './event-input.js';
import { lockEvent, refreshEventSpan } from './events.queries.js';
import type { CreateSessionBody, UpdateSessionBody } from './events.schemas.js';
import { assertVenueFree } from './venue-clash.js';
import type { Actor } from '../audit/audit.js';
import type { Clock } from '../../lib/clock.js';
import { cancelRegistrationsOf, promoteAfterCapacityChange } from '../registrations/cascade.js';

type EventRow = typeof events.$inferSelect;
type SessionRow = typeof sessions.$inferSelect;

/**
 * Sessions change under a lock on their event row, so the event's span, its
 * sequence and the venue check see one consistent state.
 */
export function createSessionsService({ db, clock, changes }: { db: Database; clock: Clock; changes: ChangeRecorder }) {
  async function withEvent<T>(eventId: string, change: (tx: Transaction, event: EventRow) => Promise<T>) {
    return db.transaction(async (tx) => {
      const event = await lockEvent(tx, eventId);
      if (!event) throw notFound('event', eventId);
      if (event.status === 'cancelled') throw conflict('event_cancelled', 'The event is cancelled; its sessions can no longer be changed.');
      if (event.status === 'submitted') throw conflict('under_review', 'The event is waiting for approval; its sessions can be changed once approved or returned.');
      return change(tx, event);
    });
  }

  async function withSession<T>(eventId: string, sessionId: string, change: (tx: Transaction, event: EventRow, session: SessionRow) => Promise<T>) {
    return withEvent(eventId, async (tx, event) => {
      const [session] = await tx.select().from(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.eventId, eventId))).for('no key update');
      if (!session) throw notFound('session', sessionId);
      return change(tx, event, session);
    });
  }

  return {
    async add(eventId: string, body: CreateSessionBody, actor: Actor = null): Promise<string> {
      const errors: FieldProblem[] = [];
      const times = sessionTimes(body, '', errors);
      throwIfAny(errors);
      return withEvent(eventId, async (tx, event) => {
        await assertVenueFree(tx, event.venueId, eventId, [times]);
        const [row] = await tx.insert(sessions).values({ eventId, ...times, capacity: body.capacity ?? null, streamUrl: body.streamUrl ?? null }).returning({ id: sessions.id });
        await refreshEventSpan(tx, eventId);
        await changes.record(tx, { entity: 'session', action: 'created', eventId, sessionId: row!.id, changedFields: [], calendarVisible: event.status === 'published', ownerUnitId: event.ownerUnitId, actor });
        return row!.id;
      });
    },

    async update(eventId: string, sessionId: string, body: UpdateSessionBody, actor: Actor = null): Promise<void> {
      await withSession(eventId, sessionId, async (tx, event, session) => {
        if (session.status === 'cancelled') throw conflict('session_cancelled', 'The session is cancelled; it can no longer be changed.');
        const errors: FieldProblem[] = [];
        const times = sessionTimes({ startsAt: body.startsAt ?? session.startsAt.toISOString(), endsAt: body.endsAt ?? session.endsAt.toISOString() }, '', errors);
        throwIfAny(errors);
        const patch = { ...times, ...(body.capacity !== undefined ? { capacity: body.capacity } : {}), ...(body.streamUrl !== undefined ? { streamUrl: body.streamUrl } : {}) };
        const changed = changedFields(session as Record<string, unknown>, patch);
        const calendarVisible = touchesCalendar(changed, SESSION_CALENDAR_FIELDS);
        if (changed.includes('startsAt') || changed.includes('endsAt')) await assertVenueFree(tx, event.venueId, eventId, [times]);
        // Once people may have planned around it, a moved start is remembered (EventRescheduled in JSON-LD).
        const moved = changed.includes('startsAt') && event.status === 'published' ? { previousStartsAt: session.startsAt } : {};
        await tx.update(sessions).set({ ...patch, ...moved, updatedAt: sql`now()`, ...(calendarVisible ? { sequence: sql`${sessions.sequence} + 1` } : {}) })
          .where(eq(sessions.id, sessionId));
        await refreshEventSpan(tx, eventId);
        await changes.record(tx, { entity: 'session', action: 'updated', eventId, sessionId, changedFields: changed, calendarVisible, ownerUnitId: event.ownerUnitId, actor });
        if (changed.includes('capacity')) await promoteAfterCapacityChange(tx, { sessionId }, { now: clock.now(), actor, changes });
      });
    },

    async cancel(eventId: string, sessionId: string, actor: Actor = null): Promise<void> {
      await withSession(eventId, sessionId, async (tx, event, session) => {
        if (session.status === 'cancelled') throw conflict('already_cancelled', 'The session is already cancelled.');
        await tx.update(sessions).set({ status: 'cancelled', updatedAt: sql`now()`, sequence: sql`${sessions.sequence} + 1` }).where(eq(sessions.id, sessionId));
        await refreshEventSpan(tx, eventId);
        await changes.record(tx, { entity: 'session', action: 'cancelled', eventId, sessionId, changedFields: ['status'], calendarVisible: true, ownerUnitId: event.ownerUnitId, actor });
        await cancelRegistrationsOf(tx, { sessionId }, event.ownerUnitId, { now: clock.now(), actor, changes });
      });
    },

    /** A draft's sessions may be deleted; a published event's are cancelled, so calendars hear of it. */
    async remove(eventId: string, sessionId: string, actor: Actor = null): Promise<void> {
      await withSession(eventId, sessionId, async (tx, event) => {
        if (event.status !== 'draft') throw conflict('not_a_draft', 'Sessions of a published event cannot be deleted; cancel the session instead.');
        await tx.delete(sessions).where(eq(sessions.id, sessionId));
        await refreshEventSpan(tx, eventId);
        await changes.record(tx, { entity: 'session', action: 'deleted', eventId, sessionId, changedFields: [], calendarVisible: true, ownerUnitId: event.ownerUnitId, actor });
      });
    },
  };
}
