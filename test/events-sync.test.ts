import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { eq, sql } from 'drizzle-orm';
import { connectPostgres } from '../src/db/client.js';
import type { LightMyRequestResponse } from 'fastify';
import { tombstones } from '../src/db/schema/index.js';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { startRetentionSweeps } from '../src/modules/registrations/retention.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';
import { onPostgres } from './helpers/database.js';

/**
 * Bots that mirror the public calendar sync with GET /api/v1/events?updatedSince=<iso>: the events
 * changed since then (past and cancelled ones too), the events deleted since (`deleted`), and
 * `nextUpdatedSince`, where the next sync starts. Runs on the system clock: updated_at, deleted_at
 * and the watermark are all the database's time.
 *
 * The watermark is the time of the last change, and a sync includes changes made at that very
 * instant (at worst a bot sees an event twice). So before taking a mark, `fence()` renames a venue
 * no event uses: the mark then falls on a change that lists no event, and "exactly what changed
 * after it" can be asserted without the last event changed before it showing up again.
 */

type Res = LightMyRequestResponse;
type Headers = Record<string, string>;
type Session = { id: string; availability: string | null; seatsLeft: number | null };
type Listed = { id: string; titleZh: string; status: string; venue: { id: string; nameZh: string } | null; sessions: Session[] };
type Deletion = { id: string; deletedAt: string };
type Page = { items: Listed[]; nextCursor: string | null; next: string | null; nextUpdatedSince: string; deleted?: Deletion[] };
type Created = { id: string; sessions: Session[] };

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();
const q = encodeURIComponent;
const ids = (page: Page) => page.items.map((e) => e.id);
const sorted = (values: string[]) => [...values].sort();
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Every answer of the file, to check at the end that none was a 5xx. */
const answered: { url: string; status: number }[] = [];

