/**
 * Where an event lands when its plan is copied to another year. Pure: no I/O, no clock.
 * Whole calendar days are added in the event's own zone with luxon, so a session at 09:00
 * stays at 09:00 local time even when a daylight-saving change lies between the two dates
 * (adding 24 h per day would move it by an hour).
 */
import { DateTime } from 'luxon';
import { occurrenceFor, type OverrideEntry, type RuleEntry } from '../observances/occurrences.js';

export type ObservanceCalendar = { rules: RuleEntry[]; overrides: OverrideEntry[] };

const utcDay = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });

/**
 * The number of days an event moves, from `anchor` (its first live session's start) going
 * `years` years on. An event of a themed day follows that day: the distance between the
 * day's start dates in the two years (the second Saturday of June is June 8 in 2024 and
 * June 14 in 2025: 371 days). Without a themed day, or when the day has no dates in one of
 * the years (not yet announced, or not observed), the event keeps its month and day; Feb 29
 * falls on Feb 28 in a common year (luxon clamps to the month's last day).
 */
export function shiftDays(anchor: Date, zone: string, years: number, observance?: ObservanceCalendar): number {
  const local = DateTime.fromJSDate(anchor, { zone });
  if (observance) {
    const from = occurrenceFor(observance.rules, observance.overrides, local.year);
    const to = occurrenceFor(observance.rules, observance.overrides, local.year + years);
    if (from?.status === 'scheduled' && to?.status === 'scheduled') {
      return Math.round(utcDay(to.startDate).diff(utcDay(from.startDate), 'days').days);
    }
  }
  const day = DateTime.utc(local.year, local.month, local.day);
  return Math.round(day.plus({ years }).diff(day, 'days').days);
}

/** The same wall-clock time `days` calendar days later in `zone`. */
export const shiftInstant = (at: Date, zone: string, days: number): Date => DateTime.fromJSDate(at, { zone }).plus({ days }).toJSDate();

/** A plan's title with its year replaced (2024年科普工作要点 → 2025年科普工作要点); a title without the year stays as it is. */
export const retitled = (title: string, from: number, to: number) => title.replace(new RegExp(`(?<!\\d)${from}(?!\\d)`, 'g'), String(to));
