import t from 'tap';
import { DateTime } from 'luxon';
import {
  datesOfRule,
  nextOccurrences,
  occurrenceFor,
  occurrenceWindow,
  validateRule,
  type OverrideEntry,
  type RuleEntry,
} from '../src/modules/observances/occurrences.js';
import type { DatedRule, ObservanceRule } from '../src/modules/observances/rule-types.js';

const ZONE = 'Asia/Shanghai';
const always = (rule: ObservanceRule): RuleEntry[] => [{ validFromYear: null, validToYear: null, rule }];
const at = (iso: string) => DateTime.fromISO(iso, { setZone: true });

const worldWaterDay: ObservanceRule = { kind: 'fixed_date', month: 3, day: 22 };
const constitutionWeek: ObservanceRule = {
  kind: 'fixed_range',
  start: { month: 12, day: 1 },
  end: { month: 12, day: 7 },
};
const heritageDay: ObservanceRule = { kind: 'nth_weekday', month: 6, weekday: 6, nth: 2 };
const workSafetyMonth: ObservanceRule = { kind: 'whole_month', month: 6 };
const waterSavingWeek: ObservanceRule = { kind: 'week_containing', month: 5, day: 15 };
const winterRange: DatedRule = { kind: 'fixed_range', start: { month: 12, day: 20 }, end: { month: 1, day: 5 } };
// National Science Popularisation Day: a week from the third Saturday of September until 2024
// (announced yearly), then the whole of September from 2025.
const sciencePopularisation: RuleEntry[] = [
  {
    validFromYear: null,
    validToYear: 2024,
    rule: { kind: 'announced', fallback: { kind: 'nth_weekday', month: 9, weekday: 6, nth: 3, days: 7 } },
  },
  { validFromYear: 2025, validToYear: null, rule: { kind: 'whole_month', month: 9 } },
];

t.test('fixed_date', async (t) => {
  t.strictSame(datesOfRule(worldWaterDay, 2024), { startDate: '2024-03-22', endDate: '2024-03-22' });
  t.strictSame(datesOfRule(worldWaterDay, 2031), { startDate: '2031-03-22', endDate: '2031-03-22' });
});

t.test('fixed_date on Feb 29 falls on Feb 28 in non-leap years', async (t) => {
  const leapDay: DatedRule = { kind: 'fixed_date', month: 2, day: 29 };
  t.strictSame(datesOfRule(leapDay, 2024), { startDate: '2024-02-29', endDate: '2024-02-29' });
  t.strictSame(datesOfRule(leapDay, 2025), { startDate: '2025-02-28', endDate: '2025-02-28' });
  t.strictSame(datesOfRule(leapDay, 2000), { startDate: '2000-02-29', endDate: '2000-02-29' });
  t.strictSame(datesOfRule(leapDay, 2100), { startDate: '2100-02-28', endDate: '2100-02-28' });
});

t.test('fixed_range', async (t) => {
  t.strictSame(datesOfRule(constitutionWeek, 2024), { startDate: '2024-12-01', endDate: '2024-12-07' });
  t.strictSame(datesOfRule(winterRange, 2024), { startDate: '2024-12-20', endDate: '2025-01-05' });
  const toLeapDay: DatedRule = { kind: 'fixed_range', start: { month: 12, day: 1 }, end: { month: 2, day: 29 } };
  t.strictSame(datesOfRule(toLeapDay, 2023), { startDate: '2023-12-01', endDate: '2024-02-29' });
  t.strictSame(datesOfRule(toLeapDay, 2024), { startDate: '2024-12-01', endDate: '2025-02-28' });
  const oneDay: DatedRule = { kind: 'fixed_range', start: { month: 5, day: 4 }, end: { month: 5, day: 4 } };
  t.strictSame(datesOfRule(oneDay, 2024), { startDate: '2024-05-04', endDate: '2024-05-04' });
});

t.test('nth_weekday: second Saturday of June (Cultural and Natural Heritage Day)', async (t) => {
  t.equal(datesOfRule(heritageDay, 2024).startDate, '2024-06-08');
  t.strictSame(datesOfRule(heritageDay, 2025), { startDate: '2025-06-14', endDate: '2025-06-14' });
  t.strictSame(datesOfRule(heritageDay, 2026), { startDate: '2026-06-13', endDate: '2026-06-13' });
});

