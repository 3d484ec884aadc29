import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import type { Config } from '../config.js';
import { pgliteExtensions } from './client.js';

const run = promisify(execFile);

/** Why a backup or restore cannot go ahead, said so the operator knows what to do. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

type Where = Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>;
const stamp = (now: Date) => now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
const pgliteDir = (config: Where) => resolve(config.DATA_DIR, 'pglite');

/** pg_dump and pg_restore get the password from the environment, not on a command line any user can read in `ps`. */
function clientArgs(databaseUrl: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { dbname: url.toString(), env: { ...process.env, ...(password ? { PGPASSWORD: password } : {}) } };
}

/**
 * The embedded database is one process: PGlite keeps postmaster.pid in its folder while it is
 * open, and a second process opening the folder beside the running service would damage it.
 */
function refuseIfOpen(dir: string) {
  if (existsSync(join(dir, 'postmaster.pid'))) {
    throw new BackupRefused(`the embedded database in ${dir} is open (postmaster.pid): stop the service first. If it crashed, start and stop it once (npm start, then Ctrl-C) so it closes cleanly.`);
  }
}

/**
 * A backup of the whole database into `file` (default: DATA_DIR/backups/kepu-<time>.…):
 * PostgreSQL with pg_dump's custom format (consistent while the service runs), the embedded
 * database as a gzipped tarball of its folder (PGlite's own dump; the service must be stopped).
 */
export async function backupDatabase(config: Where, { file, now = new Date() }: { file?: string; now?: Date } = {}): Promise<string> {
  const target = resolve(file ?? join(config.DATA_DIR, 'backups', `kepu-${stamp(now)}.${config.DATABASE_URL ? 'dump' : 'tar.gz'}`));
  mkdirSync(dirname(target), { recursive: true });
  if (config.DATABASE_URL) {
    const { dbname, env } = clientArgs(config.DATABASE_URL);
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--file=${target}`, `--dbname=${dbname}`], { env });
    return target;
  }
  const dir = pgliteDir(config);
  if (!existsSync(join(dir, 'PG_VERSION'))) throw new BackupRefused(`there is no embedded database in ${dir} to back up`);
  refuseIfOpen(dir);
  const db = await PGlite.create(dir, { extensions: pgliteExtensions });
  try {
    const tarball = await db.dumpDataDir('gzip');
    writeFileSync(target, Buffer.from(await tarball.arrayBuffer()));
  } finally {
    await db.close();
  }
  return target;
}

/**
 * Puts a backup back. Over a database that holds data only with `force`: PostgreSQL's objects
 * are then dropped and made again from the dump (one transaction: all or nothing); the
 * embedded folder is moved aside (pglite.replaced-<time>), never deleted.
 */
export async function restoreDatabase(config: Where, file: string, { force = false, now = new Date() }: { force?: boolean; now?: Date } = {}): Promise<void> {
  const source = resolve(file);
  if (!existsSync(source)) throw new BackupRefused(`no backup at ${source}`);
  if (config.DATABASE_URL) {
    const client = postgres(config.DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      const [row] = await client<{ used: boolean }[]>`select to_regclass('public.kepu_migrations') is not null as used`;
      if (row?.used && !force) throw new BackupRefused('the database already holds Kepu Calendar data: restore into an empty database, or pass --force to replace it');
    } finally {
      await client.end();
    }
    const { dbname, env } = clientArgs(config.DATABASE_URL);
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${dbname}`, source], { env });
    return;
  }
  const dir = pgliteDir(config);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    refuseIfOpen(dir);
    if (!force) throw new BackupRefused(`${dir} already holds a database: pass --force to move it aside and restore over it`);
    renameSync(dir, `${dir}.replaced-${stamp(now)}`);
  }
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir, { extensions: pgliteExtensions, loadDataDir: new Blob([readFileSync(source)]) });
  await db.close();
}
