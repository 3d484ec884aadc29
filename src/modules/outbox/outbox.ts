import { and, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Executor } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';

/**
 * The durable outbox: messages planned in the transaction of the change that causes them
 * (so a committed change always gets its message and a rolled-back one never does), claimed
 * by workers with FOR UPDATE SKIP LOCKED under a lease, and retried with backoff. It knows
 * kinds and channels by name only; what a message means is its channel's business.
 */

export type OutboxMessage = {
  id: number; kind: string; channel: string; payload: unknown; dedupeKey: string; attempts: number; eventId: string | null; createdAt: Date;
};

export type Planned = {
  kind: string; channel: string; payload: unknown;
  /** The same key planned twice is one message (for mail: registration, kind, session, sequence); a withdrawn one does not count. */
  dedupeKey: string;
  /** Default: now. */
  dueAt?: Date;
  eventId?: string | null;
};

/** Plans a message in the caller's transaction; false when its dedupe key was planned before. */
export async function enqueue(tx: Executor, message: Planned, now: Date): Promise<boolean> {
  const rows = await tx.insert(outboxMessages).values({
    kind: message.kind, channel: message.channel, payload: message.payload, dedupeKey: message.dedupeKey,
    dueAt: message.dueAt ?? now, eventId: message.eventId ?? null,
  }).onConflictDoNothing({ target: outboxMessages.dedupeKey, where: sql`state <> 'cancelled'` }).returning({ id: outboxMessages.id });
  return rows.length > 0;
}

/**
 * Plans many messages in one statement: `rows` is a SELECT giving the columns kind, channel,
 * payload (jsonb), dedupe_key, due_at and event_id, in that order. Keys planned before are
 * skipped. Answers how many were planned.
 */
export async function enqueueSelected(tx: Executor, rows: SQL): Promise<number> {
  const result = await tx.execute(sql`${enqueueStatement(rows)} returning id`);
  return rowsOf(result).length;
}

/** The INSERT of `enqueueSelected`, for a statement that does more (a data-modifying CTE). */
export const enqueueStatement = (rows: SQL): SQL => sql`insert into outbox_messages (kind, channel, payload, dedupe_key, due_at, event_id)
    ${rows}
    on conflict (dedupe_key) where state <> 'cancelled' do nothing`;

/**
 * Withdraws planned messages that have not been claimed yet: those of `kinds` whose payload
 * contains `payloadContains` (jsonb containment), optionally only of one event. A message
 * already being sent is left to its worker, whose channel checks again when it sends.
 */
export async function cancelPlanned(tx: Executor, { kinds, payloadContains, eventId, reason }: { kinds: string[]; payloadContains: Record<string, unknown>; eventId?: string; reason: string }): Promise<number> {
  const cancelled = await tx.update(outboxMessages)
    .set({ state: 'cancelled', lastError: reason, updatedAt: sql`now()` })
    .where(and(eq(outboxMessages.state, 'planned'), inArray(outboxMessages.kind, kinds),
      sql`${outboxMessages.payload} @> ${JSON.stringify(payloadContains)}::jsonb`,
      eventId ? eq(outboxMessages.eventId, eventId) : undefined))
    .returning({ id: outboxMessages.id });
  return cancelled.length;
}

/**
 * Forgets the messages whose payload contains `payloadContains` once they are settled, and
 * withdraws those still planned (a person's data erased: a mail server's refusal in
 * `last_error` may quote their address). Messages being sent are left to their worker.
 */
export async function forgetMessages(tx: Executor, payloadContains: Record<string, unknown>[]): Promise<number> {
  if (payloadContains.length === 0) return 0;
  const matches = sql.join(payloadContains.map((p) => sql`${outboxMessages.payload} @> ${JSON.stringify(p)}::jsonb`), sql` or `);
  const gone = await tx.delete(outboxMessages).where(and(sql`${outboxMessages.state} <> 'sending'`, sql`(${matches})`)).returning({ id: outboxMessages.id });
  return gone.length;
}

/**
 * Claims up to `limit` messages that are due, or whose claim's lease ran out (a worker died
 * mid-send: at-least-once, the window being the lease). Each claim counts as an attempt.
 * SKIP LOCKED lets any number of workers claim side by side without taking the same message.
 * A message with an ordering key waits while an earlier one with that key is planned or being
 * sent (a retry keeps it planned), so no two of a key are ever in flight; another worker's
 * claim not yet committed still reads as planned, so it holds the later ones back too.
 */
export async function claimDue(db: Executor, { workerId, limit, leaseMs, now }: { workerId: string; limit: number; leaseMs: number; now: Date }): Promise<OutboxMessage[]> {
  const at = now.toISOString();
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  const result = await db.execute(sql`update outbox_messages m
    set state = 'sending', claimed_by = ${workerId}, lease_until = ${leaseUntil}::timestamptz, attempts = m.attempts + 1, updated_at = now()
    where m.id in (
      select id from outbox_messages
      where ((state = 'planned' and due_at <= ${at}::timestamptz) or (state = 'sending' and lease_until <= ${at}::timestamptz))
        and (ordering_key is null or not exists (select 1 from outbox_messages earlier
          where earlier.ordering_key = outbox_messages.ordering_key and earlier.id < outbox_messages.id and earlier.state in ('planned', 'sending')))
      order by due_at, id
      limit ${limit}
      for update skip locked)
    returning m.id, m.kind, m.channel, m.payload, m.dedupe_key, m.attempts, m.event_id, m.created_at`);
  return rowsOf<{ id: number | string; kind: string; channel: string; payload: unknown; dedupe_key: string; attempts: number; event_id: string | null; created_at: Date | string }>(result)
    .map((r) => ({ id: Number(r.id), kind: r.kind, channel: r.channel, payload: r.payload, dedupeKey: r.dedupe_key, attempts: r.attempts, eventId: r.event_id, createdAt: new Date(r.created_at) }))
    .sort((a, b) => a.id - b.id);
}

