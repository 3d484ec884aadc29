import { randomUUID } from 'node:crypto';
import type { Executor } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { claimDue, DEFAULT_RETRY, markCancelled, markFailed, markSent, releaseClaims, renewLeases, type OutboxMessage, type RetryPolicy } from './outbox.js';

/** What a channel may say about a message beyond "sent": it will never be sent (the person erased their data, say). */
export class Undeliverable extends Error {
  override name = 'Undeliverable';
}

/** A message the channel did not start sending because the worker is stopping: released, not counted as an attempt. */
export class NotAttempted extends Error {
  override name = 'NotAttempted';
}

/**
 * Sends one kind of message (mail, later webhooks, an SMS some day). It is handed all of a
 * batch's messages for it at once, so it can read what they need in one go and send them side
 * by side, and answers one outcome per message, in order: fulfilled is sent, rejected with
 * `Undeliverable` is never to be sent, with `NotAttempted` is given back (the worker is
 * stopping: `signal` tells, and no new send should start), any other rejection is tried again later.
 *
 * `prepare`, when given, reads and renders what a batch needs; the worker calls it for the
 * next batch while the current one is still being sent, and passes its result to `send`.
 */
export type Channel = {
  /** How its failures are retried; default: the worker's. */
  retry?: RetryPolicy;
  prepare?(messages: OutboxMessage[]): Promise<unknown>;
  send(messages: OutboxMessage[], signal: AbortSignal, prepared?: unknown): Promise<PromiseSettledResult<void>[]>;
};

/** A channel that sends one message at a time, for channels with nothing to share within a batch. */
export const oneByOne = (send: (message: OutboxMessage) => Promise<void>): Channel => ({
  async send(messages, signal) {
    const outcomes: PromiseSettledResult<void>[] = [];
    for (const message of messages) {
      if (signal.aborted) {
        outcomes.push({ status: 'rejected', reason: new NotAttempted('the worker is stopping') });
        continue;
      }
      try {
        await send(message);
        outcomes.push({ status: 'fulfilled', value: undefined });
      } catch (reason) {
        outcomes.push({ status: 'rejected', reason });
      }
    }
    return outcomes;
  },
});

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
  const stopSignal = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function settle(message: OutboxMessage, outcome: PromiseSettledResult<void>) {
    if (outcome.status === 'fulfilled') return;
    const error: unknown = outcome.reason;
    if (error instanceof NotAttempted) return; // still claimed: stop() gives it back
    if (error instanceof Undeliverable) {
      await markCancelled(db, message.id, workerId, error.message);
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const state = await markFailed(db, message, workerId, reason, { now: clock.now(), policy: channels[message.channel]?.retry ?? retry });
    // The message id only: payloads may hold personal data.
    (state === 'failed' ? log.error : log.warn)({ messageId: message.id, kind: message.kind, attempts: message.attempts, state }, 'outbox: a send failed');
  }

  type Part = { channelName: string; messages: OutboxMessage[]; prepared?: Promise<unknown> };

  /** A claimed batch, split by channel, each part's preparation under way. */
  async function claimAndPrepare(): Promise<{ size: number; parts: Part[] }> {
    const batch = stopping ? [] : await claimDue(db, { workerId, limit: batchSize, leaseMs, now: clock.now() });
    const byChannel = new Map<string, OutboxMessage[]>();
    for (const message of batch) byChannel.set(message.channel, [...(byChannel.get(message.channel) ?? []), message]);
    const parts = [...byChannel].map(([channelName, messages]): Part => {
      const prepared = channels[channelName]?.prepare?.(messages);
      prepared?.catch(() => {}); // its failure is the send's, below
      return { channelName, messages, ...(prepared ? { prepared } : {}) };
    });
    return { size: batch.length, parts };
  }

  async function sendPart({ channelName, messages, prepared }: Part): Promise<PromiseSettledResult<void>[]> {
    const channel = channels[channelName];
    try {
      if (!channel) throw new Error(`no channel named ${channelName}`);
      const outcomes = await channel.send(messages, stopSignal.signal, prepared ? await prepared : undefined);
      if (outcomes.length !== messages.length) throw new Error(`channel ${channelName} answered ${outcomes.length} outcomes for ${messages.length} messages`);
      return outcomes;
    } catch (error) {
      return messages.map(() => ({ status: 'rejected', reason: error }));
    }
  }

  /**
   * What was sent must be recorded, or it goes out again once the lease runs out: a database
   * away for a moment (a failover, a dropped connection) is waited for, within the lease.
   */
  async function persistently(write: () => Promise<void>) {
    const started = Date.now();
    for (let pause = 250; ; pause = Math.min(pause * 2, 2000)) {
      try {
        return await write();
      } catch (error) {
        if (Date.now() - started + pause >= leaseMs) throw error;
        log.warn({ err: error instanceof Error ? error.message : String(error) }, 'outbox: could not record a batch; trying again');
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** The sent ones in one statement, then each failure on its own. */
  async function settlePart({ messages }: Part, outcomes: PromiseSettledResult<void>[]) {
    const sent = messages.filter((_, i) => outcomes[i]!.status === 'fulfilled').map((m) => m.id);
    await persistently(() => markSent(db, sent, workerId, clock.now()));
    for (const [i, message] of messages.entries()) await persistently(() => settle(message, outcomes[i]!));
  }

  /**
   * Sends until nothing is due. Pipelined: while one batch is being sent, the next is claimed
   * and prepared and the previous one settled, so the mail server is kept busy. Batches are
   * sent one after another, never side by side, so messages keep their order.
   */
  async function drain(): Promise<number> {
    let total = 0;
    let next = claimAndPrepare();
    let settling: Promise<void> = Promise.resolve();
    // While it works, the worker renews its claims (those in hand and the next batch's):
    // only a worker that died, or hangs, lets its lease run out.
    const heartbeat = setInterval(() => {
      renewLeases(db, workerId, { leaseMs, now: clock.now() }).catch((error: unknown) => log.warn({ err: error }, 'outbox: could not renew the claims'));
    }, Math.max(1000, leaseMs / 3));
    heartbeat.unref();
    // The next batch is claimed while this one is still being sent, so it cannot hold what
    // waits behind this one (a message with the same ordering key): an empty claim after a
    // full one is tried again once the batch before it is settled.
    let claimedSinceEmpty = false;
    try {
      for (;;) {
        const current = await next;
        // Stopping with a batch claimed but not started: stop() gives it back.
        if (stopping) break;
        if (current.size === 0) {
          if (!claimedSinceEmpty) break;
          claimedSinceEmpty = false;
          await settling;
          next = claimAndPrepare();
          continue;
        }
        claimedSinceEmpty = true;
        total += current.size;
        const sending = (async () => {
          const results: [Part, PromiseSettledResult<void>[]][] = [];
          for (const part of current.parts) results.push([part, await sendPart(part)]);
          return results;
        })();
        next = claimAndPrepare();
        next.catch(() => {}); // awaited at the top of the loop
        const results = await sending;
        await settling;
        settling = (async () => { for (const [part, outcomes] of results) await settlePart(part, outcomes); })();
      }
    } finally {
      clearInterval(heartbeat);
      await settling;
    }
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
      stopSignal.abort();
      clearTimeout(timer);
      await running?.catch(() => 0);
      const released = await releaseClaims(db, workerId);
      if (released) log.info({ released }, 'outbox: released unsent claims for other workers');
    },
  };
}
export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
