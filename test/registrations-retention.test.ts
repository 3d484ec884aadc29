import t from 'tap';
import { sql } from 'drizzle-orm';
import { idempotencyKeys, outboxMessages } from '../src/db/schema/index.js';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { purgeIdempotencyKeys } from '../src/modules/registrations/idempotency.js';
import { startRetentionSweeps } from '../src/modules/registrations/retention.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

const HOUR = 3600_000;

t.test('an Idempotency-Key answer is replayed for 24 hours, then forgotten and purged', async (t) => {
  const clock = { at: new Date('2030-01-10T00:00:00Z'), now() { return this.at; } };
  const { app, db } = await build(t, { clock });
  const unit = await buildUnit(db);
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'individual' }) })).json();
  await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders });
  const signUp = () => app.inject({
    method: 'POST', url: `/api/v1/events/${event.id}/registrations`, headers: { 'idempotency-key': 'retry-me-0001' },
    payload: { kind: 'individual', name: '张三', phone: '13800138000', consentVersion: CONSENT.version },
  });

  const first = await signUp();
  t.equal(first.statusCode, 201);
  clock.at = new Date(clock.at.getTime() + 23 * HOUR);
  const retried = await signUp();
  t.equal(retried.headers['idempotent-replayed'], 'true', 'a retry within a day gets the first answer');
  t.equal(retried.json().manageToken, first.json().manageToken);

  clock.at = new Date(clock.at.getTime() + 2 * HOUR);
  // Past the day the retry runs afresh: the person is registered already (and the failed attempt writes nothing).
  problem(t, await signUp(), 409, 'already_registered');
  t.equal(await purgeIdempotencyKeys(db, clock.now()), 1, 'the expired answer is purged');
  t.same(await db.select().from(idempotencyKeys), [], 'no record outlives its day');

  const again = await app.inject({
    method: 'POST', url: `/api/v1/events/${event.id}/registrations`, headers: { 'idempotency-key': 'another-key-0002' },
    payload: { kind: 'individual', name: '李四', phone: '13900139000', consentVersion: CONSENT.version },
  });
  t.equal(again.statusCode, 201);
  t.equal(await purgeIdempotencyKeys(db, new Date(clock.at.getTime() + 24 * HOUR - 1)), 0, 'kept for a day');
  t.equal(await purgeIdempotencyKeys(db, new Date(clock.at.getTime() + 24 * HOUR + 1)), 1, 'then purged');
});

t.test('the sweep runs at start and reports what it anonymised', async (t) => {
  const clock = { at: new Date('2030-01-10T00:00:00Z'), now() { return this.at; } };
  const { app, db } = await build(t, { clock });
  const unit = await buildUnit(db);
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'individual' }, '2030-01-20') })).json();
  await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders });
  const signedUp = (await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name: '王五', email: 'wang@example.cn', consentVersion: CONSENT.version } })).json();

  const mailOf = () => db.select().from(outboxMessages).where(sql`${outboxMessages.payload} ->> 'registrationId' = ${signedUp.registration.id}`);
  t.ok((await mailOf()).length > 0, 'the sign-up planned its mail');

  const logged: object[] = [];
  clock.at = new Date('2030-07-20T00:00:00Z'); // 181 days after the session ended
  const sweeps = startRetentionSweeps({ db, clock, retentionDays: 180, tombstoneRetentionDays: 90, log: { info: (o) => logged.push(o), error: (o) => logged.push({ failed: o }) } });
  await sweeps.stop();
  t.same(logged, [{ anonymized: 1, purgedIdempotencyKeys: 0, purgedTombstones: 0 }], 'one registration anonymised, logged without personal data');
  t.equal((await app.inject({ url: `/api/v1/registrations/${signedUp.manageToken}` })).statusCode, 404, 'its manage link is gone');
  const listed = (await app.inject({ url: `/api/v1/events/${event.id}/registrations`, headers: adminHeaders })).json();
  t.match(listed.items, [{ name: null, email: null, anonymized: true, status: 'confirmed' }], 'the registration still counts');
  t.same(await mailOf(), [], 'its mail messages are gone too (a refusal quoted in last_error may name the address)');
});