/** Only the worker holding the claim may settle it: one whose lease ran out and was re-claimed may not. */
const heldBy = (id: number, workerId: string) => and(eq(outboxMessages.id, id), eq(outboxMessages.state, 'sending'), eq(outboxMessages.claimedBy, workerId));

export async function markSent(db: Executor, ids: number[], workerId: string, now: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.update(outboxMessages)
    .set({ state: 'sent', sentAt: now, leaseUntil: null, lastError: null, updatedAt: sql`now()` })
    .where(and(inArray(outboxMessages.id, ids), eq(outboxMessages.state, 'sending'), eq(outboxMessages.claimedBy, workerId)));
}

/** `maxAgeMs`: also give up once the message is that old (webhooks: a day of retries, however many). */
export type RetryPolicy = { maxAttempts: number; baseDelayMs: number; maxDelayMs: number; maxAgeMs?: number };
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 30_000, maxDelayMs: 3600_000 };

/** Exponential, capped, with ±20 % jitter so messages that failed together do not retry together. */
export function retryDelay(attempts: number, policy: RetryPolicy, random = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.8 + 0.4 * random()));
}

/** A send that failed: planned again after the backoff, or failed for good after the last attempt. */
export async function markFailed(db: Executor, message: OutboxMessage, workerId: string, error: string, { now, policy = DEFAULT_RETRY, random = Math.random }: {
  now: Date; policy?: RetryPolicy; random?: () => number;
}): Promise<'planned' | 'failed'> {
  const final = message.attempts >= policy.maxAttempts
    || (policy.maxAgeMs !== undefined && now.getTime() - message.createdAt.getTime() >= policy.maxAgeMs);
  await db.update(outboxMessages).set({
    state: final ? 'failed' : 'planned',
    dueAt: final ? undefined : new Date(now.getTime() + retryDelay(message.attempts, policy, random)),
    leaseUntil: null, claimedBy: null, lastError: error.slice(0, 500), updatedAt: sql`now()`,
  }).where(heldBy(message.id, workerId));
  return final ? 'failed' : 'planned';
}

/** A message that will not be sent (its registration is gone, say): settled without an attempt counting against it. */
export async function markCancelled(db: Executor, id: number, workerId: string, reason: string): Promise<void> {
  await db.update(outboxMessages).set({ state: 'cancelled', leaseUntil: null, lastError: reason.slice(0, 500), updatedAt: sql`now()` }).where(heldBy(id, workerId));
}

/** Keeps this worker's claims: a batch slower than the lease (a slow mail server) is not taken over while it is still being sent. */
export async function renewLeases(db: Executor, workerId: string, { leaseMs, now }: { leaseMs: number; now: Date }): Promise<void> {
  await db.update(outboxMessages)
    .set({ leaseUntil: new Date(now.getTime() + leaseMs) })
    .where(and(eq(outboxMessages.state, 'sending'), eq(outboxMessages.claimedBy, workerId)));
}

/** On shutdown: what this worker claimed and has not sent goes back, its attempt not counted. */
export async function releaseClaims(db: Executor, workerId: string): Promise<number> {
  const released = await db.update(outboxMessages)
    .set({ state: 'planned', leaseUntil: null, claimedBy: null, attempts: sql`greatest(${outboxMessages.attempts} - 1, 0)`, updatedAt: sql`now()` })
    .where(and(eq(outboxMessages.state, 'sending'), eq(outboxMessages.claimedBy, workerId)))
    .returning({ id: outboxMessages.id });
  return released.length;
}

/** An event's messages for its organizers: what, when, how it went. Never the payload (it may name people). */
export async function messagesOfEvent(db: Executor, eventId: string) {
  return db.select({
    id: outboxMessages.id, kind: outboxMessages.kind, channel: outboxMessages.channel, state: outboxMessages.state,
    attempts: outboxMessages.attempts, dueAt: outboxMessages.dueAt, sentAt: outboxMessages.sentAt, lastError: outboxMessages.lastError,
    createdAt: outboxMessages.createdAt,
  }).from(outboxMessages).where(eq(outboxMessages.eventId, eventId)).orderBy(outboxMessages.id);
}

/** A failed message planned again, its attempts from zero: an organizer's "send it again". Undefined when it is not a failed message of the event. */
export async function replanFailed(tx: Executor, { eventId, messageId, now }: { eventId: string; messageId: number; now: Date }) {
  const [row] = await tx.update(outboxMessages)
    .set({ state: 'planned', attempts: 0, dueAt: now, leaseUntil: null, claimedBy: null, updatedAt: sql`now()` })
    .where(and(eq(outboxMessages.id, messageId), eq(outboxMessages.eventId, eventId), eq(outboxMessages.state, 'failed')))
    .returning({ id: outboxMessages.id });
  return row;
}
