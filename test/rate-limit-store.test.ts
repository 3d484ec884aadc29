import t from 'tap';
import { sql } from 'drizzle-orm';
import { connectPostgres, type Database } from '../src/db/client.js';
import { counterStore } from '../src/plugins/rate-limit-store.js';
import { onPostgres, testDatabase } from './helpers/database.js';

/*
 * The rate limits' counter: hits that arrive while a count is on its way are counted together
 * by the next statement, and each caller still gets the count it would have got alone.
 */

const minute = (key: string) => ({ key, windowMs: 60_000 });
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

const STATEMENTS = new Set<PropertyKey>(['execute', 'insert', 'select', 'update', 'delete', 'transaction']);

/** `db` with the statements started on it counted. */
function countingStatements(db: Database) {
  const counted = { statements: 0 };
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (!STATEMENTS.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => { counted.statements += 1; return (value as (...a: unknown[]) => unknown).apply(target, args); };
    },
  });
  return { db: proxy, counted };
}

t.test('hits at once on one key are numbered 1 to n, in far fewer statements than hits', async (t) => {
  const { db } = await testDatabase(t);
  const { db: counting, counted } = countingStatements(db);
  const hit = counterStore(counting);
  const answers = await Promise.all(range(30).map((i) => hit([minute('signup:198.51.100.1'), minute(`signup-contact:${i}`)])));
  t.same(answers.map(([address]) => address!.hits), range(30), 'the shared key: 1 to 30, in the order the hits arrived');
  t.ok(answers.every(([, contact]) => contact!.hits === 1), 'each contact key: its first hit');
  t.ok(answers.every((counts) => counts.every((c) => c.ttlMs > 0 && c.ttlMs <= 60_000)), 'each with the time left in its window');
  t.ok(counted.statements <= 2, `counted in ${counted.statements} statements (the first hit's, then the rest together)`);
  t.same((await hit([minute('signup:198.51.100.1')]))[0]!.hits, 31, 'a later hit goes on from the stored count');
});

t.test('a key named twice in one call counts once; a window that has passed starts again for the whole batch', async (t) => {
  const { db } = await testDatabase(t);
  const hit = counterStore(db);
  t.same((await hit([minute('a'), minute('a')])).map((c) => c.hits), [1], 'one count for the key');
  await hit([minute('b')]);
  await db.execute(sql`update rate_limits set reset_at = now() - interval '1 second'`);
  const answers = await Promise.all(range(5).map(() => hit([minute('b')])));
  t.same(answers.map(([b]) => b!.hits), range(5), 'after the window: 1 to 5 again');
});

t.test('two API processes counting one key together never hand out the same count', { skip: onPostgres ? false : 'needs PostgreSQL: two connection pools at once (runs when DATABASE_URL is set, CI\'s second pass)' }, async (t) => {
  const { url } = await testDatabase(t);
  const [first, second] = [connectPostgres(url!, { poolSize: 4 }), connectPostgres(url!, { poolSize: 4 })];
  t.teardown(async () => { await first.close(); await second.close(); });
  const [hitFirst, hitSecond] = [counterStore(first.db), counterStore(second.db)];
  const answers = await Promise.all(range(100).map((i) => (i % 2 ? hitFirst : hitSecond)([minute('signup:203.0.113.9')])));
  t.same(answers.map(([count]) => count!.hits).sort((a, b) => a - b), range(100), 'every count from 1 to 100 exactly once');
});
