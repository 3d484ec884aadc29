import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Executor, Transaction } from '../../db/client.js';
import { idempotencyKeys } from '../../db/schema/index.js';
import { Problem } from '../../lib/problems.js';
import { seal, unseal } from '../../lib/seal.js';

/** How long a first answer is kept for retries. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

export type StoredAnswer = { status: number; body: unknown };
export type Claim = { kind: 'claimed'; keyHash: string; key: string } | { kind: 'replay'; answer: StoredAnswer };

const keyHashOf = (key: string) => createHash('sha256').update(`idempotency:${key}`).digest('hex');
/** The answer holds a manage token: it is sealed with a key only the client's Idempotency-Key gives. */
const sealAnswer = (key: string, answer: StoredAnswer) => seal(key, 'idempotency', JSON.stringify(answer));
const openAnswer = (key: string, stored: string) => JSON.parse(unseal(key, 'idempotency', stored)) as StoredAnswer;

/**
 * Claims an Idempotency-Key inside the request's transaction. A second request with the
 * same key waits on the first one's row until it commits, then replays its answer; if the
 * first failed, its transaction (and the claim) rolled back and the retry runs afresh, so
 * only successful answers are replayed. The same key with another request is refused.
 */
export async function claimIdempotencyKey(tx: Transaction, key: string, request: unknown, now: Date): Promise<Claim> {
  const keyHash = keyHashOf(key);
  const requestHash = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  await tx.delete(idempotencyKeys).where(and(eq(idempotencyKeys.keyHash, keyHash), lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS))));
  const inserted = await tx.insert(idempotencyKeys).values({ keyHash, requestHash, createdAt: now }).onConflictDoNothing().returning({ keyHash: idempotencyKeys.keyHash });
  if (inserted.length) return { kind: 'claimed', keyHash, key };
  const [stored] = await tx.select().from(idempotencyKeys).where(eq(idempotencyKeys.keyHash, keyHash));
  if (!stored || stored.requestHash !== requestHash || !stored.response) {
    throw new Problem(422, 'idempotency_key_reused', 'This Idempotency-Key was used for a different request; use a new key for a new request.');
  }
  return { kind: 'replay', answer: openAnswer(key, stored.response) };
}

export async function storeIdempotentAnswer(tx: Transaction, claim: Extract<Claim, { kind: 'claimed' }>, registrationId: string, answer: StoredAnswer) {
  await tx.update(idempotencyKeys).set({ registrationId, statusCode: answer.status, response: sealAnswer(claim.key, answer) }).where(eq(idempotencyKeys.keyHash, claim.keyHash));
}

/** Answers older than a day are not replayed; the sweep removes them. */
export async function purgeIdempotencyKeys(db: Executor, now: Date): Promise<number> {
  const rows = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, new Date(now.getTime() - IDEMPOTENCY_TTL_MS))).returning({ keyHash: idempotencyKeys.keyHash });
  return rows.length;
}
