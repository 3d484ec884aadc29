import { parse } from 'csv-parse/sync';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Test } from 'tap';
import t from 'tap';
import type { Database } from '../src/db/client.js';
import { idempotencyKeys, registrationAnswers, registrationHistory, registrations } from '../src/db/schema/index.js';
import type { Clock } from '../src/lib/clock.js';
import { anonymizeEndedEvents } from '../src/modules/registrations/retention.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildAudiences, buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/** The organizer's side of registrations: who may do what, the list and its totals, assisted sign-ups, check-in, the export, attendance, questions, anonymisation. */

type Headers = Record<string, string>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
type Registration = {
  id: string; sessionId: string; status: string; source: string; headcount: number; waitlistPosition: number | null;
  name: string | null; phone: string | null; email: string | null; checkInCode: string; checkedInHeadcount: number | null; checkedInAt: string | null;
  answers: { questionId: string; value: unknown }[]; anonymized: boolean;
};
type SignedUp = { registration: Registration; manageToken: string; manageUrl: string };
type Counted = { registrations: number; headcount: number };
type Totals = {
  sessionId: string; startsAt: string; capacity: number | null; seatsLeft: number | null; confirmed: Counted; waitlisted: Counted;
  attended: Counted & { checkedInHeadcount: number }; cancelled: Counted; recordedAttendance: number;
};
type Page = { items: Registration[]; nextCursor: string | null; totals: Totals[] };
type EventJson = { id: string; titleZh: string; sessions: { id: string; startsAt: string }[]; questions: { id: string }[] };
type Question = { id: string; kind: string; labelZh: string; position: number; hidden: boolean; options: { value: string; labelZh: string }[] };
type AuditEntry = { action: string; objectKind: string; objectId: string; actorAccountId: string | null; unitId: string | null; changedFields: string[] };

/** An app with one unit and its organizer; sign-ups are not rate-limited here, the limits have tests of their own. */
async function setup(t: Test, clock?: Clock) {
  const { app, db } = await build(t, { clock, config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 100_000 } });
  const unit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const call = (method: Method, url: string, headers: Headers = {}, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  let phones = 0;
  const nextPhone = () => `139${String(++phones).padStart(8, '0')}`;

  async function publishedEvent(overrides: Record<string, unknown> = {}, day?: string): Promise<EventJson> {
    const created = await call('POST', '/events', organizer.headers, eventBody(unit.id, { registrationMode: 'both', capacity: 50, ...overrides }, day));
    if (created.statusCode !== 201) throw new Error(`creating the event failed: ${created.body}`);
    const event = created.json<EventJson>();
    const published = await call('POST', `/events/${event.id}/publish`, organizer.headers);
    if (published.statusCode !== 200) throw new Error(`publishing the event failed: ${published.body}`);
    return event;
  }

  /** A public sign-up; `fields` override the defaults (a field set to undefined is left out). */
  async function signUp(eventId: string, fields: Record<string, unknown> = {}, headers: Headers = {}): Promise<SignedUp> {
    const res = await call('POST', `/events/${eventId}/registrations`, headers, { kind: 'individual', name: '报名人', phone: nextPhone(), partySize: 1, consentVersion, ...fields });
    if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.body}`);
    return res.json<SignedUp>();
  }

  const list = async (eventId: string, query = '', headers: Headers = organizer.headers) => {
    const res = await call('GET', `/events/${eventId}/registrations${query}`, headers);
    if (res.statusCode !== 200) throw new Error(`listing failed: ${res.body}`);
    return res.json<Page>();
  };
  const checkIn = (eventId: string, body: object, headers: Headers = organizer.headers) => call('POST', `/events/${eventId}/check-ins`, headers, body);
  const audit = async (query: string) => (await call('GET', `/audit?${query}`, adminHeaders)).json<{ items: AuditEntry[] }>().items;

  return { app, db, unit, organizer, consentVersion, call, nextPhone, publishedEvent, signUp, list, checkIn, audit };
}

/** The numbers of a session's totals, without its start time. */
const counts = ({ sessionId, capacity, seatsLeft, confirmed, waitlisted, attended, cancelled, recordedAttendance }: Totals) =>
  ({ sessionId, capacity, seatsLeft, confirmed, waitlisted, attended, cancelled, recordedAttendance });

const rowsOf = (result: unknown) => (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows);

/** Every row of every table of the schema, as text: where personal data could hide. */
async function everyRowAsText(db: Database): Promise<string> {
  const tables = rowsOf(await db.execute(sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`)) as { table_name: string }[];
  const dumps: string[] = [];
  for (const { table_name: name } of tables) {
    const rows = rowsOf(await db.execute(sql`select t::text as row from ${sql.identifier(name)} as t`)) as { row: string }[];
    dumps.push(...rows.map((r) => `${name}: ${r.row}`));
  }
  return dumps.join('\n');
}

