import { DateTime } from 'luxon';

/**
 * Reading posted forms: what a field holds, as the API's types where the conversion is sure.
 * No rule of the API is checked here (the API does that); only forms of writing are read.
 */

/** A posted form as @fastify/formbody parses it: a repeated name (checkboxes) becomes a list. */
export type FormValues = Record<string, string | string[] | undefined>;

export const formOf = (body: unknown): FormValues => (body && typeof body === 'object' ? body as FormValues : {});

/** One text value of a field ('' when absent); the first when a name came twice. */
export const textOf = (form: FormValues, name: string): string => {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
};

/** Every value of a repeated field (checkboxes), empty ones left out. */
export const listOf = (form: FormValues, name: string): string[] => [form[name] ?? []].flat().filter((v) => v !== '');

/**
 * A number field: an integer as a number (a negative too, so the API says "at least 0"
 * rather than "wrong form"), anything else as typed, so the API names the mistake by the
 * field and the form keeps what was typed. The one conversion every form uses.
 */
export function integerOrRaw(raw: string): number | string {
  const trimmed = raw.trim();
  return /^-?\d{1,15}$/.test(trimmed) ? Number(trimmed) : trimmed;
}

// Browsers without a datetime-local picker let people type; these are the shapes they type.
const TYPED_FORMATS = ['yyyy-M-d H:mm', 'yyyy/M/d H:mm', 'yyyy-M-d H:mm:ss', 'yyyy/M/d H:mm:ss'];

/**
 * A `datetime-local` value is a wall-clock time with no zone: it is read in the event's
 * zone (never the server's), giving an instant with its offset. What does not parse goes
 * to the API as typed, which then reports it by the field.
 */
export function instantIn(raw: string, zone: string): string {
  const trimmed = raw.trim();
  let time = DateTime.fromISO(trimmed, { zone });
  for (const format of TYPED_FORMATS) {
    if (time.isValid) break;
    time = DateTime.fromFormat(trimmed, format, { zone });
  }
  return time.isValid ? time.toISO({ suppressMilliseconds: true })! : trimmed;
}

/** An instant as the value of a `datetime-local` field, in the event's zone. */
export const localInputOf = (iso: string | null | undefined, zone: string): string =>
  iso ? DateTime.fromISO(iso, { zone }).toFormat("yyyy-MM-dd'T'HH:mm") : '';

/** Tags typed in one field: separated by commas (either width) or 、, as people write lists. */
export const tagsOf = (raw: string): string[] => raw.split(/[,，、;；\n]+/).map((t) => t.trim()).filter(Boolean);

/**
 * Whole days from the first session's date to `date`, counted in the event's zone so a
 * session at 09:00 stays at 09:00 local time; null when `date` is not a calendar date.
 */
export function daysFromFirstSession(firstStartsAt: string, zone: string, date: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date.trim())) return null;
  const target = DateTime.fromISO(date.trim(), { zone });
  if (!target.isValid) return null;
  const first = DateTime.fromISO(firstStartsAt, { zone }).startOf('day');
  // Rounded: a day across a daylight-saving change lasts 23 or 25 hours.
  return Math.round(target.diff(first, 'days').days);
}

/** The same wall-clock time `days` later in the zone (luxon adds calendar days, not 24-hour spans). */
export const shiftedBy = (iso: string, zone: string, days: number): string =>
  DateTime.fromISO(iso, { zone }).plus({ days }).toISO({ suppressMilliseconds: true })!;

/** Today's date in the calendar's zone. */
export const todayIn = (now: Date, zone: string): string => DateTime.fromJSDate(now, { zone }).toISODate()!;
