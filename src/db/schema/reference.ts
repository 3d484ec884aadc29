import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, integer, pgTable, text, timestamp, uuid, check, index } from 'drizzle-orm/pg-core';

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};
export { timestamps };

/** Towns and subdistricts (镇/街道/地区): where venues are, and organizing units in their own right. */
export const towns = pgTable('towns', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  ...timestamps,
});

export const UNIT_KINDS = ['bureau', 'association', 'town'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

/** Organizing units (责任单位): district bureaus, the science association, towns. */
export const units = pgTable('units', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  kind: text('kind').$type<UnitKind>().notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  townId: uuid('town_id').references(() => towns.id, { onDelete: 'restrict' }),
  /** Its organizers' events need an administrator's approval before they are published. */
  requiresReview: boolean('requires_review').notNull().default(false),
  ...timestamps,
}, (t) => [
  check('units_kind_check', sql`${t.kind} in ('bureau', 'association', 'town')`),
  check('units_town_kind_check', sql`(${t.kind} = 'town') = (${t.townId} is not null)`),
]);

/** The five key groups (五大人群) plus general public and families: a fixed vocabulary. */
export const audiences = pgTable('audiences', {
  slug: text('slug').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  position: integer('position').notNull(),
});

export const VENUE_KINDS = [
  'science_museum', 'science_base', 'practice_center', 'community_center', 'youth_palace',
  'women_children_center', 'cultural_center', 'library', 'reading_room', 'school', 'lab',
  'outdoor', 'online', 'other',
] as const;
export type VenueKind = (typeof VENUE_KINDS)[number];

export const venues = pgTable('venues', {
  id: uuid('id').primaryKey().defaultRandom(),
  slug: text('slug').notNull().unique(),
  kind: text('kind').$type<VenueKind>().notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en'),
  addressZh: text('address_zh'),
  addressEn: text('address_en'),
  townId: uuid('town_id').references(() => towns.id, { onDelete: 'restrict' }),
  capacity: integer('capacity'),
  /** Always WGS-84; GCJ-02 input is converted on the way in (see venues.service.ts). */
  latitude: doublePrecision('latitude'),
  longitude: doublePrecision('longitude'),
  accessibilityZh: text('accessibility_zh'),
  accessibilityEn: text('accessibility_en'),
  isOnline: boolean('is_online').notNull().default(false),
  /** When true, several events may use the venue at the same time (a large square, an online room). */
  allowsSharedUse: boolean('allows_shared_use').notNull().default(false),
  ...timestamps,
}, (t) => [
  check('venues_capacity_check', sql`${t.capacity} is null or ${t.capacity} >= 0`),
  check('venues_coordinates_check', sql`(${t.latitude} is null) = (${t.longitude} is null)`),
  index('venues_town_idx').on(t.townId),
]);