t.test('roles: organizers of the unit see and handle registrations; its checkers only list and check in; other units and the anonymous nothing', async (t) => {
  const f = await setup(t);
  const event = await f.publishedEvent();
  const signed = await f.signUp(event.id, { name: '赵敏', phone: '13812345678' });
  const id = signed.registration.id;
  const checker = await buildAccount(f.db, { role: 'checker', unitIds: [f.unit.id] });
  const stranger = await buildAccount(f.db, { role: 'organizer', unitIds: [(await buildUnit(f.db)).id] });

  t.match((await f.list(event.id)).items, [{ id, name: '赵敏', phone: '13812345678', checkInCode: signed.registration.checkInCode }], 'the organizer sees personal data');
  t.match((await f.list(event.id, '', checker.headers)).items, [{ id, name: '赵敏' }], 'the checker sees the list (names are needed at the door)');

  const checkedIn = await f.checkIn(event.id, { code: signed.registration.checkInCode }, checker.headers);
  t.equal(checkedIn.statusCode, 200, 'the checker checks in');
  t.equal(checkedIn.json().status, 'attended');
  const undone = await f.call('DELETE', `/events/${event.id}/check-ins/${id}`, checker.headers);
  t.equal(undone.statusCode, 200, 'the checker undoes a check-in');
  t.equal(undone.json().status, 'confirmed');

  const organizerOnly: [Method, string, object?][] = [
    ['PATCH', `/events/${event.id}`, { titleZh: '被改掉的标题' }],
    ['GET', `/events/${event.id}/registrations.csv`],
    ['POST', `/events/${event.id}/registrations/${id}/cancel`],
    ['POST', `/events/${event.id}/registrations/assisted`, { kind: 'individual', name: '代报名', phone: f.nextPhone(), consentVersion: f.consentVersion }],
    ['POST', `/events/${event.id}/registrations/${id}/manage-link`],
    ['POST', `/events/${event.id}/questions`, { kind: 'text', labelZh: '偷加的问题' }],
  ];
  const checkerToo: [Method, string, object?][] = [
    ['GET', `/events/${event.id}/registrations`],
    ['POST', `/events/${event.id}/check-ins`, { code: signed.registration.checkInCode }],
    ['DELETE', `/events/${event.id}/check-ins/${id}`],
  ];
  for (const [method, url, payload] of organizerOnly) {
    await t.test(`a checker: ${method} ${url.replace(event.id, ':id')}`, async (t) => { problem(t, await f.call(method, url, checker.headers, payload), 403, 'forbidden'); });
  }
  for (const [method, url, payload] of [...checkerToo, ...organizerOnly]) {
    await t.test(`an organizer of another unit: ${method} ${url.replace(event.id, ':id')}`, async (t) => { problem(t, await f.call(method, url, stranger.headers, payload), 403, 'forbidden'); });
    await t.test(`anonymous: ${method} ${url.replace(event.id, ':id')}`, async (t) => { problem(t, await f.call(method, url, {}, payload), 401, 'authentication_required'); });
  }

  const after = await f.list(event.id);
  t.same(after.items.map((r) => [r.id, r.status]), [[id, 'confirmed']], 'none of the refused requests changed the registrations');
  t.equal((await f.call('GET', `/events/${event.id}`, f.organizer.headers)).json().titleZh, '地球日科普讲座', 'nor the event');
});

