import { and, eq, or, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../../db/client.js';
import { eventAudiences, eventUnits, events, sessions, units } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { conflict, notFound } from '../../lib/problems.js';
import { EVENT_CALENDAR_FIELDS, changedFields, touchesCalendar } from '../changes/calendar-fields.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { checkEventReferences, ownerApartFromCoUnits, registrationWindow, throwIfAny } from './event-input.js';
import { createEventIn } from './event-create.js';
import { countLiveSessions, loadEvents, lockEvent } from './events.queries.js';
import type { CreateEventBody, EventListQuery, EventResponse, UpdateEventBody } from './events.schemas.js';
import { ownedByAny } from './events.list.js';
import { listEventsPage } from './events.sync.js';
import type { Viewer } from '../accounts/principal.js';
import type { Actor } from '../audit/audit.js';
import { assertVenueFree } from './venue-clash.js';
import { cancelRegistrationsOf, promoteAfterCapacityChange } from '../registrations/cascade.js';

type Deps = { db: Database; clock: Clock; changes: ChangeRecorder; defaultTimezone: string; baseUrl: string; tombstoneRetentionDays: number };

/**
 * What the public may see: published events, and cancelled ones that had been published.
 * Organizers also see their units' drafts (owned or co-organized); admins see everything.
 */
const visibleTo = (viewer: Viewer) =>
  viewer.kind === 'all' ? undefined
    : viewer.kind === 'public' ? sql`${events.publishedAt} is not null`
      : or(sql`${events.publishedAt} is not null`, ownedByAny(viewer.unitIds));

export function createEventsService({ db, clock, changes, defaultTimezone, baseUrl, tombstoneRetentionDays }: Deps) {
  async function get(id: string, viewer: Viewer): Promise<EventResponse> {
    const [row] = await db.select({ id: events.id }).from(events).where(and(eq(events.id, id), visibleTo(viewer)));
    if (!row) throw notFound('event', id);
    const [event] = await loadEvents(db, [id], { publicView: viewer.kind === 'public', baseUrl });
    return event!;
  }

  /** Runs a change of one event under a row lock; 404 when it is gone. */
  async function withEvent<T>(id: string, change: (tx: Transaction, event: typeof events.$inferSelect) => Promise<T>): Promise<T> {
    return db.transaction(async (tx) => {
      const event = await lockEvent(tx, id);
      if (!event) throw notFound('event', id);
      return change(tx, event);
    });
  }

  const refuseIfCancelled = (event: { status: string }) => {
    if (event.status === 'cancelled') throw conflict('event_cancelled', 'The event is cancelled; it can no longer be changed.');
  };
  /** What a reviewer approves is what gets published: no edits while it waits. */
  const refuseIfUnderReview = (event: { status: string }) => {
    if (event.status === 'submitted') throw conflict('under_review', 'The event is waiting for approval; it can be changed once approved or returned.');
  };

  async function requiresReview(tx: Transaction, unitId: string) {
    const [unit] = await tx.select({ requiresReview: units.requiresReview }).from(units).where(eq(units.id, unitId));
    return unit?.requiresReview ?? false;
  }

  async function makePublic(tx: Transaction, event: typeof events.$inferSelect, actor: Actor) {
    if (await countLiveSessions(tx, event.id) === 0) throw conflict('no_sessions', 'An event needs at least one session before it is published.');
    await tx.update(events).set({ status: 'published', publishedAt: clock.now(), reviewComment: null, updatedAt: sql`now()`, sequence: sql`${events.sequence} + 1` }).where(eq(events.id, event.id));
    await changes.record(tx, { entity: 'event', action: 'published', eventId: event.id, ownerUnitId: event.ownerUnitId, changedFields: ['status'], calendarVisible: true, actor });
  }

  async function replaceLinks(tx: Transaction, eventId: string, body: UpdateEventBody) {
    if (body.coUnitIds) {
      await tx.delete(eventUnits).where(eq(eventUnits.eventId, eventId));
      if (body.coUnitIds.length) await tx.insert(eventUnits).values(body.coUnitIds.map((unitId) => ({ eventId, unitId })));
    }
    if (body.audiences) {
      await tx.delete(eventAudiences).where(eq(eventAudiences.eventId, eventId));
      if (body.audiences.length) await tx.insert(eventAudiences).values(body.audiences.map((audienceSlug) => ({ eventId, audienceSlug })));
    }
  }

  return {
    get,

    async list(query: EventListQuery, viewer: Viewer) {
      const { ids, ...page } = await listEventsPage(db, query, viewer, { zone: defaultTimezone, now: clock.now(), tombstoneRetentionDays });
      return { items: await loadEvents(db, ids, { publicView: viewer.kind === 'public', baseUrl }), ...page };
    },

    /** A draft event, with its sessions if given, in one transaction. */
    async create(body: CreateEventBody, actor: Actor = null): Promise<EventResponse> {
      const id = await db.transaction((tx) => createEventIn(tx, body, { changes, defaultTimezone }, actor));
      return get(id, { kind: 'all' });
    },

    async update(id: string, body: UpdateEventBody, actor: Actor = null): Promise<EventResponse> {
      const errors = await checkEventReferences(db, body);
      throwIfAny(errors);
      await withEvent(id, async (tx, event) => {
        refuseIfCancelled(event);
        refuseIfUnderReview(event);
        const storedErrors = await ownerApartFromCoUnits(tx, id, body, event.ownerUnitId);
        const window = registrationWindow(body, { opensAt: event.registrationOpensAt, closesAt: event.registrationClosesAt }, storedErrors);
        throwIfAny(storedErrors);
        const { coUnitIds, audiences, registrationOpensAt: _o, registrationClosesAt: _c, ...columns } = body;
        const patch = { ...columns, registrationOpensAt: window.opensAt, registrationClosesAt: window.closesAt };
        const changed = changedFields(event as Record<string, unknown>, patch);
        const calendarVisible = touchesCalendar(changed, EVENT_CALENDAR_FIELDS);
        if (patch.venueId && patch.venueId !== event.venueId) {
          const live = await tx.select({ startsAt: sessions.startsAt, endsAt: sessions.endsAt }).from(sessions)
            .where(sql`${sessions.eventId} = ${id} and ${sessions.status} = 'scheduled'`);
          await assertVenueFree(tx, patch.venueId, id, live);
        }
        await tx.update(events).set({
          ...patch, updatedAt: sql`now()`, ...(calendarVisible ? { sequence: sql`${events.sequence} + 1` } : {}),
        }).where(eq(events.id, id));
        await replaceLinks(tx, id, { coUnitIds, audiences });
        if (coUnitIds) changed.push('coUnitIds');
        if (audiences) changed.push('audiences');
        await changes.record(tx, { entity: 'event', action: 'updated', eventId: id, ownerUnitId: patch.ownerUnitId ?? event.ownerUnitId, changedFields: changed, calendarVisible, actor });
        if (changed.includes('capacity') || changed.includes('venueId')) await promoteAfterCapacityChange(tx, { eventId: id }, { now: clock.now(), actor, changes });
      });
      return get(id, { kind: 'all' });
    },

    /** Publishing needs at least one live session; a published event is never deleted, only cancelled. */
    async publish(id: string, { actor = null, reviewer = false }: { actor?: Actor; reviewer?: boolean } = {}): Promise<EventResponse> {
      await withEvent(id, async (tx, event) => {
        if (event.status === 'published') throw conflict('already_published', 'The event is already published.');
        refuseIfCancelled(event);
        if (!reviewer && await requiresReview(tx, event.ownerUnitId)) {
          throw conflict('review_required', 'Events of this unit are published after an administrator approves them: submit it for review.');
        }
        await makePublic(tx, event, actor);
      });
      return get(id, { kind: 'all' });
    },

    /** For units under review: the organizers hand a finished draft to the administrators. */
    async submit(id: string, actor: Actor = null): Promise<EventResponse> {
      await withEvent(id, async (tx, event) => {
        if (event.status !== 'draft') throw conflict('not_a_draft', `A ${event.status} event cannot be submitted for review.`);
        if (!(await requiresReview(tx, event.ownerUnitId))) throw conflict('review_not_required', 'This unit publishes without review: publish the event.');
        if (await countLiveSessions(tx, id) === 0) throw conflict('no_sessions', 'An event needs at least one session before it is submitted.');
        await tx.update(events).set({ status: 'submitted', reviewComment: null, updatedAt: sql`now()` }).where(eq(events.id, id));
        await changes.record(tx, { entity: 'event', action: 'submitted', eventId: id, ownerUnitId: event.ownerUnitId, changedFields: ['status'], calendarVisible: false, actor });
      });
      return get(id, { kind: 'all' });
    },

    /** The administrator's answer to a submission: published, or back to draft with a comment. */
    async review(id: string, decision: { approve: true } | { approve: false; comment: string }, actor: Actor = null): Promise<EventResponse> {
      await withEvent(id, async (tx, event) => {
        if (event.status !== 'submitted') throw conflict('not_submitted', 'Only a submitted event can be approved or returned.');
        if (decision.approve) return makePublic(tx, event, actor);
        await tx.update(events).set({ status: 'draft', reviewComment: decision.comment, updatedAt: sql`now()` }).where(eq(events.id, id));
        await changes.record(tx, { entity: 'event', action: 'returned', eventId: id, ownerUnitId: event.ownerUnitId, changedFields: ['status', 'reviewComment'], calendarVisible: false, actor });
      });
      return get(id, { kind: 'all' });
    },

    /** Cancelling keeps the record, so calendars and registrants learn of it. */
    async cancel(id: string, actor: Actor = null): Promise<EventResponse> {
      await withEvent(id, async (tx, event) => {
        if (event.status === 'cancelled') throw conflict('already_cancelled', 'The event is already cancelled.');
        await tx.update(events).set({ status: 'cancelled', cancelledAt: clock.now(), updatedAt: sql`now()`, sequence: sql`${events.sequence} + 1` }).where(eq(events.id, id));
        await changes.record(tx, { entity: 'event', action: 'cancelled', eventId: id, ownerUnitId: event.ownerUnitId, changedFields: ['status'], calendarVisible: true, actor });
        await cancelRegistrationsOf(tx, { eventId: id }, event.ownerUnitId, { now: clock.now(), actor, changes });
      });
      return get(id, { kind: 'all' });
    },

    /** Only drafts are deleted outright; the tombstone tells syncing bots. */
    async remove(id: string, actor: Actor = null): Promise<void> {
      await withEvent(id, async (tx, event) => {
        if (event.status !== 'draft') throw conflict('not_a_draft', `A ${event.status} event cannot be deleted; cancel it instead.`);
        const doomed = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.eventId, id));
        // Recorded first: the tombstones take who may see them from the event's row.
        for (const session of doomed) {
          await changes.record(tx, { entity: 'session', action: 'deleted', eventId: id, sessionId: session.id, ownerUnitId: event.ownerUnitId, changedFields: [], calendarVisible: true, actor });
        }
        await changes.record(tx, { entity: 'event', action: 'deleted', eventId: id, ownerUnitId: event.ownerUnitId, changedFields: [], calendarVisible: true, actor });
        await tx.delete(events).where(eq(events.id, id));
      });
    },
  };
}
export type EventsService = ReturnType<typeof createEventsService>;
