/**
 * JSON schemas for observance rules (see `rule-types.ts`). They check shape and integer
 * bounds only; calendar checks such as "June has 30 days" are in `validateRule`.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { DatedRule, ObservanceRule } from './rule-types.js';

const closed = { additionalProperties: false } as const;

const Month = Type.Integer({ minimum: 1, maximum: 12 });
const Day = Type.Integer({ minimum: 1, maximum: 31 });
const MonthDay = Type.Object({ month: Month, day: Day }, closed);

const FixedDateRuleSchema = Type.Object({ kind: Type.Literal('fixed_date'), month: Month, day: Day }, closed);

const FixedRangeRuleSchema = Type.Object(
  { kind: Type.Literal('fixed_range'), start: MonthDay, end: MonthDay },
  closed,
);

const NthWeekdayRuleSchema = Type.Object(
  {
    kind: Type.Literal('nth_weekday'),
    month: Month,
    weekday: Type.Integer({ minimum: 1, maximum: 7, description: 'ISO weekday: 1 = Monday … 7 = Sunday' }),
    nth: Type.Union([Type.Integer({ minimum: 1, maximum: 5 }), Type.Literal(-1)], {
      description: '1 to 5, or -1 for the last',
    }),
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
  },
  closed,
);

const WholeMonthRuleSchema = Type.Object({ kind: Type.Literal('whole_month'), month: Month }, closed);

const WeekContainingRuleSchema = Type.Object(
  { kind: Type.Literal('week_containing'), month: Month, day: Day },
  closed,
);

const datedRuleMembers = [
  FixedDateRuleSchema,
  FixedRangeRuleSchema,
  NthWeekdayRuleSchema,
  WholeMonthRuleSchema,
  WeekContainingRuleSchema,
] as const;

/** No `$id`: it is inlined as an announced rule's fallback. */
export const DatedRuleSchema = Type.Union([...datedRuleMembers]);

const AnnouncedRuleSchema = Type.Object(
  { kind: Type.Literal('announced'), fallback: Type.Optional(DatedRuleSchema) },
  closed,
);

/** Flat union so every member carries its `kind` literal (usable as a discriminator). */
export const ObservanceRuleSchema = Type.Union([...datedRuleMembers, AnnouncedRuleSchema], {
  $id: 'ObservanceRule',
});

// Compile-time guard: the schemas and the hand-written types must not drift apart.
type MutuallyAssignable<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type RuleSchemaMatchesTypes = [
  Assert<MutuallyAssignable<Static<typeof ObservanceRuleSchema>, ObservanceRule>>,
  Assert<MutuallyAssignable<Static<typeof DatedRuleSchema>, DatedRule>>,
];
