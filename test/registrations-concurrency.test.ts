import t, { type Test } from 'tap';
import { eq, sql } from 'drizzle-orm';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { connectPostgres, type Database } from '../src/db/client.js';
import { registrations, sessions } from '../src/db/schema/index.js';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { buildAccount, TEST_SECRET_KEY } from './helpers/build.js';
import { testDatabase, onPostgres } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';

/**
 * Many sign-ups for the last seats at once, through two API instances with a connection
 * pool each, over real HTTP, on the real PostgreSQL: the seat rules must hold whatever
 * the interleaving. PGlite is one connection, so nothing would race there.
 */
const needsPostgres = { skip: onPostgres ? false : 'needs PostgreSQL: runs when DATABASE_URL is set (CI\'s second pass)' };
const CAPACITY = 50;

type Answer = { status: number; body: any };

async function invariants(t: Test, db: Database, sessionId: string, label: string) {
  const [session] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
  const [counts] = await db.select({
    taken: sql<number>`coalesce(sum(${registrations.headcount}) filter (where ${registrations.status} in ('confirmed', 'attended')), 0)::int`,
    smallestWaiting: sql<number | null>`min(${registrations.headcount}) filter (where ${registrations.status} = 'waitlisted')`,
  }).from(registrations).where(eq(registrations.sessionId, sessionId));
  t.equal(session!.seatsTaken, counts!.taken, `${label}: the session's seat count is the confirmed headcount (${counts!.taken})`);
  t.ok(counts!.taken <= CAPACITY, `${label}: ${counts!.taken} confirmed of ${CAPACITY} seats: never overbooked`);
  const left = CAPACITY - counts!.taken;
  t.ok(counts!.smallestWaiting === null || counts!.smallestWaiting > left, `${label}: nobody waits who fits the ${left} seats left (smallest waiting: ${counts!.smallestWaiting})`);
  return { taken: counts!.taken, left };
}

t.test('PostgreSQL: 500 sign-ups of mixed sizes for 50 seats through two API instances at once', needsPostgres, async (t) => {
  const first = await testDatabase(t);
  const second = connectPostgres(first.url!, { poolSize: 10 });
  t.teardown(() => second.close());
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY }), SIGNUP_RATE_LIMIT_PER_MINUTE: 1_000_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 1_000_000 };
  const apps = await Promise.all([first, second].map(async (database) => {
    const app = await buildApp({ config, database });
    t.teardown(() => app.close());
    return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  }));
  const admin = await buildAccount(first.db, { role: 'admin' });
  const unit = await buildUnit(first.db);
  const event = (await apps[0]!.app.inject({ method: 'POST', url: '/api/v1/events', headers: admin.headers, payload: eventBody(unit.id, { registrationMode: 'both', capacity: CAPACITY }) })).json();
  await apps[0]!.app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: admin.headers });
  const sessionId: string = event.sessions[0].id;

  const send = async (i: number, method: string, path: string, body?: object): Promise<Answer> => {
    const response = await fetch(`${apps[i % 2]!.url}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  // Four in five are people with parties of 1 to 4, one in five a class of 5 to 16.
  const applicant = (i: number) => (i % 5 === 4
    ? { kind: 'class', school: `密云区第${i}小学`, gradeClass: '三年级二班', headcount: 5 + (i % 12), teacherName: '王老师', teacherPhone: `139${String(i).padStart(8, '0')}`, consentVersion: CONSENT.version }
    : { kind: 'individual', name: `居民${i}`, phone: `138${String(i).padStart(8, '0')}`, partySize: 1 + (i % 4), consentVersion: CONSENT.version });
  const signUp = (i: number) => send(i, 'POST', `/api/v1/events/${event.id}/registrations`, applicant(i));

  const storm = await Promise.all(Array.from({ length: 500 }, (_, i) => signUp(i)));
  const unanswered = storm.filter((a) => a.status !== 201);
  t.same(unanswered.map((a) => `${a.status} ${a.body?.code}`), [], 'every sign-up got a definite 201');
  const rows = await first.db.select({ id: registrations.id, status: registrations.status }).from(registrations).where(eq(registrations.sessionId, sessionId));
  t.equal(rows.length, 500, 'every answered sign-up is stored: none lost, none doubled');
  const stored = new Map(rows.map((r) => [r.id, r.status]));
  t.ok(storm.every((a) => stored.get(a.body.registration.id) === a.body.registration.status), 'each stored status is the one its answer gave');
  const { taken } = await invariants(t, first.db, sessionId, 'after the storm');
  t.ok(taken >= CAPACITY - 4, `the seats are used (${taken} of ${CAPACITY}; a party of up to 4 may not fit the last ones)`);

  // Cancellations free seats while new sign-ups arrive: the waiting list and the newcomers race for them.
  const live = storm.filter((a) => a.body.registration.status !== 'cancelled');
  const cancelling = live.filter((_, i) => i % 4 === 0).slice(0, 80);
  const second_wave = await Promise.all([
    ...cancelling.map((a, i) => send(i, 'POST', `/api/v1/registrations/${a.body.manageToken}/cancel`)),
    ...Array.from({ length: 100 }, (_, i) => signUp(1000 + i)),
  ]);
  t.same(second_wave.filter((a) => a.status !== 200 && a.status !== 201).map((a) => `${a.status} ${a.body?.code}`), [], 'every cancellation and sign-up got a definite answer');
  await invariants(t, first.db, sessionId, 'after cancellations racing sign-ups');
  const [{ total }] = await first.db.select({ total: sql<number>`count(*)::int` }).from(registrations).where(eq(registrations.sessionId, sessionId)) as [{ total: number }];
  t.equal(total, 600, 'all 600 sign-ups are stored');
});
