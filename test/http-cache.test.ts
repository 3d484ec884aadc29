import { gunzipSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { eq } from 'drizzle-orm';
import { events } from '../src/db/schema/index.js';
import { createHttpCache, type Rendered } from '../src/lib/http-cache.js';
import type { Principal } from '../src/modules/accounts/principal.js';
import { EventSchema, SessionSchema } from '../src/modules/events/events.schemas.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/**
 * The per-process cache of public GET answers (lib/http-cache.ts), seen by clients:
 * validators, 304s, gzip, who is served what, and when a change shows.
 */

type Res = LightMyRequestResponse;
type Session = { id: string; startsAt: string; endsAt: string; [key: string]: unknown };
type Event = { id: string; titleZh: string; status: string; sessions: Session[]; publicUrl: string; icalUrl: string; webcalUrl: string; [key: string]: unknown };
type Page = { items: Event[]; nextCursor: string | null };

const PUBLIC_CACHE_CONTROL = 'public, max-age=60, stale-while-revalidate=300';
const BASE_URL = 'https://kepu.example.cn';
const ORIGIN = { origin: 'https://portal.example.cn' };

const { app, db } = await build(t, { config: { PUBLIC_BASE_URL: BASE_URL } });
const unit = await buildUnit(db, { nameZh: '区科协' });

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { ...ORIGIN, ...headers } });
const header = (res: Res, name: string) => {
  const value = res.headers[name];
  return value === undefined ? undefined : String(value);
};
const etagOf = (res: Res) => header(res, 'etag') ?? '';
const ok = (res: Res, what: string) => {
  if (res.statusCode !== 200) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  return res;
};

async function write(method: 'POST' | 'PATCH', url: string, payload?: object): Promise<Event> {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: adminHeaders, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json<Event>();
}
/** A published event; returns the publish answer (the event as its organizer sees it). */
async function publishedEvent(fields: Record<string, unknown> = {}, day = '2030-04-22') {
  const created = await write('POST', '/events', eventBody(unit.id, fields, day));
  return write('POST', `/events/${created.id}/publish`);
}

// A description long enough that even the one-event calendar is over the gzip threshold.
const first = await publishedEvent({ titleZh: '地球日科普讲座', descriptionZh: '地球日主题讲座：气候、海洋与生物多样性。'.repeat(12) });
const second = await publishedEvent({ titleZh: '天文观测夜', type: 'workshop' }, '2030-05-10');
await publishedEvent({ titleZh: '植树节亲子活动', type: 'open_day' }, '2030-03-12');

// Answers rendered in the same second as a change do not answer If-Modified-Since with 304
// (the date cannot tell them from the answer before the change): start in the next second.
await sleep(1050 - (Date.now() % 1000));

/** The four public GETs the cache answers. */
const publicUrls = (id: string) => ['/api/v1/events', `/api/v1/events/${id}`, '/feeds/events.ics', `/api/v1/events/${id}.ics`];

t.test('public answers carry a strong ETag, Last-Modified, public caching, Vary and open CORS', async (t) => {
  for (const url of publicUrls(first.id)) {
    const res = ok(await get(url), url);
    t.match(etagOf(res), /^"[^"]+"$/, `${url}: a quoted ETag`);
    t.notOk(etagOf(res).startsWith('W/'), `${url}: a strong one`);
    const lastModified = header(res, 'last-modified');
    t.ok(lastModified && !Number.isNaN(Date.parse(lastModified)), `${url}: Last-Modified is an HTTP date (${lastModified})`);
    t.ok(Date.parse(lastModified ?? '') <= Date.now(), `${url}: not in the future`);
    t.equal(header(res, 'cache-control'), PUBLIC_CACHE_CONTROL, `${url}: cache-control`);
    const vary = (header(res, 'vary') ?? '').split(',').map((v) => v.trim().toLowerCase());
    t.ok(vary.includes('accept-encoding'), `${url}: Vary includes Accept-Encoding (${header(res, 'vary')})`);
    t.equal(header(res, 'access-control-allow-origin'), '*', `${url}: readable from any origin`);
  }
  t.match(header(ok(await get('/feeds/events.ics'), 'feed'), 'content-type'), /^text\/calendar/);
  t.match(header(ok(await get('/api/v1/events'), 'list'), 'content-type'), /^application\/json/);
});

