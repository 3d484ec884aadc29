import t from 'tap';
import { eq, inArray, sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { events, tombstones } from '../src/db/schema/index.js';
import { createChangeRecorder, type Change } from '../src/modules/changes/change-recorder.js';
import { ADMIN_TOKEN, adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildCampaign, buildObservance, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/** Events API: lifecycle, access, input checking, Chinese text, `sequence` and the change recorder. */

type Tap = Pick<typeof t, 'equal' | 'match' | 'same' | 'ok' | 'notOk' | 'not'>;
type Res = LightMyRequestResponse;

const { app, db } = await build(t);
const unit = await buildUnit(db);
const coUnit = await buildUnit(db);
const hall = await buildVenue(db, { capacity: 120 });
const otherHall = await buildVenue(db);
await buildAudiences(db);

const answered: number[] = [];
async function call(method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = adminHeaders): Promise<Res> {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  answered.push(res.statusCode);
  return res;
}
const create = (body: unknown) => call('POST', '/events', body);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


async function created(t: Tap, body: unknown) {
  const res = await create(body);
  t.equal(res.statusCode, 201, 'created');
  return res.json();
}

const countEvents = async (where = sql`true`) =>
  (await db.select({ n: sql<number>`count(*)::int` }).from(events).where(where))[0]!.n;

t.test('lifecycle: create a draft with sessions, read, patch, publish, cancel', async (t) => {
  const res = await create(eventBody(unit.id, {
    venueId: hall.id, coUnitIds: [coUnit.id], audiences: ['public', 'youth'], capacity: 80,
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-23T14:00:00+08:00', endsAt: '2030-04-23T16:00:00+08:00', capacity: 30 },
    ],
  }));
  t.equal(res.statusCode, 201);
  t.match(res.headers['content-type'], /^application\/json/);
  const event = res.json();
  t.match(event, {
    status: 'draft', type: 'lecture', titleZh: '地球日科普讲座', sequence: 0, timezone: 'Asia/Shanghai',
    ownerUnit: { id: unit.id }, coUnits: [{ id: coUnit.id }], venue: { id: hall.id }, audiences: ['public', 'youth'],
    firstStartAt: '2030-04-22T01:00:00.000Z', lastEndAt: '2030-04-23T08:00:00.000Z', publishedAt: null, cancelledAt: null,
    task: null, observance: null,
  });
  t.same(event.sessions.map((s: { startsAt: string }) => s.startsAt), ['2030-04-22T01:00:00.000Z', '2030-04-23T06:00:00.000Z'], 'sessions in time order');

  t.equal((await call('GET', `/events/${event.id}`)).json().id, event.id, 'staff see the draft');
  problem(t, await call('GET', `/events/${event.id}`, undefined, {}), 404, 'event_not_found');

  const patched = await call('PATCH', `/events/${event.id}`, { titleZh: '地球日讲座（更新）', capacity: 60 });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { titleZh: '地球日讲座（更新）', capacity: 60, status: 'draft' });

  const published = await call('POST', `/events/${event.id}/publish`);
  t.equal(published.statusCode, 200);
  t.match(published.json(), { status: 'published', publishedAt: String });
  t.equal((await call('GET', `/events/${event.id}`, undefined, {})).statusCode, 200, 'anonymous see it once published');
  problem(t, await call('POST', `/events/${event.id}/publish`), 409, 'already_published');

  const cancelled = await call('POST', `/events/${event.id}/cancel`);
  t.equal(cancelled.statusCode, 200);
  t.match(cancelled.json(), { status: 'cancelled', cancelledAt: String, publishedAt: String });
  t.equal(await countEvents(eq(events.id, event.id)), 1, 'cancelling keeps the record');
  t.match((await call('GET', `/events/${event.id}`, undefined, {})).json(), { status: 'cancelled' }, 'anonymous learn of the cancellation');
  problem(t, await call('POST', `/events/${event.id}/cancel`), 409, 'already_cancelled');
  problem(t, await call('PATCH', `/events/${event.id}`, { titleZh: '再改' }), 409, 'event_cancelled');
  problem(t, await call('POST', `/events/${event.id}/publish`), 409, 'event_cancelled');
});

