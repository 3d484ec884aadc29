import type { EventResponse } from '../../../modules/events/events.schemas.js';
import { daysFromFirstSession, shiftedBy } from '../../form-values.js';

/**
 * The create body of a copy of `event` whose first live session falls on `firstDate` (in the
 * event's zone): every live session and the registration window move by the same number of
 * days, keeping their local times. Cancelled sessions are not copied. Null when the date is
 * not a date; an event without live sessions is copied without any (and without a window).
 * The science worker and volunteer counts stay behind: they report what the original did.
 */
export function duplicateBodyOf(event: EventResponse, firstDate: string): Record<string, unknown> | null {
  const zone = event.timezone;
  const live = event.sessions.filter((s) => s.status === 'scheduled').sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  const first = live[0];
  const days = daysFromFirstSession(first?.startsAt ?? new Date().toISOString(), zone, firstDate);
  if (days === null) return null;
  const shift = (iso: string | null) => (iso && first ? shiftedBy(iso, zone, days) : null);
  return {
    titleZh: event.titleZh, titleEn: event.titleEn, descriptionZh: event.descriptionZh, descriptionEn: event.descriptionEn,
    type: event.type, ownerUnitId: event.ownerUnit.id, coUnitIds: event.coUnits.map((u) => u.id),
    observanceId: event.observance?.id ?? null, taskId: event.task?.id ?? null, venueId: event.venue?.id ?? null,
    timezone: zone, registrationMode: event.registrationMode,
    registrationOpensAt: shift(event.registrationOpensAt), registrationClosesAt: shift(event.registrationClosesAt),
    capacity: event.capacity, partySizeLimit: event.partySizeLimit, waitlistEnabled: event.waitlistEnabled,
    promotionCutoffMinutes: event.promotionCutoffMinutes, reminderOffsetsMinutes: event.reminderOffsetsMinutes,
    tags: event.tags, audiences: event.audiences,
    sessions: live.map((s) => ({
      startsAt: shiftedBy(s.startsAt, zone, days), endsAt: shiftedBy(s.endsAt, zone, days), capacity: s.capacity, streamUrl: s.streamUrl,
    })),
  };
}
