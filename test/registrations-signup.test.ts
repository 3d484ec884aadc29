import { randomBytes, randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import { registrations } from '../src/db/schema/index.js';
import { adminHeaders, build, buildAccount, TEST_SECRET_KEY } from './helpers/build.js';
import { testDatabase } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

type App = Awaited<ReturnType<typeof buildApp>>;
type Json = Record<string, any>;
type Headers = Record<string, string>;

// Unique per file, so the per-contact limit (10 an hour by default) never trips by accident.
let phoneSeq = 0;
const newPhone = () => `1390013${String(++phoneSeq).padStart(4, '0')}`;

/** An app with a unit to own events and the current consent version, read as a client would. */
async function setup(t: Test, overrides: Parameters<typeof build>[1] = {}) {
  const built = await build(t, overrides);
  const unit = await buildUnit(built.db);
  const consent = (await built.app.inject({ url: '/api/v1/consent' })).json<{ version: string }>();
  return { ...built, unit, consent: consent.version };
}

/** An event taking both kinds of registration, 10 seats, one session in 2030; published unless told. */
async function publishedEvent(app: App, unitId: string, overrides: Record<string, unknown> = {}, { publish = true, headers = adminHeaders as Headers } = {}): Promise<Json> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: eventBody(unitId, { registrationMode: 'both', capacity: 10, ...overrides }) });
  if (created.statusCode !== 201) throw new Error(`event not created: ${created.body}`);
  if (!publish) return created.json();
  const published = await app.inject({ method: 'POST', url: `/api/v1/events/${created.json().id}/publish`, headers });
  if (published.statusCode !== 200) throw new Error(`event not published: ${published.body}`);
  return published.json();
}

