import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamps, units } from './reference.js';

export const ROLES = ['admin', 'organizer', 'checker'] as const;
export type Role = (typeof ROLES)[number];

/** Rights beyond a role's own: an organizer may be trusted with venues or themed days. */
export const GRANTS = ['venues', 'observances'] as const;
export type Grant = (typeof GRANTS)[number];

export const accounts = pgTable('accounts', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Stored lower-cased: one account per address whatever its spelling. */
  email: text('email').notNull(),
  displayName: text('display_name').notNull(),
  role: text('role').$type<Role>().notNull(),
  grants: text('grants').array().$type<Grant[]>().notNull().default(sql`'{}'::text[]`),
  /** argon2id; null until the invited person sets a password. */
  passwordHash: text('password_hash'),
  failedLogins: integer('failed_logins').notNull().default(0),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  ...timestamps,
}, (t) => [
  uniqueIndex('accounts_email_uq').on(t.email),
  check('accounts_role_check', sql`${t.role} in ('admin', 'organizer', 'checker')`),
  check('accounts_email_lower_check', sql`${t.email} = lower(${t.email})`),
]);

/** The units an organizer or checker acts for. */
export const accountUnits = pgTable('account_units', {
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  unitId: uuid('unit_id').notNull().references(() => units.id, { onDelete: 'cascade' }),
}, (t) => [primaryKey({ columns: [t.accountId, t.unitId] }), index('account_units_unit_idx').on(t.unitId)]);

/** Browser sessions of the admin UI; the cookie holds the secret, the table its hash. */
export const authSessions = pgTable('auth_sessions', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  secretHash: text('secret_hash').notNull(),
  csrfToken: text('csrf_token').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('auth_sessions_secret_uq').on(t.secretHash), index('auth_sessions_account_idx').on(t.accountId)]);

export const TOKEN_SCOPES = ['read', 'write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Bearer tokens for scripts and bots: shown once, stored as a hash, never wider than their owner. */
export const apiTokens = pgTable('api_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  name: text('name').notNull(),
  /** The first characters of the token, to tell tokens apart in lists; not enough to use it. */
  prefix: text('prefix').notNull(),
  secretHash: text('secret_hash').notNull(),
  scope: text('scope').$type<TokenScope>().notNull(),
  /** Narrows the token to one of its owner's units. */
  unitId: uuid('unit_id').references(() => units.id, { onDelete: 'cascade' }),
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('api_tokens_secret_uq').on(t.secretHash),
  index('api_tokens_account_idx').on(t.accountId),
  check('api_tokens_scope_check', sql`${t.scope} in ('read', 'write')`),
]);

/** One-time links: invitations and password resets. */
export const accountLinks = pgTable('account_links', {
  id: uuid('id').primaryKey().defaultRandom(),
  accountId: uuid('account_id').notNull().references(() => accounts.id, { onDelete: 'cascade' }),
  purpose: text('purpose').$type<'invite' | 'reset'>().notNull(),
  secretHash: text('secret_hash').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex('account_links_secret_uq').on(t.secretHash), check('account_links_purpose_check', sql`${t.purpose} in ('invite', 'reset')`)]);

/**
 * Who did what to which object, and when. Append-only: the API has no route that
 * changes it, and a trigger refuses UPDATE and DELETE. Personal-data fields are listed
 * as changed without their values, so erasing a person never has to touch the log.
 */
export const auditLog = pgTable('audit_log', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  actorAccountId: uuid('actor_account_id'),
  actorTokenId: uuid('actor_token_id'),
  action: text('action').notNull(),
  objectKind: text('object_kind').notNull(),
  objectId: text('object_id').notNull(),
  unitId: uuid('unit_id'),
  changedFields: text('changed_fields').array().notNull().default(sql`'{}'::text[]`),
  detail: jsonb('detail').$type<Record<string, unknown>>(),
}, (t) => [
  index('audit_log_object_idx').on(t.objectKind, t.objectId, t.id),
  index('audit_log_actor_idx').on(t.actorAccountId, t.id),
]);

/** Request counters of the rate limiter, shared by every process on the database. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  hits: integer('hits').notNull(),
  resetAt: timestamp('reset_at', { withTimezone: true }).notNull(),
});
