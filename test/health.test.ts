import t from 'tap';
import { pendingMigrations } from '../src/db/migrate.js';
import { build } from './helpers/build.js';
import { onPostgres } from './helpers/database.js';

t.test('/healthz answers 200 when the database answers, 503 problem+json when it does not', async (t) => {
  const { app, database, db } = await build(t);
  const ok = await app.inject({ url: '/healthz' });
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), { status: 'ok', database: onPostgres ? 'postgres' : 'pglite' });
  t.equal(await pendingMigrations(db), 0, 'the test database is fully migrated');

  await database.close();
  const down = await app.inject({ url: '/healthz' });
  t.equal(down.statusCode, 503);
  t.match(down.headers['content-type'], /^application\/problem\+json/);
  t.ok(down.headers['retry-after'], 'tells clients when to retry');
});
