import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { connectPostgres, pgliteExtensions, wrapPglite, type DatabaseHandle } from '../../src/db/client.js';
import { MIGRATIONS_FOLDER, migrate } from '../../src/db/migrate.js';

type Teardown = { teardown(fn: () => unknown): void };

/** True when the suite runs against the machine's PostgreSQL (DATABASE_URL), as CI's second run does. */
export const onPostgres = Boolean(process.env.DATABASE_URL);

function migrationsHash() {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_FOLDER, { recursive: true }).map(String).sort()) {
    if (file.endsWith('.sql') || file.endsWith('.json')) hash.update(file).update(readFileSync(join(MIGRATIONS_FOLDER, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * A migrated PGlite data folder, dumped once and loaded by every test file: a fresh
 * initdb plus migrations costs seconds, loading the dump a fraction of that.
 */
async function pgliteTemplate(): Promise<Blob> {
  const file = join(tmpdir(), `kepu-pglite-template-${migrationsHash()}.tar.gz`);
  if (!existsSync(file)) {
    const pg = await PGlite.create({ extensions: pgliteExtensions });
    await migrate(wrapPglite(pg).db);
    const dump = await pg.dumpDataDir('gzip');
    await pg.close();
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file); // atomic: parallel test files never read half a template
  }
  return new Blob([readFileSync(file)]);
}

/**
 * A database of this test file's own: a fresh PostgreSQL database when DATABASE_URL
 * is set, otherwise an in-memory PGlite loaded from the migrated template.
 */
export async function testDatabase(t: Teardown): Promise<DatabaseHandle & { url?: string }> {
  if (!onPostgres) {
    const pg = await PGlite.create({ loadDataDir: await pgliteTemplate(), extensions: pgliteExtensions });
    const handle = wrapPglite(pg);
    t.teardown(() => handle.close());
    return handle;
  }
  const url = await emptyPostgresDatabase(t);
  const handle = connectPostgres(url, { poolSize: 10 });
  t.teardown(() => handle.close());
  await migrate(handle.db);
  return { ...handle, url };
}

/** A new, empty PostgreSQL database (not migrated), dropped when the test ends. Needs DATABASE_URL. */
export async function emptyPostgresDatabase(t: Teardown): Promise<string> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('this test needs PostgreSQL: set DATABASE_URL');
  const name = `kepu_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  // WITH (FORCE) ends connections still open, whatever order the teardowns run in.
  t.teardown(async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