t.test('a draft cancelled before publishing stays hidden from anonymous readers', async (t) => {
  const event = await created(t, eventBody(unit.id));
  t.equal((await call('POST', `/events/${event.id}/cancel`)).statusCode, 200);
  problem(t, await call('GET', `/events/${event.id}`, undefined, {}), 404, 'event_not_found');
});

t.test('publishing needs at least one live session', async (t) => {
  const bare = await created(t, eventBody(unit.id, { sessions: [] }));
  problem(t, await call('POST', `/events/${bare.id}/publish`), 409, 'no_sessions');

  const one = await created(t, eventBody(unit.id));
  t.equal((await call('POST', `/events/${one.id}/sessions/${one.sessions[0].id}/cancel`)).statusCode, 200);
  problem(t, await call('POST', `/events/${one.id}/publish`), 409, 'no_sessions', undefined);
  t.equal((await call('GET', `/events/${one.id}`)).json().status, 'draft', 'still a draft');
});

t.test('deleting a draft removes it and leaves tombstones for it and its sessions', async (t) => {
  const event = await created(t, eventBody(unit.id, {
    coUnitIds: [coUnit.id], audiences: ['public'],
    sessions: [
      { startsAt: '2030-05-01T09:00:00+08:00', endsAt: '2030-05-01T10:00:00+08:00' },
      { startsAt: '2030-05-02T09:00:00+08:00', endsAt: '2030-05-02T10:00:00+08:00' },
    ],
  }));
  const res = await call('DELETE', `/events/${event.id}`);
  t.equal(res.statusCode, 204);
  t.equal(res.body, '', 'no body');
  problem(t, await call('GET', `/events/${event.id}`), 404, 'event_not_found');
  problem(t, await call('DELETE', `/events/${event.id}`), 404, 'event_not_found');
  t.equal(await countEvents(eq(events.id, event.id)), 0);

  const sessionIds = event.sessions.map((s: { id: string }) => s.id);
  const stones = await db.select({ kind: tombstones.kind, objectId: tombstones.objectId, parentId: tombstones.parentId })
    .from(tombstones).where(inArray(tombstones.objectId, [event.id, ...sessionIds]));
  t.same(
    stones.sort((a, b) => a.objectId.localeCompare(b.objectId)),
    [{ kind: 'event', objectId: event.id, parentId: null }, ...sessionIds.map((id: string) => ({ kind: 'session', objectId: id, parentId: event.id }))]
      .sort((a, b) => a.objectId.localeCompare(b.objectId)),
    'one tombstone per deleted record',
  );
});

t.test('a published or cancelled event is never deleted', async (t) => {
  const event = await created(t, eventBody(unit.id));
  await call('POST', `/events/${event.id}/publish`);
  problem(t, await call('DELETE', `/events/${event.id}`), 409, 'not_a_draft');
  await call('POST', `/events/${event.id}/cancel`);
  problem(t, await call('DELETE', `/events/${event.id}`), 409, 'not_a_draft');
  t.equal(await countEvents(eq(events.id, event.id)), 1, 'still there');
  t.equal((await db.select().from(tombstones).where(eq(tombstones.objectId, event.id))).length, 0, 'no tombstone');
});

t.test('write routes need the organizer token: none or a wrong one is 401', async (t) => {
  const event = await created(t, eventBody(unit.id));
  const session = event.sessions[0].id;
  const writes: [InjectOptions['method'], string, unknown][] = [
    ['POST', '/events', eventBody(unit.id)],
    ['PATCH', `/events/${event.id}`, { titleZh: '被改了' }],
    ['DELETE', `/events/${event.id}`, undefined],
    ['POST', `/events/${event.id}/publish`, undefined],
    ['POST', `/events/${event.id}/cancel`, undefined],
    ['POST', `/events/${event.id}/sessions`, { startsAt: '2030-06-01T09:00:00+08:00', endsAt: '2030-06-01T10:00:00+08:00' }],
    ['PATCH', `/events/${event.id}/sessions/${session}`, { capacity: 5 }],
    ['POST', `/events/${event.id}/sessions/${session}/cancel`, undefined],
    ['DELETE', `/events/${event.id}/sessions/${session}`, undefined],
  ];
  const before = await countEvents();
  for (const [method, url, payload] of writes) {
    problem(t, await call(method, url, payload, {}), 401, 'authentication_required');
    problem(t, await call(method, url, payload, { authorization: `Bearer ${ADMIN_TOKEN}x` }), 401, 'invalid_credentials');
    problem(t, await call(method, url, payload, { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }), 401, 'invalid_credentials');
  }
  t.equal(await countEvents(), before, 'nothing was created');
  t.match((await call('GET', `/events/${event.id}`)).json(), { titleZh: event.titleZh, status: 'draft', sessions: [{ status: 'scheduled', capacity: null }] }, 'nothing was changed');
  problem(t, await call('GET', `/events/${event.id}`, undefined, { authorization: 'Bearer wrong-token-wrong-token' }), 401, 'invalid_credentials');
});

