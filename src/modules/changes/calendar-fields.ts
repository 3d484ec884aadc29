/**
 * Which changes a subscribed calendar shows, and so raise `sequence` (RFC 5545 §3.8.7.4):
 * time, place, title and status. Descriptions, tags, capacity and the like do not:
 * raising SEQUENCE for them would make calendars re-prompt people for nothing.
 *
 * A session's VEVENT carries event.sequence + session.sequence: both only rise, so the
 * sum rises on any change of either (an event's title, a session's time).
 */
export const EVENT_CALENDAR_FIELDS = ['titleZh', 'titleEn', 'venueId', 'status', 'timezone'] as const;
export const SESSION_CALENDAR_FIELDS = ['startsAt', 'endsAt', 'status'] as const;

// Dates and arrays (tags) arrive as new objects on every request: compare by value, or each
// PATCH would report them changed and listeners would act on changes that never happened.
const same = (a: unknown, b: unknown): boolean =>
  a instanceof Date && b instanceof Date ? a.getTime() === b.getTime()
    : Array.isArray(a) && Array.isArray(b) ? a.length === b.length && a.every((x, i) => same(x, b[i]))
      : a === b;

/** The names of fields whose value differs between `before` and `patch` (only keys in `patch`). */
export function changedFields<T extends Record<string, unknown>>(before: T, patch: Partial<T>): string[] {
  return Object.keys(patch).filter((key) => patch[key] !== undefined && !same(before[key], patch[key]));
}

export function touchesCalendar(changed: readonly string[], calendarFields: readonly string[]): boolean {
  return changed.some((field) => calendarFields.includes(field));
}
