import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.js';
import { outboxMessages } from './outbox.js';
import { timestamps, units } from './reference.js';

/** What a subscriber may ask to be told; `ping` is the "send a test event" delivery. */
export const WEBHOOK_KINDS = ['event.published', 'event.changed', 'event.cancelled', 'event.deleted', 'session.full', 'session.available', 'registration.created', 'registration.cancelled'] as const;
/** Kinds that carry a person's data: only for a unit's own endpoints, only for people who agreed (registrations.transfer_consent_version). */
export const PERSONAL_WEBHOOK_KINDS: readonly WebhookKind[] = ['registration.created', 'registration.cancelled'];
export type WebhookKind = (typeof WEBHOOK_KINDS)[number];
export const PING_KIND = 'ping';
export const DISABLED_CAUSES = ['paused', 'failing'] as const;
export type DisabledCause = (typeof DISABLED_CAUSES)[number];

/**
 * A bot's subscription. Owned by a unit (its organizers manage it, and it only hears of
 * that unit's events) or by the district (unit null: administrators only). The signing
 * secret is sealed with SECRET_KEY: HMAC needs it in the clear, so it cannot be a hash.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: uuid('id').primaryKey().defaultRandom(),
  unitId: uuid('unit_id').references(() => units.id, { onDelete: 'cascade' }),
  createdBy: uuid('created_by').references(() => accounts.id, { onDelete: 'set null' }),
  url: text('url').notNull(),
  description: text('description'),
  kinds: text('kinds').array().notNull(),
  /** Filters; null: any. An event passes when it matches every filter given. */
  observanceIds: uuid('observance_ids').array(),
  unitIds: uuid('unit_ids').array(),
  townIds: uuid('town_ids').array(),
  /** Set by an administrator only: the URL may resolve to a loopback or private address. */
  allowPrivateNetwork: boolean('allow_private_network').notNull().default(false),
  secretSealed: text('secret_sealed').notNull(),
  /** After a rotation, the old secret also signs until `previousSecretExpiresAt`. */
  previousSecretSealed: text('previous_secret_sealed'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
  /** Since when every attempt has failed (null after a success); 24 hours of that disables it. */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  /** The last failed attempt's error, kept while it fails (for its owner). */
  lastError: text('last_error'),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** paused: by someone; failing: every delivery failed for a day. */
  disabledCause: text('disabled_cause').$type<DisabledCause>(),
  disabledReason: text('disabled_reason'),
  ...timestamps,
}, (t) => [
  check('webhook_endpoints_kinds_check', sql`cardinality(${t.kinds}) > 0`),
  index('webhook_endpoints_unit_idx').on(t.unitId),
]);

/**
 * One change told to one endpoint. Its outbox message carries it to a worker, which keeps
 * order per endpoint and event (outbox_messages.ordering_key). The body is made at the first
 * attempt and kept, so every retry sends the same bytes; responses keep a prefix only.
 */
export const webhookDeliveries = pgTable('webhook_deliveries', {
  /** Sent as the Kepu-Delivery header: receivers drop a delivery they have seen. */
  id: uuid('id').primaryKey().defaultRandom(),
  endpointId: uuid('endpoint_id').notNull().references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
  outboxMessageId: bigint('outbox_message_id', { mode: 'number' }).references(() => outboxMessages.id, { onDelete: 'set null' }),
  kind: text('kind').notNull(),
  /** No foreign keys: a deleted event's deliveries still tell of it. */
  eventId: uuid('event_id'),
  sessionId: uuid('session_id'),
  registrationId: uuid('registration_id'),
  /** The public event when the change was made (a staff change); null: rendered at the first attempt (a seat trigger's). */
  eventSnapshot: jsonb('event_snapshot'),
  /** Never kept for the personal kinds: their body is made afresh at each attempt, and not at all once the person erased their data. */
  body: text('body'),
  attempts: integer('attempts').notNull().default(0),
  lastStatus: integer('last_status'),
  lastLatencyMs: integer('last_latency_ms'),
  lastError: text('last_error'),
  responsePrefix: text('response_prefix'),
  lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt),
  index('webhook_deliveries_outbox_idx').on(t.outboxMessageId),
]);
