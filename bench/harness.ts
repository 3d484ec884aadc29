/**
 * The load-and-fault harness, full size, with its timings: 2 API processes and 2 workers run
 * from dist/ (as deployed) on the local PostgreSQL; 5,000 sign-ups in 30 s for 20 sessions of
 * 100 seats, spread over both API processes, while 200 phones poll the JSON and iCal feeds
 * once a second with conditional GETs; an API process and a worker SIGKILLed and restarted,
 * and the database cut off for two seconds, in the middle. Prints the invariants it checked,
 * sign-up latency, the feed's answers, the mail's drain time and the API processes' memory.
 * The baseline in the same run is the same storm without the faults.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/harness.ts [people=5000] [seconds=30] [runs=both|baseline|faults]
 *
 * Each run works in databases of its own (created and dropped). CI runs the short form
 * (test/harness.test.ts), which asserts the invariants only.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runScenario, type ScenarioReport } from './harness/scenario.js';
import { scratchDatabase } from './scratch-database.js';

const people = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 30);
const runs = process.argv[4] ?? 'both';
if (!['both', 'baseline', 'faults'].includes(runs)) throw new Error(`runs must be both, baseline or faults, not ${runs}`);
const ROOT = fileURLToPath(new URL('../', import.meta.url));

console.log('building dist/ …');
execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] ?? 0;

function summary(label: string, report: ScenarioReport) {
  const latencies = report.outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const retried = report.outcomes.filter((o) => o.tries > 1).length;
  const peak = (name: string) => Math.max(0, ...(report.rssMb[name] ?? []));
  const feedPolls = report.feed.polls;
  console.log(`\n${label}`);
  console.log(`  sign-ups: ${report.outcomes.length} in ${report.stormSeconds.toFixed(1)} s (${(report.outcomes.length / report.stormSeconds).toFixed(0)}/s as they arrived); latency p50 ${percentile(latencies, 0.5)} ms, p99 ${percentile(latencies, 0.99)} ms, max ${latencies.at(-1)} ms; ${retried} retried`);
  console.log(`  feed polls: ${feedPolls} (${(feedPolls / report.stormSeconds).toFixed(0)}/s): ${JSON.stringify(report.feed)}`);
  console.log(`  mail drained ${report.drainSeconds.toFixed(1)} s after the storm; ${report.duplicateMails} copies of a message already sent`);
  console.log(`  API memory (RSS, sampled every 0.5 s): api-1 peak ${peak('api-1')} MB, api-2 peak ${peak('api-2')} MB, api-2 at the end ${report.rssMb['api-2']?.at(-1) ?? 0} MB`);
  for (const invariant of report.invariants) console.log(`  ${invariant.ok ? 'ok    ' : 'FAILED'} ${invariant.name} — ${invariant.detail}`);
  return report.invariants.every((i) => i.ok);
}

let allHeld = true;
for (const faults of [false, true].filter((f) => runs === 'both' || f === (runs === 'faults'))) {
  const scratch = await scratchDatabase();
  try {
    const report = await runScenario({
      databaseUrl: scratch.url, sessions: 20, seatsPerSession: 100, people, concurrency: 64, spreadMs: seconds * 1000,
      feedClients: 200, feedIntervalMs: 1000, faults, fromDist: true, log: (line) => console.log(`  ${line}`),
    });
    allHeld = summary(faults ? 'with faults (kill api-1 and worker-1, restart; database cut 2 s)' : 'baseline: the same storm, no faults', report) && allHeld;
  } finally {
    await scratch.drop();
  }
}
if (!allHeld) process.exit(1);
