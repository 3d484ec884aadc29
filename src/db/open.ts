import type { Config } from '../config.js';
import { connectPostgres, openPglite, type DatabaseHandle } from './client.js';
import { migrate } from './migrate.js';

/** PostgreSQL when DATABASE_URL is set, else the embedded PGlite in DATA_DIR; migrated either way. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DATABASE_POOL_SIZE'> & Partial<Pick<Config, 'DATABASE_CONNECT_TIMEOUT_S' | 'DATABASE_STATEMENT_TIMEOUT_MS' | 'DATABASE_PGBOUNCER'>>): Promise<DatabaseHandle & { migrated: number }> {
  const handle = config.DATABASE_URL
    ? connectPostgres(config.DATABASE_URL, {
      poolSize: config.DATABASE_POOL_SIZE, connectTimeoutS: config.DATABASE_CONNECT_TIMEOUT_S,
      statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS, pgbouncer: config.DATABASE_PGBOUNCER,
    })
    : await openPglite(config.DATA_DIR);
  try {
    const { applied } = await migrate(handle.db);
    return { ...handle, migrated: applied };
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}
