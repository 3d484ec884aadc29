import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { connectPostgres, openPglite } from '../src/db/client.js';
import { MIGRATIONS_FOLDER, migrate, pendingMigrations } from '../src/db/migrate.js';
import { units } from '../src/db/schema/index.js';
import { emptyPostgresDatabase, onPostgres } from './helpers/database.js';

const migrationCount = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;

t.test('embedded: the data folder keeps its data across restarts, and migrating again applies nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'kepu-data-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await openPglite(dir);
  t.equal((await migrate(first.db)).applied, migrationCount);
  await first.db.insert(units).values({ slug: 'district-cast', kind: 'association', nameZh: '区科协', nameEn: 'District CAST' });
  await first.close();

  const again = await openPglite(dir);
  t.teardown(() => again.close());
  t.equal((await migrate(again.db)).applied, 0, 'nothing left to apply');
  t.equal(await pendingMigrations(again.db), 0);
  const rows = await again.db.select({ nameZh: units.nameZh }).from(units);
  t.same(rows, [{ nameZh: '区科协' }], 'the unit written before the restart is still there, Chinese intact');
});

t.test('PostgreSQL: processes starting together migrate once, under the advisory lock', { skip: onPostgres ? false : 'needs PostgreSQL: runs when DATABASE_URL is set (CI\'s second pass)' }, async (t) => {
  const url = await emptyPostgresDatabase(t);
  const processes = Array.from({ length: 5 }, () => connectPostgres(url, { poolSize: 2 }));
  t.teardown(() => Promise.all(processes.map((p) => p.close())));
  const results = await Promise.all(processes.map((p) => migrate(p.db)));
  t.equal(results.reduce((sum, r) => sum + r.applied, 0), migrationCount, 'each migration applied exactly once in all');
  t.equal(results.filter((r) => r.applied > 0).length, 1, 'one process did the work, the others found it done');
  const [row] = await processes[0]!.db.execute(sql`select count(*)::int as n from kepu_migrations`) as unknown as [{ n: number }];
  t.equal(row.n, migrationCount);
});

t.test('PostgreSQL: a failing migration leaves nothing half-applied', { skip: onPostgres ? false : 'needs PostgreSQL: runs when DATABASE_URL is set (CI\'s second pass)' }, async (t) => {
  const url = await emptyPostgresDatabase(t);
  const handle = connectPostgres(url, { poolSize: 1 });
  t.teardown(() => handle.close());
  const broken = mkdtempSync(join(tmpdir(), 'kepu-migrations-'));
  t.teardown(() => rmSync(broken, { recursive: true, force: true }));
  const { cpSync, writeFileSync, readFileSync } = await import('node:fs');
  cpSync(MIGRATIONS_FOLDER, broken, { recursive: true });
  const journal = JSON.parse(readFileSync(join(broken, 'meta/_journal.json'), 'utf8'));
  journal.entries.push({ idx: journal.entries.length, version: '7', when: Date.now(), tag: '9999_broken', breakpoints: true });
  writeFileSync(join(broken, 'meta/_journal.json'), JSON.stringify(journal));
  writeFileSync(join(broken, '9999_broken.sql'), 'CREATE TABLE "half_done" (id int);\n--> statement-breakpoint\nSELECT no_such_function();');
  await t.rejects(migrate(handle.db, broken));
  const [tables] = await handle.db.execute(sql`select count(*)::int as n from information_schema.tables where table_name in ('events', 'half_done')`) as unknown as [{ n: number }];
  t.equal(tables.n, 0, 'the whole run rolled back: not even the first migrations stayed');
});
