import t from 'tap';
import { eq, sql } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { events, tombstones } from '../src/db/schema/index.js';
import { adminHeaders, build } from './helpers/build.js';
import { onPostgres } from './helpers/database.js';
import { buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/** Session routes, capacity and stream visibility, and the venue overlap rule (with its concurrency). */

type Tap = Pick<typeof t, 'equal' | 'match' | 'same'>;
type Res = LightMyRequestResponse;
type Session = { id: string; startsAt: string; endsAt: string; status: string; capacity: number | null; effectiveCapacity: number | null; streamUrl: string | null };

const { app, db } = await build(t);
const unit = await buildUnit(db);

const answered: number[] = [];
async function call(method: InjectOptions['method'], url: string, payload?: unknown, headers: Record<string, string> = adminHeaders): Promise<Res> {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  answered.push(res.statusCode);
  return res;
}


/** One session on `day` from `from` to `to` (Shanghai time). */
const slot = (day: string, from: string, to: string, extra: Record<string, unknown> = {}) =>
  ({ startsAt: `${day}T${from}:00+08:00`, endsAt: `${day}T${to}:00+08:00`, ...extra });

async function createEvent(t: Tap, overrides: Record<string, unknown> = {}) {
  const res = await call('POST', '/events', eventBody(unit.id, overrides));
  t.equal(res.statusCode, 201, `created ${String(overrides.titleZh ?? 'an event')}`);
  return res.json() as { id: string; sessions: Session[]; status: string; updatedAt: string; firstStartAt: string | null; lastEndAt: string | null };
}
const sessionAt = (event: { sessions: Session[] }, startsAt: string) => event.sessions.find((s) => s.startsAt === new Date(startsAt).toISOString())!;

t.test('on a draft: add, patch, cancel and delete sessions', async (t) => {
  const event = await createEvent(t, { sessions: [slot('2030-05-01', '09:00', '11:00')] });
  const added = await call('POST', `/events/${event.id}/sessions`, slot('2030-05-02', '14:00', '16:00', { capacity: 25, streamUrl: 'https://live.example.cn/2' }));
  t.equal(added.statusCode, 201);
  const withTwo = added.json();
  t.equal(withTwo.sessions.length, 2);
  t.match(withTwo, { firstStartAt: '2030-05-01T01:00:00.000Z', lastEndAt: '2030-05-02T08:00:00.000Z' }, 'the event\'s span follows its sessions');
  const second = sessionAt(withTwo, '2030-05-02T14:00:00+08:00');
  t.match(second, { capacity: 25, streamUrl: 'https://live.example.cn/2', status: 'scheduled', eventId: event.id });

  const patched = await call('PATCH', `/events/${event.id}/sessions/${second.id}`, { endsAt: '2030-05-02T17:30:00+08:00', capacity: null });
  t.equal(patched.statusCode, 200);
  t.match(sessionAt(patched.json(), '2030-05-02T14:00:00+08:00'), { endsAt: '2030-05-02T09:30:00.000Z', capacity: null });
  t.equal(patched.json().lastEndAt, '2030-05-02T09:30:00.000Z');

  const cancelled = await call('POST', `/events/${event.id}/sessions/${event.sessions[0]!.id}/cancel`);
  t.equal(cancelled.statusCode, 200);
  t.equal(sessionAt(cancelled.json(), '2030-05-01T09:00:00+08:00').status, 'cancelled');
  t.equal(cancelled.json().firstStartAt, '2030-05-02T06:00:00.000Z', 'a cancelled session leaves the span');
  problem(t, await call('POST', `/events/${event.id}/sessions/${event.sessions[0]!.id}/cancel`), 409, 'already_cancelled');
  problem(t, await call('PATCH', `/events/${event.id}/sessions/${event.sessions[0]!.id}`, { capacity: 3 }), 409, 'session_cancelled');

  const removed = await call('DELETE', `/events/${event.id}/sessions/${second.id}`);
  t.equal(removed.statusCode, 204);
  const after = (await call('GET', `/events/${event.id}`)).json();
  t.same(after.sessions.map((s: Session) => s.id), [event.sessions[0]!.id]);
  t.match(after, { firstStartAt: null, lastEndAt: null }, 'no live session: no span');
  const [stone] = await db.select().from(tombstones).where(eq(tombstones.objectId, second.id));
  t.match(stone, { kind: 'session', parentId: event.id }, 'a tombstone for the deleted session');
  problem(t, await call('DELETE', `/events/${event.id}/sessions/${second.id}`), 404, 'session_not_found');
});

t.test('a published event\'s sessions are cancelled, never deleted', async (t) => {
  const event = await createEvent(t);
  await call('POST', `/events/${event.id}/publish`);
  problem(t, await call('DELETE', `/events/${event.id}/sessions/${event.sessions[0]!.id}`), 409, 'not_a_draft');
  t.equal((await call('GET', `/events/${event.id}`)).json().sessions.length, 1);
  t.equal((await call('POST', `/events/${event.id}/sessions/${event.sessions[0]!.id}/cancel`)).statusCode, 200);
  t.equal((await call('POST', `/events/${event.id}/sessions`, slot('2030-05-03', '09:00', '10:00'))).statusCode, 201, 'sessions may be added once published');
});

t.test('a cancelled event\'s sessions no longer change: 409 event_cancelled', async (t) => {
  const event = await createEvent(t);
  await call('POST', `/events/${event.id}/cancel`);
  const session = event.sessions[0]!.id;
  problem(t, await call('POST', `/events/${event.id}/sessions`, slot('2030-05-03', '09:00', '10:00')), 409, 'event_cancelled');
  problem(t, await call('PATCH', `/events/${event.id}/sessions/${session}`, { capacity: 4 }), 409, 'event_cancelled');
  problem(t, await call('POST', `/events/${event.id}/sessions/${session}/cancel`), 409, 'event_cancelled');
  problem(t, await call('DELETE', `/events/${event.id}/sessions/${session}`), 409, 'event_cancelled');
  // Cancelling the event cancelled its sessions with it; nothing else about them changed.
  t.match((await call('GET', `/events/${event.id}`)).json().sessions, [{ id: session, status: 'cancelled', capacity: null }]);
});

t.test('unknown or foreign sessions are 404', async (t) => {
  const event = await createEvent(t);
  const other = await createEvent(t);
  const foreign = other.sessions[0]!.id;
  const ghost = '3f1d5a9e-0c6b-4c1e-8a4b-9d2f7e6c5b4a';
  for (const [method, suffix, payload] of [['PATCH', '', { capacity: 1 }], ['POST', '/cancel', undefined], ['DELETE', '', undefined]] as const) {
    problem(t, await call(method, `/events/${event.id}/sessions/${foreign}${suffix}`, payload), 404, 'session_not_found');
    problem(t, await call(method, `/events/${event.id}/sessions/${ghost}${suffix}`, payload), 404, 'session_not_found');
    problem(t, await call(method, `/events/${event.id}/sessions/42${suffix}`, payload), 404, 'not_found');
    problem(t, await call(method, `/events/${ghost}/sessions/${foreign}${suffix}`, payload), 404, 'event_not_found');
  }
  problem(t, await call('POST', `/events/${ghost}/sessions`, slot('2030-05-03', '09:00', '10:00')), 404, 'event_not_found');
  problem(t, await call('POST', '/events/abc/sessions', slot('2030-05-03', '09:00', '10:00')), 404, 'not_found');
  t.equal((await call('GET', `/events/${other.id}`)).json().sessions[0].status, 'scheduled', 'the other event\'s session is untouched');
});

t.test('bad session bodies', async (t) => {
  const event = await createEvent(t, { sessions: [slot('2030-05-04', '09:00', '10:00')] });
  const url = `/events/${event.id}/sessions`;
  const session = `${url}/${event.sessions[0]!.id}`;
  problem(t, await call('POST', url, {}), 400, 'validation_failed', ['/startsAt', '/endsAt']);
  problem(t, await call('POST', url, { ...slot('2030-05-04', '11:00', '12:00'), room: 'B' }), 400, 'validation_failed', ['/room']);
  problem(t, await call('POST', url, { startsAt: '2030-05-04T11:00:00', endsAt: '2030-05-04T12:00:00+08:00' }), 400, 'validation_failed', ['/startsAt']);
  problem(t, await call('POST', url, slot('2030-05-04', '11:00', '12:00', { capacity: -1 })), 400, 'validation_failed', ['/capacity']);
  problem(t, await call('POST', url, slot('2030-05-04', '12:00', '11:00')), 422, 'invalid_event', ['/endsAt']);
  problem(t, await call('PATCH', session, {}), 400, 'validation_failed');
  problem(t, await call('PATCH', session, { status: 'cancelled' }), 400, 'validation_failed', ['/status']);
  problem(t, await call('PATCH', session, { startsAt: '2030-05-04T10:30:00+08:00' }), 422, 'invalid_event', ['/endsAt']);
  problem(t, await call('PATCH', session, { endsAt: '2030-05-04T09:00:00+08:00' }), 422, 'invalid_event', ['/endsAt']);
  problem(t, await call('PATCH', session, { startsAt: '1970-01-01T00:00:00Z' }), 422, 'invalid_event', ['/startsAt', '/endsAt']);
  t.match((await call('GET', `/events/${event.id}`)).json().sessions, [{ startsAt: '2030-05-04T01:00:00.000Z', endsAt: '2030-05-04T02:00:00.000Z' }], 'unchanged');
});

t.test('effectiveCapacity falls back from session to event to venue', async (t) => {
  const venue = await buildVenue(db, { capacity: 100 });
  const event = await createEvent(t, { venueId: venue.id, sessions: [slot('2030-06-01', '09:00', '10:00'), slot('2030-06-01', '10:00', '11:00', { capacity: 20 })] });
  const [plain, own] = [sessionAt(event, '2030-06-01T09:00:00+08:00'), sessionAt(event, '2030-06-01T10:00:00+08:00')];
  t.match(plain, { capacity: null, effectiveCapacity: 100 }, 'the venue\'s');
  t.match(own, { capacity: 20, effectiveCapacity: 20 }, 'the session\'s own');

  let now = (await call('PATCH', `/events/${event.id}`, { capacity: 50 })).json();
  t.match(sessionAt(now, plain.startsAt), { effectiveCapacity: 50 }, 'the event\'s, over the venue\'s');
  t.match(sessionAt(now, own.startsAt), { effectiveCapacity: 20 }, 'the session\'s, over the event\'s');
  now = (await call('PATCH', `/events/${event.id}/sessions/${own.id}`, { capacity: 0 })).json();
  t.match(sessionAt(now, own.startsAt), { capacity: 0, effectiveCapacity: 0 }, '0 is a capacity, not "unset"');
  now = (await call('PATCH', `/events/${event.id}/sessions/${own.id}`, { capacity: null })).json();
  t.match(sessionAt(now, own.startsAt), { capacity: null, effectiveCapacity: 50 }, 'null hands back to the event');
  now = (await call('PATCH', `/events/${event.id}`, { capacity: null })).json();
  t.match(sessionAt(now, own.startsAt), { effectiveCapacity: 100 }, 'and to the venue');
  now = (await call('PATCH', `/events/${event.id}`, { venueId: null })).json();
  t.match(sessionAt(now, own.startsAt), { effectiveCapacity: null }, 'no capacity anywhere: unlimited (null)');
});

t.test('streamUrl is hidden from anonymous readers when the event takes registrations', async (t) => {
  const url = 'https://live.example.cn/room/7?token=abc';
  const registered = await createEvent(t, { registrationMode: 'individual', sessions: [slot('2030-06-02', '09:00', '10:00', { streamUrl: url })] });
  const open = await createEvent(t, { registrationMode: 'none', sessions: [slot('2030-06-02', '09:00', '10:00', { streamUrl: url })] });
  for (const event of [registered, open]) await call('POST', `/events/${event.id}/publish`);

  t.equal((await call('GET', `/events/${registered.id}`)).json().sessions[0].streamUrl, url, 'organizers see it');
  t.equal((await call('GET', `/events/${registered.id}`, undefined, {})).json().sessions[0].streamUrl, null, 'anonymous readers do not');
  t.equal((await call('GET', `/events/${open.id}`, undefined, {})).json().sessions[0].streamUrl, url, 'an open event shows it to all');

  const listed = (await call('GET', '/events?from=2030-06-02&to=2030-06-02', undefined, {})).json().items as { id: string; sessions: Session[] }[];
  t.equal(listed.find((e) => e.id === registered.id)?.sessions[0]!.streamUrl, null, 'nor in the public list');
  const staffListed = (await call('GET', '/events?from=2030-06-02&to=2030-06-02')).json().items as { id: string; sessions: Session[] }[];
  t.equal(staffListed.find((e) => e.id === registered.id)?.sessions[0]!.streamUrl, url, 'organizers see it in the list');
  const switched = await call('PATCH', `/events/${open.id}`, { registrationMode: 'class' });
  t.equal(switched.statusCode, 200);
  t.equal((await call('GET', `/events/${open.id}`, undefined, {})).json().sessions[0].streamUrl, null, 'hidden once registrations open');
});

t.test('venue overlap rule', async (t) => {
  const hall = await buildVenue(db, { nameZh: '科技馆报告厅' });
  const first = await createEvent(t, { titleZh: '先订的讲座', venueId: hall.id, sessions: [slot('2030-07-01', '09:00', '11:00')] });

  t.test('an overlapping session at the same exclusive venue is 409 naming the other event (a draft holds its slot)', async (t) => {
    for (const [from, to] of [['10:00', '12:00'], ['08:00', '09:30'], ['09:30', '10:30'], ['08:00', '12:00'], ['09:00', '11:00']] as const) {
      const body = problem(t, await call('POST', '/events', eventBody(unit.id, { venueId: hall.id, sessions: [slot('2030-07-01', from, to)] })), 409, 'venue_in_use');
      t.match(body, { conflictingEvent: { id: first.id, titleZh: '先订的讲座' }, conflictingSession: { id: first.sessions[0]!.id, startsAt: '2030-07-01T01:00:00.000Z' } }, `${from}–${to}`);
    }
  });

  t.test('adjacent sessions (end == start) and other venues are fine', async (t) => {
    await createEvent(t, { venueId: hall.id, sessions: [slot('2030-07-01', '11:00', '12:00')] });
    await createEvent(t, { venueId: hall.id, sessions: [slot('2030-07-01', '08:00', '09:00')] });
    await createEvent(t, { venueId: (await buildVenue(db)).id, sessions: [slot('2030-07-01', '09:00', '11:00')] });
    await createEvent(t, { venueId: null, sessions: [slot('2030-07-01', '09:00', '11:00')] });
  });

  t.test('an event\'s own sessions may overlap each other (parallel groups)', async (t) => {
    const own = await createEvent(t, { venueId: hall.id, sessions: [slot('2030-07-02', '09:00', '11:00'), slot('2030-07-02', '10:00', '12:00')] });
    t.equal((await call('POST', `/events/${own.id}/sessions`, slot('2030-07-02', '09:30', '10:30'))).statusCode, 201);
    t.equal((await call('PATCH', `/events/${own.id}/sessions/${own.sessions[0]!.id}`, { endsAt: '2030-07-02T11:30:00+08:00' })).statusCode, 200);
  });

  t.test('a venue that allows shared use accepts overlaps', async (t) => {
    const square = await buildVenue(db, { nameZh: '文化广场', allowsSharedUse: true });
    await createEvent(t, { venueId: square.id, sessions: [slot('2030-07-03', '09:00', '11:00')] });
    await createEvent(t, { venueId: square.id, sessions: [slot('2030-07-03', '10:00', '12:00')] });
  });

  t.test('a cancelled event or a cancelled session no longer blocks', async (t) => {
    const room = await buildVenue(db);
    const gone = await createEvent(t, { venueId: room.id, sessions: [slot('2030-07-04', '09:00', '11:00')] });
    problem(t, await call('POST', '/events', eventBody(unit.id, { venueId: room.id, sessions: [slot('2030-07-04', '10:00', '12:00')] })), 409, 'venue_in_use');
    await call('POST', `/events/${gone.id}/publish`);
    await call('POST', `/events/${gone.id}/cancel`);
    await createEvent(t, { titleZh: 'after a cancelled event', venueId: room.id, sessions: [slot('2030-07-04', '10:00', '12:00')] });

    const held = await createEvent(t, { venueId: room.id, sessions: [slot('2030-07-05', '09:00', '11:00'), slot('2030-07-05', '14:00', '16:00')] });
    problem(t, await call('POST', '/events', eventBody(unit.id, { venueId: room.id, sessions: [slot('2030-07-05', '09:00', '10:00')] })), 409, 'venue_in_use');
    await call('POST', `/events/${held.id}/sessions/${held.sessions[0]!.id}/cancel`);
    await createEvent(t, { titleZh: 'after a cancelled session', venueId: room.id, sessions: [slot('2030-07-05', '09:00', '10:00')] });
    problem(t, await call('POST', '/events', eventBody(unit.id, { venueId: room.id, sessions: [slot('2030-07-05', '15:00', '17:00')] })), 409, 'venue_in_use', undefined);
  });

  t.test('moving an event to a busy venue by PATCH venueId is 409', async (t) => {
    const mover = await createEvent(t, { venueId: null, sessions: [slot('2030-07-01', '10:30', '11:30')] });
    const body = problem(t, await call('PATCH', `/events/${mover.id}`, { venueId: hall.id, titleZh: '搬过去' }), 409, 'venue_in_use');
    t.equal(body.conflictingEvent.id, first.id);
    t.match((await call('GET', `/events/${mover.id}`)).json(), { venue: null, titleZh: '地球日科普讲座', sequence: 0 }, 'nothing changed');
    const cancelledOnly = await createEvent(t, { venueId: null, sessions: [slot('2030-07-01', '10:30', '11:30')] });
    await call('POST', `/events/${cancelledOnly.id}/sessions/${cancelledOnly.sessions[0]!.id}/cancel`);
    t.equal((await call('PATCH', `/events/${cancelledOnly.id}`, { venueId: hall.id })).statusCode, 200, 'its cancelled sessions do not count');
  });

  t.test('moving or adding a session into a clash is 409', async (t) => {
    const later = await createEvent(t, { venueId: hall.id, sessions: [slot('2030-07-01', '14:00', '15:00')] });
    const session = later.sessions[0]!.id;
    const body = problem(t, await call('PATCH', `/events/${later.id}/sessions/${session}`, { startsAt: '2030-07-01T10:00:00+08:00' }), 409, 'venue_in_use');
    t.equal(body.conflictingEvent.id, first.id);
    problem(t, await call('PATCH', `/events/${later.id}/sessions/${session}`, { startsAt: '2030-07-01T10:59:00+08:00', endsAt: '2030-07-01T13:00:00+08:00' }), 409, 'venue_in_use');
    t.match((await call('GET', `/events/${later.id}`)).json().sessions, [{ startsAt: '2030-07-01T06:00:00.000Z', endsAt: '2030-07-01T07:00:00.000Z', sequence: 0 }], 'unchanged');
    problem(t, await call('POST', `/events/${later.id}/sessions`, slot('2030-07-01', '10:00', '10:30')), 409, 'venue_in_use');
    t.equal((await call('GET', `/events/${later.id}`)).json().sessions.length, 1, 'no session added');
    t.equal((await call('PATCH', `/events/${later.id}/sessions/${session}`, { capacity: 9 })).statusCode, 200, 'a change that is not of time is no clash');
  });

  t.test('a clash on the second session of a create writes nothing', async (t) => {
    const body = problem(t, await call('POST', '/events', eventBody(unit.id, {
      titleZh: '第二场撞车', venueId: hall.id, coUnitIds: [(await buildUnit(db)).id],
      sessions: [slot('2030-07-09', '09:00', '10:00'), slot('2030-07-01', '10:00', '10:30')],
    })), 409, 'venue_in_use');
    t.equal(body.conflictingEvent.id, first.id);
    t.equal((await db.select({ n: sql<number>`count(*)::int` }).from(events).where(eq(events.titleZh, '第二场撞车')))[0]!.n, 0, 'no event row');
  });
});

t.test(`concurrent bookings of one slot: exactly one wins (${onPostgres ? 'PostgreSQL, in parallel' : 'PGlite, serialised'})`, async (t) => {
  const venue = await buildVenue(db, { nameZh: '抢手的实验室' });
  const attempts = 10;
  const answers = await Promise.all(Array.from({ length: attempts }, (_, i) => call('POST', '/events', eventBody(unit.id, {
    titleZh: `并发预订 ${i}`, venueId: venue.id, sessions: [slot('2030-08-08', '09:00', '11:00'), slot('2030-08-08', `${String(10 + (i % 2)).padStart(2, '0')}:00`, '12:00')],
  }))));
  const statuses = answers.map((r) => r.statusCode).sort();
  t.same(statuses, [201, ...Array<number>(attempts - 1).fill(409)], 'one 201, the rest 409');
  const winner = answers.find((r) => r.statusCode === 201)!.json();
  for (const loser of answers.filter((r) => r.statusCode === 409)) {
    t.match(loser.json(), { code: 'venue_in_use', conflictingEvent: { id: winner.id } });
  }
  const booked = await db.select({ id: events.id }).from(events).where(eq(events.venueId, venue.id));
  t.same(booked.map((r) => r.id), [winner.id], 'one event holds the venue');

  // Concurrent moves of existing events into the same slot, and session additions, race the same way.
  const other = await buildVenue(db);
  const movers = await Promise.all(Array.from({ length: 4 }, () => createEvent(t, { venueId: other.id, sessions: [] })));
  const added = await Promise.all(movers.map((m) => call('POST', `/events/${m.id}/sessions`, slot('2030-08-09', '09:00', '10:00'))));
  t.same(added.map((r) => r.statusCode).sort(), [201, 409, 409, 409], 'one session added, three refused');
});

t.test('no request was answered with a 5xx', async (t) => {
  t.same(answered.filter((s) => s >= 500), [], `${answered.length} requests`);
});
