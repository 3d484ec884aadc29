import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { eq } from 'drizzle-orm';
import { venues } from '../src/db/schema/index.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildTown, buildVenue } from './helpers/factories.js';
import { problem as expectProblem } from './helpers/problem.js';



/** Distance in metres between two WGS-84-ish points (equirectangular; fine for a few km). */
function metres(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }) {
  const rad = Math.PI / 180;
  const x = (b.longitude - a.longitude) * rad * Math.cos(((a.latitude + b.latitude) / 2) * rad);
  const y = (b.latitude - a.latitude) * rad;
  return Math.sqrt(x * x + y * y) * 6_371_000;
}

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

t.test('units: create, list by kind, get, patch', async (t) => {
  const { app, db } = await build(t);
  const town = await buildTown(db, { slug: 'gubeikou', nameZh: '古北口镇', nameEn: 'Gubeikou Town' });
  const post = (payload: object, headers: Record<string, string> = adminHeaders) => app.inject({ method: 'POST', url: '/api/v1/units', headers, payload });

  const bureau = await post({ slug: 'district-cast', kind: 'association', nameZh: '区科协', nameEn: 'District Science and Technology Association' });
  t.equal(bureau.statusCode, 201, bureau.body);
  t.match(bureau.json(), { slug: 'district-cast', kind: 'association', nameZh: '区科协', town: null });
  const townUnit = await post({ slug: 'gubeikou-town', kind: 'town', nameZh: '古北口镇', nameEn: 'Gubeikou Town', townId: town.id });
  t.equal(townUnit.statusCode, 201, townUnit.body);
  t.strictSame(townUnit.json().town, { id: town.id, slug: 'gubeikou', nameZh: '古北口镇', nameEn: 'Gubeikou Town' });
  const water = await post({ slug: 'district-water', kind: 'bureau', nameZh: '区水务局', nameEn: 'District Water Affairs Bureau', townId: null });
  t.equal(water.statusCode, 201, 'townId null is fine for a bureau');
  t.equal(water.json().requiresReview, false, 'events of a new unit need no review unless asked');
  const reviewed = await post({ slug: 'district-health', kind: 'bureau', nameZh: '区卫健委', nameEn: 'District Health Commission', requiresReview: true });
  t.equal(reviewed.statusCode, 201, reviewed.body);
  t.equal(reviewed.json().requiresReview, true, 'a unit can be created with review of its events');
  problem(t, await post({ slug: 'x-review', kind: 'bureau', nameZh: '某局', nameEn: 'X', requiresReview: 'yes' }), 400, 'validation_failed', ['/requiresReview']);

  problem(t, await post({ slug: 'no-town', kind: 'town', nameZh: '某镇', nameEn: 'Some Town' }), 422, 'invalid_unit', ['/townId']);
  problem(t, await post({ slug: 'bureau-in-town', kind: 'bureau', nameZh: '某局', nameEn: 'Some Bureau', townId: town.id }), 422, 'invalid_unit', ['/townId']);
  problem(t, await post({ slug: 'ghost-town', kind: 'town', nameZh: '某镇', nameEn: 'Ghost Town', townId: UNKNOWN_ID }), 422, 'unknown_reference', ['/townId']);
  problem(t, await post({ slug: 'district-cast', kind: 'bureau', nameZh: '重复', nameEn: 'Duplicate' }), 409, 'duplicate');
  problem(t, await post({ slug: 'Bad_Slug', kind: 'bureau', nameZh: '某局', nameEn: 'Some Bureau' }), 400, 'validation_failed', ['/slug']);
  problem(t, await post({ slug: 'x-bureau', kind: 'ministry', nameZh: '某部', nameEn: 'Ministry' }), 400, 'validation_failed', ['/kind']);
  problem(t, await post({ slug: 'x-bureau', kind: 'bureau', nameZh: '', nameEn: 'Empty' }), 400, 'validation_failed', ['/nameZh']);
  problem(t, await post({ slug: 'x-bureau', kind: 'bureau', nameZh: '某局', nameEn: 'X', colour: 'red' }), 400, 'validation_failed', ['/colour']);
  problem(t, await post({ slug: 'x-bureau', kind: 'bureau', nameZh: '某局', nameEn: 'X' }, {}), 401, 'authentication_required');

  const all = await app.inject({ url: '/api/v1/units' });
  t.equal(all.statusCode, 200);
  t.strictSame(all.json().items.map((u: { slug: string }) => u.slug).sort(), ['district-cast', 'district-health', 'district-water', 'gubeikou-town']);
  const towns = await app.inject({ url: '/api/v1/units?kind=town' });
  t.strictSame(towns.json().items.map((u: { slug: string }) => u.slug), ['gubeikou-town']);
  t.strictSame((await app.inject({ url: '/api/v1/units?kind=bureau' })).json().items.map((u: { slug: string }) => u.slug).sort(), ['district-health', 'district-water']);
  problem(t, await app.inject({ url: '/api/v1/units?kind=ministry' }), 400, 'validation_failed', ['/kind']);
  problem(t, await app.inject({ url: '/api/v1/units?page=2' }), 400, 'validation_failed', ['/page']);

  const id = townUnit.json().id as string;
  t.match((await app.inject({ url: `/api/v1/units/${id}` })).json(), { id, slug: 'gubeikou-town', kind: 'town' });
  problem(t, await app.inject({ url: `/api/v1/units/${UNKNOWN_ID}` }), 404, 'unit_not_found');
  problem(t, await app.inject({ url: '/api/v1/units/not-a-uuid' }), 404, 'not_found');

  const patch = (unitId: string, payload: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method: 'PATCH', url: `/api/v1/units/${unitId}`, headers, payload });
  const patched = await patch(id, { nameEn: 'Gubeikou', slug: 'gubeikou-unit' });
  t.equal(patched.statusCode, 200, patched.body);
  t.match(patched.json(), { slug: 'gubeikou-unit', nameEn: 'Gubeikou', nameZh: '古北口镇', kind: 'town' });
  t.ok(patched.json().town, 'the town stays');
  t.ok(Date.parse(patched.json().updatedAt) >= Date.parse(townUnit.json().updatedAt));
  problem(t, await patch(id, { slug: 'district-cast' }), 409, 'duplicate');
  problem(t, await patch(id, { slug: 'BAD SLUG' }), 400, 'validation_failed', ['/slug']);
  problem(t, await patch(id, { kind: 'bureau' }), 400, 'validation_failed', ['/kind']);
  problem(t, await patch(id, {}), 400, 'validation_failed');
  t.equal((await patch(id, { requiresReview: true })).json().requiresReview, true, 'review switched on later');
  problem(t, await patch(UNKNOWN_ID, { nameEn: 'x' }), 404, 'unit_not_found');
  problem(t, await patch(id, { nameEn: 'x' }, {}), 401, 'authentication_required');
});