const twoSessions = [
  { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
  { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' },
];

const signUp = (app: App, eventId: string, body: object, headers: Headers = {}, remoteAddress?: string) =>
  app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`, headers, payload: body, ...(remoteAddress ? { remoteAddress } : {}) });

const person = (consentVersion: string, fields: Record<string, unknown> = {}) =>
  ({ kind: 'individual', name: '王小明', phone: newPhone(), consentVersion, ...fields });

const schoolClass = (consentVersion: string, fields: Record<string, unknown> = {}) =>
  ({ kind: 'class', school: '密云区第一小学', gradeClass: '三年级二班', headcount: 30, teacherName: '李老师', teacherPhone: newPhone(), consentVersion, ...fields });

/** Calls through the manage link: the token in the path is the only credential. */
const manage = (app: App, method: 'GET' | 'PATCH' | 'POST' | 'DELETE', token: string, { suffix = '', payload }: { suffix?: string; payload?: object } = {}) =>
  app.inject({ method, url: `/api/v1/registrations/${token}${suffix}`, ...(payload ? { payload } : {}) });

const publicEvent = async (app: App, eventId: string): Promise<Json> => (await app.inject({ url: `/api/v1/events/${eventId}` })).json();
const publicSession = async (app: App, eventId: string, index = 0): Promise<Json> => (await publicEvent(app, eventId)).sessions[index];

const organizerList = async (app: App, eventId: string, headers: Headers = adminHeaders) =>
  app.inject({ url: `/api/v1/events/${eventId}/registrations`, headers });

async function registrationCount(db: Database) {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(registrations);
  return row!.n;
}

const created = (t: Test, res: LightMyRequestResponse, what: string): Json => {
  t.equal(res.statusCode, 201, `${what}: 201 (${res.body.slice(0, 300)})`);
  return res.json();
};

t.test('an individual signs up and gets a confirmed registration with a manage link', async (t) => {
  const { app, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id);
  const res = await signUp(app, event.id, { kind: 'individual', name: '张伟', phone: '+86 138-0013-8000', email: 'Zhang.Wei@Example.CN', partySize: 2, consentVersion: consent });
  const body = created(t, res, 'the sign-up');
  t.same(Object.keys(body).sort(), ['emailNotices', 'manageToken', 'manageUrl', 'registration']);
  t.equal(body.emailNotices, true, 'an email was given: mail will come');
  const registration = body.registration;
  t.match(registration, {
    eventId: event.id, sessionId: event.sessions[0].id, kind: 'individual', status: 'confirmed', source: 'online', headcount: 2,
    name: '张伟', phone: '13800138000', email: 'zhang.wei@example.cn', language: 'zh', consentVersion: consent, anonymized: false, waitlistPosition: null,
  });
  t.match(registration.checkInCode, /^[A-Z2-9]{8}$/, 'an 8-character check-in code to read out at the desk');
  t.ok(body.manageToken.length >= 20, 'a long manage token');
  t.ok(body.manageUrl.endsWith(`/manage/${body.manageToken}`), 'the manage URL is the site\'s manage page, carrying the token');

  const viewed = await manage(app, 'GET', body.manageToken);
  t.equal(viewed.statusCode, 200);
  t.match(viewed.json(), { id: registration.id, phone: '13800138000', email: 'zhang.wei@example.cn', consentVersion: consent, checkInCode: registration.checkInCode }, 'the link shows what was stored');
  t.equal((await publicSession(app, event.id)).seatsLeft, 8, 'the party of 2 takes 2 of the 10 seats');
});

t.test('a school class signs up and takes as many seats as its headcount', async (t) => {
  const { app, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id, { capacity: 50 });
  const body = created(t, await signUp(app, event.id, {
    kind: 'class', school: ' 密云区第一小学 ', gradeClass: '三年级二班', headcount: 35, teacherName: '李老师', teacherPhone: '139 0013 8000', teacherEmail: 'Li@School.cn', language: 'en', consentVersion: consent,
  }), 'the class sign-up');
  t.match(body.registration, {
    kind: 'class', status: 'confirmed', headcount: 35, school: '密云区第一小学', gradeClass: '三年级二班', name: '李老师', phone: '13900138000', email: 'li@school.cn', language: 'en',
  });
  const session = await publicSession(app, event.id);
  t.equal(session.seatsLeft, 15, '35 of the 50 seats are taken');
  t.equal(session.availability, 'available');
});

t.test('refused sign-ups answer with a problem naming the field, and write nothing', async (t) => {
  const clock = { t: new Date('2030-03-01T00:00:00Z'), now() { return this.t; } };
  const { app, db, unit, consent } = await setup(t, { clock });
  const event = await publishedEvent(app, unit.id);

  await t.test('outside the registration window', async (t) => {
    const windowed = await publishedEvent(app, unit.id, { registrationOpensAt: '2030-03-10T00:00:00Z', registrationClosesAt: '2030-03-20T00:00:00Z' });
    const body = problem(t, await signUp(app, windowed.id, person(consent)), 409, 'registration_not_open');
    t.equal(body.opensAt, '2030-03-10T00:00:00.000Z', 'says when it opens');
    clock.t = new Date('2030-03-10T00:00:00Z');
    const opening = await signUp(app, windowed.id, person(consent));
    t.equal(opening.statusCode, 201, 'open from the announced moment on');
    clock.t = new Date('2030-03-20T00:00:00Z');
    problem(t, await signUp(app, windowed.id, person(consent)), 409, 'registration_closed');
    clock.t = new Date('2030-04-01T00:00:00Z');
    problem(t, await signUp(app, windowed.id, person(consent)), 409, 'registration_closed');
    clock.t = new Date('2030-03-01T00:00:00Z');
  });

  await t.test('a draft event does not exist for the public', async (t) => {
    const draft = await publishedEvent(app, unit.id, {}, { publish: false });
    problem(t, await signUp(app, draft.id, person(consent)), 404, 'event_not_found');
    problem(t, await signUp(app, randomUUID(), person(consent)), 404, 'event_not_found');
  });

  await t.test('a cancelled event', async (t) => {
    const cancelled = await publishedEvent(app, unit.id);
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${cancelled.id}/cancel`, headers: adminHeaders })).statusCode, 200);
    problem(t, await signUp(app, cancelled.id, person(consent)), 409, 'event_cancelled');
  });

  await t.test('an event without registration', async (t) => {
    const open = await publishedEvent(app, unit.id, { registrationMode: 'none' });
    problem(t, await signUp(app, open.id, person(consent)), 409, 'registration_not_offered');
  });

  await t.test('a class on an event for individuals only', async (t) => {
    const individuals = await publishedEvent(app, unit.id, { registrationMode: 'individual' });
    problem(t, await signUp(app, individuals.id, schoolClass(consent, { headcount: 5 })), 422, 'invalid_registration', ['/kind']);
  });

  await t.test('contact details', async (t) => {
    problem(t, await signUp(app, event.id, person(consent, { phone: '12345' })), 422, 'invalid_registration', ['/phone']);
    problem(t, await signUp(app, event.id, person(consent, { phone: '23800138000' })), 422, 'invalid_registration', ['/phone']);
    problem(t, await signUp(app, event.id, person(consent, { email: 'not-an-email' })), 400, 'validation_failed', ['/email']);
    problem(t, await signUp(app, event.id, { kind: 'individual', name: '王小明', consentVersion: consent }), 422, 'invalid_registration', ['/phone', '/email']);
    problem(t, await signUp(app, event.id, { kind: 'individual', phone: newPhone(), consentVersion: consent }), 422, 'invalid_registration', ['/name']);
  });

  await t.test('consent', async (t) => {
    const { consentVersion: _omitted, ...withoutConsent } = person(consent);
    problem(t, await signUp(app, event.id, withoutConsent), 422, 'invalid_registration', ['/consentVersion']);
    problem(t, await signUp(app, event.id, person('2020-01')), 422, 'invalid_registration', ['/consentVersion']);
  });

  await t.test('sessions', async (t) => {
    problem(t, await signUp(app, event.id, person(consent, { sessionId: randomUUID() })), 422, 'invalid_registration', ['/sessionId']);
    const other = await publishedEvent(app, unit.id);
    problem(t, await signUp(app, event.id, person(consent, { sessionId: other.sessions[0].id })), 422, 'invalid_registration', ['/sessionId']);
    const two = await publishedEvent(app, unit.id, { sessions: twoSessions });
    problem(t, await signUp(app, two.id, person(consent)), 422, 'invalid_registration', ['/sessionId']);
  });

  await t.test('sizes', async (t) => {
    const limited = await publishedEvent(app, unit.id, { partySizeLimit: 3 });
    problem(t, await signUp(app, limited.id, person(consent, { partySize: 4 })), 422, 'invalid_registration', ['/partySize']);
    problem(t, await signUp(app, event.id, schoolClass(consent, { headcount: 11 })), 422, 'invalid_registration', ['/headcount']);
  });

  await t.test('fields of the wrong kind, and unknown fields', async (t) => {
    problem(t, await signUp(app, event.id, person(consent, { age: 30 })), 400, 'validation_failed', ['/age']);
    problem(t, await signUp(app, event.id, person(consent, { school: '密云区第一小学' })), 422, 'invalid_registration', ['/school']);
    problem(t, await signUp(app, event.id, schoolClass(consent, { headcount: 5, gradeClass: undefined, phone: newPhone() })), 422, 'invalid_registration', ['/gradeClass', '/phone']);
  });

  t.equal(await registrationCount(db), 1, 'no refused sign-up wrote a registration (the one stored is the sign-up at the opening)');
  t.equal((await organizerList(app, event.id)).json().items.length, 0, 'the organizers see none');
  t.equal((await publicSession(app, event.id)).seatsLeft, 10, 'and no seat is taken');
});