t.test('nth_weekday: last, missing 5th, and multi-day spans', async (t) => {
  const lastSundayOfSeptember: DatedRule = { kind: 'nth_weekday', month: 9, weekday: 7, nth: -1 };
  t.equal(datesOfRule(lastSundayOfSeptember, 2024).startDate, '2024-09-29');
  const fifthMonday = (month: number): DatedRule => ({ kind: 'nth_weekday', month, weekday: 1, nth: 5 });
  t.equal(datesOfRule(fifthMonday(9), 2024).startDate, '2024-09-30', 'exists');
  t.equal(datesOfRule(fifthMonday(6), 2024).startDate, '2024-06-24', 'missing: falls back to the last Monday');
  const sciencePopWeek: DatedRule = { kind: 'nth_weekday', month: 9, weekday: 6, nth: 3, days: 7 };
  t.strictSame(datesOfRule(sciencePopWeek, 2017), { startDate: '2017-09-16', endDate: '2017-09-22' });
  t.strictSame(datesOfRule(sciencePopWeek, 2020), { startDate: '2020-09-19', endDate: '2020-09-25' });
  const crossingMonth: DatedRule = { kind: 'nth_weekday', month: 5, weekday: 6, nth: -1, days: 8 };
  t.strictSame(datesOfRule(crossingMonth, 2024), { startDate: '2024-05-25', endDate: '2024-06-01' });
});

t.test('whole_month', async (t) => {
  t.strictSame(datesOfRule(workSafetyMonth, 2024), { startDate: '2024-06-01', endDate: '2024-06-30' });
  const february: DatedRule = { kind: 'whole_month', month: 2 };
  t.strictSame(datesOfRule(february, 2024), { startDate: '2024-02-01', endDate: '2024-02-29' });
  t.strictSame(datesOfRule(february, 2025), { startDate: '2025-02-01', endDate: '2025-02-28' });
});

t.test('week_containing: ISO week, Monday to Sunday', async (t) => {
  t.strictSame(datesOfRule(waterSavingWeek, 2024), { startDate: '2024-05-13', endDate: '2024-05-19' });
  const newYearWeek: DatedRule = { kind: 'week_containing', month: 1, day: 1 };
  t.strictSame(datesOfRule(newYearWeek, 2025), { startDate: '2024-12-30', endDate: '2025-01-05' });
  const lastDayWeek: DatedRule = { kind: 'week_containing', month: 12, day: 31 };
  t.strictSame(datesOfRule(lastDayWeek, 2026), { startDate: '2026-12-28', endDate: '2027-01-03' });
  const sundayWeek: DatedRule = { kind: 'week_containing', month: 5, day: 19 };
  t.strictSame(datesOfRule(sundayWeek, 2024), { startDate: '2024-05-13', endDate: '2024-05-19' }, 'Sunday ends its week');
});

t.test('datesOfRule rejects an invalid rule', async (t) => {
  t.throws(() => datesOfRule({ kind: 'fixed_date', month: 6, day: 31 }, 2024), RangeError);
});

t.test('occurrenceFor: a rule', async (t) => {
  t.strictSame(occurrenceFor(always(worldWaterDay), [], 2024), {
    year: 2024,
    status: 'scheduled',
    startDate: '2024-03-22',
    endDate: '2024-03-22',
    source: 'rule',
    provisional: false,
  });
});

t.test('occurrenceFor: an override wins over the rule', async (t) => {
  const scienceWeek: RuleEntry[] = always({
    kind: 'announced',
    fallback: { kind: 'nth_weekday', month: 5, weekday: 6, nth: 3, days: 8 },
  });
  const overrides: OverrideEntry[] = [{ year: 2024, startDate: '2024-05-25', endDate: '2024-06-01' }];
  t.strictSame(occurrenceFor(scienceWeek, overrides, 2024), {
    year: 2024,
    status: 'scheduled',
    startDate: '2024-05-25',
    endDate: '2024-06-01',
    source: 'override',
    provisional: false,
  });
  const madeUp: OverrideEntry[] = [{ year: 2030, startDate: '2030-03-20', endDate: '2030-03-21' }];
  t.match(occurrenceFor(always(worldWaterDay), madeUp, 2030), { source: 'override', startDate: '2030-03-20' });
  t.match(occurrenceFor(always(worldWaterDay), madeUp, 2031), { source: 'rule', startDate: '2031-03-22' });
  t.match(occurrenceFor([], madeUp, 2030), { source: 'override' }, 'an override alone is enough');
});