t.test('towns and audiences', async (t) => {
  const { app, db } = await build(t);
  await buildTown(db, { slug: 'miyun-town', nameZh: '密云镇', nameEn: 'Miyun Town' });
  await buildTown(db, { slug: 'gulou-subdistrict', nameZh: '鼓楼街道', nameEn: 'Gulou Subdistrict' });
  await buildAudiences(db);
  const towns = (await app.inject({ url: '/api/v1/towns' })).json().items;
  t.strictSame(towns.map((x: { nameZh: string }) => x.nameZh), ['鼓楼街道', '密云镇']);
  const audiences = (await app.inject({ url: '/api/v1/audiences' })).json().items;
  t.ok(audiences.length >= 5, 'the five key groups at least');
  t.ok(audiences.some((a: { nameZh: string }) => a.nameZh === '老年人'));
  t.strictSame(Object.keys(audiences[0]).sort(), ['nameEn', 'nameZh', 'slug']);
});

t.test('venues: create with WGS-84 and GCJ-02 coordinates', async (t) => {
  const { app, db } = await build(t);
  const town = await buildTown(db, { slug: 'xiwengzhuang', nameZh: '溪翁庄镇', nameEn: 'Xiwengzhuang Town' });
  const post = (payload: object, headers: Record<string, string> = adminHeaders) => app.inject({ method: 'POST', url: '/api/v1/venues', headers, payload });

  const wgs = { latitude: 40.4765, longitude: 116.8430 };
  const museum = await post({
    slug: 'district-science-museum', kind: 'science_museum', nameZh: '密云区科技馆', nameEn: 'Miyun District Science Museum',
    addressZh: '北京市密云区溪翁庄镇科普路1号', townId: town.id, capacity: 300, coordinates: wgs,
    accessibilityZh: '设有无障碍坡道和电梯，轮椅可进入展厅。', isOnline: false,
  });
  t.equal(museum.statusCode, 201, museum.body);
  const m = museum.json();
  t.strictSame(m.coordinates.wgs84, wgs, 'WGS-84 input is stored as given');
  t.ok(metres(m.coordinates.gcj02, wgs) > 100 && metres(m.coordinates.gcj02, wgs) < 1000, 'GCJ-02 is offset a few hundred metres');
  t.equal(m.nameZh, '密云区科技馆');
  t.equal(m.addressZh, '北京市密云区溪翁庄镇科普路1号');
  t.equal(m.accessibilityZh, '设有无障碍坡道和电梯，轮椅可进入展厅。');
  t.strictSame(m.town, { id: town.id, slug: 'xiwengzhuang', nameZh: '溪翁庄镇', nameEn: 'Xiwengzhuang Town' });
  t.equal(m.capacity, 300);
  t.equal(m.allowsSharedUse, false);
  t.equal(m.addressEn, null);

  // Amap gives GCJ-02: stored as WGS-84, offset by a few hundred metres.
  const gcj = { latitude: 40.3762, longitude: 116.8431 };
  const amap = await post({ slug: 'reservoir-base', kind: 'science_base', nameZh: '密云水库科普基地', coordinates: { ...gcj, system: 'gcj02' } });
  t.equal(amap.statusCode, 201, amap.body);
  const a = amap.json();
  const offset = metres(a.coordinates.wgs84, gcj);
  t.ok(offset > 100 && offset < 1000, `stored WGS-84 differs from the GCJ-02 input by ${offset.toFixed(0)} m`);
  t.ok(Math.abs(a.coordinates.gcj02.latitude - gcj.latitude) < 1e-5, 'gcj02 latitude round-trips');
  t.ok(Math.abs(a.coordinates.gcj02.longitude - gcj.longitude) < 1e-5, 'gcj02 longitude round-trips');
  const [row] = await db.select({ latitude: venues.latitude, longitude: venues.longitude }).from(venues).where(eq(venues.id, a.id));
  t.strictSame(row, a.coordinates.wgs84, 'the database holds WGS-84');

  const online = await post({ slug: 'online-studio', kind: 'online', nameZh: '线上直播间', isOnline: true, allowsSharedUse: true });
  t.match(online.json(), { coordinates: null, town: null, isOnline: true, allowsSharedUse: true, capacity: null });

  problem(t, await post({ slug: 'north-pole', kind: 'outdoor', nameZh: '北极', coordinates: { latitude: 91, longitude: 116 } }), 400, 'validation_failed', ['/coordinates/latitude']);
  problem(t, await post({ slug: 'east', kind: 'outdoor', nameZh: '东', coordinates: { latitude: 40, longitude: 181 } }), 400, 'validation_failed', ['/coordinates/longitude']);
  problem(t, await post({ slug: 'half', kind: 'outdoor', nameZh: '半', coordinates: { latitude: 40 } }), 400, 'validation_failed', ['/coordinates/longitude']);
  problem(t, await post({ slug: 'baidu', kind: 'outdoor', nameZh: '百度', coordinates: { latitude: 40, longitude: 116, system: 'bd09' } }), 400, 'validation_failed');
  problem(t, await post({ slug: 'ghost', kind: 'library', nameZh: '某馆', townId: UNKNOWN_ID }), 422, 'unknown_reference', ['/townId']);
  problem(t, await post({ slug: 'district-science-museum', kind: 'library', nameZh: '重复' }), 409, 'duplicate');
  problem(t, await post({ slug: 'neg', kind: 'library', nameZh: '某馆', capacity: -1 }), 400, 'validation_failed', ['/capacity']);
  problem(t, await post({ slug: 'Bad Slug', kind: 'library', nameZh: '某馆' }), 400, 'validation_failed', ['/slug']);
  problem(t, await post({ slug: 'x', kind: 'castle', nameZh: '某馆' }), 400, 'validation_failed', ['/kind']);
  problem(t, await post({ slug: 'x', kind: 'library', nameZh: '某馆' }, {}), 401, 'authentication_required');

  const got = await app.inject({ url: `/api/v1/venues/${m.id}` });
  t.equal(got.statusCode, 200);
  t.strictSame(got.json(), m, 'GET returns what POST returned');
  problem(t, await app.inject({ url: `/api/v1/venues/${UNKNOWN_ID}` }), 404, 'venue_not_found');
});