t.test('conditional GETs: If-None-Match and If-Modified-Since', async (t) => {
  for (const url of publicUrls(first.id)) {
    const fresh = ok(await get(url), url);
    const etag = etagOf(fresh);
    const lastModified = header(fresh, 'last-modified')!;
    const lastModifiedMs = Date.parse(lastModified);

    const matching = await get(url, { 'if-none-match': etag });
    t.equal(matching.statusCode, 304, `${url}: the same ETag → 304`);
    t.equal(matching.body, '', `${url}: with no body`);
    t.equal(etagOf(matching), etag, `${url}: and the same ETag`);
    t.equal(header(matching, 'cache-control'), PUBLIC_CACHE_CONTROL, `${url}: and the same caching rules`);

    t.equal((await get(url, { 'if-none-match': `"something-else", ${etag}, "another"` })).statusCode, 304, `${url}: a list including it → 304`);
    t.equal((await get(url, { 'if-none-match': `W/${etag}` })).statusCode, 304, `${url}: its weak form → 304 (weak comparison for GET)`);
    t.equal((await get(url, { 'if-none-match': '*' })).statusCode, 304, `${url}: * → 304`);
    const other = await get(url, { 'if-none-match': '"not-the-current-tag"' });
    t.equal(other.statusCode, 200, `${url}: another tag → 200`);
    t.equal(other.body, fresh.body, `${url}: with the whole answer`);

    t.equal((await get(url, { 'if-modified-since': lastModified })).statusCode, 304, `${url}: If-Modified-Since = Last-Modified → 304`);
    t.equal((await get(url, { 'if-modified-since': new Date().toUTCString() })).statusCode, 304, `${url}: a later If-Modified-Since → 304`);
    const older = await get(url, { 'if-modified-since': new Date(lastModifiedMs - 1000).toUTCString() });
    t.equal(older.statusCode, 200, `${url}: an earlier If-Modified-Since → 200`);
    t.equal(older.body, fresh.body);

    const both = await get(url, { 'if-none-match': '"not-the-current-tag"', 'if-modified-since': new Date().toUTCString() });
    t.equal(both.statusCode, 200, `${url}: If-None-Match decides when both are sent (no match → 200 whatever the date)`);
    t.equal((await get(url, { 'if-none-match': etag, 'if-modified-since': new Date(lastModifiedMs - 3600_000).toUTCString() })).statusCode, 304,
      `${url}: a matching tag with an old date → 304`);
  }
});

t.test('gzip when the client accepts it and the answer is large enough', async (t) => {
  for (const url of publicUrls(first.id)) {
    const plain = ok(await get(url), url);
    t.notOk(header(plain, 'content-encoding'), `${url}: without Accept-Encoding, no content-encoding`);
    t.ok(plain.rawPayload.length >= 1024, `${url}: (the answer is ${plain.rawPayload.length} bytes, over the threshold)`);
    const zipped = ok(await get(url, { 'accept-encoding': 'gzip, deflate, br' }), url);
    t.equal(header(zipped, 'content-encoding'), 'gzip', `${url}: Accept-Encoding: gzip → gzip`);
    t.ok(zipped.rawPayload.length < plain.rawPayload.length, `${url}: smaller`);
    t.equal(gunzipSync(zipped.rawPayload).toString('utf8'), plain.body, `${url}: gunzips to exactly the uncompressed answer`);
    const identity = ok(await get(url, { 'accept-encoding': 'identity' }), url);
    t.notOk(header(identity, 'content-encoding'), `${url}: Accept-Encoding: identity → not compressed`);
    t.equal(identity.body, plain.body);
  }

  const small = ok(await get('/api/v1/events?type=screening', { 'accept-encoding': 'gzip' }), 'small list');
  const empty = { items: [], nextCursor: null, nextUpdatedSince: small.json().nextUpdatedSince, next: null };
  t.same(small.json(), empty, 'a type with no events');
  t.ok(small.rawPayload.length < 1024);
  t.notOk(header(small, 'content-encoding'), 'a small answer is sent uncompressed even to a gzip client');
  t.equal(small.body, JSON.stringify(empty));
});