t.test('occurrenceFor: announced with fallback is provisional; without is to be announced', async (t) => {
  t.strictSame(occurrenceFor(sciencePopularisation, [], 2020), {
    year: 2020,
    status: 'scheduled',
    startDate: '2020-09-19',
    endDate: '2020-09-25',
    source: 'fallback',
    provisional: true,
  });
  t.strictSame(occurrenceFor(always({ kind: 'announced' }), [], 2024), {
    year: 2024,
    status: 'to_be_announced',
    startDate: null,
    endDate: null,
    source: null,
    provisional: false,
  });
  const madeUp: OverrideEntry[] = [{ year: 2026, startDate: '2026-11-02', endDate: '2026-11-08' }];
  t.match(occurrenceFor(always({ kind: 'announced' }), madeUp, 2026), { status: 'scheduled', source: 'override' });
});

t.test('occurrenceFor: rule change by year (Science Popularisation Day becomes a month in 2025)', async (t) => {
  t.match(occurrenceFor(sciencePopularisation, [], 2024), { source: 'fallback', provisional: true });
  t.match(occurrenceFor(sciencePopularisation, [], 2025), {
    startDate: '2025-09-01',
    endDate: '2025-09-30',
    source: 'rule',
    provisional: false,
  });
  const madeUp: OverrideEntry[] = [{ year: 2024, startDate: '2024-09-10', endDate: '2024-09-16' }];
  t.match(occurrenceFor(sciencePopularisation, madeUp, 2024), { startDate: '2024-09-10', source: 'override' });
});

t.test('occurrenceFor: null outside every rule; latest validFromYear wins on overlap', async (t) => {
  const bounded: RuleEntry[] = [
    { validFromYear: 2010, validToYear: 2020, rule: worldWaterDay },
    { validFromYear: 2025, validToYear: null, rule: workSafetyMonth },
  ];
  t.equal(occurrenceFor(bounded, [], 2009), null);
  t.equal(occurrenceFor(bounded, [], 2022), null);
  t.match(occurrenceFor(bounded, [], 2010), { startDate: '2010-03-22' });
  t.match(occurrenceFor(bounded, [], 2020), { startDate: '2020-03-22' });
  t.match(occurrenceFor(bounded, [], 2099), { startDate: '2099-06-01' });
  const overlapping: RuleEntry[] = [
    { validFromYear: 2020, validToYear: null, rule: workSafetyMonth },
    { validFromYear: null, validToYear: null, rule: worldWaterDay },
  ];
  t.match(occurrenceFor(overlapping, [], 2019), { startDate: '2019-03-22' });
  t.match(occurrenceFor(overlapping, [], 2021), { startDate: '2021-06-01' });
});

t.test('occurrenceWindow: whole days in the given zone', async (t) => {
  const { start, endExclusive } = occurrenceWindow({ startDate: '2024-03-22', endDate: '2024-03-22' }, ZONE);
  t.equal(start.toUTC().toISO(), '2024-03-21T16:00:00.000Z');
  t.equal(endExclusive.toUTC().toISO(), '2024-03-22T16:00:00.000Z');
  t.equal(start.zoneName, ZONE);
  const week = occurrenceWindow({ startDate: '2024-12-01', endDate: '2024-12-07' }, ZONE);
  t.equal(week.endExclusive.toUTC().toISO(), '2024-12-07T16:00:00.000Z');
  const dstStart = occurrenceWindow({ startDate: '2024-03-10', endDate: '2024-03-10' }, 'America/New_York');
  t.equal(dstStart.endExclusive.diff(dstStart.start, 'hours').hours, 23, 'a DST day is 23 hours long');
  t.throws(() => occurrenceWindow({ startDate: '2024-03-22', endDate: '2024-03-22' }, 'Not/AZone'), RangeError);
});

t.test('nextOccurrences: across a year boundary', async (t) => {
  const next = nextOccurrences(always(worldWaterDay), [], at('2024-06-01T00:00:00+08:00'), ZONE, 3);
  t.strictSame(
    next.map((o) => o.startDate),
    ['2025-03-22', '2026-03-22', '2027-03-22'],
  );
  const fromUtcEve = at('2024-03-21T16:30:00Z'); // already Mar 22 in Shanghai
  t.equal(nextOccurrences(always(worldWaterDay), [], fromUtcEve, ZONE)[0]?.startDate, '2024-03-22');
  t.strictSame(
    nextOccurrences(sciencePopularisation, [], at('2024-10-01T00:00:00+08:00'), ZONE, 2).map((o) => o.startDate),
    ['2025-09-01', '2026-09-01'],
  );
});