t.test('one registration per phone, email or class and session', async (t) => {
  const { app, db, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id, { sessions: twoSessions });
  const [first, second] = event.sessions.map((s: Json) => s.id as string) as [string, string];

  const original = created(t, await signUp(app, event.id, person(consent, { sessionId: first, phone: '13900139999' })), 'the first sign-up');
  const samePhone = problem(t, await signUp(app, event.id, person(consent, { sessionId: first, phone: '+86 139-0013-9999', name: '王小红' })), 409, 'already_registered', ['/phone']);
  t.notOk(JSON.stringify(samePhone).includes(original.manageToken), 'the refusal gives away no manage link');

  created(t, await signUp(app, event.id, { kind: 'individual', name: '赵六', email: 'zhao@example.cn', sessionId: first, consentVersion: consent }), 'a sign-up by email');
  problem(t, await signUp(app, event.id, person(consent, { sessionId: first, email: 'ZHAO@example.cn' })), 409, 'already_registered', ['/email']);

  created(t, await signUp(app, event.id, schoolClass(consent, { sessionId: first, headcount: 3 })), 'a class');
  problem(t, await signUp(app, event.id, schoolClass(consent, { sessionId: first, headcount: 3, school: '密云区第一小学 ', teacherName: '周老师' })), 409, 'already_registered', ['/gradeClass']);
  t.equal(await registrationCount(db), 3, 'the duplicates wrote nothing');

  created(t, await signUp(app, event.id, person(consent, { sessionId: second, phone: '13900139999' })), 'the same phone for the other session');

  t.equal((await manage(app, 'POST', original.manageToken, { suffix: '/cancel' })).json().status, 'cancelled');
  const again = created(t, await signUp(app, event.id, person(consent, { sessionId: first, phone: '13900139999' })), 'the same phone after cancelling');
  t.not(again.registration.id, original.registration.id, 'a new registration');
});

