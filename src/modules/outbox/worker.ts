import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { claimDue, DEFAULT_RETRY, markCancelled, markFailed, markSent, releaseClaims, type OutboxMessage, type RetryPolicy } from './outbox.js';

/** What a channel may say about a message beyond "sent": it will never be sent (the person erased their data, say). */
export class Undeliverable extends Error {
  override name = 'Undeliverable';
}

/** Sends one kind of message (mail, later webhooks, an SMS some day). Throwing means "try again later". */
export type Channel = { send(message: OutboxMessage): Promise<void> };

export type WorkerOptions = {
  db: Executor;
  channels: Record<string, Channel>;
  clock: Clock;
  /** Messages claimed at once. */
  batchSize?: number;
  /** How long a claim holds: a worker that dies mid-send leaves its batch to others after this. */
  leaseMs?: number;
  /** How often an idle worker looks for due messages. */
  pollMs?: number;
  retry?: RetryPolicy;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
};

/**
 * Claims due messages, hands each to its channel and settles it. `drain()` works until
 * nothing is due (tests and benchmarks); `start()` polls until `stop()`, which lets the batch
 * in hand finish and releases whatever of it was not sent.
 */
export function createOutboxWorker({ db, channels, clock, batchSize = 20, leaseMs = 60_000, pollMs = 1000, retry = DEFAULT_RETRY, log }: WorkerOptions) {
  const workerId = `worker-${randomUUID()}`;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function settle(message: OutboxMessage) {
    const channel = channels[message.channel];
    try {
      if (!channel) throw new Error(`no channel named ${message.channel}`);
      await channel.send(message);
      await markSent(db, message.id, workerId, clock.now());
    } catch (error) {
      if (error instanceof Undeliverable) {
        await markCancelled(db, message.id, workerId, error.message);
        return;
      }
      const reason = error instanceof Error ? error.message : String(error);
      const state = await markFailed(db, message, workerId, reason, { now: clock.now(), policy: retry });
      // The message id only: payloads may hold personal data.
      (state === 'failed' ? log.error : log.warn)({ messageId: message.id, kind: message.kind, attempts: message.attempts, state }, 'outbox: a send failed');
    }
  }

  /** One batch: claimed, sent one by one (the mail server sees one connection's pace), settled. */
  async function runBatch(): Promise<number> {
    const batch = await claimDue(db, { workerId, limit: batchSize, leaseMs, now: clock.now() });
    for (const message of batch) {
      if (stopping) break;
      await settle(message);
    }
    return batch.length;
  }

  async function drain(): Promise<number> {
    let total = 0;
    for (let claimed = await runBatch(); claimed > 0 && !stopping; claimed = await runBatch()) total += claimed;
    return total;
  }

  function schedule(delay: number) {
    if (stopping) return;
    timer = setTimeout(() => {
      running = drain()
        .catch((error: unknown) => { log.error({ err: error }, 'outbox: a round failed; trying again'); return 0; })
        .finally(() => schedule(pollMs));
    }, delay);
    timer.unref();
  }

  return {
    workerId,
    drain,
    start() { schedule(0); },
    async stop(): Promise<void> {
      stopping = true;
      clearTimeout(timer);
      await running?.catch(() => 0);
      const released = await releaseClaims(db, workerId);
      if (released) log.info({ released }, 'outbox: released unsent claims for other workers');
    },
  };
}
export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
