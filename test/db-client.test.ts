import t from 'tap';
import { sql } from 'drizzle-orm';
import { connectPostgres, rowsOf, type Executor } from '../src/db/client.js';
import { emptyPostgresDatabase, onPostgres } from './helpers/database.js';

/*
 * Statements with parameters go to PostgreSQL as named prepared statements (one round trip
 * once cached on a connection, parsed and planned once), in transactions and savepoints too;
 * long ones and everything behind PgBouncer go unnamed. A connection's prepared statements
 * are visible to it alone, so each pool here has one connection.
 */

const needsPostgres = { skip: onPostgres ? false : 'needs PostgreSQL: prepared statements of the postgres.js driver (runs when DATABASE_URL is set, CI\'s second pass)' };

/** The texts of the statements prepared on `executor`'s connection. */
async function preparedTexts(executor: Executor): Promise<string[]> {
  return rowsOf<{ statement: string }>(await executor.execute(sql`select statement from pg_prepared_statements`)).map((r) => r.statement);
}

const marked = (label: string, parameters: number) =>
  sql`select ${sql.raw(`'${label}'`)} as label, ${sql.join(Array.from({ length: parameters }, (_, i) => sql`${i}::int`), sql`, `)}`;

t.test('statements with parameters are prepared on the connection, in transactions and savepoints too', needsPostgres, async (t) => {
  const handle = connectPostgres(await emptyPostgresDatabase(t), { poolSize: 1 });
  t.teardown(() => handle.close());

  await handle.db.execute(marked('pool', 2));
  await handle.db.execute(marked('long', 101));
  t.ok((await preparedTexts(handle.db)).some((text) => text.includes("'pool'")), 'a statement on the pool is prepared');
  t.notOk((await preparedTexts(handle.db)).some((text) => text.includes("'long'")), 'one with more than 100 parameters is not');

  const inTransaction = await handle.db.transaction(async (tx) => {
    await tx.execute(marked('transaction', 2));
    await tx.transaction(async (savepoint) => { await savepoint.execute(marked('savepoint', 2)); });
    return preparedTexts(tx);
  });
  t.ok(inTransaction.some((text) => text.includes("'transaction'")), 'a statement in a transaction is prepared');
  t.ok(inTransaction.some((text) => text.includes("'savepoint'")), 'a statement in a savepoint is prepared');

  const [row] = rowsOf<{ label: string }>(await handle.db.execute(marked('pool', 2)));
  t.equal(row?.label, 'pool', 'a cached statement runs again and answers');
});

t.test('behind PgBouncer nothing is prepared (a transaction may land on any server connection)', needsPostgres, async (t) => {
  const handle = connectPostgres(await emptyPostgresDatabase(t), { poolSize: 1, pgbouncer: true });
  t.teardown(() => handle.close());
  await handle.db.execute(marked('bouncer', 2));
  await handle.db.transaction(async (tx) => { await tx.execute(marked('bouncer-transaction', 2)); });
  t.same(await preparedTexts(handle.db), [], 'no prepared statements');
});
