import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.js';
import { events, sessions } from './events.js';
import { audiences } from './reference.js';

export const REGISTRATION_KINDS = ['individual', 'class'] as const;
export type RegistrationKind = (typeof REGISTRATION_KINDS)[number];

/** `attended` follows `confirmed` at check-in; `cancelled` is final. */
export const REGISTRATION_STATUSES = ['confirmed', 'waitlisted', 'cancelled', 'attended'] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/** How the registration came in: the public form, an organizer on someone's behalf, or a walk-in at the door. */
export const REGISTRATION_SOURCES = ['online', 'assisted', 'walk_in'] as const;
export type RegistrationSource = (typeof REGISTRATION_SOURCES)[number];

export const LANGUAGES = ['zh', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * One sign-up of a person (with their party) or of a school class, for one session.
 * Personal data (name, phone, email, teacher's name) is nulled when the registration is
 * anonymised; counts, status and history stay for the year's figures.
 */
export const registrations = pgTable('registrations', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** First come, first served: the waiting list's order. */
  seq: bigserial('seq', { mode: 'number' }).notNull(),
  eventId: uuid('event_id').notNull().references(() => events.id, { onDelete: 'restrict' }),
  sessionId: uuid('session_id').notNull().references(() => sessions.id, { onDelete: 'restrict' }),
  kind: text('kind').$type<RegistrationKind>().notNull(),
  status: text('status').$type<RegistrationStatus>().notNull(),
  source: text('source').$type<RegistrationSource>().notNull().default('online'),
  /** Seats taken: the party size, or the class's headcount. */
  headcount: integer('headcount').notNull(),
  language: text('language').$type<Language>().notNull().default('zh'),
  /** The person, or the class's teacher. */
  contactName: text('contact_name'),
  /** A mainland mobile, 11 digits. */
  phone: text('phone'),
  /** Stored lower-cased. */
  email: text('email'),
  school: text('school'),
  gradeClass: text('grade_class'),
  consentVersion: text('consent_version').notNull(),
  /**
   * The version of the separate consent to hand the registration to the organizer's own
   * systems (webhook kinds registration.*); null: not given, and nothing is handed over.
   */
  transferConsentVersion: text('transfer_consent_version'),
  manageTokenHash: text('manage_token_hash').notNull(),
  /** The manage link is derived from the id and this version (see manage-link.ts); renewing it raises the version. */
  manageLinkVersion: integer('manage_link_version').notNull().default(1),
  /** Short code for the check-in desk (and the QR code on the confirmation). */
  checkInCode: text('check_in_code').notNull(),
  checkedInHeadcount: integer('checked_in_headcount'),
  checkedInAt: timestamp('checked_in_at', { withTimezone: true }),
  statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
  anonymizedAt: timestamp('anonymized_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  check('registrations_kind_check', sql`${t.kind} in ('individual', 'class')`),
  check('registrations_status_check', sql`${t.status} in ('confirmed', 'waitlisted', 'cancelled', 'attended')`),
  check('registrations_source_check', sql`${t.source} in ('online', 'assisted', 'walk_in')`),
  check('registrations_language_check', sql`${t.language} in ('zh', 'en')`),
  check('registrations_headcount_check', sql`${t.headcount} between 1 and 100000`),
  check('registrations_checked_in_check', sql`${t.checkedInHeadcount} is null or ${t.checkedInHeadcount} between 0 and ${t.headcount}`),
  uniqueIndex('registrations_seq_uq').on(t.seq),
  uniqueIndex('registrations_manage_token_uq').on(t.manageTokenHash),
  uniqueIndex('registrations_check_in_code_uq').on(t.eventId, t.checkInCode),
  // Duplicates: one live registration per phone, per email, and per class for a session.
  // Unique indexes make the rule hold when two identical sign-ups race.
  uniqueIndex('registrations_phone_uq').on(t.sessionId, t.phone).where(sql`${t.kind} = 'individual' and ${t.status} <> 'cancelled' and ${t.phone} is not null`),
  uniqueIndex('registrations_email_uq').on(t.sessionId, t.email).where(sql`${t.kind} = 'individual' and ${t.status} <> 'cancelled' and ${t.email} is not null`),
  uniqueIndex('registrations_class_uq').on(t.sessionId, t.school, t.gradeClass).where(sql`${t.kind} = 'class' and ${t.status} <> 'cancelled' and ${t.school} is not null`),
  index('registrations_queue_idx').on(t.sessionId, t.status, t.seq),
  index('registrations_event_idx').on(t.eventId, t.seq),
  // registrations_unchecked_idx (migration 0014, hand-written: it INCLUDEs columns, which
  // Drizzle cannot declare) covers the unchecked rows the year's report reads for no-shows.
]);

/** Every status or headcount change with its time, for the reports (e.g. the waiting list's peak). */
export const registrationHistory = pgTable('registration_history', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  registrationId: uuid('registration_id').notNull().references(() => registrations.id, { onDelete: 'cascade' }),
  sessionId: uuid('session_id').notNull(),
  status: text('status').$type<RegistrationStatus>().notNull(),
  headcount: integer('headcount').notNull(),
  /** What moved it: signed_up, promoted, cancelled, headcount_changed, checked_in, check_in_undone … */
  reason: text('reason').notNull(),
  actorAccountId: uuid('actor_account_id').references(() => accounts.id, { onDelete: 'set null' }),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('registration_history_registration_idx').on(t.registrationId, t.id), index('registration_history_session_idx').on(t.sessionId, t.changedAt)]);

export const QUESTION_KINDS = ['text', 'choice', 'choices', 'yes_no'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];
export type QuestionOption = { value: string; labelZh: string; labelEn?: string | null };

/** An event's extra questions on its sign-up form. */
export const eventQuestions = pgTable('event_questions', {
  id: uuid('id').primaryKey().defaultRandom(),
  eventId: uuid('event_id').notNull().references(() => events.id, { onDelete: 'cascade' }),
  position: integer('position').notNull(),
  kind: text('kind').$type<QuestionKind>().notNull(),
  labelZh: text('label_zh').notNull(),
  labelEn: text('label_en'),
  options: jsonb('options').$type<QuestionOption[]>().notNull().default(sql`'[]'::jsonb`),
  required: boolean('required').notNull().default(false),
  /** A question with answers is hidden, never deleted, so its answers keep their meaning. */
  hidden: boolean('hidden').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  check('event_questions_kind_check', sql`${t.kind} in ('text', 'choice', 'choices', 'yes_no')`),
  index('event_questions_event_idx').on(t.eventId, t.position),
]);

export type AnswerValue = string | string[] | boolean;
export const registrationAnswers = pgTable('registration_answers', {
  registrationId: uuid('registration_id').notNull().references(() => registrations.id, { onDelete: 'cascade' }),
  questionId: uuid('question_id').notNull().references(() => eventQuestions.id, { onDelete: 'restrict' }),
  value: jsonb('value').$type<AnswerValue>().notNull(),
}, (t) => [primaryKey({ columns: [t.registrationId, t.questionId] }), index('registration_answers_question_idx').on(t.questionId)]);

/** People counted at sessions held without registration, per audience, so the reports count them. */
export const sessionAttendance = pgTable('session_attendance', {
  sessionId: uuid('session_id').notNull().references(() => sessions.id, { onDelete: 'cascade' }),
  audienceSlug: text('audience_slug').notNull().references(() => audiences.slug, { onDelete: 'restrict' }),
  headcount: integer('headcount').notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.sessionId, t.audienceSlug] }), check('session_attendance_headcount_check', sql`${t.headcount} >= 0`)]);

/**
 * A retried POST returns its first answer. The key is stored as a hash and the answer
 * encrypted with a key derived from it: the answer holds a manage token, which must not be
 * readable from the database without the client's own Idempotency-Key.
 */
export const idempotencyKeys = pgTable('idempotency_keys', {
  keyHash: text('key_hash').primaryKey(),
  requestHash: text('request_hash').notNull(),
  registrationId: uuid('registration_id').references(() => registrations.id, { onDelete: 'cascade' }),
  statusCode: integer('status_code'),
  response: text('response'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('idempotency_keys_created_idx').on(t.createdAt)]);
