import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from './app.js';
import { ConfigError, checkServerConfig, loadConfig, resolveSecretKey, type Config } from './config.js';
import { openDatabase } from './db/open.js';
import { ensureFirstAdmin } from './modules/accounts/first-admin.js';
import { seedDatabase } from '../seeds/seed.js';
import { systemClock } from './lib/clock.js';
import { startRetentionSweeps } from './modules/registrations/retention.js';
import { startMailDelivery, type MailDelivery } from './modules/mail/delivery.js';

async function main() {
  let config: Config & { SECRET_KEY: string };
  try {
    const loaded = loadConfig();
    checkServerConfig(loaded);
    config = { ...loaded, SECRET_KEY: resolveSecretKey(loaded) };
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const database = await openDatabase(config);
  const lifecycle = { draining: false };
  const app = await buildApp({ config, database, lifecycle });
  const demo = !config.DATABASE_URL;
  const admin = await ensureFirstAdmin(database.db, { email: config.ADMIN_EMAIL, password: config.ADMIN_PASSWORD, demo });
  if (admin.created && admin.demoToken) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    writeFileSync(join(config.DATA_DIR, 'admin-token'), `${admin.demoToken}\n`, { mode: 0o600 });
  }
  if (config.SEED_DEMO) {
    const seeded = await seedDatabase(database.db, { timezone: config.CALENDAR_TIMEZONE, onlyIfEmpty: true });
    if (seeded) app.log.info(seeded, 'seeded the demo data into an empty database');
  }

  const sweeps = startRetentionSweeps({ db: database.db, clock: systemClock, retentionDays: config.PERSONAL_DATA_RETENTION_DAYS, tombstoneRetentionDays: config.TOMBSTONE_RETENTION_DAYS, log: app.log });

  // On the embedded database mail can only be sent from this process; on PostgreSQL it may be
  // left to `npm run worker` processes (OUTBOX_WORKER=false).
  const mail: MailDelivery | null = config.OUTBOX_WORKER ? await startMailDelivery({ config, db: database.db, clock: systemClock, log: app.log }) : null;

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // /readyz answers 503 from now; the server stops accepting connections and lets the
    // requests in flight finish; the mail worker finishes its batch and gives back the rest.
    lifecycle.draining = true;
    const deadline = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    await sweeps.stop();
    await app.close();
    app.log.info('shutting down: no more requests, those in flight answered');
    await mail?.stop();
    await database.close();
    app.log.info('shut down');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.PORT, host: config.HOST });
  const where = config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${join(config.DATA_DIR, 'pglite')}`;
  app.log.info(`Kepu Calendar on ${config.PUBLIC_BASE_URL} — database: ${where}; API docs at /docs`);
  if (admin.created && admin.oneTimePassword) {
    // Printed once, to the console only: it is not kept anywhere readable.
    console.log(`\n  First administrator: ${admin.email}\n  One-time password:   ${admin.oneTimePassword}\n  (change it after signing in)\n`);
  }
  if (mail?.sink) app.log.info(`Outgoing mail is caught by the demo mail sink (SMTP 127.0.0.1:${mail.sink.smtpPort}): read it at ${mail.sink.webUrl}`);
  else if (mail) app.log.info('Mail is sent through SMTP_URL by the worker in this process');
  else app.log.info('Mail is left to `npm run worker` processes (OUTBOX_WORKER=false)');
  if (admin.created && admin.demoToken) app.log.info(`An API token of the demo administrator is in ${join(config.DATA_DIR, 'admin-token')}`);
  if (!admin.created && !config.ADMIN_EMAIL && config.DATABASE_URL) {
    app.log.info('No administrator is created automatically on PostgreSQL without ADMIN_EMAIL and ADMIN_PASSWORD.');
  }
}

main().catch((error) => {
  console.error('Kepu Calendar failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