t.test('bad input: malformed bodies are 400 naming each field', async (t) => {
  problem(t, await create({}), 400, 'validation_failed', ['/titleZh', '/type', '/ownerUnitId']);
  problem(t, await create(eventBody(unit.id, { titleZh: { zh: '讲座' }, capacity: 'many', type: 'party', tags: [{}] })), 400, 'validation_failed',
    ['/titleZh', '/capacity', '/type', '/tags/0']);
  problem(t, await create(eventBody(unit.id, { sessions: [{ startsAt: '2030-04-22T09:00:00+08:00', endsAt: { at: 'noon' } }] })), 400, 'validation_failed', ['/sessions/0/endsAt']);
  problem(t, await create(eventBody(unit.id, { ownerUnitId: 'unit-1', venueId: 42 })), 400, 'validation_failed', ['/ownerUnitId', '/venueId']);
  const unknown = problem(t, await create(eventBody(unit.id, { extra: 1 })), 400, 'validation_failed', ['/extra']);
  t.match(unknown.errors[0], { in: 'body', detail: 'is not a known field' });
  problem(t, await create(eventBody(unit.id, { sessions: [{ startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T10:00:00+08:00', room: 'A' }] })), 400, 'validation_failed', ['/sessions/0/room']);
  problem(t, await create(eventBody(unit.id, { titleZh: 'x'.repeat(201) })), 400, 'validation_failed', ['/titleZh']);
  problem(t, await create(eventBody(unit.id, { titleZh: '' })), 400, 'validation_failed', ['/titleZh']);
  problem(t, await create(eventBody(unit.id, { streamUrl: 'https://x.cn' })), 400, 'validation_failed', ['/streamUrl']);
  problem(t, await create(eventBody(unit.id, { sessions: [{ startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T10:00:00+08:00', streamUrl: 'ftp://x.cn/a' }] })), 400, 'validation_failed', ['/sessions/0/streamUrl']);
  t.equal((await create(eventBody(unit.id, { titleZh: '科'.repeat(200) }))).statusCode, 201, '200 Chinese characters are within the limit');

  problem(t, await app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: '{"titleZh": "讲座",' }), 400, 'malformed_body');
  problem(t, await app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...adminHeaders, 'content-type': 'application/xml' }, payload: '<event/>' }), 415, 'unsupported_media_type');
});

t.test('bad input: dates', async (t) => {
  const at = (startsAt: string, endsAt: string) => eventBody(unit.id, { sessions: [{ startsAt, endsAt }] });
  problem(t, await create(at('2024-13-40T09:00:00+08:00', '2030-04-22T10:00:00+08:00')), 400, 'validation_failed', ['/sessions/0/startsAt']);
  problem(t, await create(at('2030-04-22T09:00:00+08:00', '2030-04-22T10:00:00')), 400, 'validation_failed', ['/sessions/0/endsAt']);
  problem(t, await create(at('2030-04-22', '2030-04-23')), 400, 'validation_failed', ['/sessions/0/startsAt', '/sessions/0/endsAt']);
  const before = problem(t, await create(at('2030-04-22T10:00:00+08:00', '2030-04-22T09:00:00+08:00')), 422, 'invalid_event', ['/sessions/0/endsAt']);
  t.match(before.errors[0], { in: 'body', detail: /after startsAt/ });
  problem(t, await create(at('2030-04-22T10:00:00+08:00', '2030-04-22T02:00:00Z')), 422, 'invalid_event', ['/sessions/0/endsAt']);
  problem(t, await create(at('1999-12-31T23:00:00Z', '2000-01-01T01:00:00Z')), 422, 'invalid_event', ['/sessions/0/startsAt']);
  problem(t, await create(at('2030-04-22T09:00:00+08:00', '2032-04-22T10:00:00+08:00')), 422, 'invalid_event', ['/sessions/0/endsAt']);
  // A leap second passes the format check but no Date holds it: refused, not a 500.
  problem(t, await create(at('2030-06-30T23:59:60Z', '2030-07-01T10:00:00Z')), 422, 'invalid_event', ['/sessions/0/startsAt']);
  t.equal((await create(at('2030-04-22T01:00:00Z', '2030-04-22T09:00:00+08:00'))).statusCode, 422, 'an end equal to the start in another offset is refused');
  t.equal((await create(at('2030-04-22T09:00:00.5+08:00', '2030-04-22T03:00:00-06:00'))).statusCode, 201, 'any offset is accepted');
});

t.test('bad input: the registration window closes after it opens; the zone is an IANA zone', async (t) => {
  const window = { registrationMode: 'individual', registrationOpensAt: '2030-04-10T09:00:00+08:00', registrationClosesAt: '2030-04-01T09:00:00+08:00' };
  problem(t, await create(eventBody(unit.id, window)), 422, 'invalid_event', ['/registrationClosesAt']);
  problem(t, await create(eventBody(unit.id, { ...window, registrationClosesAt: window.registrationOpensAt })), 422, 'invalid_event', ['/registrationClosesAt']);
  problem(t, await create(eventBody(unit.id, { timezone: 'Mars/Olympus_Mons' })), 422, 'invalid_event', ['/timezone']);
  problem(t, await create(eventBody(unit.id, { timezone: 'Asia/Beijing' })), 422, 'invalid_event', ['/timezone']);
  t.equal((await created(t, eventBody(unit.id, { timezone: 'Asia/Urumqi' }))).timezone, 'Asia/Urumqi');

  const event = await created(t, eventBody(unit.id, { ...window, registrationClosesAt: '2030-04-20T09:00:00+08:00' }));
  problem(t, await call('PATCH', `/events/${event.id}`, { registrationClosesAt: '2030-04-09T09:00:00+08:00' }), 422, 'invalid_event', ['/registrationClosesAt']);
  problem(t, await call('PATCH', `/events/${event.id}`, { registrationOpensAt: '2030-04-21T09:00:00+08:00' }), 422, 'invalid_event', ['/registrationClosesAt']);
  problem(t, await call('PATCH', `/events/${event.id}`, { timezone: 'UTC+8' }), 422, 'invalid_event', ['/timezone']);
  const cleared = await call('PATCH', `/events/${event.id}`, { registrationOpensAt: null });
  t.match(cleared.json(), { registrationOpensAt: null, registrationClosesAt: '2030-04-20T01:00:00.000Z' }, 'null clears one end');
});

t.test('bad input: references to records that do not exist are 422 naming each one', async (t) => {
  const ghost = '00000000-0000-4000-8000-000000000000';
  const res = await create(eventBody(ghost, {
    venueId: '11111111-1111-4111-8111-111111111111', observanceId: ghost, taskId: ghost,
    coUnitIds: [coUnit.id, '22222222-2222-4222-8222-222222222222'], audiences: ['no-such-group', 'public'],
  }));
  const body = problem(t, res, 422, 'invalid_event', ['/ownerUnitId', '/venueId', '/observanceId', '/taskId', '/coUnitIds/1', '/audiences/0']);
  t.ok(body.errors.every((e: { in: string }) => e.in === 'body'));
  problem(t, await create(eventBody(unit.id, { coUnitIds: [unit.id] })), 422, 'invalid_event', ['/coUnitIds/0']);
  const shared = await created(t, eventBody(unit.id, { coUnitIds: [coUnit.id] }));
  problem(t, await call('PATCH', `/events/${shared.id}`, { coUnitIds: [coUnit.id, unit.id] }), 422, 'invalid_event', ['/coUnitIds/1']);
  problem(t, await call('PATCH', `/events/${shared.id}`, { ownerUnitId: coUnit.id }), 422, 'invalid_event', ['/ownerUnitId']);
  t.match((await call('PATCH', `/events/${shared.id}`, { ownerUnitId: coUnit.id, coUnitIds: [unit.id] })).json(), { ownerUnitId: undefined, ownerUnit: { id: coUnit.id }, coUnits: [{ id: unit.id }] }, 'owner and co-organizer swap in one request');

  const event = await created(t, eventBody(unit.id));
  problem(t, await call('PATCH', `/events/${event.id}`, { venueId: ghost, audiences: ['public', 'martians'] }), 422, 'invalid_event', ['/venueId', '/audiences/1']);
  t.match((await call('GET', `/events/${event.id}`)).json(), { venue: null, audiences: [] }, 'nothing changed');

  const observance = await buildObservance(db);
  const { campaign, task } = await buildCampaign(db);
  const linked = await created(t, eventBody(unit.id, { observanceId: observance.id, taskId: task.id }));
  t.match(linked, { observance: { id: observance.id, slug: observance.slug }, task: { id: task.id, campaignId: campaign.id, campaignSlug: campaign.slug } });
});

t.test('ids in the URL: wrong shape or unknown is 404', async (t) => {
  for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/publish'], ['POST', '/cancel']] as const) {
    const payload = method === 'PATCH' ? { titleZh: '改' } : undefined;
    problem(t, await call(method, `/events/123${suffix}`, payload), 404, 'not_found');
    problem(t, await call(method, `/events/${'a'.repeat(150)}${suffix}`, payload), 404, 'not_found');
    problem(t, await call(method, `/events/7d0b6a36-3c1e-4c8e-9a5a-2f6d2b1c9e10${suffix}`, payload), 404, 'event_not_found');
  }
});

t.test('update: PATCH changes only what it names', async (t) => {
  const event = await created(t, eventBody(unit.id, { descriptionZh: '原来的介绍', capacity: 40, tags: ['天文'], coUnitIds: [coUnit.id] }));
  problem(t, await call('PATCH', `/events/${event.id}`, {}), 400, 'validation_failed');
  problem(t, await call('PATCH', `/events/${event.id}`, { status: 'published' }), 400, 'validation_failed', ['/status']);
  problem(t, await call('PATCH', `/events/${event.id}`, { sessions: [] }), 400, 'validation_failed', ['/sessions']);
  problem(t, await call('PATCH', `/events/${event.id}`, { titleZh: null }), 400, 'validation_failed', ['/titleZh']);

  const res = await call('PATCH', `/events/${event.id}`, { titleEn: null, capacity: null, descriptionZh: null, coUnitIds: [] });
  t.equal(res.statusCode, 200);
  t.match(res.json(), { titleZh: event.titleZh, titleEn: null, capacity: null, descriptionZh: null, coUnits: [], tags: ['天文'], type: 'lecture' },
    'null clears a field (and stays null: not coerced to 0 or "")');
  const zero = await call('PATCH', `/events/${event.id}`, { capacity: 0, descriptionZh: '' });
  t.match(zero.json(), { capacity: 0, descriptionZh: '' }, '0 and "" are values of their own');
});

t.test('science workers and volunteers: entered on create or later, whole numbers from 0, null clears', async (t) => {
  const event = await created(t, eventBody(unit.id, { scienceWorkers: 12, volunteers: 0 }));
  t.match(event, { scienceWorkers: 12, volunteers: 0 }, 'given on create; 0 is a count of its own');
  t.match(await created(t, eventBody(unit.id)), { scienceWorkers: null, volunteers: null }, 'null until entered');
  const patched = await call('PATCH', `/events/${event.id}`, { scienceWorkers: 30, volunteers: 8 });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { scienceWorkers: 30, volunteers: 8 });
  problem(t, await call('PATCH', `/events/${event.id}`, { scienceWorkers: -1, volunteers: 1.5 }), 400, 'validation_failed', ['/scienceWorkers', '/volunteers']);
  problem(t, await create(eventBody(unit.id, { scienceWorkers: 1.5, volunteers: -1 })), 400, 'validation_failed', ['/scienceWorkers', '/volunteers']);
  t.match((await call('GET', `/events/${event.id}`)).json(), { scienceWorkers: 30, volunteers: 8 }, 'a refused change leaves the counts');
  const cleared = await call('PATCH', `/events/${event.id}`, { scienceWorkers: null });
  t.match(cleared.json(), { scienceWorkers: null, volunteers: 8 }, 'null clears one and leaves the other');
});

t.test('Chinese text and emoji round-trip intact', async (t) => {
  const text = {
    titleZh: '世界地球日·珍爱地球 人与自然和谐共生 🌍🌱',
    titleEn: 'Earth Day — “Cherish the Earth”',
    descriptionZh: '《地球的故事》科普讲座：\n一、气候变化；二、垃圾分类（可回收物/有害垃圾）。\t欢迎家长带孩子参加！👨‍👩‍👧',
    tags: ['科普', '地球日🌏', 'STEM', '𠮷野家'],
  };
  const event = await created(t, eventBody(unit.id, text));
  t.match(event, text, 'as created');
  t.match((await call('GET', `/events/${event.id}`)).json(), text, 'as read back');
  const [row] = await db.select({ titleZh: events.titleZh, tags: events.tags }).from(events).where(eq(events.id, event.id));
  t.same(row, { titleZh: text.titleZh, tags: text.tags }, 'as stored');
  t.match((await call('PATCH', `/events/${event.id}`, { tags: ['二十四节气', '🎑中秋'] })).json(), { tags: ['二十四节气', '🎑中秋'] });
});

t.test('sequence rises for titleZh, titleEn, venueId, timezone, status and session times or cancellation; not for description, tags, capacity; updatedAt changes on every change', async (t) => {
  let current = await created(t, eventBody(unit.id, {
    venueId: hall.id, descriptionZh: '介绍', tags: ['科普'], capacity: 50,
    sessions: [
      { startsAt: '2030-08-01T09:00:00+08:00', endsAt: '2030-08-01T10:00:00+08:00' },
      { startsAt: '2030-08-02T09:00:00+08:00', endsAt: '2030-08-02T10:00:00+08:00' },
    ],
  }));
  t.equal(current.sequence, 0);
  const step = async (what: string, method: InjectOptions['method'], url: string, payload: unknown, rises: boolean, changes = true) => {
    await sleep(3); // updated_at comes from the database clock, in microseconds; the API shows milliseconds
    const res = await call(method, url, payload);
    t.equal(res.statusCode, 200, `${what}: accepted`);
    const next = res.json();
    t.equal(next.sequence, current.sequence + (rises ? 1 : 0), `${what}: event sequence ${rises ? 'rises' : 'stays'}`);
    if (changes) t.ok(Date.parse(next.updatedAt) > Date.parse(current.updatedAt), `${what}: updatedAt changes`);
    next.sessions.forEach((s: { sequence: number; id: string }) => {
      const before = current.sessions.find((b: { id: string }) => b.id === s.id);
      t.ok(s.sequence >= before.sequence + (rises ? 1 : 0), `${what}: session ${s.id.slice(0, 8)} sequence never falls`);
    });
    current = next;
  };
  const url = `/events/${current.id}`;
  await step('descriptionZh', 'PATCH', url, { descriptionZh: '新的介绍' }, false);
  await step('descriptionEn', 'PATCH', url, { descriptionEn: 'New description' }, false);
  await step('tags', 'PATCH', url, { tags: ['科普', '天文'] }, false);
  await step('capacity', 'PATCH', url, { capacity: 70 }, false);
  await step('registrationMode', 'PATCH', url, { registrationMode: 'individual' }, false);
  await step('titleZh', 'PATCH', url, { titleZh: '新的标题' }, true);
  await step('the same titleZh again', 'PATCH', url, { titleZh: '新的标题' }, false, false);
  await step('titleEn', 'PATCH', url, { titleEn: 'New title' }, true);
  await step('venueId', 'PATCH', url, { venueId: otherHall.id }, true);
  await step('timezone', 'PATCH', url, { timezone: 'Asia/Hong_Kong' }, true);
  await step('publish (status)', 'POST', `${url}/publish`, undefined, true);

  const [first, second] = current.sessions as { id: string; sequence: number }[];
  t.equal(first!.sequence, current.sequence, 'a session\'s sequence is event.sequence + its own (0)');
  const sessionStep = async (what: string, method: InjectOptions['method'], path: string, payload: unknown, rises: boolean, changes = true) => {
    const eventSequence = current.sequence;
    const before = current.sessions.find((s: { id: string }) => s.id === first!.id).sequence;
    await step(what, method, path, payload, false, changes);
    t.equal(current.sequence, eventSequence, `${what}: event sequence stays`);
    t.equal(current.sessions.find((s: { id: string }) => s.id === first!.id).sequence, before + (rises ? 1 : 0), `${what}: session sequence ${rises ? 'rises' : 'stays'}`);
  };
  await sessionStep('session capacity', 'PATCH', `${url}/sessions/${first!.id}`, { capacity: 10 }, false);
  await sessionStep('session streamUrl', 'PATCH', `${url}/sessions/${first!.id}`, { streamUrl: 'https://live.example.cn/1' }, false);
  await sessionStep('session startsAt', 'PATCH', `${url}/sessions/${first!.id}`, { startsAt: '2030-08-01T08:30:00+08:00' }, true);
  await sessionStep('session endsAt', 'PATCH', `${url}/sessions/${first!.id}`, { endsAt: '2030-08-01T10:30:00+08:00' }, true);
  await sessionStep('session times given unchanged', 'PATCH', `${url}/sessions/${first!.id}`, { startsAt: '2030-08-01T00:30:00Z' }, false, false);
  await sessionStep('session cancelled', 'POST', `${url}/sessions/${first!.id}/cancel`, undefined, true);
  t.equal(current.sessions.find((s: { id: string }) => s.id === second!.id).sequence, current.sequence, 'the other session was not touched');

  const ownBefore = current.sessions.map((s: { sequence: number }) => s.sequence - current.sequence);
  await step('cancel (status)', 'POST', `${url}/cancel`, undefined, true);
  t.same(current.sessions.map((s: { sequence: number }) => s.sequence - current.sequence), ownBefore, 'cancelling the event raises every session\'s sequence with it');
});

t.test('a refused multi-row create writes nothing', async (t) => {
  const before = await countEvents();
  const body = eventBody(unit.id, {
    titleZh: '不该写入的活动',
    sessions: [
      { startsAt: '2030-09-01T09:00:00+08:00', endsAt: '2030-09-01T10:00:00+08:00' },
      { startsAt: '2030-09-02T10:00:00+08:00', endsAt: '2030-09-02T09:00:00+08:00' },
    ],
  });
  problem(t, await create(body), 422, 'invalid_event', ['/sessions/1/endsAt']);
  problem(t, await create({ ...body, sessions: [body.sessions[0], { startsAt: 'soon', endsAt: 'later' }] }), 400, 'validation_failed', ['/sessions/1/startsAt', '/sessions/1/endsAt']);
  t.equal(await countEvents(), before, 'no event row');
});

t.test('a NUL character in text is refused, not a 500', async (t) => {
  // Straight through app.inject: a known failure stays out of the 5xx tally below.
  const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { titleZh: '讲座\u0000' }) });
  t.equal(res.statusCode, 400, 'in a title');
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/events?q=%00' })).statusCode, 400, 'in a search');
});

t.test('no request was answered with a 5xx', async (t) => {
  t.same(answered.filter((s) => s >= 500), [], `${answered.length} requests`);
});

t.test('the change recorder: listeners see each change inside its transaction', async (t) => {
  const changes = createChangeRecorder();
  const seen: (Change & { titleInTx?: string | null; tombstoned?: boolean })[] = [];
  let failWith: string | undefined;
  changes.onChange(async (tx, change) => {
    const [row] = await tx.select({ title: events.titleZh }).from(events).where(eq(events.id, change.eventId));
    const stones = await tx.select().from(tombstones).where(eq(tombstones.objectId, change.entity === 'event' ? change.eventId : change.sessionId));
    seen.push({ ...change, titleInTx: row?.title ?? null, tombstoned: stones.length > 0 });
    if (failWith) throw new Error(failWith);
  });
  const { app, db } = await build(t, { changes });
  const owner = await buildUnit(db);
  const inject = (method: InjectOptions['method'], url: string, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, headers: adminHeaders, ...(payload ? { payload } : {}) });

  const event = (await inject('POST', '/events', eventBody(owner.id))).json();
  t.match(seen.at(-1), { entity: 'event', action: 'created', eventId: event.id, titleInTx: event.titleZh });
  await inject('PATCH', `/events/${event.id}`, { titleZh: '改过的标题', descriptionZh: '介绍' });
  t.match(seen.at(-1), { action: 'updated', calendarVisible: true, titleInTx: '改过的标题' }, 'the listener reads the new title in the transaction');
  t.ok(seen.at(-1)!.changedFields.includes('titleZh') && seen.at(-1)!.changedFields.includes('descriptionZh'), 'changedFields names both');
  await inject('PATCH', `/events/${event.id}`, { descriptionZh: '介绍', tags: [] });
  t.match(seen.at(-1), { action: 'updated', calendarVisible: false }, 'values given unchanged are no calendar change');
  t.same(seen.at(-1)!.changedFields, [], 'nor any change at all');
  const added = (await inject('POST', `/events/${event.id}/sessions`, { startsAt: '2030-05-01T09:00:00+08:00', endsAt: '2030-05-01T10:00:00+08:00' })).json();
  const sessionId = added.sessions.find((s: { startsAt: string }) => s.startsAt === '2030-05-01T01:00:00.000Z').id;
  t.match(seen.at(-1), { entity: 'session', action: 'created', sessionId });
  await inject('PATCH', `/events/${event.id}/sessions/${sessionId}`, { endsAt: '2030-05-01T11:00:00+08:00' });
  t.match(seen.at(-1), { entity: 'session', action: 'updated', changedFields: ['endsAt'], calendarVisible: true });
  await inject('POST', `/events/${event.id}/sessions/${sessionId}/cancel`);
  t.match(seen.at(-1), { entity: 'session', action: 'cancelled', calendarVisible: true });
  await inject('POST', `/events/${event.id}/publish`);
  t.match(seen.at(-1), { entity: 'event', action: 'published', changedFields: ['status'] });

  const draft = (await inject('POST', '/events', eventBody(owner.id))).json();
  const count = seen.length;
  t.equal((await inject('DELETE', `/events/${draft.id}`)).statusCode, 204);
  t.match(seen.slice(count), [
    { entity: 'session', action: 'deleted', sessionId: draft.sessions[0].id, tombstoned: true },
    { entity: 'event', action: 'deleted', eventId: draft.id, titleInTx: draft.titleZh, tombstoned: true },
  ], 'deletions: the tombstone is written before the listeners run, which still read what is being deleted');
  t.equal((await inject('GET', `/events/${draft.id}`)).statusCode, 404, 'and then it is gone');

  // A listener that fails takes the whole change down with it: nothing is written.
  failWith = 'mail server down: smtp://secret';
  const refused = await inject('PATCH', `/events/${event.id}`, { titleZh: '不该生效' });
  const body = problem(t, refused, 500, 'internal_error');
  t.notOk(JSON.stringify(body).includes('smtp'), 'the cause stays in the log');
  failWith = undefined;
  const after = (await inject('GET', `/events/${event.id}`)).json();
  t.match(after, { titleZh: '改过的标题', sequence: 2 }, 'title and sequence unchanged');

  const eventCount = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(events))[0]!.n;
  const before = await eventCount();
  failWith = 'webhook failed';
  t.equal((await inject('POST', '/events', eventBody(owner.id))).statusCode, 500);
  t.equal((await inject('POST', `/events/${event.id}/cancel`)).statusCode, 500);
  t.equal(await eventCount(), before, 'the refused create wrote no event');
  t.equal((await inject('GET', `/events/${event.id}`)).json().status, 'published', 'the refused cancel changed nothing');
});
