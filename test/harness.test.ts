import t from 'tap';
import { runScenario } from '../bench/harness/scenario.js';
import { emptyPostgresDatabase, onPostgres } from './helpers/database.js';

/*
 * The load-and-fault harness, short: two API processes and two workers on the local
 * PostgreSQL, 400 sign-ups for 8 sessions of 25 seats while 12 phones poll the feeds; in the
 * middle an API process and a worker are killed (and started again) and the database is cut
 * off for two seconds. Only the invariants are asserted, never a time or a rate: the full
 * run's figures come from bench/harness.ts.
 */
t.test('PostgreSQL: a storm with a process killed and the database cut loses nothing and doubles nothing', {
  skip: onPostgres ? false : 'needs PostgreSQL: several processes on one server (runs when DATABASE_URL is set, CI\'s second pass)',
  timeout: 110_000,
}, async (t) => {
  const databaseUrl = await emptyPostgresDatabase(t);
  const report = await runScenario({
    databaseUrl, sessions: 8, seatsPerSession: 25, people: 400, concurrency: 16, spreadMs: 8000,
    feedClients: 12, feedIntervalMs: 300, faults: true, log: (line) => t.comment(line),
  });
  for (const invariant of report.invariants) t.ok(invariant.ok, `${invariant.name} (${invariant.detail})`);
  // The faults must have hit the storm, or the run proves nothing.
  const answers = (key: string) => report.outcomes.reduce((sum, o) => sum + (o.answers[key] ?? 0), 0);
  t.ok(answers('no_answer') > 0, `sign-ups met the killed process (${answers('no_answer')} requests without an answer, then retried)`);
  t.ok(answers('503') > 0, `sign-ups met the outage (${answers('503')} answered 503, then retried)`);
});
