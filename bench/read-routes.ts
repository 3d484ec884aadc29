/**
 * Throughput and latency of the public read routes, each as a ratio to a hello-world
 * Fastify route served by the same process in the same run (so the figures travel
 * between machines). Embedded PGlite by default; set DATABASE_URL for PostgreSQL.
 *
 *   npx tsx bench/read-routes.ts [seconds=8] [connections=50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { seedDatabase } from '../seeds/seed.js';

const seconds = Number(process.argv[2] ?? 8);
const connections = Number(process.argv[3] ?? 50);

async function measure(url: string) {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const dataDir = mkdtempSync(join(tmpdir(), 'kepu-bench-'));
const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', DATA_DIR: dataDir, PORT: '0' });
const database = await openDatabase(config);
await seedDatabase(database.db, { timezone: config.CALENDAR_TIMEZONE });
const app = await buildApp({ config, database, logger: false });
await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;

const hello = Fastify({ logger: false });
hello.get('/', async () => ({ hello: 'world' }));
await hello.listen({ port: 0, host: '127.0.0.1' });
const helloUrl = `http://127.0.0.1:${(hello.server.address() as { port: number }).port}/`;

const routes: [string, string][] = [
  ['baseline: Fastify hello-world', helloUrl],
  ['GET /healthz', `${base}/healthz`],
  ['GET /api/v1/events (50 events, all of 2024 on)', `${base}/api/v1/events?from=2024-01-01&limit=50`],
  ['GET /api/v1/events?observance=science-technology-week', `${base}/api/v1/events?from=2024-01-01&observance=science-technology-week`],
  ['GET /api/v1/calendar?year=2027', `${base}/api/v1/calendar?year=2027`],
];

console.log(`database: ${database.kind}; ${connections} connections, ${seconds}s per route; node ${process.version}`);
const rows: string[] = [];
let baseline = 0;
for (const [name, url] of routes) {
  const { rps, p50, p99 } = await measure(url);
  if (!baseline) baseline = rps;
  rows.push(`| ${name} | ${rps.toFixed(0)} | ${(rps / baseline).toFixed(3)} | ${p50} | ${p99} |`);
}
console.log('| route | req/s | ratio to baseline | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |');
console.log(rows.join('\n'));

await hello.close();
await app.close();
await database.close();
rmSync(dataDir, { recursive: true, force: true });