t.test('venues: patch', async (t) => {
  const { app, db } = await build(t);
  const town = await buildTown(db);
  const venue = await buildVenue(db, { slug: 'cultural-centre', nameZh: '区文化馆', latitude: 40.38, longitude: 116.84 });
  const patch = (id: string, payload: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method: 'PATCH', url: `/api/v1/venues/${id}`, headers, payload });

  const res = await patch(venue.id, { nameEn: 'District Cultural Centre', townId: town.id, capacity: 500, accessibilityZh: '一楼有无障碍卫生间' });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { nameZh: '区文化馆', nameEn: 'District Cultural Centre', capacity: 500, accessibilityZh: '一楼有无障碍卫生间', town: { id: town.id } });
  t.strictSame(res.json().coordinates.wgs84, { latitude: 40.38, longitude: 116.84 }, 'coordinates not sent stay');

  const moved = await patch(venue.id, { coordinates: { latitude: 40.3762, longitude: 116.8431, system: 'gcj02' } });
  t.ok(Math.abs(moved.json().coordinates.gcj02.latitude - 40.3762) < 1e-5);
  t.not(moved.json().coordinates.wgs84.latitude, 40.3762, 'GCJ-02 input is converted on PATCH too');
  t.equal(moved.json().capacity, 500);

  const cleared = await patch(venue.id, { coordinates: null, townId: null, nameEn: null });
  t.match(cleared.json(), { coordinates: null, town: null, nameEn: null });

  problem(t, await patch(venue.id, { townId: UNKNOWN_ID }), 422, 'unknown_reference', ['/townId']);
  problem(t, await patch(venue.id, { coordinates: { latitude: -90.5, longitude: 0 } }), 400, 'validation_failed', ['/coordinates/latitude']);
  problem(t, await patch(venue.id, {}), 400, 'validation_failed');
  problem(t, await patch(UNKNOWN_ID, { capacity: 1 }), 404, 'venue_not_found');
  problem(t, await patch(venue.id, { capacity: 1 }, {}), 401, 'authentication_required');
  const other = await buildVenue(db, { slug: 'district-library' });
  problem(t, await patch(other.id, { slug: 'cultural-centre' }), 409, 'duplicate');
});