async function setup(t: Test, overrides: Parameters<typeof build>[1] = {}) {
  const built = await build(t, overrides);
  const { app, db } = built;
  const unit = await buildUnit(db, { nameZh: '区科协' });
  const spareVenue = await buildVenue(db, { nameZh: '备用场馆' });
  let fences = 0;

  async function request(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, { headers = {} as Headers, payload = undefined as object | undefined } = {}): Promise<Res> {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
    answered.push({ url: `${method} ${url}`, status: res.statusCode });
    return res;
  }
  const get = (url: string, headers: Headers = {}) => request('GET', url, { headers });

  /** A write that must succeed (admin unless told). */
  async function write(method: 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Headers = adminHeaders) {
    const res = await request(method, `/api/v1${url}`, { headers, payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.body ? res.json() : null;
  }

  /** An event of `unit` with one session on `day` (Shanghai), then published… as `steps` say. */
  async function event(fields: Record<string, unknown> = {}, steps: ('publish' | 'cancel')[] = ['publish'], day = '2030-06-01'): Promise<Created> {
    let body = await write('POST', '/events', eventBody(unit.id, fields, day)) as Created;
    for (const step of steps) body = await write('POST', `/events/${body.id}/${step}`) as Created;
    return body;
  }

  /** A change no event shows (see the file's comment), a few milliseconds clear of the changes around it. */
  async function fence() {
    await sleep(5);
    await write('PATCH', `/venues/${spareVenue.id}`, { nameZh: `备用场馆 ${++fences}` });
    await sleep(5);
  }

  async function list(query: string, headers: Headers = {}): Promise<Page> {
    const res = await get(`/api/v1/events?${query}`, headers);
    if (res.statusCode !== 200) throw new Error(`GET /events?${query}: ${res.statusCode} ${res.body}`);
    return res.json<Page>();
  }

  /** A fence, then a full (anonymous) listing: its nextUpdatedSince is where a sync starts. */
  async function mark(): Promise<string> {
    await fence();
    const full = await list('limit=200');
    return full.nextUpdatedSince;
  }

  /** A sync from `since`; another `limit` tells apart URLs the process cache would otherwise share. */
  const sync = (since: string, headers: Headers = {}, limit = 200) => list(`updatedSince=${q(since)}&limit=${limit}`, headers);

  return { ...built, unit, spareVenue, request, get, write, event, fence, list, mark, sync };
}

t.test('a sync from a full listing\'s nextUpdatedSince lists exactly the events changed since, past ones included', async (t) => {
  const { get, event, write, fence, list, sync } = await setup(t);
  const edited = await event({ titleZh: '将要改名的讲座' });
  const cancelled = await event({ titleZh: '将要取消的讲座' });
  const unchanged = await event({ titleZh: '不变的讲座' });
  const unchangedPast = await event({ titleZh: '不变的往期讲座' }, ['publish'], '2020-05-01');
  const past = await event({ titleZh: '往期讲座' }, ['publish'], '2020-05-02');
  const later = await event({ titleZh: '稍后发布的讲座' }, []);
  await fence();

  const full = await list('limit=200');
  t.match(full.nextUpdatedSince, ISO, 'every listing has nextUpdatedSince, an ISO instant');
  t.notOk('deleted' in full, 'no `deleted` without updatedSince');
  t.same(sorted(ids(full)), sorted([edited.id, cancelled.id, unchanged.id]), 'the plain public list: published events from now on (no past event, no draft)');
  t.ok(Date.parse(full.nextUpdatedSince) <= Date.now(), 'the mark is not in the future');
  const since = full.nextUpdatedSince;

  await write('PATCH', `/events/${edited.id}`, { titleZh: '改名后的讲座' });
  await write('POST', `/events/${cancelled.id}/cancel`);
  await write('POST', `/events/${later.id}/publish`);
  await write('PATCH', `/events/${past.id}`, { titleZh: '往期讲座（补充资料）' });

  const synced = await sync(since);
  t.same(sorted(ids(synced)), sorted([edited.id, cancelled.id, later.id, past.id]), 'the edited, the cancelled, the newly published and the past event; nothing unchanged');
  t.notOk(ids(synced).includes(unchanged.id), 'an unchanged future event is absent');
  t.notOk(ids(synced).includes(unchangedPast.id), 'an unchanged past event is absent');
  const byId = new Map(synced.items.map((e) => [e.id, e]));
  t.equal(byId.get(edited.id)?.titleZh, '改名后的讲座', 'with its new title');
  t.equal(byId.get(cancelled.id)?.status, 'cancelled', 'a cancellation is listed, as cancelled');
  t.equal(byId.get(later.id)?.status, 'published');
  t.equal(byId.get(past.id)?.titleZh, '往期讲座（补充资料）', 'the past event, though the plain list starts from now');
  t.same(synced.deleted, [], 'a sync always has `deleted`, here empty');
  t.match(synced.nextUpdatedSince, ISO);
  t.ok(synced.nextUpdatedSince > since, 'the new mark is after the old one');

  const plain = await list('limit=200');
  t.notOk(ids(plain).includes(past.id), 'the plain public list still does not show the past event');
  t.ok(ids(plain).includes(later.id), 'but shows the newly published one');
  t.same(sorted(ids(await sync(since, adminHeaders))), sorted(ids(synced)), 'an administrator\'s sync lists the same changes (no draft changed)');

  await t.test('updated_since= is an alias of updatedSince=', async (t) => {
    const alias = await list(`updated_since=${q(since)}&limit=200`);
    t.same(sorted(ids(alias)), sorted(ids(synced)), 'the same events');
    t.same(alias.deleted, [], 'with `deleted` too');
    t.equal(alias.nextUpdatedSince, synced.nextUpdatedSince, 'and the same mark');
    const staff = await list(`updated_since=${q(since)}&limit=200`, adminHeaders);
    t.same(sorted(ids(staff)), sorted(ids(synced)));
    await fence();
    const now = await list('limit=200');
    t.same((await list(`updated_since=${q(now.nextUpdatedSince)}`)).items, [], 'from a fresh mark: nothing');
    t.equal((await get(`/api/v1/events?updatedSince=${q(since)}&updated_since=${q(since)}`)).statusCode, 200, 'both spellings agreeing: fine');
    problem(t, await get(`/api/v1/events?updatedSince=${q(since)}&updated_since=${q(now.nextUpdatedSince)}`), 400, 'validation_failed', ['/updated_since']);
    const expired = problem(t, await get(`/api/v1/events?updated_since=${q(daysAgo(91))}`), 410, 'sync_expired', ['/updatedSince']);
    t.match(expired.oldestUpdatedSince, ISO);
  });
});

t.test('tombstones: a deleted draft is in `deleted` for admins and its units\' organizers, not for the public or other units', async (t) => {
  const { db, unit, get, write, event, mark, list, sync } = await setup(t);
  const coUnit = await buildUnit(db, { nameZh: '区教委' });
  const otherUnit = await buildUnit(db, { nameZh: '区图书馆' });
  const own = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const co = await buildAccount(db, { role: 'organizer', unitIds: [coUnit.id] });
  const other = await buildAccount(db, { role: 'organizer', unitIds: [otherUnit.id] });
  const doomed = await event({ titleZh: '要删除的草稿', coUnitIds: [coUnit.id] }, []);
  const since = await mark();

  const before = Date.now();
  await write('DELETE', `/events/${doomed.id}`);
  const after = Date.now();

  const viewers: [string, Headers, boolean][] = [
    ['an administrator', adminHeaders, true],
    ['an organizer of the owning unit', own.headers, true],
    ['an organizer of a co-organizing unit', co.headers, true],
    ['an anonymous caller', {}, false],
    ['an organizer of another unit', other.headers, false],
  ];
  for (const [who, headers, sees] of viewers) {
    const page = await sync(since, headers);
    t.ok(Array.isArray(page.deleted), `${who}: a sync has \`deleted\``);
    t.notOk(ids(page).includes(doomed.id), `${who}: the deleted event is not among the items`);
    if (sees) {
      t.same(page.deleted!.map((d) => d.id), [doomed.id], `${who} hears of the deletion`);
      t.same(Object.keys(page.deleted![0]!).sort(), ['deletedAt', 'id'], `${who}: {id, deletedAt}`);
      const at = Date.parse(page.deleted![0]!.deletedAt);
      t.match(page.deleted![0]!.deletedAt, ISO);
      t.ok(at >= before - 5000 && at <= after + 5000, `${who}: deletedAt is the time of the deletion`);
    } else {
      t.same(page.deleted, [], `${who} does not: the draft was never public`);
    }
  }
  for (const [who, headers] of viewers) {
    t.notOk('deleted' in await list('limit=200', headers), `${who}: no \`deleted\` in a listing without updatedSince`);
  }

  const deletions = async (headers: Headers) => {
    const res = await get('/api/v1/deletions?limit=200', headers);
    t.equal(res.statusCode, 200);
    return sorted((res.json().items as { kind: string; id: string }[]).map((d) => `${d.kind}:${d.id}`));
  };
  const both = sorted([`event:${doomed.id}`, `session:${doomed.sessions[0]!.id}`]);
  t.same(await deletions(adminHeaders), both, '/deletions: an administrator sees the event and its session');
  t.same(await deletions(own.headers), both, '/deletions: so does an organizer of the unit');
  t.same(await deletions({}), [], '/deletions: an anonymous caller sees no draft\'s deletion');
  t.same(await deletions(other.headers), [], '/deletions: nor does an organizer of another unit');
  const sinceRes = await get(`/api/v1/deletions?since=${q(since)}`, adminHeaders);
  t.same(sorted(sinceRes.json().items.map((d: { kind: string; id: string }) => `${d.kind}:${d.id}`)), both, '/deletions?since=the mark: both');

  // The public does hear of deletions of what it saw (recorded as such): the anonymous answers above are not empty by construction.
  const seen = randomUUID();
  await db.insert(tombstones).values({ kind: 'event', objectId: seen, unitIds: [otherUnit.id], wasPublished: true });
  t.same((await sync(since, {}, 199)).deleted!.map((d) => d.id), [seen], 'an anonymous sync lists the deletion of a once-published event, and still not the draft');
  t.same(await deletions({}), [`event:${seen}`]);
});

t.test('a session\'s availability band marks its event changed; a seat that leaves the band alone does not', async (t) => {
  const { app, unit, write, mark, sync, get } = await setup(t);
  const created = await write('POST', '/events', eventBody(unit.id, {
    titleZh: '限额二十人的工作坊', type: 'workshop', registrationMode: 'individual',
    sessions: [{ startsAt: '2030-06-01T09:00:00+08:00', endsAt: '2030-06-01T11:00:00+08:00', capacity: 20 }],
  })) as Created;
  await write('POST', `/events/${created.id}/publish`);
  const bystander = (await write('POST', '/events', eventBody(unit.id, { titleZh: '旁观的活动' }))) as Created;
  await write('POST', `/events/${bystander.id}/publish`);

  const people: { name: string; phone: string; email: string }[] = [];
  async function signUp(partySize: number) {
    const n = people.length + 1;
    const who = { name: `同步测试报名人${'甲乙丙丁戊'[n - 1]}`, phone: `1370013${String(n).padStart(4, '0')}`, email: `sync-registrant-${n}@example.cn` };
    people.push(who);
    const res = await app.inject({
      method: 'POST', url: `/api/v1/events/${created.id}/registrations`,
      payload: { kind: 'individual', ...who, partySize, consentVersion: CONSENT.version },
    });
    answered.push({ url: 'POST registrations', status: res.statusCode });
    t.equal(res.statusCode, 201, `a sign-up of ${partySize} (${res.body.slice(0, 200)})`);
    t.equal(res.json().registration.status, 'confirmed');
  }
  const session = async () => (await get(`/api/v1/events/${created.id}`, adminHeaders)).json().sessions[0] as Session;

  const since = await mark();
  await signUp(1);
  t.match(await session(), { seatsLeft: 19, availability: 'available' }, '19 of 20 seats left: still available');
  t.notOk(ids(await sync(since, adminHeaders)).includes(created.id), 'a seat taken within the band does not mark the event changed');
  t.notOk(ids(await sync(since, {}, 198)).includes(created.id), 'nor for the public');

  await signUp(5);
  await signUp(5);
  t.match(await session(), { seatsLeft: 9, availability: 'available' }, '9 left: still available (few left is at most 5 for 20 seats)');
  t.notOk(ids(await sync(since, adminHeaders)).includes(created.id), 'still not changed');

  await signUp(4);
  t.match(await session(), { seatsLeft: 5, availability: 'few_left' }, '5 left: few left');
  const staff = await sync(since, adminHeaders);
  t.same(ids(staff), [created.id], 'the band moved: the event is changed, and nothing else is');
  const pub = await sync(since, {}, 197);
  t.same(ids(pub), [created.id], 'in the public sync too');
  t.match(pub.items[0]?.sessions, [{ id: created.sessions[0]!.id, availability: 'few_left', seatsLeft: 5 }], 'with its session few_left');

  await t.test('no personal data of the registrants in public sync answers', async (t) => {
    const bodies = [
      (await get(`/api/v1/events?updatedSince=${q(since)}&limit=196`)).body,
      (await get(`/api/v1/events?updated_since=${q(since)}`)).body,
      (await get(`/api/v1/events?updatedSince=${q(since)}&limit=1`)).body,
    ];
    t.ok(bodies.every((b) => b.includes(created.id)), 'the answers show the event');
    t.equal(people.length, 4);
    for (const body of bodies) {
      for (const { name, phone, email } of people) {
        t.notOk(body.includes(name), `no name ${name}`);
        t.notOk(body.includes(phone), `no phone ${phone}`);
        t.notOk(body.includes(email), `no email ${email}`);
      }
    }
  });
});

t.test('PostgreSQL: a band moved by a transaction still open when the bot reads is in the next sync, whoever holds the event row', { skip: onPostgres ? false : 'needs PostgreSQL: two connections at once (runs when DATABASE_URL is set, CI\'s second pass)' }, async (t) => {
  const { database, unit, write, mark, sync, fence } = await setup(t);
  const url = (database as { url?: string }).url!;
  const organizer = connectPostgres(url, { poolSize: 1 });
  const signUps = connectPostgres(url, { poolSize: 1 });
  t.teardown(() => Promise.all([organizer.close(), signUps.close()]));
  const created = await write('POST', '/events', eventBody(unit.id, {
    registrationMode: 'individual',
    sessions: [
      { startsAt: '2030-06-01T09:00:00+08:00', endsAt: '2030-06-01T11:00:00+08:00', capacity: 20 },
      { startsAt: '2030-06-02T09:00:00+08:00', endsAt: '2030-06-02T11:00:00+08:00', capacity: 20 },
    ],
  })) as Created;
  await write('POST', `/events/${created.id}/publish`);
  const second = created.sessions.find((s) => s.id !== created.sessions[0]!.id) ?? created.sessions[1]!;
  const before = await mark();

  const gate = () => { let resolve = () => {}; const promise = new Promise<void>((r) => { resolve = r; }); return { promise, resolve }; };
  const gates = { edited: gate(), organizerDone: gate(), moved: gate(), signUpDone: gate() };
  // An organizer's edit holds the event's row…
  const edit = organizer.db.transaction(async (tx) => {
    await tx.execute(sql`update events set description_zh = 'edited', updated_at = now() where id = ${created.id}::uuid`);
    gates.edited.resolve();
    await gates.organizerDone.promise;
  });
  await gates.edited.promise;
  // …while a sign-up moves the second session into "few left", without waiting for it.
  const seats = signUps.db.transaction(async (tx) => {
    await tx.execute(sql`update sessions set seats_taken = 15 where id = ${second.id}::uuid`);
    gates.moved.resolve();
    await gates.signUpDone.promise;
  });
  await gates.moved.promise;
  gates.organizerDone.resolve();
  await edit;
  await fence(); // a later change elsewhere: the last change is now after the edit's start
  await sleep(5);
  const meanwhile = await sync(before, {}, 150);
  t.ok(ids(meanwhile).includes(created.id), 'the organizer\'s edit is listed');
  t.match(meanwhile.items.find((e) => e.id === created.id)?.sessions.find((s) => s.id === second.id), { availability: 'available' }, 'the sign-up has not committed yet');
  gates.signUpDone.resolve();
  await seats;

  const next = await sync(meanwhile.nextUpdatedSince, {}, 149);
  const listed = next.items.find((e) => e.id === created.id);
  t.ok(listed, 'the event is in the next sync');
  t.match(listed?.sessions.find((s) => s.id === second.id), { availability: 'few_left', seatsLeft: 5 }, 'with the session few_left');
});

t.test('renaming a venue marks its events changed', async (t) => {
  const { db, event, write, mark, sync } = await setup(t);
  const museum = await buildVenue(db, { nameZh: '区科技馆' });
  const library = await buildVenue(db, { nameZh: '区图书馆' });
  const atMuseum = await event({ titleZh: '科技馆的讲座', venueId: museum.id });
  const pastAtMuseum = await event({ titleZh: '科技馆的往期讲座', venueId: museum.id }, ['publish'], '2020-05-01');
  const atLibrary = await event({ titleZh: '图书馆的讲座', venueId: library.id });
  const since = await mark();
  t.same((await sync(since)).items, [], 'nothing changed yet');

  const renamed = await write('PATCH', `/venues/${museum.id}`, { nameZh: '区科学技术馆' });
  t.equal(renamed.nameZh, '区科学技术馆');
  const synced = await sync(since);
  t.same(sorted(ids(synced)), sorted([atMuseum.id, pastAtMuseum.id]), 'the renamed venue\'s events, past ones too; not the other venue\'s');
  t.notOk(ids(synced).includes(atLibrary.id));
  t.ok(synced.items.every((e) => e.venue?.nameZh === '区科学技术馆'), 'showing the new name');
});

t.test('410 sync_expired before the tombstone retention', async (t) => {
  await t.test('the default retention, 90 days', async (t) => {
    const { get } = await setup(t);
    for (const [url, pointer] of [
      [`/api/v1/events?updatedSince=${q(daysAgo(91))}`, '/updatedSince'],
      [`/api/v1/events?updated_since=${q(daysAgo(91))}`, '/updatedSince'],
      [`/api/v1/deletions?since=${q(daysAgo(91))}`, '/since'],
    ] as const) {
      for (const headers of [{}, adminHeaders]) {
        const body = problem(t, await get(url, headers), 410, 'sync_expired', [pointer]);
        t.match(body.oldestUpdatedSince, ISO, 'names the oldest time a sync may start from');
        t.ok(Math.abs(Date.parse(body.oldestUpdatedSince) - (Date.now() - 90 * DAY_MS)) < 60_000, 'which is 90 days ago');
      }
    }
    t.equal((await get(`/api/v1/events?updatedSince=${q(daysAgo(89))}`)).statusCode, 200, '89 days ago is still fine');
    t.equal((await get(`/api/v1/deletions?since=${q(daysAgo(89))}`)).statusCode, 200);
  });

  await t.test('TOMBSTONE_RETENTION_DAYS=10', async (t) => {
    const { get } = await setup(t, { config: { TOMBSTONE_RETENTION_DAYS: 10 } });
    const expired = problem(t, await get(`/api/v1/events?updatedSince=${q(daysAgo(11))}`), 410, 'sync_expired', ['/updatedSince']);
    t.equal(expired.errors[0].in, 'querystring');
    t.ok(Math.abs(Date.parse(expired.oldestUpdatedSince) - (Date.now() - 10 * DAY_MS)) < 60_000, 'oldestUpdatedSince is 10 days ago');
    t.ok(Date.parse(expired.oldestUpdatedSince) > Date.parse(daysAgo(11)));
    problem(t, await get(`/api/v1/events?updatedSince=${q(daysAgo(11))}`, adminHeaders), 410, 'sync_expired', ['/updatedSince']);
    problem(t, await get(`/api/v1/deletions?since=${q(daysAgo(11))}`), 410, 'sync_expired', ['/since']);
    const fine = await get(`/api/v1/events?updatedSince=${q(daysAgo(9))}`);
    t.equal(fine.statusCode, 200, '9 days ago: 200');
    t.match(fine.json().nextUpdatedSince, ISO);
    t.equal((await get(`/api/v1/deletions?since=${q(daysAgo(9))}`)).statusCode, 200);
  });
});

t.test('paging a sync: every changed event and every tombstone once, every page with the first page\'s mark', async (t) => {
  const { get, event, write, mark, sync } = await setup(t);
  const drafts: Created[] = [];
  for (let i = 0; i < 5; i++) drafts.push(await event({ titleZh: `分页活动 ${i}` }, [], `2030-07-0${i + 1}`));
  const doomed: Created[] = [];
  for (let i = 0; i < 3; i++) doomed.push(await event({ titleZh: `分页草稿 ${i}` }, [], `2030-08-0${i + 1}`));
  const since = await mark();
  for (const d of drafts) await write('POST', `/events/${d.id}/publish`);
  for (const d of doomed) await write('DELETE', `/events/${d.id}`);
  const expectedEvents = sorted(drafts.map((d) => d.id));
  const expectedDeleted = sorted(doomed.map((d) => d.id));

  /** Follows nextCursor (or, with `byNext`, the `next` URL); after the first page, `between` runs once. */
  async function walk(byNext: boolean, between?: () => Promise<void>) {
    const events: string[] = [];
    const deleted: string[] = [];
    const marks: string[] = [];
    let url = `/api/v1/events?updatedSince=${q(since)}&limit=2`;
    let pages = 0;
    for (;;) {
      const res = await get(url, adminHeaders);
      t.equal(res.statusCode, 200, `page ${pages + 1}`);
      const page = res.json<Page>();
      pages += 1;
      t.ok(page.items.length <= 2 && page.deleted!.length <= 2, 'at most `limit` of each');
      events.push(...ids(page));
      deleted.push(...page.deleted!.map((d) => d.id));
      marks.push(page.nextUpdatedSince);
      if (page.nextCursor === null) {
        t.equal(page.next, null, 'the last page has no next');
        t.notOk(res.headers.link, 'nor a Link header');
        break;
      }
      t.equal(res.headers.link, `<${page.next}>; rel="next"`, 'the Link header names the next page');
      if (byNext) {
        const next = new URL(page.next!);
        t.equal(next.searchParams.get('cursor'), page.nextCursor, 'next carries nextCursor');
        url = `${next.pathname}${next.search}`;
      } else {
        url = `/api/v1/events?updatedSince=${q(since)}&limit=2&cursor=${q(page.nextCursor)}`;
      }
      if (pages === 1 && between) await between();
      if (pages > 10) throw new Error('too many pages');
    }
    return { events, deleted, marks, pages };
  }

  const byCursor = await walk(false);
  t.equal(byCursor.pages, 3, '5 events and 3 deletions in pages of 2: three pages');
  t.same(sorted(byCursor.events), expectedEvents, 'every changed event');
  t.equal(new Set(byCursor.events).size, byCursor.events.length, 'none twice');
  t.same(sorted(byCursor.deleted), expectedDeleted, 'every tombstone');
  t.equal(new Set(byCursor.deleted).size, byCursor.deleted.length, 'none twice');
  t.equal(new Set(byCursor.marks).size, 1, 'every page carries the same nextUpdatedSince');

  // A change while a bot pages: later pages keep the first page's mark, so the next sync hears of it.
  let edited = '';
  const byNext = await walk(true, async () => {
    edited = byCursor.events[0]!;
    await write('PATCH', `/events/${edited}`, { titleZh: '分页时改名' });
  });
  t.same(sorted(byNext.events), expectedEvents, 'following next: every changed event');
  t.equal(new Set(byNext.events).size, byNext.events.length, 'none twice');
  t.same(sorted(byNext.deleted), expectedDeleted, 'and every tombstone, once');
  t.equal(new Set(byNext.deleted).size, byNext.deleted.length);
  t.same(new Set(byNext.marks), new Set([byCursor.marks[0]]), 'the same mark on every page, though an event changed in between');
  const after = await sync(byNext.marks[0]!, adminHeaders);
  t.ok(ids(after).includes(edited), 'a sync from that mark hears of the change made while paging');

  await t.test('a tampered cursor is 400 invalid_cursor', async (t) => {
    const first = (await get(`/api/v1/events?updatedSince=${q(since)}&limit=2`, adminHeaders)).json<Page>();
    t.type(first.nextCursor, 'string');
    const watermark = first.nextUpdatedSince;
    const tampered = [
      'abc', b64([null, '0']), b64([null, '-1', watermark]), b64([null, '1.5', watermark]), b64([null, '99999999999999999999', watermark]),
      b64([null, '0', 'not a time']), b64([null, '0', '+010000-01-01T00:00:00.000Z']), b64([1, '0', watermark]), b64(['not-a-cursor', '0', watermark]),
      b64([b64(['2030-07-01T01:00:00.000Z', 'not-a-uuid']), '0', watermark]), `${first.nextCursor!.slice(0, -4)}AAAA`,
    ];
    for (const cursor of tampered) {
      problem(t, await get(`/api/v1/events?updatedSince=${q(since)}&limit=2&cursor=${q(cursor)}`, adminHeaders), 400, 'invalid_cursor', ['/cursor']);
    }
  });
});

t.test('polling with nothing changed: the same ETag after a re-render, and 304 with If-None-Match', async (t) => {
  const { get, event, write, mark } = await setup(t);
  const changed = await event({ titleZh: '轮询的活动' });
  const since = await mark();
  await write('PATCH', `/events/${changed.id}`, { titleZh: '轮询的活动（改）' });

  const url = `/api/v1/events?updatedSince=${q(since)}`;
  const first = await get(url);
  t.equal(first.statusCode, 200);
  t.same(ids(first.json<Page>()), [changed.id]);
  const etag = first.headers.etag as string;
  t.match(etag, /^"[^"]+"$/, 'an ETag');
  const alias = await get(`/api/v1/events?updated_since=${q(since)}`);
  t.equal(alias.headers.etag, etag, 'the alias, rendered apart (another URL), gives the same answer');

  // Past the process cache's 5 s. The expired answer may be served once more while one render
  // refreshes it in the background: ask until the refreshed answer (a later Last-Modified) comes.
  await sleep(5500);
  let second = await get(url);
  for (let i = 0; i < 100 && second.headers['last-modified'] === first.headers['last-modified']; i++) {
    await sleep(20);
    second = await get(url);
  }
  t.equal(second.statusCode, 200);
  t.not(second.headers['last-modified'], first.headers['last-modified'], 'rendered anew (a later Last-Modified)');
  t.equal(second.headers.etag, etag, 'the same ETag: nextUpdatedSince did not move with the clock');
  t.equal(second.json<Page>().nextUpdatedSince, first.json<Page>().nextUpdatedSince);
  const revalidated = await get(url, { 'if-none-match': etag });
  t.equal(revalidated.statusCode, 304, 'If-None-Match with it: 304');
  t.equal(revalidated.body, '');
});

t.test('the retention sweep forgets tombstones past the retention', async (t) => {
  const { db, get, write, event } = await setup(t);
  const old = await event({ titleZh: '很久以前删除的草稿' }, []);
  await write('DELETE', `/events/${old.id}`);
  const deletions = async () => sorted(((await get('/api/v1/deletions?limit=200', adminHeaders)).json().items as { kind: string; id: string }[]).map((d) => `${d.kind}:${d.id}`));
  t.same(await deletions(), sorted([`event:${old.id}`, `session:${old.sessions[0]!.id}`]), 'both tombstones listed');

  const moved = await db.update(tombstones).set({ deletedAt: new Date(Date.now() - 100 * DAY_MS) }).where(eq(tombstones.objectId, old.id)).returning();
  t.equal(moved.length, 1, 'the event\'s tombstone now says 100 days ago');

  const infos: object[] = [];
  const errors: object[] = [];
  const sweeps = startRetentionSweeps({
    db, clock: { now: () => new Date() }, retentionDays: 180, tombstoneRetentionDays: 90,
    log: { info: (o) => { infos.push(o); }, error: (o) => { errors.push(o); } },
  });
  await sweeps.stop();
  t.same(errors, [], 'the sweep did not fail');
  t.equal(infos.length, 1, 'it reports once');
  t.match(infos[0], { purgedTombstones: 1 }, 'one tombstone forgotten');
  t.same(await deletions(), [`session:${old.sessions[0]!.id}`], 'the old one is gone from /deletions; the recent one stays');
});

t.test('no request was answered with a 5xx', async (t) => {
  t.same(answered.filter((a) => a.status >= 500), [], `${answered.length} requests`);
});
