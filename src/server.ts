import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/open.js';
import { seedDatabase } from '../seeds/seed.js';

/**
 * Without ADMIN_TOKEN, the embedded demo keeps a generated one in DATA_DIR so the
 * README's curl lines work; with a shared PostgreSQL every process must be given the
 * same token, so none is invented there.
 */
function demoAdminToken(config: Config): string | undefined {
  if (config.ADMIN_TOKEN || config.DATABASE_URL) return config.ADMIN_TOKEN;
  const file = join(config.DATA_DIR, 'admin-token');
  if (!existsSync(file)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  config.ADMIN_TOKEN = demoAdminToken(config);

  const database = await openDatabase(config);
  const app = await buildApp({ config, database });
  if (config.SEED_DEMO) {
    const seeded = await seedDatabase(database.db, { timezone: config.CALENDAR_TIMEZONE, onlyIfEmpty: true });
    if (seeded) app.log.info(seeded, 'seeded the demo data into an empty database');
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => process.exit(1), 10_000);
    deadline.unref();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
  const where = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${join(config.DATA_DIR, 'pglite')}`;
  app.log.info(`Kepu Calendar on ${config.PUBLIC_BASE_URL} — database: ${where}; API docs at /docs`);
  if (!config.ADMIN_TOKEN) app.log.warn('ADMIN_TOKEN is not set: organizer (write) routes answer 401.');
  else if (!config.DATABASE_URL && !process.env.ADMIN_TOKEN) {
    app.log.info(`Demo admin token (for Authorization: Bearer …) is in ${join(config.DATA_DIR, 'admin-token')}`);
  }
}

main().catch((error) => {
  console.error('Kepu Calendar failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
