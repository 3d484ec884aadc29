/**
 * The memory soak: 2 API processes and 2 workers from dist/ on the local PostgreSQL, 200 phones
 * polling the feeds once a second and a steady trickle of sign-ups (10 a second, over 40
 * sessions), for `minutes` (default 10). Samples the API processes' RSS every 5 s and prints
 * the first minute's level, the peak, the last minute's level and the growth between them:
 * a leak shows as a last minute well above the first.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/soak.ts [minutes=10]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenario } from './harness/scenario.js';
import { scratchDatabase } from './scratch-database.js';

const minutes = Number(process.argv[2] ?? 10);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
console.log('building dist/ …');
execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });

const seconds = minutes * 60;
const scratch = await scratchDatabase();
try {
  // 10 sign-ups a second, one client at a time per lane: the storm's machinery at a walking pace.
  const report = await runScenario({
    databaseUrl: scratch.url, sessions: 40, seatsPerSession: 10_000, people: seconds * 10, concurrency: 4, spreadMs: seconds * 1000,
    feedClients: 200, feedIntervalMs: 1000, faults: false, fromDist: true, rssEveryMs: 5000, log: (line) => console.log(`  ${line}`),
  });
  const samplesPerMinute = 12;
  for (const name of ['api-1', 'api-2']) {
    const samples = report.rssMb[name] ?? [];
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
    const first = mean(samples.slice(0, samplesPerMinute));
    const last = mean(samples.slice(-samplesPerMinute));
    console.log(`${name}: RSS first minute ${first} MB, peak ${Math.max(0, ...samples)} MB, last minute ${last} MB (${last >= first ? '+' : ''}${last - first} MB over ${minutes} min, ${samples.length} samples)`);
  }
  console.log(`sign-ups ${report.outcomes.length}, feed polls ${report.feed.polls} ${JSON.stringify(report.feed)}`);
  for (const invariant of report.invariants) console.log(`${invariant.ok ? 'ok    ' : 'FAILED'} ${invariant.name} — ${invariant.detail}`);
} finally {
  await scratch.drop();
}