// RFC 9110 §12.5.3: a qvalue of 0 means "not acceptable".
t.test('gzip;q=0 refuses gzip', async (t) => {
  const res = ok(await get('/api/v1/events', { 'accept-encoding': 'gzip;q=0, identity' }), 'list');
  const encoding = header(res, 'content-encoding');
  t.notOk(encoding, `not compressed (got content-encoding: ${encoding})`);
  if (!encoding) t.doesNotThrow(() => JSON.parse(res.body), 'a readable JSON body');
});

// RFC 9110 §8.8.3.3: content codings are part of the representation data, so a strong
// entity tag of the gzip form must differ from that of the uncompressed one; otherwise a
// shared cache revalidating one form may be told the other is current.
t.test('the gzip and the uncompressed forms have different strong ETags', async (t) => {
  for (const url of publicUrls(first.id)) {
    const plain = ok(await get(url), url);
    const zipped = ok(await get(url, { 'accept-encoding': 'gzip' }), url);
    t.equal(header(zipped, 'content-encoding'), 'gzip', `${url}: gzipped`);
    t.match(etagOf(zipped), /^"[^"]+"$/, `${url}: still a strong ETag`);
    t.not(etagOf(zipped), etagOf(plain), `${url}: distinct from the uncompressed form's (both ${etagOf(plain)})`);
    const revalidated = await get(url, { 'accept-encoding': 'gzip', 'if-none-match': etagOf(zipped) });
    t.equal(revalidated.statusCode, 304, `${url}: the gzip form revalidates with its own tag`);
  }
});

t.test('a change to an event drops the cached answers: the next GET shows it, with new validators', async (t) => {
  const event = await publishedEvent({ titleZh: '改名前的讲座' }, '2030-06-01');
  const urls = publicUrls(event.id);
  const before = new Map<string, Res>();
  for (const url of urls) {
    const res = ok(await get(url), url);
    t.ok(res.body.includes('改名前的讲座'), `${url}: shows the title`);
    before.set(url, res);
  }

  await write('PATCH', `/events/${event.id}`, { titleZh: '改名后的讲座' });

  for (const url of urls) {
    const old = before.get(url)!;
    const res = ok(await get(url), url);
    t.ok(res.body.includes('改名后的讲座'), `${url}: the new title, not the cached one`);
    t.notOk(res.body.includes('改名前的讲座'), `${url}: the old title is gone`);
    t.not(etagOf(res), etagOf(old), `${url}: a new ETag`);
    const revalidated = await get(url, { 'if-none-match': etagOf(old) });
    t.equal(revalidated.statusCode, 200, `${url}: the old ETag gets the whole new answer`);
    t.ok(revalidated.body.includes('改名后的讲座'));
    t.equal((await get(url, { 'if-none-match': etagOf(res) })).statusCode, 304, `${url}: the new ETag → 304`);
  }
  const one = ok(await get(`/api/v1/events/${event.id}`), 'event').json<Event>();
  t.equal(one.titleZh, '改名后的讲座');
});

