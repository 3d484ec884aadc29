/**
 * Turns observance rules (plus per-year overrides) into calendar dates. Pure: no I/O and
 * no clock; calendar arithmetic is done on UTC luxon dates so the process time zone never
 * matters, and only `occurrenceWindow` maps dates to instants in a given IANA zone.
 */
import { DateTime } from 'luxon';
import type { DatedRule, MonthDay, ObservanceRule } from './rule-types.js';

/** ISO `yyyy-MM-dd` dates; `endDate` is inclusive. */
export type DateSpan = { startDate: string; endDate: string };

/** A rule with the years it applies to; a null bound is open. */
export type RuleEntry = { validFromYear: number | null; validToYear: number | null; rule: ObservanceRule };

/** The actual dates of one year, e.g. as announced by the national organisers. */
export type OverrideEntry = { year: number; startDate: string; endDate: string };

export type Occurrence = {
  year: number;
  status: 'scheduled';
  startDate: string;
  endDate: string;
  source: 'override' | 'rule' | 'fallback';
  /** True when the dates come from an announced rule's fallback and may still change. */
  provisional: boolean;
};

export type PendingOccurrence = {
  year: number;
  status: 'to_be_announced';
  startDate: null;
  endDate: null;
  source: null;
  provisional: false;
};

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
const DAYS_IN_MONTH_ALLOWING_LEAP = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Years after `from`'s year searched beyond those strictly needed for `count`. */
const LOOKAHEAD_YEARS = 5;

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max;

const isoDate = (date: DateTime): string => date.toFormat('yyyy-MM-dd');

const span = (start: DateTime, end: DateTime): DateSpan => ({ startDate: isoDate(start), endDate: isoDate(end) });

/** Feb 29 in a non-leap year falls on Feb 28: the day stays in February, as people observe it. */
function calendarDate(year: number, { month, day }: MonthDay): DateTime {
  const first = DateTime.utc(year, month, 1);
  return first.set({ day: Math.min(day, first.daysInMonth ?? day) });
}

/**
 * The nth given weekday of the month (-1 = last). A 5th weekday the month lacks falls back
 * to the last one, so a yearly observance never silently disappears for a year.
 */
function nthWeekdayOfMonth(year: number, month: number, weekday: number, nth: number): DateTime {
  const first = DateTime.utc(year, month, 1);
  const last = first.endOf('month').startOf('day');
  const lastMatch = last.minus({ days: (last.weekday - weekday + 7) % 7 });
  if (nth === -1) return lastMatch;
  const nthMatch = first.plus({ days: (weekday - first.weekday + 7) % 7, weeks: nth - 1 });
  return nthMatch.month === month ? nthMatch : lastMatch;
}

/** The calendar dates a dated rule gives in `year`. Throws a RangeError for an invalid rule. */
export function datesOfRule(rule: DatedRule, year: number): DateSpan {
  const problems = validateRule(rule);
  if (problems.length > 0) throw new RangeError(`Invalid observance rule: ${problems.join('; ')}`);
  switch (rule.kind) {
    case 'fixed_date': {
      const date = calendarDate(year, rule);
      return span(date, date);
    }
    case 'fixed_range': {
      const start = calendarDate(year, rule.start);
      const endSameYear = calendarDate(year, rule.end);
      return span(start, endSameYear.toMillis() < start.toMillis() ? calendarDate(year + 1, rule.end) : endSameYear);
    }
    case 'nth_weekday': {
      const start = nthWeekdayOfMonth(year, rule.month, rule.weekday, rule.nth);
      return span(start, start.plus({ days: (rule.days ?? 1) - 1 }));
    }
    case 'whole_month': {
      const start = DateTime.utc(year, rule.month, 1);
      return span(start, start.endOf('month'));
    }
    case 'week_containing': {
      const date = calendarDate(year, rule);
      const monday = date.minus({ days: date.weekday - 1 });
      return span(monday, monday.plus({ days: 6 }));
    }
  }
}

function ruleFor(rules: RuleEntry[], year: number): ObservanceRule | null {
  let best: RuleEntry | null = null;
  for (const entry of rules) {
    const applies = (entry.validFromYear ?? -Infinity) <= year && year <= (entry.validToYear ?? Infinity);
    // Strict comparison: among rules starting the same year, the first listed wins.
    if (applies && (best === null || (entry.validFromYear ?? -Infinity) > (best.validFromYear ?? -Infinity))) {
      best = entry;
    }
  }
  return best?.rule ?? null;
}

/**
 * The occurrence of an observance in `year`: a stored override wins, then the most recent
 * rule valid that year. Null when neither exists (the observance does not exist that year).
 */
