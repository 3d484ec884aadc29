import t from 'tap';
import type { Test } from 'tap';
import { buildApp } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { ADMIN_TOKEN, TEST_SECRET_KEY, adminHeaders, buildAccount } from './helpers/build.js';
import { emptyPostgresDatabase, onPostgres } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';

/*
 * DATABASE_READ_URL: the public iCal/RSS feeds and a public event are read from a read replica,
 * everything else from the primary (the event list too: its sync watermark needs the primary). Here the "replica" is a second database with different
 * events (no replication on the test server), so each answer shows where it was read.
 */

const needsPostgres = { skip: onPostgres ? false : 'needs PostgreSQL: a primary and a replica (runs when DATABASE_URL is set, CI\'s second pass)' };

const configFor = (env: Record<string, string>) => loadConfig({ LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY, SEED_DEMO: 'false', OUTBOX_WORKER: 'false', ...env });

/** An app on `env`'s databases, with an administrator and one published event titled `title`. */
async function appWithEvent(t: Test, env: Record<string, string>, title: string) {
  const config = configFor(env);
  const database = await openDatabase(config);
  const app = await buildApp({ config, database });
  t.teardown(async () => { await app.close(); await database.close(); });
  await buildAccount(database.db, { role: 'admin', token: ADMIN_TOKEN, email: 'admin@example.cn' });
  const unit = await buildUnit(database.db);
  const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { titleZh: title, registrationMode: 'individual' }) });
  t.equal(created.statusCode, 201, `${title}: created`);
  const id = created.json<{ id: string }>().id;
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${id}/publish`, headers: adminHeaders })).statusCode, 200, `${title}: published`);
  return { app, id };
}

t.test('with DATABASE_READ_URL a public event and the feeds read the replica; the list, staff and sign-ups the primary', needsPostgres, async (t) => {
  const [primaryUrl, replicaUrl] = await Promise.all([emptyPostgresDatabase(t), emptyPostgresDatabase(t)]);
  const onReplica = await appWithEvent(t, { DATABASE_URL: replicaUrl }, '只在副本上的活动');
  const { app, id } = await appWithEvent(t, { DATABASE_URL: primaryUrl, DATABASE_READ_URL: replicaUrl }, '只在主库上的活动');

  const titles = async (headers: Record<string, string> = {}) =>
    (await app.inject({ url: '/api/v1/events', headers })).json<{ items: { titleZh: string }[] }>().items.map((e) => e.titleZh);
  t.same(await titles(), ['只在主库上的活动'], 'the public list is read from the primary (its watermark must see every open transaction)');
  t.same(await titles(adminHeaders), ['只在主库上的活动'], 'and so is staff\'s');
  t.equal((await app.inject({ url: `/api/v1/events/${onReplica.id}` })).statusCode, 200, 'the public event page reads the replica');
  t.equal((await app.inject({ url: `/api/v1/events/${id}` })).statusCode, 404, 'so an event not yet on the replica is not found there');
  t.equal((await app.inject({ url: `/api/v1/events/${id}`, headers: adminHeaders })).statusCode, 200, 'while staff see it on the primary');
  const ics = (await app.inject({ url: '/feeds/events.ics' })).body;
  t.ok(ics.includes('只在副本上的活动') && !ics.includes('只在主库上的活动'), 'the iCal feed is read from the replica');

  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const signUp = await app.inject({ method: 'POST', url: `/api/v1/events/${id}/registrations`, payload: { kind: 'individual', name: '居民', phone: '13900000001', consentVersion } });
  t.equal(signUp.statusCode, 201, 'a sign-up is written to the primary');
  const view = await app.inject({ url: `/api/v1/registrations/${signUp.json<{ manageToken: string }>().manageToken}` });
  t.equal(view.statusCode, 200, 'and the manage link reads it there at once');
});

t.test('DATABASE_READ_URL needs DATABASE_URL', async (t) => {
  t.throws(() => configFor({ DATABASE_READ_URL: 'postgres://replica.example/kepu' }), ConfigError);
  t.throws(() => configFor({ DATABASE_READ_URL: 'postgres://replica.example/kepu' }), /DATABASE_READ_URL: a read replica needs its primary in DATABASE_URL/);
});