t.test('an Idempotency-Key makes a retried sign-up safe', async (t) => {
  const { app, db, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id);
  const key = { 'idempotency-key': `retry-${randomBytes(8).toString('hex')}` };
  const body = person(consent);

  const first = await signUp(app, event.id, body, key);
  const original = created(t, first, 'the first attempt');
  t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay');
  const retry = await signUp(app, event.id, body, key);
  const replayed = created(t, retry, 'the retry');
  t.equal(retry.headers['idempotent-replayed'], 'true');
  t.equal(replayed.registration.id, original.registration.id, 'the same registration');
  t.equal(replayed.manageToken, original.manageToken, 'the same manage token, so the link the client shows works');
  t.equal(await registrationCount(db), 1, 'one registration only');
  t.equal((await publicSession(app, event.id)).seatsLeft, 9, 'one seat taken');

  problem(t, await signUp(app, event.id, { ...body, name: '别人' }, key), 422, 'idempotency_key_reused');
  t.equal(await registrationCount(db), 1, 'the reused key wrote nothing');

  const fresh = { 'idempotency-key': `retry-${randomBytes(8).toString('hex')}` };
  const fixable = person(consent, { phone: '12345' });
  problem(t, await signUp(app, event.id, fixable, fresh), 422, 'invalid_registration', ['/phone']);
  const fixed = await signUp(app, event.id, { ...fixable, phone: newPhone() }, fresh);
  created(t, fixed, 'the corrected body with the key of the failed attempt');
  t.equal(fixed.headers['idempotent-replayed'], undefined, 'a failure is not replayed');
  t.equal(await registrationCount(db), 2);
});

