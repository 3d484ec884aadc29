/**
 * How a themed day's dates are found in a given year. Stored as JSON on
 * `observance_rules.rule`; the engine in `occurrences.ts` turns a rule and a year
 * into calendar dates. Months are 1–12, weekdays ISO (1 = Monday … 7 = Sunday).
 */
export type MonthDay = { month: number; day: number };

export type FixedDateRule = { kind: 'fixed_date'; month: number; day: number };

/** A range such as Dec 1–7; `end` before `start` means it runs into the next year. */
export type FixedRangeRule = { kind: 'fixed_range'; start: MonthDay; end: MonthDay };

/** e.g. the second Saturday of June; `nth` -1 means the last one. `days` > 1 makes it a span. */
export type NthWeekdayRule = { kind: 'nth_weekday'; month: number; weekday: number; nth: number; days?: number };

/** The whole month, e.g. Work Safety Month (June). */
export type WholeMonthRule = { kind: 'whole_month'; month: number };

/** The 7-day week (Monday to Sunday) containing a date, e.g. Urban Water Saving Week around May 15. */
export type WeekContainingRule = { kind: 'week_containing'; month: number; day: number };

export type DatedRule = FixedDateRule | FixedRangeRule | NthWeekdayRule | WholeMonthRule | WeekContainingRule;

/**
 * Dates announced each year by the national organisers. With a `fallback`, an
 * occurrence is computed from it and marked provisional until an override is stored;
 * without one, the year is "dates to be announced".
 */
export type AnnouncedRule = { kind: 'announced'; fallback?: DatedRule };

export type ObservanceRule = DatedRule | AnnouncedRule;
