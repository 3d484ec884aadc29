import { type AnyPgColumn, check, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { timestamps, units } from './reference.js';

/** A year's plan (工作要点) made of sections and tasks. */
export const campaigns = pgTable('campaigns', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  year: integer('year').notNull(),
  titleZh: text('title_zh').notNull(),
  titleEn: text('title_en'),
  descriptionZh: text('description_zh'),
  descriptionEn: text('description_en'),
  ...timestamps,
}, (t) => [check('campaigns_year_check', sql`${t.year} between 2000 and 2200`)]);

export const campaignSections = pgTable('campaign_sections', {
  id: uuid('id').primaryKey().defaultRandom(),
  campaignId: uuid('campaign_id').notNull().references(() => campaigns.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  titleZh: text('title_zh').notNull(),
  titleEn: text('title_en'),
  ...timestamps,
}, (t) => [index('campaign_sections_campaign_idx').on(t.campaignId, t.position)]);

export const campaignTasks = pgTable('campaign_tasks', {
  id: uuid('id').primaryKey().defaultRandom(),
  sectionId: uuid('section_id').notNull().references(() => campaignSections.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  titleZh: text('title_zh').notNull(),
  titleEn: text('title_en'),
  descriptionZh: text('description_zh'),
  /** The task of an earlier year's plan this one was copied from: the reports compare the two. */
  copiedFromTaskId: uuid('copied_from_task_id').references((): AnyPgColumn => campaignTasks.id, { onDelete: 'set null' }),
  ...timestamps,
}, (t) => [index('campaign_tasks_section_idx').on(t.sectionId, t.position)]);

/** A task's lead units (责任单位): an event under the task counts toward their figures. */
export const campaignTaskUnits = pgTable('campaign_task_units', {
  taskId: uuid('task_id').notNull().references(() => campaignTasks.id, { onDelete: 'cascade' }),
  unitId: uuid('unit_id').notNull().references(() => units.id, { onDelete: 'restrict' }),
}, (t) => [primaryKey({ columns: [t.taskId, t.unitId] }), index('campaign_task_units_unit_idx').on(t.unitId)]);