t.test('the manage link shows, changes, cancels and erases the registration', async (t) => {
  const { app, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id);
  const mine = created(t, await signUp(app, event.id, person(consent, { name: '孙七', email: 'sun@example.cn', partySize: 2 })), 'the sign-up');
  const token: string = mine.manageToken;
  t.equal((await publicSession(app, event.id)).seatsLeft, 8);

  const viewed = await manage(app, 'GET', token);
  t.equal(viewed.statusCode, 200);
  t.match(viewed.json(), { id: mine.registration.id, name: '孙七', status: 'confirmed', headcount: 2, event: { id: event.id } });

  const grown = await manage(app, 'PATCH', token, { payload: { partySize: 4 } });
  t.equal(grown.statusCode, 200, grown.body);
  t.equal(grown.json().headcount, 4);
  t.equal((await publicSession(app, event.id)).seatsLeft, 6, 'two more seats taken');
  t.equal((await manage(app, 'PATCH', token, { payload: { partySize: 1 } })).json().headcount, 1);
  t.equal((await publicSession(app, event.id)).seatsLeft, 9, 'three seats given back');
  problem(t, await manage(app, 'PATCH', token, { payload: { partySize: 6 } }), 422, 'invalid_registration', ['/partySize']);

  const cancelled = await manage(app, 'POST', token, { suffix: '/cancel' });
  t.equal(cancelled.statusCode, 200);
  t.equal(cancelled.json().status, 'cancelled');
  t.equal((await publicSession(app, event.id)).seatsLeft, 10, 'every seat back');
  problem(t, await manage(app, 'POST', token, { suffix: '/cancel' }), 409, 'already_cancelled');

  const erased = await manage(app, 'DELETE', token);
  t.equal(erased.statusCode, 204);
  problem(t, await manage(app, 'GET', token), 404, 'registration_not_found');
  const list = (await organizerList(app, event.id)).json();
  const row = list.items.find((r: Json) => r.id === mine.registration.id);
  t.match(row, { name: null, phone: null, email: null, anonymized: true, status: 'cancelled', answers: [] }, 'the organizers keep an anonymous row');
  t.match(list.totals[0], { cancelled: { registrations: 1, headcount: 1 }, confirmed: { registrations: 0 } }, 'still counted as cancelled');

  await t.test('erasing a live registration cancels it first', async (t) => {
    const live = created(t, await signUp(app, event.id, person(consent, { partySize: 3 })), 'another sign-up');
    t.equal((await publicSession(app, event.id)).seatsLeft, 7);
    t.equal((await manage(app, 'DELETE', live.manageToken)).statusCode, 204);
    t.equal((await publicSession(app, event.id)).seatsLeft, 10, 'its seats are free again');
    const stored = (await organizerList(app, event.id)).json().items.find((r: Json) => r.id === live.registration.id);
    t.match(stored, { status: 'cancelled', anonymized: true, phone: null });
  });

  await t.test('a wrong or spent token finds nothing', async (t) => {
    for (const wrong of [`m_${randomBytes(24).toString('base64url')}`, token]) {
      problem(t, await manage(app, 'GET', wrong), 404, 'registration_not_found');
      problem(t, await manage(app, 'PATCH', wrong, { payload: { partySize: 1 } }), 404, 'registration_not_found');
      problem(t, await manage(app, 'POST', wrong, { suffix: '/cancel' }), 404, 'registration_not_found');
      problem(t, await manage(app, 'DELETE', wrong), 404, 'registration_not_found');
    }
    // A token of the wrong shape names nothing either: the same 404, not a lesson in token formats.
    problem(t, await manage(app, 'GET', 'short'), 404, 'not_found');
  });
});

