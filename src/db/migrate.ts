import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { bigint, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { Database } from './client.js';

/** At the project's top, whether this runs from src/db (tsx) or from the build's dist/src/db. */
export const MIGRATIONS_FOLDER = ['../../migrations/', '../../../migrations/']
  .map((path) => fileURLToPath(new URL(path, import.meta.url)))
  .find((folder) => existsSync(`${folder}meta/_journal.json`))!;

/** Kept out of the drizzle schema: it must exist before the first migration runs. */
const appliedMigrations = pgTable('kepu_migrations', {
  hash: text('hash').primaryKey(),
  createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  appliedAt: timestamp('applied_at', { withTimezone: true }).notNull(),
});

/** Arbitrary constant shared by every process of this service: "kepu" in ASCII. */
const MIGRATION_LOCK_KEY = 0x6b657075;

/**
 * Applies pending migrations in one transaction under a transaction-scoped advisory
 * lock: when several processes start together, one migrates and the others wait for
 * its commit, then find nothing left to do. All or nothing: a failing migration
 * leaves the schema as it was.
 */
export async function migrate(db: Database, folder = MIGRATIONS_FOLDER): Promise<{ applied: number }> {
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await tx.execute(sql`create table if not exists kepu_migrations (
      hash text primary key, created_at bigint not null, applied_at timestamptz not null)`);
    const done = new Set((await tx.select({ hash: appliedMigrations.hash }).from(appliedMigrations)).map((r) => r.hash));
    let applied = 0;
    for (const migration of migrations) {
      if (done.has(migration.hash)) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await tx.execute(sql.raw(statement));
      }
      await tx.insert(appliedMigrations).values({ hash: migration.hash, createdAt: migration.folderMillis, appliedAt: new Date() });
      applied += 1;
    }
    return { applied };
  });
}

/** For /readyz and tests: how many migration files are not applied yet. The files are read once per folder. */
const hashesOf = new Map<string, string[]>();
export async function pendingMigrations(db: Database, folder = MIGRATIONS_FOLDER): Promise<number> {
  let hashes = hashesOf.get(folder);
  if (!hashes) {
    hashes = readMigrationFiles({ migrationsFolder: folder }).map((m) => m.hash);
    hashesOf.set(folder, hashes);
  }
  const rows = await db.select({ hash: appliedMigrations.hash }).from(appliedMigrations);
  const done = new Set(rows.map((r) => r.hash));
  return hashes.filter((hash) => !done.has(hash)).length;
}