t.test('the list: per-session totals, filters by session and status, pages that cover every registration once', async (t) => {
  const f = await setup(t);
  const event = await f.publishedEvent({
    capacity: 3,
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' },
    ],
  });
  const [a, b] = event.sessions as [EventJson['sessions'][number], EventJson['sessions'][number]];
  const r1 = await f.signUp(event.id, { sessionId: a.id, partySize: 2 });
  const r2 = await f.signUp(event.id, { sessionId: a.id, partySize: 1 });
  const r3 = await f.signUp(event.id, { sessionId: a.id, partySize: 2 });
  const r4 = await f.signUp(event.id, { sessionId: a.id, partySize: 1 });
  const r5 = await f.signUp(event.id, { sessionId: b.id, partySize: 1 });
  t.same([r1, r2, r3, r4, r5].map((r) => r.registration.status), ['confirmed', 'confirmed', 'waitlisted', 'waitlisted', 'confirmed']);
  // A waitlisted one cancelled frees no seat, so nobody is promoted and the numbers stay easy to follow.
  t.equal((await f.call('POST', `/events/${event.id}/registrations/${r4.registration.id}/cancel`, f.organizer.headers)).statusCode, 200);
  t.equal((await f.checkIn(event.id, { registrationId: r1.registration.id, headcount: 1 })).statusCode, 200);

  const all = await f.list(event.id);
  t.same(all.items.map((r) => r.id), [r1, r2, r3, r4, r5].map((r) => r.registration.id), 'every registration, in sign-up order');
  t.equal(all.nextCursor, null);
  t.equal(all.items.find((r) => r.id === r3.registration.id)?.waitlistPosition, 1, 'the waiting one knows its place');
  t.same(all.totals.map(counts), [
    {
      sessionId: a.id, capacity: 3, seatsLeft: 0, recordedAttendance: 0,
      confirmed: { registrations: 1, headcount: 1 }, waitlisted: { registrations: 1, headcount: 2 },
      attended: { registrations: 1, headcount: 2, checkedInHeadcount: 1 }, cancelled: { registrations: 1, headcount: 1 },
    },
    {
      sessionId: b.id, capacity: 3, seatsLeft: 2, recordedAttendance: 0,
      confirmed: { registrations: 1, headcount: 1 }, waitlisted: { registrations: 0, headcount: 0 },
      attended: { registrations: 0, headcount: 0, checkedInHeadcount: 0 }, cancelled: { registrations: 0, headcount: 0 },
    },
  ], 'per session: seats, and registrations and people by status');

  const ofA = await f.list(event.id, `?sessionId=${a.id}`);
  t.same(ofA.items.map((r) => r.id), [r1, r2, r3, r4].map((r) => r.registration.id), 'filtered by session');
  t.same(ofA.totals.map((x) => x.sessionId), [a.id], 'with that session\'s totals only');
  t.same((await f.list(event.id, '?status=waitlisted')).items.map((r) => r.id), [r3.registration.id], 'filtered by status');
  t.same((await f.list(event.id, '?status=attended')).items.map((r) => r.id), [r1.registration.id]);
  t.same((await f.list(event.id, `?sessionId=${b.id}&status=confirmed`)).items.map((r) => r.id), [r5.registration.id], 'both filters at once');
  t.same((await f.list(event.id, `?sessionId=${b.id}&status=cancelled`)).items, []);

  const walk = async (query: string) => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await f.list(event.id, `${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...page.items.map((r) => r.id));
      sizes.push(page.items.length);
      cursor = page.nextCursor;
    } while (cursor && sizes.length < 10);
    return { seen, sizes };
  };
  const paged = await walk('?limit=2');
  t.same(paged.sizes, [2, 2, 1], 'pages of at most two');
  t.same(paged.seen, all.items.map((r) => r.id), 'the pages together hold every registration exactly once, in order');
  const pagedA = await walk(`?limit=3&sessionId=${a.id}`);
  t.same(pagedA.seen, ofA.items.map((r) => r.id), 'paging keeps the filter');
  t.same((await f.list(event.id, '?limit=5')).nextCursor, null, 'no next page when the last page is exactly full');
});

t.test('assisted sign-up: organizers register people after the public window closed, and record walk-ins at the door', async (t) => {
  let now = new Date('2030-04-01T00:00:00Z');
  const f = await setup(t, { now: () => now });
  const event = await f.publishedEvent({ capacity: 6, registrationClosesAt: '2030-04-22T00:00:00+08:00' });
  const assisted = (body: object) => f.call('POST', `/events/${event.id}/registrations/assisted`, f.organizer.headers, { kind: 'individual', consentVersion: f.consentVersion, ...body });

  now = new Date('2030-04-22T08:00:00+08:00'); // window closed, session at 09:00 not started
  problem(t, await f.call('POST', `/events/${event.id}/registrations`, {}, { kind: 'individual', name: '晚来的人', phone: f.nextPhone(), consentVersion: f.consentVersion }), 409, 'registration_closed');
  problem(t, await assisted({ partySize: 1 }), 422, 'invalid_registration', ['/name', '/phone', '/email'], { exact: false });

  const byPhone = await assisted({ name: '周老太太', phone: '138 1234 5678', partySize: 2 });
  t.equal(byPhone.statusCode, 201, `registered on someone's behalf (${byPhone.body.slice(0, 200)})`);
  const phoned = byPhone.json<SignedUp>();
  t.match(phoned.registration, { status: 'confirmed', source: 'assisted', headcount: 2, name: '周老太太', phone: '13812345678', checkedInHeadcount: null });
  t.ok(phoned.manageToken, 'with a manage link to pass on');
  t.match(await f.audit(`objectKind=registration&objectId=${phoned.registration.id}`), [{ action: 'created', actorAccountId: f.organizer.account.id }], 'the organizer is on record');

  now = new Date('2030-04-22T09:30:00+08:00'); // the session is on
  problem(t, await assisted({ name: '又一位', phone: f.nextPhone() }), 409, 'session_started');
  const walkIn = await assisted({ walkIn: true, partySize: 3 });
  t.equal(walkIn.statusCode, 201, `a walk-in needs no name or contact (${walkIn.body.slice(0, 200)})`);
  t.match(walkIn.json<SignedUp>().registration, {
    status: 'attended', source: 'walk_in', headcount: 3, checkedInHeadcount: 3, checkedInAt: now.toISOString(), name: null, phone: null, email: null,
  });
  const tooMany = problem(t, await assisted({ walkIn: true, partySize: 2 }), 409, 'full');
  t.equal(tooMany.seatsLeft, 1, 'and says how many seats are left');
  const named = await assisted({ walkIn: true, name: '刘阿姨', partySize: 1 });
  t.equal(named.statusCode, 201, 'the last seat');
  t.match(named.json<SignedUp>().registration, { status: 'attended', source: 'walk_in', name: '刘阿姨' });

  const [totals] = (await f.list(event.id)).totals;
  t.match(totals, {
    seatsLeft: 0, confirmed: { registrations: 1, headcount: 2 }, waitlisted: { registrations: 0, headcount: 0 },
    attended: { registrations: 2, headcount: 4, checkedInHeadcount: 4 },
  }, 'walk-ins take seats and count as attended, never waitlisted');
});