t.test('signed-in callers get fresh private answers, never mixed with the public cache', async (t) => {
  const draft = await write('POST', '/events', eventBody(unit.id, { titleZh: '内部草稿：科技周' }, '2030-05-20'));
  const ids = (res: Res) => res.json<Page>().items.map((e) => e.id);

  // The draft's creation emptied the cache: the staff answer comes first and must not be kept for the public.
  const staff = ok(await get('/api/v1/events', adminHeaders), 'staff list');
  t.equal(header(staff, 'cache-control'), 'private, no-store', 'private, no-store');
  t.notOk(header(staff, 'etag'), 'no ETag');
  t.ok(ids(staff).includes(draft.id), 'the staff answer shows the draft');

  const anonymous = ok(await get('/api/v1/events'), 'public list');
  t.equal(header(anonymous, 'cache-control'), PUBLIC_CACHE_CONTROL);
  t.notOk(ids(anonymous).includes(draft.id), 'the public answer, fetched after, does not');
  t.ok(ids(anonymous).includes(first.id));

  const staffAgain = await get('/api/v1/events', { ...adminHeaders, 'if-none-match': etagOf(anonymous) });
  t.equal(staffAgain.statusCode, 200, 'the public ETag gets no 304 for a signed-in caller');
  t.equal(header(staffAgain, 'cache-control'), 'private, no-store');
  t.notOk(header(staffAgain, 'etag'));
  t.ok(ids(staffAgain).includes(draft.id), 'the cached public answer is not served to staff');

  const anonymousAgain = ok(await get('/api/v1/events'), 'public list again');
  t.notOk(ids(anonymousAgain).includes(draft.id), 'still no draft for the public');
  t.equal(etagOf(anonymousAgain), etagOf(anonymous), 'the same public answer');

  // One event: anonymous 404 before and after the staff's 200.
  problem(t, await get(`/api/v1/events/${draft.id}`), 404, 'event_not_found');
  const staffOne = ok(await get(`/api/v1/events/${draft.id}`, adminHeaders), 'staff event');
  t.equal(staffOne.json<Event>().titleZh, '内部草稿：科技周');
  t.equal(header(staffOne, 'cache-control'), 'private, no-store');
  problem(t, await get(`/api/v1/events/${draft.id}`), 404, 'event_not_found');
});

t.test('different query strings are different entries', async (t) => {
  const one = ok(await get('/api/v1/events?limit=1'), 'limit=1');
  const two = ok(await get('/api/v1/events?limit=2'), 'limit=2');
  t.equal(one.json<Page>().items.length, 1);
  t.equal(two.json<Page>().items.length, 2);
  t.not(one.body, two.body, 'different bodies');
  t.not(etagOf(one), etagOf(two), 'different ETags');
  const oneAgain = ok(await get('/api/v1/events?limit=1'), 'limit=1 again');
  t.equal(oneAgain.body, one.body, 'each kept under its own URL');
  t.equal(etagOf(oneAgain), etagOf(one));
  t.equal((await get('/api/v1/events?limit=2', { 'if-none-match': etagOf(one) })).statusCode, 200, 'one entry\'s ETag does not validate another');
  const workshops = ok(await get('/api/v1/events?type=workshop'), 'workshops').json<Page>();
  t.same(workshops.items.map((e) => e.id), [second.id], 'a filter gets its own answer');
});

