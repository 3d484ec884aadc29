/**
 * Sign-ups per second through the HTTP API against PostgreSQL, with 50 concurrent clients,
 * on one session (every sign-up queues on that session's row lock) and spread over 100
 * sessions; p50/p99 latency; the overbooking check; and the ratio to what the database
 * itself does with the minimal sign-up transaction (pgbench: take a seat if one is left,
 * insert the registration) at the same concurrency, measured in the same run.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/registrations.ts [seconds=10] [connections=50]
 *
 * Works in a database of its own (created and dropped); the API runs as `src/server.ts` in
 * a child process, so the load generator does not share its event loop.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { eq, sql } from 'drizzle-orm';
import { scratchDatabase } from './scratch-database.js';
import { connectPostgres } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { events, sessions, units } from '../src/db/schema/index.js';
import { CONSENT } from '../src/modules/registrations/consent.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
const scratch = await scratchDatabase();
const database = connectPostgres(scratch.url, { poolSize: 4 });

/** One event with `count` sessions of `capacity` seats each, published. */
async function sessionsFor(count: number, capacity: number): Promise<{ eventId: string; sessionIds: string[] }> {
  const [unit] = await database.db.insert(units).values({ slug: `bench-${randomBytes(3).toString('hex')}`, kind: 'bureau', nameZh: '压测单位', nameEn: 'Bench' }).returning();
  const [event] = await database.db.insert(events).values({
    titleZh: '压测活动', type: 'lecture', ownerUnitId: unit!.id, timezone: 'Asia/Shanghai', registrationMode: 'both', status: 'published', publishedAt: new Date(),
  }).returning();
  const start = Date.parse('2031-05-01T01:00:00Z');
  const rows = await database.db.insert(sessions).values(Array.from({ length: count }, (_, i) => ({
    eventId: event!.id, startsAt: new Date(start + i * 3600_000), endsAt: new Date(start + i * 3600_000 + 1800_000), capacity,
  }))).returning({ id: sessions.id });
  return { eventId: event!.id, sessionIds: rows.map((r) => r.id) };
}

async function overbooked(eventId: string) {
  const [row] = await database.db.select({
    over: sql<number>`count(*) filter (where ${sessions.seatsTaken} > ${sessions.effectiveCapacity})::int`,
    mismatched: sql<number>`count(*) filter (where ${sessions.seatsTaken} <> (select coalesce(sum(r.headcount), 0) from registrations r where r.session_id = sessions.id and r.status in ('confirmed', 'attended')))::int`,
    confirmed: sql<number>`(select count(*) from registrations r where r.event_id = ${eventId} and r.status = 'confirmed')::int`,
    waitlisted: sql<number>`(select count(*) from registrations r where r.event_id = ${eventId} and r.status = 'waitlisted')::int`,
  }).from(sessions).where(eq(sessions.eventId, eventId));
  return row!;
}

let phone = 0;
async function signUpLoad(base: string, eventId: string, sessionIds: string[]) {
  const result = await autocannon({
    url: base, connections, duration: seconds,
    requests: [{
      method: 'POST', path: `/api/v1/events/${eventId}/registrations`, headers: { 'content-type': 'application/json' },
      setupRequest: (request) => {
        const n = phone++;
        return { ...request, body: JSON.stringify({ kind: 'individual', name: '压测', phone: `13${String(n).padStart(9, '0')}`, sessionId: sessionIds[n % sessionIds.length], consentVersion: CONSENT.version }) };
      },
    }],
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

function pgbench(sessionCount: number) {
  const script = join(tmpdir(), `${scratch.name}-${sessionCount}.sql`);
  writeFileSync(script, `\\set sid random(1, ${sessionCount})
BEGIN;
UPDATE bench_sessions SET seats_taken = seats_taken + 1 WHERE id = :sid AND seats_taken + 1 <= capacity;
INSERT INTO bench_registrations (session_id, headcount, phone) VALUES (:sid, 1, '13800000000');
END;
`);
  const output = execFileSync('pgbench', ['-n', '-c', String(connections), '-j', '2', '-T', String(seconds), '-f', script, scratch.url], { encoding: 'utf8' });
  return Number(/tps = ([\d.]+)/.exec(output)![1]);
}

const port = 30_000 + Math.floor(Math.random() * 20_000);
const server = spawn(process.execPath, ['--import', 'tsx', new URL('../src/server.ts', import.meta.url).pathname], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: {
    ...process.env, DATABASE_URL: scratch.url, PORT: String(port), SEED_DEMO: 'false', LOG_LEVEL: 'warn', SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    SIGNUP_RATE_LIMIT_PER_MINUTE: '1000000', SIGNUP_CONTACT_LIMIT_PER_HOUR: '1000000', DATABASE_POOL_SIZE: '20',
  },
});
const base = `http://127.0.0.1:${port}`;

try {
  await migrate(database.db);
  await database.db.execute(sql.raw(`create table bench_sessions (id int primary key, seats_taken int not null default 0, capacity int not null);
    create table bench_registrations (id bigserial primary key, session_id int not null references bench_sessions, headcount int not null, phone text, created_at timestamptz not null default now());
    insert into bench_sessions (id, capacity) select g, 1000000 from generate_series(1, 100) g;`));
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 100) throw new Error('the API did not start');
    await sleep(200);
  }
  // Capacities below the number of sign-ups, so both the seat path and the waiting-list path run.
  const contention = await sessionsFor(1, 2000);
  const spread = await sessionsFor(100, 100);

  console.log(`PostgreSQL ${(await database.db.execute(sql`show server_version`) as unknown as { server_version: string }[])[0]?.server_version ?? ''}; ${connections} clients, ${seconds}s each; node ${process.version}`);
  console.log('| scenario | API sign-ups/s | p50 ms | p99 ms | pgbench tx/s | ratio | overbooked sessions | confirmed / waitlisted |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [label, setup, sessionCount] of [['one session (contention)', contention, 1], ['100 sessions (spread)', spread, 100]] as const) {
    const api = await signUpLoad(base, setup.eventId, setup.sessionIds);
    if (api.non2xx || api.errors) console.log(`  (${api.non2xx} non-2xx answers, ${api.errors} errors)`);
    const check = await overbooked(setup.eventId);
    const limit = pgbench(sessionCount);
    console.log(`| ${label} | ${api.rps.toFixed(0)} | ${api.p50} | ${api.p99} | ${limit.toFixed(0)} | ${(api.rps / limit).toFixed(2)} | ${check.over} (seat count mismatches: ${check.mismatched}) | ${check.confirmed} / ${check.waitlisted} |`);
  }
} finally {
  server.kill('SIGTERM');
  await sleep(500);
  await database.close();
  await scratch.drop();
}
