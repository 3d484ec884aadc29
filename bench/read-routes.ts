/**
 * Throughput and latency of the public read routes, each as a ratio to a hello-world
 * Fastify route served by the same server process in the same run, so the figures
 * travel between machines. The server runs in a child process (bench/serve.ts); this
 * process only generates load. Embedded PGlite by default; DATABASE_URL for PostgreSQL.
 *
 *   npx tsx bench/read-routes.ts [seconds=8] [connections=50]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const seconds = Number(process.argv[2] ?? 8);
const connections = Number(process.argv[3] ?? 50);

const server = spawn(process.execPath, ['--import', 'tsx', new URL('./serve.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
const ports = JSON.parse(line) as { app: number; hello: number; database: string };

async function measure(url: string) {
  const result = await autocannon({ url, connections, duration: seconds });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const api = `http://127.0.0.1:${ports.app}`;
const routes: [string, string][] = [
  ['baseline: Fastify hello-world', `http://127.0.0.1:${ports.hello}/`],
  ['GET /healthz (one `select 1`)', `${api}/healthz`],
  ['GET /api/v1/events?limit=50 (2024 on)', `${api}/api/v1/events?from=2024-01-01&limit=50`],
  ['GET /api/v1/events?limit=10 (upcoming)', `${api}/api/v1/events?limit=10`],
  ['GET /api/v1/events?observance=…', `${api}/api/v1/events?from=2024-01-01&observance=science-technology-week`],
  ['GET /api/v1/calendar?year=2027', `${api}/api/v1/calendar?year=2027`],
];

try {
  console.log(`database: ${ports.database}; ${connections} connections, ${seconds}s per route; node ${process.version}`);
  console.log('| route | req/s | ratio to baseline | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- |');
  let baseline = 0;
  for (const [name, url] of routes) {
    const { rps, p50, p99 } = await measure(url);
    baseline ||= rps;
    console.log(`| ${name} | ${rps.toFixed(0)} | ${(rps / baseline).toFixed(3)} | ${p50} | ${p99} |`);
  }
} finally {
  server.kill('SIGTERM');
}
