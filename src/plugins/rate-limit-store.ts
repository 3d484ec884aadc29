import { lt, sql } from 'drizzle-orm';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Database } from '../db/client.js';
import { rateLimits } from '../db/schema/index.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;
export type Counter = { key: string; windowMs: number };
export type Count = { key: string; hits: number; ttlMs: number };

/**
 * Counts one hit on each key in one statement, starting a new window for a key whose
 * window has passed. Keys are written in a fixed order, so two requests sharing keys never
 * wait on each other crosswise. Counters hold client addresses and hashed contacts: about
 * one call in a thousand sweeps away stale ones.
 */
export function counterStore(db: Database) {
  let sinceSweep = 0;
  return async function hit(counters: Counter[]): Promise<Count[]> {
    if (++sinceSweep >= 1000) {
      sinceSweep = 0;
      db.delete(rateLimits).where(lt(rateLimits.resetAt, sql`now() - interval '1 hour'`)).catch(() => {});
    }
    const sorted = [...new Map(counters.map((c) => [c.key, c])).values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    return db.insert(rateLimits)
      .values(sorted.map(({ key, windowMs }) => ({ key, hits: 1, resetAt: sql`now() + make_interval(secs => ${windowMs / 1000})` })))
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          hits: sql`case when ${rateLimits.resetAt} <= now() then 1 else ${rateLimits.hits} + 1 end`,
          resetAt: sql`case when ${rateLimits.resetAt} <= now() then excluded.reset_at else ${rateLimits.resetAt} end`,
        },
      })
      .returning({ key: rateLimits.key, hits: rateLimits.hits, ttlMs: sql<number>`greatest(0, ceil(extract(epoch from ${rateLimits.resetAt} - now()) * 1000))::float8` })
      .then((rows) => rows.map((r) => ({ ...r, ttlMs: Number(r.ttlMs) })));
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