t.test('the manage token stays out of logs and lists, and personal data out of public JSON', async (t) => {
  const lines: string[] = [];
  const database = await testDatabase(t);
  const admin = await buildAccount(database.db, { role: 'admin' });
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'info', SECRET_KEY: TEST_SECRET_KEY }), database, logStream: { write(line: string) { lines.push(line); } } });
  t.teardown(() => app.close());
  const unit = await buildUnit(database.db);
  const consent = (await app.inject({ url: '/api/v1/consent' })).json().version;
  const event = await publishedEvent(app, unit.id, {}, { headers: admin.headers });

  const applicant = { kind: 'individual', name: '钱八', phone: '13700137000', email: 'qian.ba@example.cn', consentVersion: consent };
  const mine = created(t, await signUp(app, event.id, applicant), 'the sign-up');
  const token: string = mine.manageToken;
  const secret = token.replace(/^m_/, '');

  t.equal((await manage(app, 'GET', token)).statusCode, 200);
  t.equal((await manage(app, 'PATCH', token, { payload: { partySize: 2 } })).statusCode, 200);
  t.equal((await manage(app, 'PATCH', token, { payload: { unknown: 1 } })).statusCode, 400);
  t.equal((await manage(app, 'POST', token, { suffix: '/cancel' })).statusCode, 200);
  const stray = await manage(app, 'GET', token, { suffix: '/receipt' });
  t.equal(stray.statusCode, 404);
  t.notOk(stray.body.includes(secret), 'the not-found answer does not echo the token');

  t.ok(lines.length > 0, 'the app logged');
  t.same(lines.filter((line) => line.includes(secret)), [], 'no log line holds the token');
  t.ok(lines.some((line) => line.includes('/registrations/[redacted]')), 'the manage requests are logged with the token redacted');
  t.same(lines.filter((line) => line.includes('13700137000') || line.includes('qian.ba@example.cn')), [], 'nor the contact details');

  const list = await organizerList(app, event.id, admin.headers);
  t.equal(list.statusCode, 200);
  t.notOk(list.body.includes(secret), 'the organizer list does not hold the token');
  for (const res of [await app.inject({ url: `/api/v1/events/${event.id}` }), await app.inject({ url: '/api/v1/events?from=2030-01-01' })]) {
    t.equal(res.statusCode, 200);
    t.ok(res.body.includes(event.id), 'the public JSON lists the event');
    for (const [label, value] of [['token', secret], ['name', '钱八'], ['phone', '13700137000'], ['email', 'qian.ba@example.cn']] as const) {
      t.notOk(res.body.includes(value), `the public JSON does not hold the registrant's ${label}`);
    }
  }
});

t.test('public seat counts and availability', async (t) => {
  const { app, db, unit, consent } = await setup(t);

  await t.test('available, few left, then the waiting list', async (t) => {
    const event = await publishedEvent(app, unit.id, { capacity: 20 });
    t.match(await publicSession(app, event.id), { seatsLeft: 20, availability: 'available' });
    for (const partySize of [5, 5, 4]) created(t, await signUp(app, event.id, person(consent, { partySize })), `a party of ${partySize}`);
    t.match(await publicSession(app, event.id), { seatsLeft: 6, availability: 'available' }, '6 of 20 left');
    created(t, await signUp(app, event.id, person(consent)), 'one more');
    t.match(await publicSession(app, event.id), { seatsLeft: 5, availability: 'few_left' }, '5 left');
    created(t, await signUp(app, event.id, person(consent, { partySize: 5 })), 'the last five');
    t.match(await publicSession(app, event.id), { seatsLeft: 0, availability: 'waiting_list' }, 'full, with a waiting list');
    const waiting = created(t, await signUp(app, event.id, person(consent, { partySize: 2 })), 'a sign-up when full');
    t.match(waiting.registration, { status: 'waitlisted', waitlistPosition: 1 });
    t.match(await publicSession(app, event.id), { seatsLeft: 0, availability: 'waiting_list' }, 'the waiting list takes no seat');
  });

  await t.test('few left is also 10% of a large session', async (t) => {
    const event = await publishedEvent(app, unit.id, { capacity: 100, partySizeLimit: 100 });
    const big = created(t, await signUp(app, event.id, person(consent, { partySize: 89 })), 'a party of 89');
    t.match(await publicSession(app, event.id), { seatsLeft: 11, availability: 'available' });
    t.equal((await manage(app, 'PATCH', big.manageToken, { payload: { partySize: 90 } })).statusCode, 200);
    t.match(await publicSession(app, event.id), { seatsLeft: 10, availability: 'few_left' });
  });

  await t.test('full without a waiting list refuses the next sign-up', async (t) => {
    const event = await publishedEvent(app, unit.id, { capacity: 20, waitlistEnabled: false });
    for (let i = 0; i < 4; i++) created(t, await signUp(app, event.id, person(consent, { partySize: 5 })), `party ${i + 1}`);
    t.match(await publicSession(app, event.id), { seatsLeft: 0, availability: 'full' });
    const before = await registrationCount(db);
    problem(t, await signUp(app, event.id, person(consent)), 409, 'full');
    t.equal(await registrationCount(db), before, 'the refused sign-up wrote nothing');
  });

  await t.test('no seats to count', async (t) => {
    const open = await publishedEvent(app, unit.id, { registrationMode: 'none', capacity: 20 });
    t.match(await publicSession(app, open.id), { seatsLeft: null, availability: null }, 'an event without registration');
    const unlimited = await publishedEvent(app, unit.id, { capacity: null });
    created(t, await signUp(app, unlimited.id, person(consent)), 'a sign-up without a capacity');
    t.match(await publicSession(app, unlimited.id), { seatsLeft: null, availability: 'available' }, 'unlimited seats');
  });
});

