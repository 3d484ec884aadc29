import { sql } from 'drizzle-orm';
import { bigserial, check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { events } from './events.js';

export const OUTBOX_STATES = ['planned', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/**
 * Messages to send (mail now, webhook deliveries later), written in the transaction of the
 * change that causes them. Nothing here knows what a mail is: the channel that sends a kind
 * reads what it needs from the payload when it sends.
 */
export const outboxMessages = pgTable('outbox_messages', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  channel: text('channel').notNull(),
  payload: jsonb('payload').notNull(),
  /**
   * One live message per key: planning the same thing twice is a no-op, and a sent message is
   * never planned again. A withdrawn (cancelled) one does not count, so a reminder withdrawn
   * when its session moved can be planned again if the session moves back.
   */
  dedupeKey: text('dedupe_key').notNull(),
  state: text('state').$type<OutboxState>().notNull().default('planned'),
  attempts: integer('attempts').notNull().default(0),
  /** When it may be sent (now, or a reminder's time; after a failure, the next attempt). */
  dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
  /** While `sending`: the claim holds until then; a worker that died lets it go at that time. */
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
  claimedBy: text('claimed_by'),
  lastError: text('last_error'),
  /** The event it is about, for the organizers' view; kept when the event goes. */
  eventId: uuid('event_id').references(() => events.id, { onDelete: 'set null' }),
  /**
   * Messages with the same key are sent one after another, in id order: one is not claimed
   * while an earlier one is planned or being sent (webhooks: per endpoint and event). Null:
   * no order to keep (mail).
   */
  orderingKey: text('ordering_key'),
  sentAt: timestamp('sent_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  check('outbox_messages_state_check', sql`${t.state} in ('planned', 'sending', 'sent', 'failed', 'cancelled')`),
  uniqueIndex('outbox_messages_dedupe_idx').on(t.dedupeKey).where(sql`${t.state} <> 'cancelled'`),
  // What a worker looks for: due planned messages, and claims whose lease ran out.
  index('outbox_messages_due_idx').on(t.dueAt).where(sql`${t.state} = 'planned'`),
  index('outbox_messages_lease_idx').on(t.leaseUntil).where(sql`${t.state} = 'sending'`),
  index('outbox_messages_event_idx').on(t.eventId),
  index('outbox_messages_ordering_idx').on(t.orderingKey, t.id).where(sql`${t.orderingKey} is not null and ${t.state} in ('planned', 'sending')`),
]);