t.test('venues: list with filters and cursor pagination', async (t) => {
  const { app, db } = await build(t);
  const north = await buildTown(db, { slug: 'gubeikou' });
  const south = await buildTown(db, { slug: 'miyun-town' });
  for (const [slug, kind, townId] of [
    ['a-library', 'library', north.id], ['b-reading-room', 'reading_room', north.id], ['c-library', 'library', south.id],
    ['d-school', 'school', south.id], ['e-library', 'library', null],
  ] as const) {
    await buildVenue(db, { slug, kind, townId, nameZh: `场馆${slug}` });
  }
  const list = (query: string) => app.inject({ url: `/api/v1/venues${query}` });

  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: LightMyRequestResponse = await list(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    t.equal(res.statusCode, 200, res.body);
    const page = res.json<{ items: { slug: string }[]; nextCursor: string | null }>();
    t.ok(page.items.length <= 2);
    seen.push(...page.items.map((v) => v.slug));
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < 10);
  t.strictSame(seen, ['a-library', 'b-reading-room', 'c-library', 'd-school', 'e-library'], 'every venue once, in order');
  t.equal(pages, 3);

  t.strictSame((await list('?town=gubeikou')).json().items.map((v: { slug: string }) => v.slug), ['a-library', 'b-reading-room']);
  t.strictSame((await list('?kind=library')).json().items.map((v: { slug: string }) => v.slug), ['a-library', 'c-library', 'e-library']);
  t.strictSame((await list('?kind=library&town=miyun-town')).json().items.map((v: { slug: string }) => v.slug), ['c-library']);
  t.strictSame((await list('?town=nowhere')).json(), { items: [], nextCursor: null });

  // Pagination keeps the filters.
  const first = (await list('?kind=library&limit=1')).json();
  const second = (await list(`?kind=library&limit=1&cursor=${first.nextCursor}`)).json();
  t.strictSame([...first.items, ...second.items].map((v: { slug: string }) => v.slug), ['a-library', 'c-library']);

  problem(t, await list('?limit=0'), 400, 'validation_failed', ['/limit']);
  problem(t, await list('?limit=201'), 400, 'validation_failed', ['/limit']);
  problem(t, await list('?cursor=garbage'), 400, 'invalid_cursor', ['/cursor']);
  problem(t, await list(`?cursor=${Buffer.from('[null]').toString('base64url')}`), 400, 'invalid_cursor', ['/cursor']);
  problem(t, await list('?kind=castle'), 400, 'validation_failed', ['/kind']);
  problem(t, await list('?sort=name'), 400, 'validation_failed', ['/sort']);
});

/** These files check that the named fields are among those at fault. */
function problem(t: Parameters<typeof expectProblem>[0], res: Parameters<typeof expectProblem>[1], status: number, code: string, pointers?: string[]) {
  return expectProblem(t, res, status, code, pointers, { exact: false });
}
