/**
 * The server side of the benchmarks, in its own process so the load generator does not
 * share its event loop: the seeded demo app and a hello-world Fastify baseline. Prints
 * one JSON line with both ports, then serves until killed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig, resolveSecretKey } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { seedDatabase } from '../seeds/seed.js';
import { scratchDatabase } from './scratch-database.js';

const dataDir = mkdtempSync(join(tmpdir(), 'kepu-bench-'));
// On PostgreSQL the demo is seeded into a database of the bench's own, dropped at the end.
const scratch = process.env.DATABASE_URL ? await scratchDatabase() : null;
const loaded = loadConfig({
  SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789', ...process.env, ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  LOG_LEVEL: 'silent', DATA_DIR: dataDir, PORT: '0', SEED_DEMO: 'false',
});
const config = { ...loaded, SECRET_KEY: resolveSecretKey(loaded) };
const database = await openDatabase(config);
await seedDatabase(database.db, { timezone: config.CALENDAR_TIMEZONE });
const app = await buildApp({ config, database, logStream: false });
await app.listen({ port: 0, host: '127.0.0.1' });

const hello = Fastify({ logger: false });
hello.get('/', async () => ({ hello: 'world' }));
await hello.listen({ port: 0, host: '127.0.0.1' });

const port = (server: typeof app.server) => (server.address() as { port: number }).port;
console.log(JSON.stringify({ app: port(app.server), hello: port(hello.server), database: database.kind }));

process.on('SIGTERM', async () => {
  await Promise.all([app.close(), hello.close()]);
  await database.close();
  await scratch?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