t.test('check-in: by code or id, with the people who actually came; refusals say why; undo; every step audited with its actor', async (t) => {
  const f = await setup(t);
  const checker = await buildAccount(f.db, { role: 'checker', unitIds: [f.unit.id] });
  const event = await f.publishedEvent({ capacity: 4 });
  const family = (await f.signUp(event.id, { partySize: 3 })).registration;
  const waiting = (await f.signUp(event.id, { partySize: 2 })).registration;
  const single = (await f.signUp(event.id, { partySize: 1 })).registration;
  t.same([family.status, waiting.status, single.status], ['confirmed', 'waitlisted', 'confirmed']);

  const byCode = await f.checkIn(event.id, { code: `  ${family.checkInCode.toLowerCase()} `, headcount: 2 });
  t.equal(byCode.statusCode, 200, `a code typed in lower case with spaces is found (${byCode.body.slice(0, 200)})`);
  t.match(byCode.json<Registration>(), { id: family.id, status: 'attended', headcount: 3, checkedInHeadcount: 2 });
  t.ok(byCode.json<Registration>().checkedInAt, 'with the time');
  const twice = problem(t, await f.checkIn(event.id, { code: family.checkInCode }), 409, 'already_checked_in');
  t.equal(twice.checkedInAt, byCode.json<Registration>().checkedInAt, 'saying when it happened');

  problem(t, await f.checkIn(event.id, { registrationId: single.id, headcount: 2 }), 422, 'invalid_check_in', ['/headcount']);
  const byId = await f.checkIn(event.id, { registrationId: single.id });
  t.equal(byId.statusCode, 200);
  t.match(byId.json<Registration>(), { status: 'attended', checkedInHeadcount: 1 }, 'the registered headcount by default');
  problem(t, await f.checkIn(event.id, { code: waiting.checkInCode }), 409, 'not_confirmed');
  problem(t, await f.checkIn(event.id, { code: 'ZZZZ9999' }), 404, 'registration_not_found');
  const gone = (await f.signUp(event.id)).registration;
  t.equal((await f.call('POST', `/events/${event.id}/registrations/${gone.id}/cancel`, f.organizer.headers)).statusCode, 200);
  problem(t, await f.checkIn(event.id, { code: gone.checkInCode }), 409, 'already_cancelled');

  const other = await f.publishedEvent();
  const elsewhere = (await f.signUp(other.id)).registration;
  problem(t, await f.checkIn(event.id, { registrationId: elsewhere.id }), 404, 'registration_not_found');
  problem(t, await f.checkIn(event.id, { code: elsewhere.checkInCode }), 404, 'registration_not_found');

  const undone = await f.call('DELETE', `/events/${event.id}/check-ins/${family.id}`, checker.headers);
  t.equal(undone.statusCode, 200);
  t.match(undone.json<Registration>(), { status: 'confirmed', checkedInHeadcount: null, checkedInAt: null }, 'undo returns it to confirmed');
  problem(t, await f.call('DELETE', `/events/${event.id}/check-ins/${family.id}`, checker.headers), 409, 'not_checked_in');
  t.equal((await f.checkIn(event.id, { code: family.checkInCode }, checker.headers)).json<Registration>().checkedInHeadcount, 3, 'and it can be checked in again');

  const [totals] = (await f.list(event.id)).totals;
  t.match(totals, { attended: { registrations: 2, headcount: 4, checkedInHeadcount: 4 }, waitlisted: { registrations: 1, headcount: 2 }, seatsLeft: 0 });

  const entries = await f.audit(`objectKind=registration&objectId=${family.id}`);
  t.same(entries.map((e) => [e.action, e.actorAccountId]), [
    ['checked_in', checker.account.id], ['check_in_undone', checker.account.id], ['checked_in', f.organizer.account.id],
  ], 'each check-in and undo, newest first, with who did it (refused attempts leave nothing)');
  t.ok(entries.every((e) => e.unitId === f.unit.id));
  t.same(entries[2]?.changedFields.sort(), ['checkedInHeadcount', 'status']);
});

