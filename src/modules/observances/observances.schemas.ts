import { Type, type Static } from '@sinclair/typebox';
import { OBSERVANCE_KINDS } from '../../db/schema/index.js';
import { CalendarDate, LongText, Nullable, ShortText, Slug, StringEnum, Uuid } from '../../lib/schemas.js';
import { ObservanceRuleSchema } from './rule-schema.js';

export const Year = Type.Integer({ minimum: 1900, maximum: 2200 });
export const ObservanceKindSchema = StringEnum(OBSERVANCE_KINDS);

const RuleEntry = Type.Object({
  validFromYear: Nullable(Year),
  validToYear: Nullable(Year),
  rule: ObservanceRuleSchema,
}, { additionalProperties: false });

const OverrideEntry = Type.Object({
  year: Year,
  startDate: CalendarDate,
  endDate: CalendarDate,
  noteZh: Nullable(Type.String()),
  noteEn: Nullable(Type.String()),
});

export const ObservanceSchema = Type.Object({
  id: Uuid,
  slug: Type.String(),
  kind: ObservanceKindSchema,
  nameZh: Type.String(),
  nameEn: Type.String(),
  descriptionZh: Nullable(Type.String()),
  descriptionEn: Nullable(Type.String()),
  rules: Type.Array(RuleEntry),
  overrides: Type.Array(OverrideEntry),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Observance' });
export type ObservanceResponse = Static<typeof ObservanceSchema>;

export const OccurrenceSchema = Type.Object({
  year: Type.Integer(),
  status: Type.Union([Type.Literal('scheduled'), Type.Literal('to_be_announced'), Type.Literal('not_observed')], {
    description: 'not_observed: no rule covers that year (the observance did not exist or was replaced)',
  }),
  startDate: Nullable(CalendarDate),
  endDate: Nullable(CalendarDate),
  source: Nullable(Type.Union([Type.Literal('override'), Type.Literal('rule'), Type.Literal('fallback')])),
  provisional: Type.Boolean({ description: 'true when computed from a default rule and not yet confirmed for that year' }),
}, { $id: 'Occurrence' });
export type OccurrenceResponse = Static<typeof OccurrenceSchema>;

export const CreateObservanceBody = Type.Object({
  slug: Slug,
  kind: ObservanceKindSchema,
  nameZh: ShortText(),
  nameEn: ShortText(),
  descriptionZh: Type.Optional(Nullable(LongText)),
  descriptionEn: Type.Optional(Nullable(LongText)),
  rules: Type.Array(Type.Object({
    validFromYear: Type.Optional(Nullable(Year)),
    validToYear: Type.Optional(Nullable(Year)),
    rule: ObservanceRuleSchema,
  }, { additionalProperties: false }), { minItems: 1, maxItems: 20 }),
}, { additionalProperties: false });
export type CreateObservanceBody = Static<typeof CreateObservanceBody>;

export const UpdateObservanceBody = Type.Partial(Type.Omit(CreateObservanceBody, ['slug']), { additionalProperties: false, minProperties: 1 });
export type UpdateObservanceBody = Static<typeof UpdateObservanceBody>;

export const OverrideBody = Type.Object({
  startDate: CalendarDate,
  endDate: CalendarDate,
  noteZh: Type.Optional(Nullable(ShortText(500))),
  noteEn: Type.Optional(Nullable(ShortText(500))),
}, { additionalProperties: false });
export type OverrideBody = Static<typeof OverrideBody>;

export const YearQuery = Type.Object({ year: Year }, { additionalProperties: false });
export const OverrideParams = Type.Object({ slug: Slug, year: Year }, { additionalProperties: false });

export const CalendarEntrySchema = Type.Object({
  observance: Type.Object({ id: Uuid, slug: Type.String(), kind: ObservanceKindSchema, nameZh: Type.String(), nameEn: Type.String() }),
  occurrence: Type.Ref(OccurrenceSchema),
  publishedEvents: Type.Integer({ description: 'Published events linked to the themed day that start in this year' }),
});
export const CalendarResponse = Type.Object({ year: Type.Integer(), timezone: Type.String(), items: Type.Array(CalendarEntrySchema) });
