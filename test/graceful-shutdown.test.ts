import t from 'tap';
import { sql } from 'drizzle-orm';
import { startCluster } from '../bench/harness/cluster.js';
import { startTcpProxy } from '../bench/harness/tcp-proxy.js';
import { connectPostgres, rowsOf } from '../src/db/client.js';
import { units } from '../src/db/schema/index.js';
import { emptyPostgresDatabase, onPostgres } from './helpers/database.js';
import { TEST_SECRET_KEY } from './helpers/build.js';

/*
 * SIGTERM to an API process (`npm run serve`, a real child process) with requests in flight:
 * /readyz turns 503, new connections are refused, the requests in flight finish and are
 * answered, and the process exits 0. The database is made slow (a proxy delaying every
 * packet) so that the requests are still in flight when the signal comes.
 */
t.test('PostgreSQL: SIGTERM lets the requests in flight finish, then the API process exits cleanly', {
  skip: onPostgres ? false : 'needs PostgreSQL: the API as a process of its own (runs when DATABASE_URL is set, CI\'s second pass)',
  timeout: 100_000,
}, async (t) => {
  const databaseUrl = await emptyPostgresDatabase(t);
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  t.teardown(() => proxy.close());
  const viaProxy = new URL(databaseUrl);
  viaProxy.port = String(proxy.port);
  const cluster = await startCluster({ databaseUrl: viaProxy.toString(), smtpPort: 1, secretKey: TEST_SECRET_KEY, apis: 1, workers: 0, env: { SHUTDOWN_TIMEOUT_MS: '30000' } });
  t.teardown(() => cluster.stop());
  const [api] = cluster.apiUrls;
  const direct = connectPostgres(databaseUrl, { poolSize: 1 });
  t.teardown(() => direct.close());
  await direct.db.insert(units).values({ slug: 'shutdown', kind: 'association', nameZh: '区科协', nameEn: 'Association' });

  await proxy.setLatency(150);
  // Public reads that take several round trips each through the slow proxy.
  const inFlight = Array.from({ length: 12 }, (_, i) => fetch(`${api}/api/v1/${i % 2 ? 'units' : 'events?limit=5'}`).then(async (res) => ({ status: res.status, body: await res.text() })));
  await new Promise((resolve) => setTimeout(resolve, 200));
  await cluster.kill('api-1', 'SIGTERM').catch(() => {}); // resolves when it has exited
  const answers = await Promise.all(inFlight.map((p) => p.catch((error: Error) => ({ status: 0, body: error.message }))));
  t.same(answers.map((a) => a.status), Array(12).fill(200), 'every request in flight was answered in full');
  t.ok(answers.every((a) => a.body.startsWith('{')), 'with its whole body');
  t.equal(await cluster.exited('api-1'), 0, `the process exited cleanly${cluster.output('api-1') ? `:\n${cluster.output('api-1')}` : ''}`);
  const refused = await fetch(`${api}/healthz`).then(() => 'answered', () => 'refused');
  t.equal(refused, 'refused', 'and takes no new connections');
  // Its goodbyes cross the slow proxy too: give them a moment to arrive.
  let open = -1;
  for (let i = 0; i < 20 && open !== 0; i++) {
    if (i) await new Promise((resolve) => setTimeout(resolve, 100));
    [{ n: open }] = rowsOf<{ n: number }>(await direct.db.execute(sql`select count(*)::int as n from pg_stat_activity
      where application_name = 'kepu-calendar' and datname = current_database() and pid <> pg_backend_pid()`)) as [{ n: number }];
  }
  t.equal(open, 0, 'its database connections are closed');
});