t.test('a new manage link for someone who lost theirs: the new one works, the old one no longer', async (t) => {
  const f = await setup(t);
  const event = await f.publishedEvent();
  const signed = await f.signUp(event.id, { name: '丢了链接的人' });
  t.equal((await f.call('GET', `/registrations/${signed.manageToken}`)).statusCode, 200);

  const res = await f.call('POST', `/events/${event.id}/registrations/${signed.registration.id}/manage-link`, f.organizer.headers);
  t.equal(res.statusCode, 200);
  const renewed = res.json<SignedUp>();
  t.not(renewed.manageToken, signed.manageToken);
  t.ok(renewed.manageUrl.endsWith(`/manage/${renewed.manageToken}`), 'the new link is the site\'s manage page');
  t.equal(renewed.registration.id, signed.registration.id);

  const seen = await f.call('GET', `/registrations/${renewed.manageToken}`);
  t.equal(seen.statusCode, 200, 'the new link works');
  t.match(seen.json<Registration>(), { id: signed.registration.id, name: '丢了链接的人' });
  problem(t, await f.call('GET', `/registrations/${signed.manageToken}`), 404, 'registration_not_found');
  problem(t, await f.call('POST', `/registrations/${signed.manageToken}/cancel`), 404, 'registration_not_found');
  t.equal((await f.call('POST', `/registrations/${renewed.manageToken}/cancel`)).json<Registration>().status, 'cancelled', 'the new link can cancel');
  t.match(await f.audit(`objectKind=registration&objectId=${signed.registration.id}`), [{ action: 'link_renewed', actorAccountId: f.organizer.account.id }]);
});

t.test('CSV export: Excel-ready UTF-8, every text round-trips, formulas are defused, answers under their labels, the export audited', async (t) => {
  const f = await setup(t, { now: () => new Date('2030-03-01T02:05:00Z') });
  const event = await f.publishedEvent();
  const question = async (body: object) => {
    const res = await f.call('POST', `/events/${event.id}/questions`, f.organizer.headers, body);
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json<Question>();
  };
  const needs = await question({ kind: 'text', labelZh: '特殊需求, 如"轮椅"' });
  const grade = await question({ kind: 'choice', labelZh: '孩子年级', options: [{ value: 'g1', labelZh: '一年级' }, { value: 'g2', labelZh: '二年级' }] });
  const parking = await question({ kind: 'yes_no', labelZh: '是否需要停车位' });
  const topics = await question({ kind: 'choices', labelZh: '感兴趣的主题', options: [{ value: 'space', labelZh: '航天' }, { value: 'ocean', labelZh: '海洋' }, { value: 'ai', labelZh: '人工智能' }] });
  const awkward = '坐轮椅, 需要"无障碍"通道\n第二行：靠近出口';

  const zhang = await f.signUp(event.id, { name: '张三丰', phone: '13812345678', partySize: 2, answers: { [needs.id]: awkward, [grade.id]: 'g2', [parking.id]: true, [topics.id]: ['ai', 'space'] } });
  await f.signUp(event.id, { name: '李·小龙', phone: undefined, email: 'Li.XiaoLong@Example.cn', answers: { [needs.id]: '=1+1', [parking.id]: false } });
  const formulas = ['=HYPERLINK("http://x")', '+1', '-1', '@SUM(A1)'];
  for (const name of formulas) await f.signUp(event.id, { name });
  t.equal((await f.checkIn(event.id, { registrationId: zhang.registration.id, headcount: 1 })).statusCode, 200);

  const res = await f.call('GET', `/events/${event.id}/registrations.csv`, f.organizer.headers);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/csv/);
  t.match(res.headers['content-disposition'], /^attachment;/);
  t.ok(res.headers['content-disposition']?.toString().includes(`filename*=UTF-8''${encodeURIComponent('地球日科普讲座-报名名单-20300301.csv')}`), 'named after the event and the day, in Shanghai');
  t.same([...res.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'starts with the UTF-8 byte-order mark');
  t.match(res.body, /\r\n/, 'CRLF lines');

  const records = parse(res.body, { bom: true }) as string[][];
  const [header, ...rows] = records as [string[], ...string[][]];
  t.same(header.slice(-4), [needs.labelZh, grade.labelZh, parking.labelZh, topics.labelZh], 'a column per question, under its Chinese label');
  t.equal(rows.length, 6, 'a line per registration');
  const labels = ['姓名/带队教师', '手机', '邮箱', '状态', '来源', '人数', '签到人数', '签到码'];
  for (const label of labels) t.ok(header.includes(label), `a column ${label}`);
  const cell = (row: string[], label: string) => row[header.indexOf(label)];

  t.same(rows.map((row) => cell(row, '姓名/带队教师')), ['张三丰', '李·小龙', ...formulas.map((n) => `'${n}`)], 'Chinese names as they are; formula-like names with a leading apostrophe');
  const [zhangRow, liRow] = rows as [string[], string[]];
  t.same(['手机', '状态', '来源', '人数', '签到人数', '签到码'].map((label) => cell(zhangRow, label)),
    ['13812345678', '已签到', '网上报名', '2', '1', zhang.registration.checkInCode]);
  t.equal(cell(zhangRow, needs.labelZh), awkward, 'commas, quotes and a newline in an answer round-trip');
  t.equal(cell(zhangRow, grade.labelZh), '二年级', 'a choice shows its label');
  t.equal(cell(zhangRow, parking.labelZh), '是');
  t.equal(cell(zhangRow, topics.labelZh), '人工智能；航天', 'several choices by their labels');
  t.same(['场次开始', '签到时间', '报名时间'].map((label) => cell(zhangRow, label)), ['2030-04-22 09:00', '2030-03-01 10:05', '2030-03-01 10:05'], 'times in the event\'s zone, not the server\'s');
  t.same(['邮箱', '手机', needs.labelZh, grade.labelZh, parking.labelZh].map((label) => cell(liRow, label)),
    ['li.xiaolong@example.cn', '', "'=1+1", '', '否'], 'answers are defused too; unanswered is empty');

  const exported = (await f.audit(`objectKind=event&objectId=${event.id}`)).find((e) => e.action === 'exported');
  t.match(exported, { actorAccountId: f.organizer.account.id, unitId: f.unit.id, changedFields: ['registrations'] }, 'the export is on record, with who exported');
});

