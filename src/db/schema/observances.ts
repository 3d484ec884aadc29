import { sql } from 'drizzle-orm';
import { check, date, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ObservanceRule } from '../../modules/observances/rule-types.js';
import { timestamps } from './reference.js';

export const OBSERVANCE_KINDS = ['day', 'week', 'month', 'period'] as const;
export type ObservanceKind = (typeof OBSERVANCE_KINDS)[number];

/** Themed days, weeks and months (纪念日/主题日) that events hang off. */
export const observances = pgTable('observances', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  kind: text('kind').$type<ObservanceKind>().notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  descriptionZh: text('description_zh'),
  descriptionEn: text('description_en'),
  ...timestamps,
});

/**
 * A rule holds for the years [validFromYear, validToYear] (either end open). Rules
 * change over time: the Science Popularisation Day became a month from 2025.
 */
export const observanceRules = pgTable('observance_rules', {
  id: uuid('id').primaryKey().defaultRandom(),
  observanceId: uuid('observance_id').notNull().references(() => observances.id, { onDelete: 'cascade' }),
  validFromYear: integer('valid_from_year'),
  validToYear: integer('valid_to_year'),
  rule: jsonb('rule').$type<ObservanceRule>().notNull(),
  ...timestamps,
}, (t) => [
  index('observance_rules_observance_idx').on(t.observanceId),
  check('observance_rules_years_check', sql`${t.validFromYear} is null or ${t.validToYear} is null or ${t.validFromYear} <= ${t.validToYear}`),
]);

/** The dates actually announced for one year; they win over any rule. */
export const observanceOverrides = pgTable('observance_overrides', {
  id: uuid('id').primaryKey().defaultRandom(),
  observanceId: uuid('observance_id').notNull().references(() => observances.id, { onDelete: 'cascade' }),
  year: integer('year').notNull(),
  startDate: date('start_date', { mode: 'string' }).notNull(),
  endDate: date('end_date', { mode: 'string' }).notNull(),
  noteZh: text('note_zh'),
  noteEn: text('note_en'),
  ...timestamps,
}, (t) => [
  uniqueIndex('observance_overrides_year_uq').on(t.observanceId, t.year),
  check('observance_overrides_range_check', sql`${t.startDate} <= ${t.endDate}`),
]);
