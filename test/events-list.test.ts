import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildCampaign, buildObservance, buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/** GET /api/v1/events: who sees what, every filter, and keyset pagination. The clock stands at 2030-04-01 08:00 Shanghai. */

type Res = LightMyRequestResponse;
type Listed = { id: string; titleZh: string; status: string; publishedAt: string | null; firstStartAt: string | null };

const NOW = new Date('2030-04-01T00:00:00Z');
const { app, db } = await build(t, { clock: { now: () => NOW } });
await buildAudiences(db);

const answered: number[] = [];
async function get(query: string, headers: Record<string, string> = {}): Promise<Res> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/events${query ? `?${query}` : ''}`, headers });
  answered.push(res.statusCode);
  return res;
}
const asStaff = (query: string) => get(query, adminHeaders);
async function titles(query: string, staff = false): Promise<string[]> {
  const res = await get(query, staff ? adminHeaders : {});
  if (res.statusCode !== 200) throw new Error(`GET ?${query}: ${res.statusCode} ${res.body}`);
  return (res.json().items as Listed[]).map((e) => e.titleZh);
}


async function write(method: 'POST' | 'PATCH', url: string, payload?: object) {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: adminHeaders, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
/** An event with one session on `day` (Shanghai), then published, cancelled… as `steps` say. */
async function event(titleZh: string, day: string, fields: Record<string, unknown> = {}, steps: ('publish' | 'cancel')[] = ['publish'], hours: [string, string] = ['09:00', '11:00']) {
  const created = await write('POST', '/events', eventBody(owner.id, {
    titleZh, ...fields, sessions: [{ startsAt: `${day}T${hours[0]}:00+08:00`, endsAt: `${day}T${hours[1]}:00+08:00` }],
  }));
  for (const step of steps) await write('POST', `/events/${created.id}/${step}`);
  return created.id as string;
}

// The scene: a district's April, seen from the morning of 1 April 2030.
const owner = await buildUnit(db, { nameZh: '区科协' });
const coOrganizer = await buildUnit(db, { nameZh: '区教委' });
const library = await buildUnit(db, { nameZh: '区图书馆' });
const eastTown = await buildTown(db, { nameZh: '东镇' });
const westTown = await buildTown(db, { nameZh: '西镇' });
const museum = await buildVenue(db, { nameZh: '区科技馆', townId: eastTown.id });
const square = await buildVenue(db, { nameZh: '西镇广场', townId: westTown.id, allowsSharedUse: true });
const earthDay = await buildObservance(db);
const { campaign, task } = await buildCampaign(db);

await event('地球日科普讲座', '2030-04-22', { venueId: museum.id, observanceId: earthDay.id, taskId: task.id, audiences: ['public'], type: 'lecture' });
await event('天文观测夜', '2030-05-10', { venueId: square.id, type: 'workshop', audiences: ['youth'], coUnitIds: [coOrganizer.id], ownerUnitId: library.id, descriptionEn: 'Stargazing' }, ['publish'], ['19:00', '21:00']);
await event('三月的旧活动', '2030-03-15');
await event('草稿：植树节', '2030-04-23', {}, []);
await event('已取消的讲座', '2030-04-24', {}, ['publish', 'cancel']);
await event('从未发布就取消', '2030-04-25', {}, ['cancel']);
// Started at 07:00 on 1 April, ends at 09:00: still on when the clock reads 08:00.
await event('正在进行的展览', '2030-04-01', { type: 'exhibition' }, ['publish'], ['07:00', '09:00']);
// 00:30 on 22 April in Shanghai is still 21 April in UTC: date filters follow the calendar's zone.
await event('午夜观星', '2030-04-22', {}, ['publish'], ['00:30', '01:30']);
await event('百分之百_科学', '2030-04-26');

t.test('anonymous readers see published events, and cancelled ones that had been published, from now on', async (t) => {
  const res = await get('');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  const items = res.json().items as Listed[];
  t.same(items.map((e) => e.titleZh), ['正在进行的展览', '午夜观星', '地球日科普讲座', '已取消的讲座', '百分之百_科学', '天文观测夜'], 'in order of start');
  t.ok(items.every((e) => e.publishedAt !== null && (e.status === 'published' || e.status === 'cancelled')), 'nothing unpublished');
  t.equal(res.json().nextCursor, null);
  t.same(await titles('status=published&to=2030-04-24'), ['正在进行的展览', '午夜观星', '地球日科普讲座']);
  t.same(await titles('status=cancelled'), ['已取消的讲座'], 'a draft cancelled before publishing stays hidden');
  t.same(await titles('from=2030-03-01&to=2030-03-31'), ['三月的旧活动'], 'the past, when asked for');
  const draft = problem(t, await get('status=draft'), 401, 'authentication_required', ['/status']);
  t.equal(draft.errors[0].in, 'querystring');
});

t.test('organizers see every status, past and future, and filter by status', async (t) => {
  t.same(await titles('', true), ['三月的旧活动', '正在进行的展览', '午夜观星', '地球日科普讲座', '草稿：植树节', '已取消的讲座', '从未发布就取消', '百分之百_科学', '天文观测夜']);
  t.same(await titles('status=draft', true), ['草稿：植树节']);
  t.same(await titles('status=cancelled', true), ['已取消的讲座', '从未发布就取消']);
});

t.test('from and to: calendar dates in the calendar\'s zone, or instants with their offset', async (t) => {
  t.same(await titles('from=2030-04-22&to=2030-04-22'), ['午夜观星', '地球日科普讲座'], 'one day, from=to');
  t.same(await titles('to=2030-04-21', true), ['三月的旧活动', '正在进行的展览'], 'to a date includes that day, and no later (00:30 on the 22nd is out)');
  t.same(await titles(`from=${encodeURIComponent('2030-04-22T11:00:00+08:00')}&to=${encodeURIComponent('2030-05-10T19:00:00+08:00')}`), ['已取消的讲座', '百分之百_科学'], 'ends at from / starts at to: both out (half-open)');
  t.same(await titles('from=2030-04-22T02:59:59Z&to=2030-04-22T03:00:00Z'), ['地球日科普讲座'], 'instants in UTC');
  t.same(await titles('from=2030-05-10T11:00:00Z'), ['天文观测夜']);
  t.same(await titles('from=2030-05-10T13:00:00Z'), [], 'after everything');
  problem(t, await get('from=2030-04-22&to=2030-04-21'), 400, 'invalid_range', ['/to']);
  problem(t, await get('to=2030-03-01'), 400, 'invalid_range', ['/to']);
  problem(t, await get('from=2030-02-30'), 400, 'validation_failed', ['/from']);
  problem(t, await get('to=2024-13-40T00:00:00Z'), 400, 'validation_failed', ['/to']);
  problem(t, await get('from=2030-04-22T09:00:00'), 400, 'validation_failed', ['/from']);
  problem(t, await get('from=tomorrow'), 400, 'validation_failed', ['/from']);
  // Valid in form but beyond what a Date or PostgreSQL holds: a 400, never a 500.
  problem(t, await get('from=2030-06-30T23:59:60Z'), 400, 'validation_failed', ['/from']);
  problem(t, await get('to=9999-12-31T23:00:00-23:00'), 400, 'validation_failed', ['/to']);
  problem(t, await get('from=0000-01-01'), 400, 'validation_failed', ['/from']);
  problem(t, await get('updatedSince=2030-06-30T23:59:60Z'), 400, 'validation_failed', ['/updatedSince']);
});

t.test('filters by observance, campaign, task, venue, town, audience, unit, type and text', async (t) => {
  t.same(await titles(`observance=${earthDay.slug}`), ['地球日科普讲座']);
  t.same(await titles(`campaign=${campaign.slug}`), ['地球日科普讲座']);
  t.same(await titles(`task=${task.id}`), ['地球日科普讲座']);
  t.same(await titles(`venue=${museum.slug}`), ['地球日科普讲座']);
  t.same(await titles(`town=${westTown.slug}`), ['天文观测夜']);
  t.same(await titles(`town=${eastTown.slug}`), ['地球日科普讲座']);
  t.same(await titles('audience=youth'), ['天文观测夜']);
  t.same(await titles('audience=public'), ['地球日科普讲座']);
  t.same(await titles(`unit=${coOrganizer.slug}`), ['天文观测夜'], 'a co-organizing unit');
  t.same(await titles(`unit=${library.slug}`), ['天文观测夜'], 'the owning unit');
  t.same(await titles(`unit=${owner.slug}`), ['正在进行的展览', '午夜观星', '地球日科普讲座', '已取消的讲座', '百分之百_科学']);
  t.same(await titles('type=exhibition'), ['正在进行的展览']);
  t.same(await titles('type=workshop'), ['天文观测夜']);
  t.same(await titles(`q=${encodeURIComponent('观测')}`), ['天文观测夜'], 'a Chinese substring of the title');
  t.same(await titles(`q=${encodeURIComponent('讲座')}`), ['地球日科普讲座', '已取消的讲座']);
  t.same(await titles('q=stargazing'), ['天文观测夜'], 'English, any case, in the description');
  t.same(await titles(`q=${encodeURIComponent('%')}`), [], '% is a character, not a wildcard');
  t.same(await titles(`q=${encodeURIComponent('_')}`), ['百分之百_科学'], '_ too');
  t.same(await titles(`q=${encodeURIComponent('植树')}`, true), ['草稿：植树节'], 'organizers search drafts');
  t.same(await titles(`q=${encodeURIComponent('植树')}`), [], 'anonymous readers do not');
  for (const none of ['observance=no-such-day', 'campaign=no-such-plan', 'venue=no-such-venue', 'town=no-such-town', 'audience=martians', 'unit=no-such-unit', 'task=7d0b6a36-3c1e-4c8e-9a5a-2f6d2b1c9e10']) {
    t.same(await titles(none), [], `${none}: nothing`);
  }
});

t.test('filters combine with AND', async (t) => {
  t.same(await titles(`unit=${owner.slug}&type=lecture&from=2030-04-22&to=2030-04-30`), ['午夜观星', '地球日科普讲座', '已取消的讲座', '百分之百_科学']);
  t.same(await titles(`unit=${owner.slug}&type=lecture&q=${encodeURIComponent('地球')}&audience=public&town=${eastTown.slug}`), ['地球日科普讲座']);
  t.same(await titles(`venue=${museum.slug}&audience=youth`), []);
  t.same(await titles(`observance=${earthDay.slug}&from=2030-04-23`), []);
  t.same(await titles('status=cancelled&type=lecture', true), ['已取消的讲座', '从未发布就取消']);
});

t.test('unknown or malformed query parameters are 400', async (t) => {
  const unknown = problem(t, await get('foo=1'), 400, 'validation_failed', ['/foo']);
  t.match(unknown.errors[0], { in: 'querystring', detail: 'is not a known query parameter' });
  problem(t, await get('limit=0'), 400, 'validation_failed', ['/limit']);
  problem(t, await get('limit=201'), 400, 'validation_failed', ['/limit']);
  problem(t, await get('limit=ten'), 400, 'validation_failed', ['/limit']);
  problem(t, await get('task=123'), 400, 'validation_failed', ['/task']);
  problem(t, await get('venue=Not%20A%20Slug'), 400, 'validation_failed', ['/venue']);
  problem(t, await get('type=party'), 400, 'validation_failed', ['/type']);
  problem(t, await get('status=archived'), 400, 'validation_failed', ['/status']);
  problem(t, await get(`q=${'长'.repeat(101)}`), 400, 'validation_failed', ['/q']);
  problem(t, await get('q='), 400, 'validation_failed', ['/q']);
});

t.test('cursor pagination: stable order, no duplicates, no gaps', async (t) => {
  const pager = await buildUnit(db);
  const made: string[] = [];
  const at = (day: string, hour: string) => write('POST', '/events', eventBody(pager.id, {
    titleZh: `分页 ${made.length}`, sessions: [{ startsAt: `${day}T${hour}:00+08:00`, endsAt: `${day}T23:00:00+08:00` }],
  })).then((e) => { made.push(e.id); return e.id as string; });
  // Two pairs start at the same moment (ordered by id), one event has no session (last).
  for (const [day, hour] of [['2030-06-03', '09:00'], ['2030-06-01', '09:00'], ['2030-06-02', '10:00'], ['2030-06-02', '10:00'], ['2030-06-05', '08:00'], ['2030-06-05', '08:00']] as const) await at(day, hour);
  const bare = (await write('POST', '/events', eventBody(pager.id, { titleZh: '分页 无场次', sessions: [] }))).id as string;

  const all = (await asStaff(`unit=${pager.slug}&limit=50`)).json().items as Listed[];
  t.equal(all.length, 7);
  t.equal(all.at(-1)!.id, bare, 'events without sessions come last');
  const key = (e: Listed) => `${e.firstStartAt ?? '~'} ${e.id}`;
  t.same(all.map(key), all.map(key).sort(), 'ordered by first start, then id');

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Res = await asStaff(`unit=${pager.slug}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    t.equal(res.statusCode, 200);
    const page = res.json();
    t.ok(page.items.length <= 3);
    seen.push(...page.items.map((e: Listed) => e.id));
    cursor = page.nextCursor;
    pages += 1;
    if (pages === 1) {
      // An event added before the cursor's position does not shift later pages.
      await at('2030-05-31', '09:00');
    }
  } while (cursor && pages < 10);
  t.equal(pages, 3, 'three pages of 3, 3 and 1');
  t.same(seen, all.map((e) => e.id), 'every event once, in order');

  const anonymous: string[] = [];
  cursor = null;
  do {
    const page: { items: Listed[]; nextCursor: string | null } = (await get(`unit=${pager.slug}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)).json();
    anonymous.push(...page.items.map((e: Listed) => e.id));
    cursor = page.nextCursor;
  } while (cursor);
  t.same(anonymous, [], 'drafts are in no public page');
});

t.test('a cursor this API did not give out is 400 invalid_cursor', async (t) => {
  const first = (await asStaff('limit=2')).json();
  t.type(first.nextCursor, 'string');
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const tampered = [
    'abc', '!!!', b64({ start: null }), b64(['2030-04-01T00:00:00.000Z']), b64([1, 2]),
    b64(['not a date', '7d0b6a36-3c1e-4c8e-9a5a-2f6d2b1c9e10']), b64([null, '------------------------------------']),
    b64(['+010000-01-01T00:00:00.000Z', '7d0b6a36-3c1e-4c8e-9a5a-2f6d2b1c9e10']), b64([null, "x' or 1=1 --"]),
    `${first.nextCursor.slice(0, -4)}AAAA`,
  ];
  for (const cursor of tampered) {
    problem(t, await asStaff(`limit=2&cursor=${encodeURIComponent(cursor)}`), 400, 'invalid_cursor', ['/cursor']);
  }
  problem(t, await asStaff(`cursor=${'a'.repeat(501)}`), 400, 'validation_failed', ['/cursor']);
});

t.test('updatedSince lists what changed since then', async (t) => {
  const since = new Date(Date.now() - 1000).toISOString();
  const id = await event('刚刚更新的活动', '2030-04-28');
  const listed = (await asStaff(`updatedSince=${encodeURIComponent(since)}`)).json().items as Listed[];
  t.ok(listed.some((e) => e.id === id));
  t.same(await titles(`updatedSince=${encodeURIComponent('2100-01-01T00:00:00Z')}`, true), []);
});

t.test('no request was answered with a 5xx', async (t) => {
  t.same(answered.filter((s) => s >= 500), [], `${answered.length} requests`);
});
