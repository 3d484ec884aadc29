import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectPostgres, openPglite, rowsOf, type Database } from '../src/db/client.js';
import { openDatabase } from '../src/db/open.js';
import { adminHeaders, ADMIN_TOKEN, buildAccount, TEST_SECRET_KEY } from './helpers/build.js';
import { emptyPostgresDatabase, onPostgres } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';

/*
 * `npm run backup` and `npm run restore`, as processes, on both databases: a backup restored
 * elsewhere holds the same events and registrations, and a restore never silently replaces a
 * database that holds data.
 */

/** The CLI as `npm run` runs it, with the given environment; its exit code and output. */
function cli(script: 'backup' | 'restore', args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8',
  });
  return { status: result.status, out: result.stdout.trim(), err: result.stderr.trim() };
}

/** What must survive: every event with its sessions, every registration with its person. */
async function contents(db: Database) {
  return {
    events: rowsOf(await db.execute(sql`select id, title_zh, status, (select count(*)::int from sessions s where s.event_id = e.id) as sessions from events e order by id`)),
    registrations: rowsOf(await db.execute(sql`select id, contact_name, phone, status, headcount from registrations order by id`)),
  };
}

/** Two events, one published with three sign-ups, made through the API. */
async function fill(database: Awaited<ReturnType<typeof openDatabase>>, config: ReturnType<typeof loadConfig>) {
  await buildAccount(database.db, { role: 'admin', token: ADMIN_TOKEN, email: 'admin@example.cn' });
  const unit = await buildUnit(database.db);
  const app = await buildApp({ config: { ...config, SECRET_KEY: TEST_SECRET_KEY }, database, logStream: false });
  try {
    const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'individual' }) })).json<{ id: string }>();
    await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { titleZh: '草稿活动' }) });
    await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders });
    const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
    for (const [name, phone] of [['王小明', '13900001111'], ['李华', '13900002222'], ['张三', '13900003333']]) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name, phone, partySize: 1, consentVersion } });
      if (res.statusCode !== 201) throw new Error(res.body);
    }
  } finally {
    await app.close();
  }
}

t.test('embedded: backed up with the service stopped, restored into another data folder', async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'kepu-backup-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const dataDir = join(base, 'data');
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY });
  const database = await openDatabase(config);
  await fill(database, config);
  const before = await contents(database.db);
  t.equal(before.registrations.length, 3);

  const whileOpen = cli('backup', [], { DATA_DIR: dataDir });
  t.equal(whileOpen.status, 2, 'refused while the service has the database open');
  t.match(whileOpen.err, /stop the service first/);
  await database.close();

  const backup = cli('backup', [join(base, 'kepu.tar.gz')], { DATA_DIR: dataDir });
  t.equal(backup.status, 0, backup.err);
  t.equal(backup.out, join(base, 'kepu.tar.gz'), 'says where the backup is');

  const elsewhere = join(base, 'restored');
  t.equal(cli('restore', [backup.out], { DATA_DIR: elsewhere }).status, 0);
  const restored = await openPglite(elsewhere);
  t.same(await contents(restored.db), before, 'the same events and registrations');
  await restored.close();

  const over = cli('restore', [backup.out], { DATA_DIR: elsewhere });
  t.equal(over.status, 2, 'never over a database that holds data without --force');
  t.match(over.err, /--force/);
  t.equal(cli('restore', [backup.out, '--force'], { DATA_DIR: elsewhere }).status, 0);
  t.ok(readdirSync(elsewhere).some((name) => name.startsWith('pglite.replaced-')), 'the replaced database is moved aside, not deleted');
  t.equal(cli('restore', [join(base, 'missing.tar.gz')], { DATA_DIR: join(base, 'x') }).status, 2, 'a missing file is said so');
  t.notOk(existsSync(join(base, 'x', 'pglite', 'PG_VERSION')));
});

t.test('PostgreSQL: pg_dump while it runs, pg_restore into an empty database', { skip: onPostgres ? false : 'needs PostgreSQL: pg_dump and pg_restore against a server (runs when DATABASE_URL is set, CI\'s second pass)' }, async (t) => {
  const base = mkdtempSync(join(tmpdir(), 'kepu-backup-'));
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  const sourceUrl = await emptyPostgresDatabase(t);
  const config = loadConfig({ DATABASE_URL: sourceUrl, LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY });
  const database = await openDatabase(config);
  t.teardown(() => database.close());
  await fill(database, config);
  const before = await contents(database.db);

  const backup = cli('backup', [join(base, 'kepu.dump')], { DATABASE_URL: sourceUrl, SECRET_KEY: TEST_SECRET_KEY });
  t.equal(backup.status, 0, backup.err);
  const targetUrl = await emptyPostgresDatabase(t);
  const restore = cli('restore', [backup.out], { DATABASE_URL: targetUrl, SECRET_KEY: TEST_SECRET_KEY });
  t.equal(restore.status, 0, restore.err);
  const restored = connectPostgres(targetUrl, { poolSize: 1 });
  t.teardown(() => restored.close());
  t.same(await contents(restored.db), before, 'the same events and registrations');

  const over = cli('restore', [backup.out], { DATABASE_URL: sourceUrl, SECRET_KEY: TEST_SECRET_KEY });
  t.equal(over.status, 2, 'never over a database in use without --force');
});
