import type { Transaction } from '../../db/client.js';
import { eventAudiences, eventUnits, events, sessions } from '../../db/schema/index.js';
import type { Actor } from '../audit/audit.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { checkEventReferences, registrationWindow, sessionTimes, throwIfAny } from './event-input.js';
import { refreshEventSpan } from './events.queries.js';
import type { CreateEventBody } from './events.schemas.js';
import { assertVenueFree } from './venue-clash.js';

export type CreateDeps = { changes: ChangeRecorder; defaultTimezone: string };

/**
 * A new draft event with its sessions, in the caller's transaction: the one way events are
 * created, whether one by the API or many from an imported spreadsheet (which must commit
 * all of them or none). Throws 422 `invalid_event` or 409 `venue_in_use` as Problems.
 */
export async function createEventIn(tx: Transaction, body: CreateEventBody, { changes, defaultTimezone }: CreateDeps, actor: Actor = null): Promise<string> {
  const errors = await checkEventReferences(tx, body);
  const window = registrationWindow(body, { opensAt: null, closesAt: null }, errors);
  const slots = (body.sessions ?? []).map((s, i) => ({ ...sessionTimes(s, `/sessions/${i}`, errors), capacity: s.capacity ?? null, streamUrl: s.streamUrl ?? null }));
  throwIfAny(errors);
  const [row] = await tx.insert(events).values({
    titleZh: body.titleZh, titleEn: body.titleEn ?? null, descriptionZh: body.descriptionZh ?? null, descriptionEn: body.descriptionEn ?? null,
    type: body.type, status: 'draft', ownerUnitId: body.ownerUnitId, observanceId: body.observanceId ?? null, taskId: body.taskId ?? null,
    venueId: body.venueId ?? null, timezone: body.timezone ?? defaultTimezone, registrationMode: body.registrationMode ?? 'none',
    registrationOpensAt: window.opensAt, registrationClosesAt: window.closesAt, capacity: body.capacity ?? null, tags: body.tags ?? [],
    partySizeLimit: body.partySizeLimit, waitlistEnabled: body.waitlistEnabled, promotionCutoffMinutes: body.promotionCutoffMinutes,
    reminderOffsetsMinutes: body.reminderOffsetsMinutes, scienceWorkers: body.scienceWorkers ?? null, volunteers: body.volunteers ?? null,
  }).returning({ id: events.id });
  const eventId = row!.id;
  if (body.coUnitIds?.length) await tx.insert(eventUnits).values(body.coUnitIds.map((unitId) => ({ eventId, unitId })));
  if (body.audiences?.length) await tx.insert(eventAudiences).values(body.audiences.map((audienceSlug) => ({ eventId, audienceSlug })));
  if (slots.length) {
    await assertVenueFree(tx, body.venueId ?? null, eventId, slots);
    const inserted = await tx.insert(sessions).values(slots.map((s) => ({ eventId, ...s }))).returning({ id: sessions.id });
    await refreshEventSpan(tx, eventId);
    for (const { id: sessionId } of inserted) {
      await changes.record(tx, { entity: 'session', action: 'created', eventId, sessionId, ownerUnitId: body.ownerUnitId, changedFields: [], calendarVisible: false, actor });
    }
  }
  await changes.record(tx, { entity: 'event', action: 'created', eventId, ownerUnitId: body.ownerUnitId, changedFields: [], calendarVisible: false, actor });
  return eventId;
}
