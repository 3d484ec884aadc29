import { ConfigError, loadConfig, resolveSecretKey } from './config.js';
import { openDatabase } from './db/open.js';
import { systemClock } from './lib/clock.js';
import { startMailDelivery } from './modules/mail/delivery.js';

/**
 * `npm run worker`: only the outbox worker (mail), beside API processes started with
 * OUTBOX_WORKER=false, on PostgreSQL. Any number may run: each message is claimed by one.
 * SIGTERM or SIGINT: the batch in hand is finished, what was not started is given back.
 */
async function main() {
  const loaded = loadConfig();
  if (!loaded.DATABASE_URL) {
    throw new ConfigError('Invalid configuration:\n  DATABASE_URL: a separate worker needs PostgreSQL; on the embedded database `npm start` sends the mail itself');
  }
  const config = { ...loaded, SECRET_KEY: resolveSecretKey(loaded) };
  const database = await openDatabase(config);
  const log = {
    info: (o: object, m: string) => { if (config.LOG_LEVEL !== 'silent') console.log(JSON.stringify({ level: 'info', msg: m, ...o })); },
    warn: (o: object, m: string) => { if (config.LOG_LEVEL !== 'silent') console.warn(JSON.stringify({ level: 'warn', msg: m, ...o })); },
    error: (o: object, m: string) => console.error(JSON.stringify({ level: 'error', msg: m, ...o, ...('err' in o && o.err instanceof Error ? { err: o.err.message } : {}) })),
  };
  const mail = await startMailDelivery({ config, db: database.db, clock: systemClock, log });
  log.info({ workerId: mail.worker.workerId, sink: mail.sink?.webUrl ?? null }, 'outbox worker started');

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'outbox worker stopping');
    const deadline = setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    await mail.stop();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error('Kepu Calendar worker failed to start:', error instanceof Error ? error.message : error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