t.test('nextOccurrences: an occurrence in progress, and its end', async (t) => {
  const rules = always(constitutionWeek);
  t.match(nextOccurrences(rules, [], at('2024-12-03T10:00:00+08:00'), ZONE), [{ year: 2024, startDate: '2024-12-01' }]);
  t.match(nextOccurrences(rules, [], at('2024-12-07T15:59:59Z'), ZONE), [{ year: 2024 }], 'last minute in Shanghai');
  t.match(nextOccurrences(rules, [], at('2024-12-07T16:00:00Z'), ZONE), [{ year: 2025 }], 'ended at midnight Shanghai');
  const winter = nextOccurrences(always(winterRange), [], at('2025-01-02T12:00:00+08:00'), ZONE, 2);
  t.strictSame(
    winter.map((o) => [o.year, o.startDate, o.endDate]),
    [
      [2024, '2024-12-20', '2025-01-05'],
      [2025, '2025-12-20', '2026-01-05'],
    ],
  );
});

t.test('nextOccurrences: skips years to be announced, keeps provisional ones', async (t) => {
  const madeUp: OverrideEntry[] = [{ year: 2026, startDate: '2026-11-02', endDate: '2026-11-08' }];
  const next = nextOccurrences(always({ kind: 'announced' }), madeUp, at('2024-01-01T00:00:00+08:00'), ZONE);
  t.match(next, [{ year: 2026, source: 'override' }]);
  t.strictSame(nextOccurrences(always({ kind: 'announced' }), [], at('2024-01-01T00:00:00+08:00'), ZONE), []);
  t.match(nextOccurrences(sciencePopularisation, [], at('2024-01-01T00:00:00+08:00'), ZONE), [
    { year: 2024, source: 'fallback', provisional: true },
  ]);
});

t.test('validateRule', async (t) => {
  const valid: ObservanceRule[] = [
    worldWaterDay,
    constitutionWeek,
    heritageDay,
    workSafetyMonth,
    waterSavingWeek,
    winterRange,
    { kind: 'fixed_date', month: 2, day: 29 },
    { kind: 'nth_weekday', month: 9, weekday: 7, nth: -1, days: 31 },
    { kind: 'announced' },
    ...sciencePopularisation.map((entry) => entry.rule),
  ];
  for (const rule of valid) t.strictSame(validateRule(rule), [], JSON.stringify(rule));

  t.strictSame(validateRule({ kind: 'fixed_date', month: 6, day: 31 }), ['/day: June has 30 days']);
  t.strictSame(validateRule({ kind: 'fixed_date', month: 2, day: 30 }), ['/day: February has 29 days']);
  t.strictSame(validateRule({ kind: 'week_containing', month: 13, day: 0 }), [
    '/month: must be an integer from 1 to 12',
    '/day: must be an integer from 1 to 31',
  ]);
  t.strictSame(validateRule({ kind: 'whole_month', month: 0 }), ['/month: must be an integer from 1 to 12']);
  t.strictSame(validateRule({ kind: 'fixed_date', month: 1.5, day: 1 }), ['/month: must be an integer from 1 to 12']);
  t.strictSame(
    validateRule({ kind: 'fixed_range', start: { month: 4, day: 31 }, end: { month: 12, day: 32 } }),
    ['/start/day: April has 30 days', '/end/day: must be an integer from 1 to 31'],
  );
  t.strictSame(validateRule({ kind: 'nth_weekday', month: 6, weekday: 0, nth: 6, days: 0 }), [
    '/weekday: must be an integer from 1 (Monday) to 7 (Sunday)',
    '/nth: must be 1 to 5, or -1 for the last',
    '/days: must be an integer from 1 to 31',
  ]);
  t.strictSame(validateRule({ kind: 'nth_weekday', month: 6, weekday: 6, nth: 0, days: 32 }), [
    '/nth: must be 1 to 5, or -1 for the last',
    '/days: must be an integer from 1 to 31',
  ]);
  t.strictSame(validateRule({ kind: 'nth_weekday', month: 6, weekday: 6, nth: -2 }), [
    '/nth: must be 1 to 5, or -1 for the last',
  ]);
  t.strictSame(validateRule({ kind: 'announced', fallback: { kind: 'fixed_date', month: 11, day: 31 } }), [
    '/fallback/day: November has 30 days',
  ]);
  const fromJson = JSON.parse('{"kind":"yearly"}') as ObservanceRule;
  t.strictSame(validateRule(fromJson), ['/kind: unknown rule kind "yearly"']);
});
