import { lt, sql } from 'drizzle-orm';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { rowsOf, type Database } from '../db/client.js';
import { rateLimits } from '../db/schema/index.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;
export type Counter = { key: string; windowMs: number };
export type Count = { key: string; hits: number; ttlMs: number };

type Waiting = { counters: Counter[]; resolve: (counts: Count[]) => void; reject: (error: unknown) => void };

/**
 * Counts one hit on each key, starting a new window for a key whose window has passed.
 * Hits that arrive while a count is on its way to the database wait and are counted together
 * by the next statement, numbered in the order they arrived: each caller gets the count it
 * would have got alone, and a busy key (one client address behind many sign-ups) costs one
 * statement per round trip instead of one per request queueing on its row's lock. The
 * database stays the only counter, so a limit holds across every API process. Keys are
 * written in a fixed order, so two statements sharing keys never wait on each other
 * crosswise; the text never changes with the number of keys, so it is prepared once.
 * Counters hold client addresses and hashed contacts: about one call in a thousand sweeps
 * away stale ones.
 */
export function counterStore(db: Database) {
  let sinceSweep = 0;
  let waiting: Waiting[] = [];
  let counting = false;

  async function countWaiting() {
    const batch = waiting;
    waiting = [];
    counting = true;
    try {
      const perKey = new Map<string, { windowMs: number; hits: number }>();
      const keysOf = batch.map(({ counters }) => [...new Map(counters.map((c) => [c.key, c])).values()]);
      for (const counter of keysOf.flat()) {
        const entry = perKey.get(counter.key) ?? { windowMs: counter.windowMs, hits: 0 };
        entry.hits += 1;
        perKey.set(counter.key, entry);
      }
      const rows = JSON.stringify([...perKey].map(([key, { windowMs, hits }]) => ({ key, hits, window_s: windowMs / 1000 })));
      const counted = rowsOf<Count>(await db.execute(sql`insert into rate_limits (key, hits, reset_at)
          select k.key, k.hits, now() + make_interval(secs => k.window_s)
          from jsonb_to_recordset(${rows}::jsonb) as k(key text, hits int, window_s float8)
          order by k.key
        on conflict (key) do update set
          hits = case when rate_limits.reset_at <= now() then excluded.hits else rate_limits.hits + excluded.hits end,
          reset_at = case when rate_limits.reset_at <= now() then excluded.reset_at else rate_limits.reset_at end
        returning key, hits, greatest(0, ceil(extract(epoch from reset_at - now()) * 1000))::float8 as "ttlMs"`));
      // Each key's count before this batch; the batch's hits follow it in arrival order.
      const before = new Map(counted.map((row) => [row.key, { hits: Number(row.hits) - perKey.get(row.key)!.hits, ttlMs: Number(row.ttlMs) }]));
      batch.forEach(({ resolve }, i) => resolve(keysOf[i]!.map(({ key }) => {
        const count = before.get(key)!;
        count.hits += 1;
        return { key, hits: count.hits, ttlMs: count.ttlMs };
      })));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    } finally {
      counting = false;
      if (waiting.length > 0) void countWaiting();
    }
  }

  return function hit(counters: Counter[]): Promise<Count[]> {
    if (++sinceSweep >= 1000) {
      sinceSweep = 0;
      db.delete(rateLimits).where(lt(rateLimits.resetAt, sql`now() - interval '1 hour'`)).catch(() => {});
    }
    return new Promise((resolve, reject) => {
      waiting.push({ counters, resolve, reject });
      if (!counting) void countWaiting();
    });
  };
}

/**
 * @fastify/rate-limit's counters in PostgreSQL, so a limit holds across every API
 * process. Keys name their route (see the keyGenerators), so one table serves all.
 */
export function postgresRateLimitStore(db: Database): FastifyRateLimitStoreCtor {
  const hit = counterStore(db);
  const store = {
    incr(key: string, callback: Callback, timeWindow: number) {
      hit([{ key, windowMs: timeWindow }]).then(([row]) => callback(null, { current: row!.hits, ttl: row!.ttlMs }), (error: Error) => callback(error));
    },
    child: () => store,
  };
  // The plugin constructs its store with `new`; returning an object from a constructor gives that object.
  return function PostgresRateLimitStore() { return store; } as unknown as FastifyRateLimitStoreCtor;
}
