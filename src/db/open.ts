import type { Config } from '../config.js';
import { connectPostgres, openPglite, type DatabaseHandle } from './client.js';
import { migrate } from './migrate.js';

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite in DATA_DIR; migrated either way. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_SIZE'> & Partial<Pick<Config, 'DATABASE_CONNECT_TIMEOUT_S' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'DATABASE_PGBOUNCER' | 'DATABASE_READ_URL'>>): Promise<DatabaseHandle & { migrated: number }> {
  const options = {
    poolSize: config.DATABASE_POOL_SIZE, connectTimeoutS: config.DATABASE_CONNECT_TIMEOUT_S,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS, pgbouncer: config.DATABASE_PGBOUNCER,
  };
  const handle = config.DATABASE_URL ? connectPostgres(config.DATABASE_URL, options) : await openPglite(config.DATA_DIR);
  try {
    const { applied } = await migrate(handle.db);
    // The replica follows the primary's migrations; it is only read.
    const replica = config.DATABASE_READ_URL ? connectPostgres(config.DATABASE_READ_URL, options) : undefined;
    if (!replica) return { ...handle, migrated: applied };
    return { ...handle, publicReads: replica.db, migrated: applied, close: async () => { await Promise.all([handle.close(), replica.close()]); } };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}