t.test('answers from the cache are the first answer, valid JSON of the documented shape', async (t) => {
  const firstAnswer = ok(await get(`/api/v1/events/${first.id}`), 'event');
  // Changed behind the process's back (as another API process would): the cached answer stays until it expires.
  await db.update(events).set({ titleZh: '别的进程改的标题' }).where(eq(events.id, first.id));
  t.teardown(() => db.update(events).set({ titleZh: first.titleZh }).where(eq(events.id, first.id)));
  const cached = ok(await get(`/api/v1/events/${first.id}`), 'event again');
  t.equal(cached.body, firstAnswer.body, 'byte for byte the first answer');
  t.equal(etagOf(cached), etagOf(firstAnswer));
  t.equal(header(cached, 'last-modified'), header(firstAnswer, 'last-modified'));
  t.same(cached.json(), firstAnswer.json(), 'and the same JSON');

  const event = cached.json<Event>();
  t.same(event, first, 'equal to the event as published (the organizer\'s answer through the response schema)');
  t.equal(event.titleZh, '地球日科普讲座');
  t.same(event.sessions.map((s) => [s.startsAt, s.endsAt]), [['2030-04-22T01:00:00.000Z', '2030-04-22T03:00:00.000Z']]);
  t.same(Object.keys(event).sort(), Object.keys(EventSchema.properties).sort(), 'exactly the documented fields');
  t.same(Object.keys(event.sessions[0]!).sort(), Object.keys(SessionSchema.properties).sort(), 'sessions too');
  t.equal(event.publicUrl, `${BASE_URL}/events/${first.id}`);
  t.equal(event.icalUrl, `${BASE_URL}/api/v1/events/${first.id}.ics`);
  t.equal(event.webcalUrl, `webcal://kepu.example.cn/api/v1/events/${first.id}.ics`, 'webcal:// form of the https link');

  const list = ok(await get('/api/v1/events'), 'list');
  const listAgain = ok(await get('/api/v1/events'), 'list again');
  t.equal(listAgain.body, list.body);
  const page = listAgain.json<Page>();
  t.same(page, list.json<Page>());
  t.ok(Array.isArray(page.items), 'items');
  t.ok('nextCursor' in page && page.nextCursor === null, 'nextCursor (null: one page)');
  t.same(Object.keys(page).sort(), ['items', 'next', 'nextCursor', 'nextUpdatedSince']);
  for (const item of page.items) {
    t.same(Object.keys(item).sort(), Object.keys(EventSchema.properties).sort(), `${item.titleZh}: the documented fields`);
    t.match(item.icalUrl, /^https?:\/\//);
    t.equal(item.webcalUrl, item.icalUrl.replace(/^https?:/, 'webcal:'), `${item.titleZh}: webcalUrl is the webcal:// form of icalUrl`);
    t.equal(item.publicUrl, `${BASE_URL}/events/${item.id}`);
  }
  const listed = page.items.find((e) => e.id === second.id);
  t.same(listed, second, 'a listed event equals the event as published');

  t.equal(cached.json<Event>().titleZh, first.titleZh, 'within the TTL: the kept answer');
  // Entries live 5 s: then a change made elsewhere shows, once the render it starts is done.
  await sleep(5100);
  ok(await get(`/api/v1/events/${first.id}`), 'event after the TTL');
  let expired = '';
  for (let tries = 0; tries < 50 && expired !== '别的进程改的标题'; tries++, await sleep(20)) {
    expired = ok(await get(`/api/v1/events/${first.id}`), 'event after the TTL').json<Event>().titleZh;
  }
  t.equal(expired, '别的进程改的标题', 'after the TTL the change made elsewhere shows');
});

t.test('createHttpCache', async (t) => {
  const account: Principal = { kind: 'account', accountId: '00000000-0000-4000-8000-000000000001', role: 'admin', grants: [], unitIds: [], scope: 'write', via: 'token' };

  /** A minimal app: GET /things/:name answers from the cache; `x-signed-in: 1` makes the caller an account. */
  async function cacheApp(options: Parameters<typeof createHttpCache>[0] = {}, render?: (name: string) => Promise<Rendered>) {
    const cache = createHttpCache(options);
    const renders: string[] = [];
    const server = Fastify();
    server.decorateRequest('principal', null as never);
    server.addHook('onRequest', async (request) => {
      request.principal = request.headers['x-signed-in'] ? account : { kind: 'anonymous' };
    });
    server.get<{ Params: { name: string } }>('/things/:name', async (request, reply) => cache.send(request, reply, async () => {
      renders.push(request.params.name);
      return render ? render(request.params.name) : { body: JSON.stringify({ name: request.params.name, render: renders.length }), contentType: 'application/json; charset=utf-8' };
    }));
    await server.ready();
    t.teardown(() => server.close());
    const fetch = (name: string, headers: Record<string, string> = {}) => server.inject({ method: 'GET', url: `/things/${name}`, headers });
    const count = (name: string) => renders.filter((n) => n === name).length;
    return { cache, fetch, count, renders };
  }

  t.test('invalidating a tag drops only the answers that carry it', async (t) => {
    // Each thing is tagged with its own name, and 'both' with two tags.
    const { cache, fetch, count } = await cacheApp({}, async (name) => ({
      body: JSON.stringify({ name }), contentType: 'application/json; charset=utf-8', tags: name === 'both' ? ['a', 'b'] : [name],
    }));
    for (const name of ['a', 'b', 'both']) await fetch(name);
    cache.invalidate('a');
    for (const name of ['a', 'b', 'both']) await fetch(name);
    t.same([count('a'), count('b'), count('both')], [2, 1, 2], 'a and both rendered again, b served from the cache');
    cache.invalidate('nothing-has-this');
    await fetch('b');
    t.equal(count('b'), 1, 'an unknown tag drops nothing');
  });

  t.test('invalidateSoon drops a tag\'s answers at once, then at most once per coalesceMs', async (t) => {
    const { cache, fetch, count } = await cacheApp({ coalesceMs: 300 }, async (name) => ({
      body: JSON.stringify({ name }), contentType: 'application/json; charset=utf-8', tags: [name],
    }));
    await fetch('a');
    await fetch('b');
    cache.invalidateSoon('a');
    await fetch('a');
    t.equal(count('a'), 2, 'the first drop is at once: a sign-up after a quiet spell shows on the next GET');
    for (let i = 0; i < 5; i++) cache.invalidateSoon('a');
    await fetch('a');
    t.equal(count('a'), 2, 'drops asked for within the window wait');
    await sleep(350);
    await fetch('a');
    t.equal(count('a'), 3, 'and happen once, when the window is up');
    await fetch('a');
    t.equal(count('a'), 3, 'once, not once per request');
    cache.invalidateSoon('a');
    await fetch('a');
    t.equal(count('a'), 3, 'a change right after that render waits for the next window');
    await sleep(350);
    cache.invalidateSoon('a');
    await fetch('a');
    t.equal(count('a'), 4);
    cache.invalidateSoon('b');
    await fetch('b');
    t.equal(count('b'), 2, 'each answer has its own window');
  });

  t.test('a render in flight when invalidateSoon() is called is served but not kept', async (t) => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let version = 0;
    const { cache, fetch, count } = await cacheApp({ coalesceMs: 300 }, async () => {
      const mine = ++version;
      if (mine === 1) await gate;
      return { body: `version ${mine}`, contentType: 'text/plain; charset=utf-8', tags: ['seats'] };
    });
    const inFlight = fetch('slow');
    while (count('slow') === 0) await sleep(1);
    cache.invalidateSoon('seats');
    release();
    t.equal((await inFlight).body, 'version 1', 'the caller gets its answer');
    t.equal((await fetch('slow')).body, 'version 2', 'the next GET renders again');
    t.equal((await fetch('slow')).body, 'version 2', 'and that one is kept');
  });

  t.test('repeated GETs within the TTL render once', async (t) => {
    const { fetch, count } = await cacheApp();
    const a = await fetch('a');
    const b = await fetch('a');
    const c = await fetch('a', { 'if-none-match': etagOf(a) });
    t.equal(count('a'), 1, 'rendered once');
    t.equal(a.statusCode, 200);
    t.equal(b.body, a.body);
    t.equal(c.statusCode, 304);
    t.equal(header(a, 'cache-control'), PUBLIC_CACHE_CONTROL);
    t.match(header(a, 'content-type'), /^application\/json/);
  });

  t.test('invalidate() drops the entries: the next GET renders again', async (t) => {
    const { cache, fetch, count } = await cacheApp();
    const before = await fetch('a');
    await fetch('b');
    cache.invalidate();
    const after = await fetch('a');
    await fetch('b');
    t.equal(count('a'), 2, 'a rendered again');
    t.equal(count('b'), 2, 'b too');
    t.not(after.body, before.body, 'the new rendering is served');
    t.not(etagOf(after), etagOf(before));
    await fetch('a');
    t.equal(count('a'), 2, 'and kept');
  });

  t.test('an entry expires after ttlMs: served once more while one render refreshes it', async (t) => {
    const { fetch, count } = await cacheApp({ ttlMs: 50 });
    const first = await fetch('a');
    await fetch('a');
    t.equal(count('a'), 1, 'within the TTL: once');
    await sleep(80);
    const stale = await fetch('a');
    t.equal(count('a'), 2, 'after it: rendered again');
    t.equal(stale.body, first.body, 'the caller that found it expired got the kept answer at once');
    await sleep(5);
    const fresh = await fetch('a');
    t.equal(fresh.json().render, 2, 'the next one gets the new rendering');
    t.equal(count('a'), 2, 'kept');
  });

  t.test('an expired answer that tracks the catalogue is checked, and rendered again only when it changed', async (t) => {
    let changed = false;
    const asked: string[] = [];
    let marks = 0;
    const freshness = {
      mark: async () => `mark ${++marks}`,
      changedSince: async (mark: string) => { asked.push(mark); return changed; },
    };
    const { fetch, count } = await cacheApp({ ttlMs: 30, freshness }, async (name) => ({
      body: `rendered ${name} after ${marks}`, contentType: 'text/plain; charset=utf-8', tracksCatalogue: name !== 'seats',
    }));
    const first = await fetch('feed');
    await fetch('seats');
    await sleep(50);
    await fetch('feed');
    await fetch('seats');
    await sleep(5);
    t.equal(count('feed'), 1, 'unchanged: the feed is not rendered again');
    t.same(asked, ['mark 1'], 'it was checked against the mark taken before its render');
    t.equal((await fetch('feed')).body, first.body, 'and kept, fresh for another TTL');
    t.equal(count('seats'), 2, 'an answer that does not track the catalogue is rendered again');
    changed = true;
    await sleep(50);
    await fetch('feed');
    await sleep(5);
    t.equal(count('feed'), 2, 'changed: rendered again');
    t.match((await fetch('feed')).body, /^rendered feed after \d+$/);
    t.not((await fetch('feed')).body, first.body);
  });

  t.test('requests that miss together share one render', async (t) => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const { fetch, count } = await cacheApp({}, async (name) => {
      await gate;
      return { body: `rendered ${name}`, contentType: 'text/plain; charset=utf-8' };
    });
    const waiting = Array.from({ length: 5 }, () => fetch('busy'));
    while (count('busy') === 0) await sleep(1);
    await sleep(10);
    release();
    const answers = await Promise.all(waiting);
    t.equal(count('busy'), 1, 'one render for five requests');
    t.same(answers.map((a) => [a.statusCode, a.body]), Array(5).fill([200, 'rendered busy']));
  });

  t.test('a request after invalidate() does not join a render started before it', async (t) => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let version = 0;
    const { cache, fetch, count } = await cacheApp({}, async () => {
      const mine = ++version;
      if (mine === 1) await gate;
      return { body: `version ${mine}`, contentType: 'text/plain; charset=utf-8' };
    });
    const before = fetch('page');
    while (count('page') === 0) await sleep(1);
    cache.invalidate(); // a change committed while version 1 was rendering
    const after = await fetch('page');
    t.equal(after.body, 'version 2', 'the request after the change gets a render of its own');
    release();
    t.equal((await before).body, 'version 1');
    t.equal((await fetch('page')).body, 'version 2', 'and the later render is the one kept');
  });

  t.test('a render that fails fails its waiters and is not kept', async (t) => {
    let fail = true;
    const { fetch, count } = await cacheApp({}, async (name) => {
      if (fail) throw new Error('database away');
      return { body: `rendered ${name}`, contentType: 'text/plain; charset=utf-8' };
    });
    const [one, two] = await Promise.all([fetch('x'), fetch('x')]);
    t.same([one.statusCode, two.statusCode], [500, 500]);
    fail = false;
    t.equal((await fetch('x')).body, 'rendered x', 'the next request renders again');
    t.equal(count('x'), 2);
  });

  t.test('at maxEntries the oldest entry goes first', async (t) => {
    const { fetch, count } = await cacheApp({ maxEntries: 2 });
    await fetch('a');
    await fetch('b');
    await fetch('c');
    await fetch('a');
    t.equal(count('a'), 2, 'a was evicted by c and rendered again');
    t.equal(count('b'), 1);
    t.equal(count('c'), 1);
    await fetch('c');
    t.equal(count('c'), 1, 'c, newer, is still kept');
  });

  t.test('a rendering in flight when invalidate() is called is served but not kept', async (t) => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let version = 0;
    const { cache, fetch, count } = await cacheApp({}, async () => {
      version += 1;
      const mine = version;
      if (mine === 1) await gate;
      return { body: `version ${mine}`, contentType: 'text/plain; charset=utf-8' };
    });
    const inFlight = fetch('slow');
    while (count('slow') === 0) await sleep(1);
    cache.invalidate();
    release();
    const res = await inFlight;
    t.equal(res.statusCode, 200);
    t.equal(res.body, 'version 1', 'the caller gets its answer');
    const next = await fetch('slow');
    t.equal(count('slow'), 2, 'the next GET renders again');
    t.equal(next.body, 'version 2');
    await fetch('slow');
    t.equal(count('slow'), 2, 'that one is kept');
  });

  t.test('a signed-in caller always renders, privately, and never touches the entries', async (t) => {
    const { fetch, count } = await cacheApp();
    const anonymous = await fetch('a');
    const signedIn = await fetch('a', { 'x-signed-in': '1' });
    const again = await fetch('a', { 'x-signed-in': '1', 'if-none-match': etagOf(anonymous) });
    t.equal(count('a'), 3, 'rendered for each signed-in GET');
    for (const res of [signedIn, again]) {
      t.equal(res.statusCode, 200, 'never a 304');
      t.equal(header(res, 'cache-control'), 'private, no-store');
      t.notOk(header(res, 'etag'), 'no ETag');
      t.notOk(header(res, 'last-modified'), 'no Last-Modified');
      t.match(header(res, 'content-type'), /^application\/json/);
    }
    t.not(signedIn.body, anonymous.body, 'its own rendering, not the cached one');
    const anonymousAgain = await fetch('a');
    t.equal(anonymousAgain.body, anonymous.body, 'anonymous callers still get the cached answer');
    t.equal(count('a'), 3);

    const fresh = await cacheApp();
    await fresh.fetch('b', { 'x-signed-in': '1' });
    const after = await fresh.fetch('b');
    t.equal(fresh.count('b'), 2, 'a signed-in rendering is not kept for anonymous callers');
    t.equal(after.json().render, 2);
  });

  // Last-Modified has whole seconds: two versions within one second would share it, and a
  // client holding the first would be told by If-Modified-Since that the second is its copy.
  t.test('a version rendered after a change is not "not modified" since the previous version\'s Last-Modified', async (t) => {
    const realNow = Date.now;
    t.teardown(() => { Date.now = realNow; });
    const { cache, fetch } = await cacheApp();
    Date.now = () => Date.parse('2030-04-22T01:00:00.300Z');
    const v1 = await fetch('a');
    const lastModified = header(v1, 'last-modified')!;
    cache.invalidate();
    Date.now = () => Date.parse('2030-04-22T01:00:00.700Z');
    const res = await fetch('a', { 'if-modified-since': lastModified });
    t.equal(res.statusCode, 200, `the changed answer is sent (got ${res.statusCode} for If-Modified-Since: ${lastModified}; new Last-Modified: ${header(res, 'last-modified')})`);
    if (res.statusCode === 200) t.equal(res.json().render, 2);
  });
});

t.test('a list page names the next one in the body and in an RFC 8288 Link header', async (t) => {
  const firstPage = ok(await get('/api/v1/events?limit=1&type=lecture'), 'page 1');
  const body = firstPage.json<Page & { next: string | null }>();
  t.ok(body.nextCursor, 'there is a next page');
  t.equal(body.next, `${BASE_URL}/api/v1/events?limit=1&type=lecture&cursor=${encodeURIComponent(body.nextCursor!)}`, 'next keeps the filters and adds the cursor');
  t.equal(header(firstPage, 'link'), `<${body.next}>; rel="next"`);
  const following = ok(await get(new URL(body.next!).pathname + new URL(body.next!).search), 'page 2');
  const rest = following.json<Page & { next: string | null }>();
  t.notSame(rest.items.map((e) => e.id), body.items.map((e) => e.id), 'following it gives the next page');
  if (rest.next === null) t.notOk(header(following, 'link'), 'the last page has no Link header');
});