t.test('attendance of sessions without registration: recorded per audience, replaced on each save, in the totals', async (t) => {
  const f = await setup(t);
  await buildAudiences(f.db);
  const created = await f.call('POST', '/events', f.organizer.headers, eventBody(f.unit.id));
  const event = created.json<EventJson>();
  const session = event.sessions[0]!;
  const record = (counts: Record<string, number>, headers: Headers = f.organizer.headers) =>
    f.call('PUT', `/events/${event.id}/sessions/${session.id}/attendance`, headers, { counts });
  const recorded = async () => (await f.list(event.id)).totals[0]?.recordedAttendance;

  const first = await record({ elderly: 30, youth: 12 });
  t.equal(first.statusCode, 200);
  t.same(first.json(), { sessionId: session.id, counts: { elderly: 30, youth: 12 }, total: 42 });
  t.equal(await recorded(), 42, 'the list\'s totals show it');

  const second = await record({ families: 8, elderly: 0 });
  t.same(second.json(), { sessionId: session.id, counts: { families: 8 }, total: 8 });
  t.equal(await recorded(), 8, 'a new save replaces the old counts rather than adding to them');

  problem(t, await record({ martians: 3, youth: 2 }), 422, 'invalid_attendance', ['/counts/martians']);
  t.equal(await recorded(), 8, 'a refused save changes nothing');
  const read = await f.call('GET', `/events/${event.id}/attendance`, f.organizer.headers);
  t.same(read.json(), { items: [{ sessionId: session.id, counts: { families: 8 }, total: 8 }] }, 'read back per audience, for the form that replaces them');
  const checker = await buildAccount(f.db, { role: 'checker', unitIds: [f.unit.id] });
  problem(t, await record({ youth: 1 }, checker.headers), 403, 'forbidden');
  problem(t, await f.call('GET', `/events/${event.id}/attendance`, checker.headers), 403, 'forbidden');
  problem(t, await f.call('PUT', `/events/${event.id}/sessions/00000000-0000-4000-8000-000000000000/attendance`, f.organizer.headers, { counts: { youth: 1 } }), 404, 'session_not_found');
  t.same((await f.audit(`objectKind=session&objectId=${session.id}`)).filter((e) => e.action === 'attendance_recorded').map((e) => e.actorAccountId),
    [f.organizer.account.id, f.organizer.account.id], 'each save is audited');
});