t.test('extra questions on the sign-up form', async (t) => {
  const { app, db, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id);
  const ask = async (question: object) => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/questions`, headers: adminHeaders, payload: question });
    return created(t, res, 'the question').id as string;
  };
  const diet = await ask({ kind: 'text', labelZh: '饮食禁忌' });
  const grade = await ask({ kind: 'choice', labelZh: '孩子年级', required: true, options: [{ value: 'g1', labelZh: '一年级' }, { value: 'g2', labelZh: '二年级' }] });
  const topics = await ask({ kind: 'choices', labelZh: '感兴趣的主题', options: [{ value: 'stars', labelZh: '天文' }, { value: 'bugs', labelZh: '昆虫' }, { value: 'robots', labelZh: '机器人' }] });
  const photos = await ask({ kind: 'yes_no', labelZh: '同意拍照', required: true });

  const form = await app.inject({ url: `/api/v1/events/${event.id}` });
  t.equal(form.statusCode, 200, `the public event still loads with its questions (${form.body.slice(0, 200)})`);
  t.same((form.json().questions ?? []).map((q: Json) => q.id), [diet, grade, topics, photos], 'the public form shows the questions in order');

  const answer = (answers: Record<string, unknown>) => signUp(app, event.id, person(consent, { answers }));
  problem(t, await answer({}), 422, 'invalid_registration', [`/answers/${grade}`, `/answers/${photos}`]);
  problem(t, await answer({ [grade]: 'g9', [photos]: true }), 422, 'invalid_registration', [`/answers/${grade}`]);
  problem(t, await answer({ [grade]: ['g1'], [photos]: 'yes' }), 422, 'invalid_registration', [`/answers/${grade}`, `/answers/${photos}`]);
  problem(t, await answer({ [grade]: 'g1', [photos]: true, [topics]: ['stars', 'ufo'] }), 422, 'invalid_registration', [`/answers/${topics}`]);
  const stranger = randomUUID();
  problem(t, await answer({ [grade]: 'g1', [photos]: true, [stranger]: 'x' }), 422, 'invalid_registration', [`/answers/${stranger}`]);
  t.equal(await registrationCount(db), 0, 'no refused answers were stored');

  const valid = { [diet]: '  不吃花生 ', [grade]: 'g2', [topics]: ['robots', 'stars'], [photos]: false };
  const mine = created(t, await answer(valid), 'the sign-up with valid answers');
  const expected = [
    { questionId: diet, value: '不吃花生' }, { questionId: grade, value: 'g2' }, { questionId: topics, value: ['robots', 'stars'] }, { questionId: photos, value: false },
  ].sort((a, b) => a.questionId.localeCompare(b.questionId));
  const byQuestion = (answers: Json[]) => [...answers].sort((a, b) => String(a.questionId).localeCompare(String(b.questionId)));
  t.same(byQuestion(mine.registration.answers), expected, 'the answer shows the stored answers');
  t.same(byQuestion((await manage(app, 'GET', mine.manageToken)).json().answers), expected, 'and so does the manage link');
});

t.test('sign-ups are rate limited per contact and per client address', async (t) => {
  await t.test('per phone number, across sessions and events', async (t) => {
    const { app, unit, consent } = await setup(t, { config: { SIGNUP_CONTACT_LIMIT_PER_HOUR: 2 } });
    const event = await publishedEvent(app, unit.id, { sessions: twoSessions });
    const other = await publishedEvent(app, unit.id);
    const phone = newPhone();
    created(t, await signUp(app, event.id, person(consent, { phone, sessionId: event.sessions[0].id })), 'first');
    created(t, await signUp(app, event.id, person(consent, { phone, sessionId: event.sessions[1].id })), 'second');
    problem(t, await signUp(app, other.id, person(consent, { phone })), 429, 'rate_limited');
    created(t, await signUp(app, other.id, person(consent)), 'another phone is not limited');
  });

  await t.test('per phone number, however it is written', async (t) => {
    const { app, unit, consent } = await setup(t, { config: { SIGNUP_CONTACT_LIMIT_PER_HOUR: 2 } });
    const events = [await publishedEvent(app, unit.id), await publishedEvent(app, unit.id), await publishedEvent(app, unit.id)];
    created(t, await signUp(app, events[0]!.id, person(consent, { phone: '13600136000' })), 'first');
    created(t, await signUp(app, events[1]!.id, person(consent, { phone: '+86 136-0013-6000' })), 'second, with the country code');
    problem(t, await signUp(app, events[2]!.id, person(consent, { phone: '136 0013 6000' })), 429, 'rate_limited');
  });

  await t.test('per email address', async (t) => {
    const { app, unit, consent } = await setup(t, { config: { SIGNUP_CONTACT_LIMIT_PER_HOUR: 2 } });
    const events = [await publishedEvent(app, unit.id), await publishedEvent(app, unit.id), await publishedEvent(app, unit.id)];
    for (const [i, email] of ['wu@example.cn', 'Wu@Example.cn'].entries()) {
      created(t, await signUp(app, events[i]!.id, { kind: 'individual', name: '吴九', email, consentVersion: consent }), `sign-up ${i + 1}`);
    }
    problem(t, await signUp(app, events[2]!.id, { kind: 'individual', name: '吴九', email: 'WU@example.cn', consentVersion: consent }), 429, 'rate_limited');
  });

  await t.test('per client address', async (t) => {
    const { app, db, unit, consent } = await setup(t, { config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 3 } });
    const event = await publishedEvent(app, unit.id);
    for (let i = 1; i <= 3; i++) created(t, await signUp(app, event.id, person(consent)), `sign-up ${i}`);
    const limited = await signUp(app, event.id, person(consent));
    problem(t, limited, 429, 'rate_limited');
    t.ok(Number(limited.headers['retry-after']) > 0, `says when to retry (retry-after: ${limited.headers['retry-after']})`);
    t.equal(await registrationCount(db), 3, 'the limited sign-up wrote nothing');
    created(t, await signUp(app, event.id, person(consent), {}, '10.1.2.3'), 'another address is not limited');
  });
});

t.test('a sign-up without consent is refused with every other field at fault in the same answer, and nothing is stored', async (t) => {
  const { app, db, unit, consent } = await setup(t);
  const event = await publishedEvent(app, unit.id);
  const body = problem(t, await signUp(app, event.id, { kind: 'individual', phone: '12345' }), 422, 'invalid_registration');
  const byPointer = Object.fromEntries((body?.errors ?? []).map((e: { pointer: string; code: string }) => [e.pointer, e.code]));
  t.same(byPointer, { '/consentVersion': 'required', '/name': 'required', '/phone': 'phone_format' }, 'consent, name and phone named at once');
  problem(t, await signUp(app, event.id, person('2019-01')), 422, 'invalid_registration');
  t.equal(await registrationCount(db), 0);
  created(t, await signUp(app, event.id, person(consent)), 'with the current consent');
});
