import { lt, sql } from 'drizzle-orm';
import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Database } from '../db/client.js';
import { rateLimits } from '../db/schema/index.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * @fastify/rate-limit's counters in PostgreSQL, so a limit holds across every API
 * process: one upsert per limited request, which starts a new window when the old one
 * has passed. Keys name their route (see the keyGenerators), so one table serves all.
 */
export function postgresRateLimitStore(db: Database): FastifyRateLimitStoreCtor {
  const window = (ms: number) => sql`now() + make_interval(secs => ${ms / 1000})`;
  let sinceSweep = 0;
  const store = {
    incr(key: string, callback: Callback, timeWindow: number) {
      // Counters hold client addresses: about one request in a thousand sweeps away stale ones.
      if (++sinceSweep >= 1000) {
        sinceSweep = 0;
        db.delete(rateLimits).where(lt(rateLimits.resetAt, sql`now() - interval '1 hour'`)).catch(() => {});
      }
      db.insert(rateLimits).values({ key, hits: 1, resetAt: window(timeWindow) })
        .onConflictDoUpdate({
          target: rateLimits.key,
          set: {
            hits: sql`case when ${rateLimits.resetAt} <= now() then 1 else ${rateLimits.hits} + 1 end`,
            resetAt: sql`case when ${rateLimits.resetAt} <= now() then ${window(timeWindow)} else ${rateLimits.resetAt} end`,
          },
        })
        .returning({ hits: rateLimits.hits, ttl: sql<number>`greatest(0, ceil(extract(epoch from ${rateLimits.resetAt} - now()) * 1000))::float8` })
        .then(([row]) => callback(null, { current: row!.hits, ttl: Number(row!.ttl) }), (error: Error) => callback(error));
    },
    child: () => store,
  };
  // The plugin constructs its store with `new`; returning an object from a constructor gives that object.
  return function PostgresRateLimitStore() { return store; } as unknown as FastifyRateLimitStoreCtor;
}