t.test('questions: created and listed; once answered they keep kind and options, can be hidden but not deleted', async (t) => {
  const f = await setup(t);
  const event = await f.publishedEvent();
  const url = `/events/${event.id}/questions`;
  const age = await f.call('POST', url, f.organizer.headers, { kind: 'text', labelZh: '孩子年龄' });
  t.equal(age.statusCode, 201);
  t.match(age.json(), { kind: 'text', labelZh: '孩子年龄', hidden: false, required: false, options: [] });
  const options = [{ value: 'am', labelZh: '上午' }, { value: 'pm', labelZh: '下午' }];
  const slotRes = await f.call('POST', url, f.organizer.headers, { kind: 'choice', labelZh: '时段偏好', options, required: true });
  t.equal(slotRes.statusCode, 201);
  const slot = slotRes.json<Question>();
  const ageId = age.json<Question>().id;
  problem(t, await f.call('POST', url, f.organizer.headers, { kind: 'choice', labelZh: '没有选项' }), 422, 'invalid_question', ['/options']);
  problem(t, await f.call('POST', url, f.organizer.headers, { kind: 'choices', labelZh: '只有一个', options: [options[0]] }), 422, 'invalid_question', ['/options']);
  t.same((await f.call('GET', url, f.organizer.headers)).json<{ items: Question[] }>().items.map((q) => q.id), [ageId, slot.id], 'listed in order');

  const signed = await f.signUp(event.id, { answers: { [slot.id]: 'am' } });
  const at = `${url}/${slot.id}`;
  problem(t, await f.call('DELETE', at, f.organizer.headers), 409, 'question_answered');
  problem(t, await f.call('PATCH', at, f.organizer.headers, { kind: 'choices' }), 409, 'question_answered');
  problem(t, await f.call('PATCH', at, f.organizer.headers, { options: [{ value: 'pm', labelZh: '下午' }, { value: 'eve', labelZh: '晚上' }] }), 409, 'question_answered');
  const grown = await f.call('PATCH', at, f.organizer.headers, { options: [{ value: 'am', labelZh: '上午场' }, ...options.slice(1), { value: 'eve', labelZh: '晚上' }] });
  t.equal(grown.statusCode, 200, 'options can still be relabelled and added');

  const hidden = await f.call('PATCH', at, f.organizer.headers, { hidden: true });
  t.equal(hidden.statusCode, 200);
  t.equal(hidden.json<Question>().hidden, true);
  t.same((await f.call('GET', `/events/${event.id}`)).json<EventJson>().questions.map((q) => q.id), [ageId], 'the public form no longer shows it');
  t.match((await f.call('GET', url, f.organizer.headers)).json<{ items: Question[] }>().items, [{ id: ageId }, { id: slot.id, hidden: true }], 'the organizers still do');
  t.ok(await f.signUp(event.id), 'a hidden required question is no longer required');
  t.match((await f.list(event.id)).items.find((r) => r.id === signed.registration.id)?.answers, [{ questionId: slot.id, value: 'am' }], 'its answers are kept');
  problem(t, await f.call('DELETE', at, f.organizer.headers), 409, 'question_answered');

  const removed = await f.call('DELETE', `${url}/${ageId}`, f.organizer.headers);
  t.equal(removed.statusCode, 204, 'an unanswered question can be deleted');
  t.same((await f.call('GET', url, f.organizer.headers)).json<{ items: Question[] }>().items.map((q) => q.id), [slot.id]);
  t.same((await f.call('GET', `/events/${event.id}`)).json<EventJson>().questions, []);
});

