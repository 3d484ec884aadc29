import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { campaignTasks } from './campaigns.js';
import { observances } from './observances.js';
import { audiences, timestamps, units, venues } from './reference.js';

export const EVENT_TYPES = [
  'lecture', 'exhibition', 'open_day', 'workshop', 'study_tour', 'science_fair', 'competition',
  'training', 'volunteer_service', 'screening', 'other',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** `submitted`: waiting for an administrator's approval, for units whose events are reviewed. */
export const EVENT_STATUSES = ['draft', 'submitted', 'published', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export const REGISTRATION_MODES = ['none', 'individual', 'class', 'both'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export const events = pgTable('events', {
  id: uuid('id').primaryKey().defaultRandom(),
  titleZh: text('title_zh').notNull(),
  titleEn: text('title_en'),
  descriptionZh: text('description_zh'),
  descriptionEn: text('description_en'),
  type: text('type').$type<EventType>().notNull(),
  status: text('status').$type<EventStatus>().notNull().default('draft'),
  ownerUnitId: uuid('owner_unit_id').notNull().references(() => units.id, { onDelete: 'restrict' }),
  observanceId: uuid('observance_id').references(() => observances.id, { onDelete: 'restrict' }),
  taskId: uuid('task_id').references(() => campaignTasks.id, { onDelete: 'restrict' }),
  venueId: uuid('venue_id').references(() => venues.id, { onDelete: 'restrict' }),
  timezone: text('timezone').notNull(),
  registrationMode: text('registration_mode').$type<RegistrationMode>().notNull().default('none'),
  registrationOpensAt: timestamp('registration_opens_at', { withTimezone: true }),
  registrationClosesAt: timestamp('registration_closes_at', { withTimezone: true }),
  capacity: integer('capacity'),
  /** The largest party one individual registration may bring. */
  partySizeLimit: integer('party_size_limit').notNull().default(5),
  /** Off: a full session answers 409 `full` instead of taking people onto a waiting list. */
  waitlistEnabled: boolean('waitlist_enabled').notNull().default(true),
  /** No automatic promotion from the waiting list this close to a session's start (organizers still promote by hand). */
  promotionCutoffMinutes: integer('promotion_cutoff_minutes').notNull().default(120),
  /** Reminder mails, in minutes before each session's start; empty: no reminders. */
  reminderOffsetsMinutes: integer('reminder_offsets_minutes').array().notNull().default(sql`'{1440,120}'::integer[]`),
  tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
  /** Rises on every change a calendar shows (see changes/calendar-fields.ts). */
  sequence: integer('sequence').notNull().default(0),
  /** Span of the event's live sessions, kept by the sessions service for filtering and ordering. */
  firstStartAt: timestamp('first_start_at', { withTimezone: true }),
  lastEndAt: timestamp('last_end_at', { withTimezone: true }),
  /** Science workers and volunteers involved, as the national Science Day reporting asks; null: not entered yet. */
  scienceWorkers: integer('science_workers'),
  volunteers: integer('volunteers'),
  /** The reviewer's note when an event is returned to its organizers. */
  reviewComment: text('review_comment'),
  publishedAt: timestamp('published_at', { withTimezone: true }),
  cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
  ...timestamps,
}, (t) => [
  check('events_type_check', sql`${t.type} in ('lecture','exhibition','open_day','workshop','study_tour','science_fair','competition','training','volunteer_service','screening','other')`),
  check('events_status_check', sql`${t.status} in ('draft','submitted','published','cancelled')`),
  check('events_registration_mode_check', sql`${t.registrationMode} in ('none','individual','class','both')`),
  check('events_capacity_check', sql`${t.capacity} is null or ${t.capacity} >= 0`),
  check('events_party_size_limit_check', sql`${t.partySizeLimit} between 1 and 100`),
  check('events_reminder_offsets_check', sql`cardinality(${t.reminderOffsetsMinutes}) <= 5 and 5 <= all(${t.reminderOffsetsMinutes}) and 20160 >= all(${t.reminderOffsetsMinutes})`),
  check('events_promotion_cutoff_check', sql`${t.promotionCutoffMinutes} between 0 and 10080`),
  check('events_outreach_check', sql`(${t.scienceWorkers} is null or ${t.scienceWorkers} between 0 and 1000000) and (${t.volunteers} is null or ${t.volunteers} between 0 and 1000000)`),
  check('events_window_check', sql`${t.registrationOpensAt} is null or ${t.registrationClosesAt} is null or ${t.registrationOpensAt} < ${t.registrationClosesAt}`),
  index('events_status_start_idx').on(t.status, t.firstStartAt, t.id),
  index('events_owner_idx').on(t.ownerUnitId),
  index('events_observance_idx').on(t.observanceId),
  index('events_task_idx').on(t.taskId),
  index('events_venue_idx').on(t.venueId),
  index('events_updated_idx').on(t.updatedAt),
]);

/** Co-organizing units; the owner is on the event row itself. */
export const eventUnits = pgTable('event_units', {
  eventId: uuid('event_id').notNull().references(() => events.id, { onDelete: 'cascade' }),
  unitId: uuid('unit_id').notNull().references(() => units.id, { onDelete: 'restrict' }),
}, (t) => [primaryKey({ columns: [t.eventId, t.unitId] }), index('event_units_unit_idx').on(t.unitId)]);

export const eventAudiences = pgTable('event_audiences', {
  eventId: uuid('event_id').notNull().references(() => events.id, { onDelete: 'cascade' }),
  audienceSlug: text('audience_slug').notNull().references(() => audiences.slug, { onDelete: 'restrict' }),
}, (t) => [primaryKey({ columns: [t.eventId, t.audienceSlug] }), index('event_audiences_audience_idx').on(t.audienceSlug)]);

export const SESSION_STATUSES = ['scheduled', 'cancelled'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const sessions = pgTable('sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  eventId: uuid('event_id').notNull().references(() => events.id, { onDelete: 'cascade' }),
  startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
  endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
  /** Null: the event's capacity, which itself falls back to the venue's. */
  capacity: integer('capacity'),
  /**
   * Session, else event, else venue capacity (null: unlimited), kept by triggers (migration 0006)
   * so the seat check reads only this row: see registrations/seats.ts.
   */
  effectiveCapacity: integer('effective_capacity'),
  /** Headcount of confirmed and attended registrations. */
  seatsTaken: integer('seats_taken').notNull().default(0),
  /**
   * Headcount waiting now, and the most that ever waited at once (the reports' waiting-list
   * peak), kept by a trigger on registrations (migration 0013) in the change's transaction.
   */
  waitlistHeadcount: integer('waitlist_headcount').notNull().default(0),
  waitlistPeak: integer('waitlist_peak').notNull().default(0),
  /**
   * The session's registrations tallied for the year's report, kept by the same trigger
   * (migration 0014), so a report reads sessions, not every registration: seated (confirmed
   * or attended) by kind, checked-in headcount, the booked headcount of those checked in who
   * had booked (walk-ins apart), and cancellations.
   */
  seatedIndividual: integer('seated_individual').notNull().default(0),
  seatedClass: integer('seated_class').notNull().default(0),
  checkedInHeadcount: integer('checked_in_headcount').notNull().default(0),
  attendedBookedHeadcount: integer('attended_booked_headcount').notNull().default(0),
  cancelledCount: integer('cancelled_count').notNull().default(0),
  /** For online or mixed events; shown only to registrants when the event takes registrations. */
  streamUrl: text('stream_url'),
  status: text('status').$type<SessionStatus>().notNull().default('scheduled'),
  sequence: integer('sequence').notNull().default(0),
  /** Where a published session started before it was last moved (schema.org previousStartDate). */
  previousStartsAt: timestamp('previous_starts_at', { withTimezone: true }),
  /** When the availability word last moved (set by a trigger, migration 0009): bots that sync hear of it. */
  availabilityChangedAt: timestamp('availability_changed_at', { withTimezone: true }),
  ...timestamps,
}, (t) => [
  check('sessions_time_check', sql`${t.startsAt} < ${t.endsAt}`),
  check('sessions_status_check', sql`${t.status} in ('scheduled','cancelled')`),
  check('sessions_capacity_check', sql`${t.capacity} is null or ${t.capacity} >= 0`),
  // The last line of defence against overbooking, whatever code path changes seats or capacity.
  check('sessions_seats_check', sql`${t.seatsTaken} >= 0 and (${t.effectiveCapacity} is null or ${t.seatsTaken} <= ${t.effectiveCapacity})`),
  index('sessions_event_idx').on(t.eventId, t.startsAt),
  index('sessions_starts_idx').on(t.startsAt),
  index('sessions_availability_changed_idx').on(t.availabilityChangedAt),
]);

/** What was deleted and when, so bots that sync can drop it. */
export const tombstones = pgTable('tombstones', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  objectId: uuid('object_id').notNull(),
  /** For a session: its event, so an event's feed can drop it. */
  parentId: uuid('parent_id'),
  /** The units whose organizers could see the event: they, and admins, see its tombstone. */
  unitIds: uuid('unit_ids').array().notNull().default(sql`'{}'::uuid[]`),
  /** Whether the public ever saw the event; only then is its deletion public. */
  wasPublished: boolean('was_published').notNull().default(false),
  deletedAt: timestamp('deleted_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('tombstones_deleted_idx').on(t.deletedAt), index('tombstones_object_idx').on(t.objectId)]);
