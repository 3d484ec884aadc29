import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { rowsOf } from '../src/db/client.js';
import { openDatabase } from '../src/db/open.js';
import { adminHeaders, build, buildAccount, ADMIN_TOKEN, TEST_SECRET_KEY } from './helpers/build.js';
import { onPostgres, testDatabase } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { startTcpProxy } from '../bench/harness/tcp-proxy.js';

/*
 * The database going away under a running API: requests get 503 problem+json with
 * Retry-After (not a hang, not a 500), nothing half-written, and the service recovers by
 * itself when the database is back. The outage is a TCP proxy the test cuts, so the
 * machine's shared PostgreSQL is never stopped.
 */

t.test('/readyz: ready, not while stopping, not with migrations pending', async (t) => {
  const lifecycle = { draining: false };
  const { app, db, config, database } = await build(t);
  // build() made its own app; this one holds the lifecycle flag.
  const ready = await buildApp({ config, database, lifecycle, logStream: false });
  t.teardown(() => ready.close());
  t.same((await ready.inject({ url: '/readyz' })).json(), { status: 'ready' });
  lifecycle.draining = true;
  const stopping = await ready.inject({ url: '/readyz' });
  t.equal(stopping.statusCode, 503);
  t.match(stopping.json(), { code: 'shutting_down' });
  t.ok(stopping.headers['retry-after']);
  t.equal((await ready.inject({ url: '/healthz' })).statusCode, 200, 'alive all the same: only the load balancer should stop sending');

  const [last] = rowsOf<{ hash: string }>(await db.execute(sql`select hash from kepu_migrations order by created_at desc limit 1`));
  await db.execute(sql`delete from kepu_migrations where hash = ${last!.hash}`);
  const behind = await app.inject({ url: '/readyz' });
  t.equal(behind.statusCode, 503);
  t.match(behind.json(), { code: 'migrations_pending', detail: /1 migration/ });
});

t.test('PostgreSQL: an outage answers 503 with Retry-After, writes nothing, and the service recovers by itself', { skip: onPostgres ? false : 'needs PostgreSQL: the outage is a TCP proxy in front of it (runs when DATABASE_URL is set, CI\'s second pass)' }, async (t) => {
  const direct = await testDatabase(t);
  await buildAccount(direct.db, { role: 'admin', token: ADMIN_TOKEN, email: 'admin@example.cn' });
  const unit = await buildUnit(direct.db);
  const target = new URL(direct.url!);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  t.teardown(() => proxy.close());
  const viaProxy = new URL(direct.url!);
  viaProxy.port = String(proxy.port);
  const config = loadConfig({ DATABASE_URL: viaProxy.toString(), LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY, DATABASE_CONNECT_TIMEOUT_S: '2', DATABASE_POOL_SIZE: '3' });
  const database = await openDatabase(config);
  t.teardown(() => database.close());
  const app = await buildApp({ config, database, logStream: false });
  t.teardown(() => app.close());

  const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'individual', capacity: 20 }) });
  t.equal(created.statusCode, 201, created.body);
  const eventId = created.json<{ id: string }>().id;
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/publish`, headers: adminHeaders })).statusCode, 200);
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const signUp = (phone: string) => app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`,
    payload: { kind: 'individual', name: '居民', phone, partySize: 1, consentVersion } });
  t.equal((await signUp('13900000001')).statusCode, 201, 'signed up while the database is there');

  await proxy.cut();
  for (const [what, request] of [
    ['the public event list', () => app.inject({ url: '/api/v1/events?limit=5' })],
    ['a sign-up', () => signUp('13900000002')],
    ['an organizer\'s change', () => app.inject({ method: 'PATCH', url: `/api/v1/events/${eventId}`, headers: adminHeaders, payload: { titleZh: '停电时改名' } })],
    ['/readyz', () => app.inject({ url: '/readyz' })],
  ] as const) {
    const started = Date.now();
    const res = await request();
    t.equal(res.statusCode, 503, `${what}: 503 during the outage (answered in ${Date.now() - started} ms)`);
    t.match(res.headers['content-type'], /^application\/problem\+json/);
    t.ok(Number(res.headers['retry-after']) > 0, 'with Retry-After');
    t.match(res.json(), { code: 'database_unavailable' });
  }

  // A database that takes connections and never answers: the connection times out (2 s here).
  await proxy.restore();
  await proxy.stall();
  const stalled = await app.inject({ url: '/api/v1/events?limit=5' });
  t.equal(stalled.statusCode, 503, 'a database that does not answer: 503 once the connection times out, not a hang');
  t.match(stalled.json(), { code: 'database_unavailable' });

  await proxy.restore();
  let back = await app.inject({ url: '/api/v1/events?limit=5' });
  for (let i = 0; i < 5 && back.statusCode !== 200; i++) back = await app.inject({ url: '/api/v1/events?limit=5' });
  t.equal(back.statusCode, 200, 'recovered by itself');
  t.equal((await signUp('13900000003')).statusCode, 201, 'and takes sign-ups again');
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200);

  const rows = rowsOf<{ phone: string }>(await direct.db.execute(sql`select phone from registrations order by phone`));
  t.same(rows.map((r) => r.phone), ['13900000001', '13900000003'], 'the sign-up refused during the outage left nothing; the others are there');
  const [event] = rowsOf<{ title_zh: string }>(await direct.db.execute(sql`select title_zh from events where id = ${eventId}`));
  t.not(event!.title_zh, '停电时改名', 'nor the change');
});