t.test('anonymisation after the retention period: no personal data left anywhere, the figures unchanged; later events untouched', async (t) => {
  const f = await setup(t, { now: () => new Date('2030-03-01T00:00:00Z') });
  const ended = await f.publishedEvent({}, '2030-04-22');
  const recent = await f.publishedEvent({}, '2030-12-01');
  const askAllergy = async (eventId: string) =>
    (await f.call('POST', `/events/${eventId}/questions`, f.organizer.headers, { kind: 'text', labelZh: '过敏情况' })).json<Question>().id;
  const endedQuestion = await askAllergy(ended.id);
  const recentQuestion = await askAllergy(recent.id);

  const personal = ['王小明', '13800001111', '对花粉过敏', '林黛玉', 'daiyu@example.cn', '贾宝玉', '13800002222', '代报名的人', '13800003333'];
  const withAnswer = await f.signUp(ended.id, { name: '王小明', phone: '13800001111', partySize: 2, answers: { [endedQuestion]: '对花粉过敏' } }, { 'idempotency-key': 'anonymise-me-0001' });
  const checkedIn = await f.signUp(ended.id, { name: '林黛玉', phone: undefined, email: 'daiyu@example.cn', partySize: 3 });
  const cancelled = await f.signUp(ended.id, { name: '贾宝玉', phone: '13800002222' });
  const assisted = await f.call('POST', `/events/${ended.id}/registrations/assisted`, f.organizer.headers, { kind: 'individual', name: '代报名的人', phone: '13800003333', consentVersion: f.consentVersion });
  t.equal(assisted.statusCode, 201);
  t.equal((await f.checkIn(ended.id, { code: checkedIn.registration.checkInCode, headcount: 2 })).statusCode, 200);
  t.equal((await f.call('POST', `/registrations/${cancelled.manageToken}/cancel`)).statusCode, 200);
  const kept = await f.signUp(recent.id, { name: '薛宝钗', phone: '13800004444', answers: { [recentQuestion]: '无' } }, { 'idempotency-key': 'keep-me-please-0001' });

  const endedIds = [withAnswer, checkedIn, cancelled, assisted.json<SignedUp>()].map((r) => r.registration.id);
  const historyOf = async () => (await f.db.select().from(registrationHistory).where(inArray(registrationHistory.registrationId, endedIds))).length;
  const keysOf = async (ids: string[]) => (await f.db.select().from(idempotencyKeys).where(inArray(idempotencyKeys.registrationId, ids))).length;
  const answersOf = async (ids: string[]) => (await f.db.select().from(registrationAnswers).where(inArray(registrationAnswers.registrationId, ids))).length;
  const before = await f.list(ended.id);
  const historyBefore = await historyOf();
  t.equal(await keysOf(endedIds), 1, 'before: the idempotent sign-up left its key');
  t.equal(await answersOf(endedIds), 1, 'before: one answer');
  const dumpBefore = await everyRowAsText(f.db);
  for (const value of personal) t.ok(dumpBefore.includes(value), `before: ${value} is stored`);
  t.match(before.totals, [{
    confirmed: { registrations: 2, headcount: 3 }, attended: { registrations: 1, headcount: 3, checkedInHeadcount: 2 }, cancelled: { registrations: 1, headcount: 1 },
  }]);

  // Ended 22 April, run on 1 January with 180 days: past the period; the December event is 31 days ago.
  const now = new Date('2031-01-01T00:00:00Z');
  t.equal(await anonymizeEndedEvents(f.db, { now, retentionDays: 180 }), endedIds.length, 'each registration of the ended event, once');

  const rows = await f.db.select().from(registrations).where(eq(registrations.eventId, ended.id));
  t.same(rows.map((r) => [r.contactName, r.phone, r.email]), endedIds.map(() => [null, null, null]), 'names, phones and emails are gone');
  t.ok(rows.every((r) => r.anonymizedAt?.getTime() === now.getTime()), 'marked anonymised');
  t.equal(await answersOf(endedIds), 0, 'answers deleted');
  t.equal(await keysOf(endedIds), 0, 'idempotency keys (and their stored answers) deleted');
  t.equal(await historyOf(), historyBefore, 'the history, which holds no personal data, stays');
  const dumpAfter = await everyRowAsText(f.db);
  for (const value of personal) t.notOk(dumpAfter.includes(value), `${value} is nowhere in the database`);
  for (const token of [withAnswer.manageToken, checkedIn.manageToken, cancelled.manageToken]) {
    problem(t, await f.call('GET', `/registrations/${token}`), 404, 'registration_not_found');
  }
  problem(t, await f.call('POST', `/events/${ended.id}/registrations/${withAnswer.registration.id}/manage-link`, f.organizer.headers), 409, 'anonymized');

  const after = await f.list(ended.id);
  t.same(after.totals, before.totals, 'the figures are exactly what they were');
  t.same(after.items.map((r) => [r.id, r.status, r.headcount, r.checkedInHeadcount, r.anonymized, r.name]),
    before.items.map((r) => [r.id, r.status, r.headcount, r.checkedInHeadcount, true, null]), 'every registration stays, stripped');

  t.equal(await anonymizeEndedEvents(f.db, { now, retentionDays: 180 }), 0, 'a second run has nothing to do');
  t.same((await f.list(ended.id)).totals, before.totals);
  t.same((await f.db.select().from(registrations).where(eq(registrations.eventId, ended.id))).map((r) => r.anonymizedAt?.getTime()), rows.map(() => now.getTime()), 'and changes nothing');

  const stillThere = await f.call('GET', `/registrations/${kept.manageToken}`);
  t.equal(stillThere.statusCode, 200, 'the recent event\'s manage link works');
  t.match(stillThere.json<Registration>(), { name: '薛宝钗', phone: '13800004444', anonymized: false, answers: [{ questionId: recentQuestion, value: '无' }] });
  t.equal(await keysOf([kept.registration.id]), 1, 'its idempotency key stays');
});

t.test('a check-in that names nobody is refused with the field to fill in', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'individual' }) })).json();
  problem(t, await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/check-ins`, headers: adminHeaders, payload: { headcount: 2 } }), 422, 'invalid_check_in', ['/code']);
});

t.test('search: part of a name, school, class, email or check-in code in any case, or a phone typed any way; wildcards are plain text', async (t) => {
  const { publishedEvent, signUp, list } = await setup(t);
  const event = await publishedEvent();
  const wang = await signUp(event.id, { name: '王小明', phone: '138 0013 8000', email: 'Wang.XM@Example.cn' });
  const teacher = await signUp(event.id, { kind: 'class', name: undefined, phone: undefined, partySize: undefined, school: '密云区第一小学', gradeClass: '三年级二班', headcount: 20, teacherName: '赵老师', teacherPhone: '139-0000-0099' });
  await signUp(event.id, { name: '李100%' });
  const found = async (q: string) => (await list(event.id, `?q=${encodeURIComponent(q)}`)).items.map((r) => r.id);

  for (const q of ['小明', 'wang.xm@', '13800138000', '0013 8000', '+86 138-0013', wang.registration.checkInCode.toLowerCase()]) {
    t.same(await found(q), [wang.registration.id], `found by ${q}`);
  }
  for (const q of ['第一小学', '三年级', '赵老', '0000 0099']) t.same(await found(q), [teacher.registration.id], `the class found by ${q}`);
  t.same(await found('%'), [(await list(event.id, '?q=100')).items[0]!.id], 'a % matches only a %');
  t.same(await found('_'), [], 'an _ only an _');
  t.same(await found('没有这个人'), []);
  const filtered = await list(event.id, `?q=${encodeURIComponent('小明')}&status=cancelled`);
  t.same(filtered.items, [], 'with the other filters');
});