export function occurrenceFor(
  rules: RuleEntry[],
  overrides: OverrideEntry[],
  year: number,
): Occurrence | PendingOccurrence | null {
  const override = overrides.find((o) => o.year === year);
  if (override) {
    const { startDate, endDate } = override;
    return { year, status: 'scheduled', startDate, endDate, source: 'override', provisional: false };
  }
  const rule = ruleFor(rules, year);
  if (rule === null) return null;
  if (rule.kind !== 'announced') {
    return { year, status: 'scheduled', ...datesOfRule(rule, year), source: 'rule', provisional: false };
  }
  if (rule.fallback) {
    return { year, status: 'scheduled', ...datesOfRule(rule.fallback, year), source: 'fallback', provisional: true };
  }
  return { year, status: 'to_be_announced', startDate: null, endDate: null, source: null, provisional: false };
}

/** From the start of `startDate` to the start of the day after `endDate`, in `zone`. */
export function occurrenceWindow(occurrence: DateSpan, zone: string): { start: DateTime; endExclusive: DateTime } {
  const start = DateTime.fromISO(occurrence.startDate, { zone }).startOf('day');
  const endExclusive = DateTime.fromISO(occurrence.endDate, { zone }).plus({ days: 1 }).startOf('day');
  for (const bound of [start, endExclusive]) {
    if (!bound.isValid) throw new RangeError(`Invalid occurrence window: ${bound.invalidExplanation ?? bound.invalidReason}`);
  }
  return { start, endExclusive };
}

/**
 * The next `count` scheduled occurrences whose window has not ended at `from`, in date
 * order, including one in progress. The year before `from`'s is checked too, because a
 * range such as Dec 20 – Jan 5 may still be running; years to be announced are skipped.
 */
export function nextOccurrences(
  rules: RuleEntry[],
  overrides: OverrideEntry[],
  from: DateTime,
  zone: string,
  count = 1,
): Occurrence[] {
  const fromYear = from.setZone(zone).year;
  const found: Occurrence[] = [];
  for (let year = fromYear - 1; year <= fromYear + count + LOOKAHEAD_YEARS - 1; year++) {
    const occurrence = occurrenceFor(rules, overrides, year);
    if (occurrence?.status !== 'scheduled') continue;
    if (occurrenceWindow(occurrence, zone).endExclusive.toMillis() > from.toMillis()) found.push(occurrence);
  }
  return found.sort((a, b) => a.startDate.localeCompare(b.startDate)).slice(0, count);
}

function monthDayProblems(value: { month: unknown; day: unknown }, path: string): string[] {
  if (!isIntegerIn(value.month, 1, 12)) {
    return [`${path}/month: must be an integer from 1 to 12`]
      .concat(isIntegerIn(value.day, 1, 31) ? [] : [`${path}/day: must be an integer from 1 to 31`]);
  }
  const maxDay = DAYS_IN_MONTH_ALLOWING_LEAP[value.month - 1] ?? 31;
  if (isIntegerIn(value.day, 1, maxDay)) return [];
  if (isIntegerIn(value.day, 1, 31)) return [`${path}/day: ${MONTH_NAMES[value.month - 1]} has ${maxDay} days`];
  return [`${path}/day: must be an integer from 1 to ${maxDay}`];
}

function ruleProblems(rule: ObservanceRule, path: string): string[] {
  switch (rule.kind) {
    case 'fixed_date':
    case 'week_containing':
      return monthDayProblems(rule, path);
    case 'fixed_range':
      return [...monthDayProblems(rule.start, `${path}/start`), ...monthDayProblems(rule.end, `${path}/end`)];
    case 'whole_month':
      return isIntegerIn(rule.month, 1, 12) ? [] : [`${path}/month: must be an integer from 1 to 12`];
    case 'nth_weekday': {
      const problems: string[] = [];
      if (!isIntegerIn(rule.month, 1, 12)) problems.push(`${path}/month: must be an integer from 1 to 12`);
      if (!isIntegerIn(rule.weekday, 1, 7)) problems.push(`${path}/weekday: must be an integer from 1 (Monday) to 7 (Sunday)`);
      if (!isIntegerIn(rule.nth, 1, 5) && rule.nth !== -1) problems.push(`${path}/nth: must be 1 to 5, or -1 for the last`);
      if (rule.days !== undefined && !isIntegerIn(rule.days, 1, 31)) problems.push(`${path}/days: must be an integer from 1 to 31`);
      return problems;
    }
    case 'announced':
      if (path !== '') return [`${path}/kind: a fallback cannot itself be announced`];
      return rule.fallback === undefined ? [] : ruleProblems(rule.fallback, '/fallback');
    default:
      return [`${path}/kind: unknown rule kind ${JSON.stringify((rule as { kind: unknown }).kind)}`];
  }
}

/** Problems with a rule, each prefixed with a JSON-pointer path (e.g. `/day: June has 30 days`). */
export function validateRule(rule: ObservanceRule): string[] {
  return ruleProblems(rule, '');
}
