import t from 'tap';
import type { Test } from 'tap';
import { asc, eq } from 'drizzle-orm';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Database } from '../src/db/client.js';
import { registrationHistory, registrations, sessions } from '../src/db/schema/index.js';
import { createChangeRecorder, type ChangeRecorder, type RegistrationChange } from '../src/modules/changes/change-recorder.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { onPostgres } from './helpers/database.js';
import { problem } from './helpers/problem.js';

/**
 * Seats and the waiting list: every status transition with its history, promotion order,
 * the cut-off before the start, capacity and headcount changes, cancelled sessions and
 * events, and the seat count kept on the session row.
 */

type Res = LightMyRequestResponse;
type Who = { family: number } | { class: number };
type SignedUp = { id: string; token: string; status: string; waitlistPosition: number | null };
type Registration = { id: string; status: string; headcount: number; waitlistPosition: number | null; checkedInHeadcount: number | null };
type Totals = { sessionId: string; capacity: number | null; seatsLeft: number | null; confirmed: { headcount: number }; waitlisted: { registrations: number } };
type EventDoc = { id: string; capacity: number | null; sessions: { id: string; capacity: number | null; effectiveCapacity: number | null; seatsLeft: number | null; availability: string | null }[] };

/** The body is in the message only when the status is wrong: it says why. */
const expectStatus = (t: Test, res: Res, status: number, what: string) =>
  t.equal(res.statusCode, status, res.statusCode === status ? what : `${what}: ${res.body.slice(0, 300)}`);

/** 2030-04-22 09:00 Shanghai: the start of the one session `eventBody` gives. */
const START = new Date('2030-04-22T01:00:00Z');
const minutesBeforeStart = (minutes: number) => new Date(START.getTime() - minutes * 60_000);

async function scene(t: Test, { changes }: { changes?: ChangeRecorder } = {}) {
  const clock = { at: new Date('2030-04-20T00:00:00Z'), now() { return this.at; } };
  const { app, db } = await build(t, { clock, ...(changes ? { changes } : {}) });
  const unit = await buildUnit(db);
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;

  const call = (method: InjectOptions['method'], url: string, payload?: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  async function publishedEvent(fields: Record<string, unknown> = {}): Promise<EventDoc> {
    const created = await call('POST', '/events', eventBody(unit.id, { registrationMode: 'both', ...fields }, '2030-04-22'));
    expectStatus(t, created, 201, 'event created');
    const published = await call('POST', `/events/${created.json<EventDoc>().id}/publish`);
    expectStatus(t, published, 200, 'and published');
    return published.json<EventDoc>();
  }

  // Unique contacts per person and class, so neither the duplicate rule nor the per-contact limit interferes.
  let people = 0;
  function signUpBody(who: Who, sessionId?: string) {
    const n = ++people;
    const phone = `139${String(n).padStart(8, '0')}`;
    return 'family' in who
      ? { kind: 'individual', name: `家长${n}`, phone, partySize: who.family, consentVersion, ...(sessionId ? { sessionId } : {}) }
      : { kind: 'class', school: '实验小学', gradeClass: `四年级${n}班`, headcount: who.class, teacherName: `老师${n}`, teacherPhone: phone, consentVersion, ...(sessionId ? { sessionId } : {}) };
  }
  const trySignUp = (eventId: string, who: Who, sessionId?: string) => call('POST', `/events/${eventId}/registrations`, signUpBody(who, sessionId), {});
  async function signUp(eventId: string, who: Who, sessionId?: string): Promise<SignedUp> {
    const res = await trySignUp(eventId, who, sessionId);
    expectStatus(t, res, 201, `signed up ${JSON.stringify(who)}`);
    const { registration, manageToken } = res.json<{ registration: Registration; manageToken: string }>();
    return { id: registration.id, token: manageToken, status: registration.status, waitlistPosition: registration.waitlistPosition };
  }

  /** The organizer's list: each registration by id, and the per-session totals. */
  async function roster(eventId: string) {
    const res = await call('GET', `/events/${eventId}/registrations`);
    expectStatus(t, res, 200, 'the organizer lists the registrations');
    const page = res.json<{ items: Registration[]; totals: Totals[] }>();
    const byId = new Map(page.items.map((r) => [r.id, r]));
    return { of: (r: { id: string }) => byId.get(r.id)!, totals: page.totals };
  }
  /** Status of each registration, in the order given. */
  async function statuses(eventId: string, ...regs: { id: string }[]) {
    const { of } = await roster(eventId);
    return regs.map((r) => of(r).status);
  }
  async function historyOf(r: { id: string }) {
    const rows = await db.select().from(registrationHistory).where(eq(registrationHistory.registrationId, r.id)).orderBy(asc(registrationHistory.id));
    return rows.map(({ status, headcount, reason }) => ({ status, headcount, reason }));
  }
  async function seatsTaken(sessionId: string) {
    const [row] = await db.select({ seatsTaken: sessions.seatsTaken }).from(sessions).where(eq(sessions.id, sessionId));
    return row!.seatsTaken;
  }
  const publicEvent = async (eventId: string) => (await app.inject({ url: `/api/v1/events/${eventId}` })).json<EventDoc>();

  return { db, clock, call, publishedEvent, signUp, trySignUp, roster, statuses, historyOf, seatsTaken, publicEvent };
}

/** A change recorder whose registration changes the test can read. */
function listening() {
  const changes = createChangeRecorder();
  const heard: RegistrationChange[] = [];
  changes.onChange(async (_tx, change) => {
    if (change.entity === 'registration') heard.push(change);
  });
  return { changes, heard, actionsOf: (r: { id: string }) => heard.filter((c) => c.registrationId === r.id).map((c) => c.action) };
}

/** For every session: seats_taken is the headcount of its confirmed and attended registrations, within capacity. */
async function seatsAddUp(t: Test, db: Database) {
  const [allSessions, allRegistrations] = await Promise.all([db.select().from(sessions), db.select().from(registrations)]);
  for (const session of allSessions) {
    const booked = allRegistrations.filter((r) => r.sessionId === session.id && (r.status === 'confirmed' || r.status === 'attended'))
      .reduce((sum, r) => sum + r.headcount, 0);
    t.equal(session.seatsTaken, booked, `session ${session.id}: seats_taken is the confirmed and attended headcount`);
    if (session.effectiveCapacity !== null) t.ok(session.seatsTaken <= session.effectiveCapacity, `session ${session.id}: ${session.seatsTaken} seats within ${session.effectiveCapacity}`);
  }
}

const ok = (t: Test, res: Res, what: string) => expectStatus(t, res, 200, what);

t.test('every status transition, each leaving a history row with status, headcount and reason', async (t) => {
  const { changes, actionsOf } = listening();
  const { db, call, publishedEvent, signUp, roster, statuses, historyOf, seatsTaken } = await scene(t, { changes });
  const event = await publishedEvent({ capacity: 10 });
  const sessionId = event.sessions[0]!.id;
  const a = await signUp(event.id, { family: 2 });
  const b = await signUp(event.id, { family: 3 });
  const c = await signUp(event.id, { family: 5 });
  const d = await signUp(event.id, { family: 2 });
  const e = await signUp(event.id, { family: 1 });
  t.same([a.status, b.status, c.status, d.status, e.status], ['confirmed', 'confirmed', 'confirmed', 'waitlisted', 'waitlisted']);
  t.equal(await seatsTaken(sessionId), 10);

  // confirmed → attended → confirmed → attended
  const checkedIn = await call('POST', `/events/${event.id}/check-ins`, { registrationId: a.id });
  ok(t, checkedIn, 'check-in');
  t.equal(checkedIn.json<Registration>().status, 'attended');
  t.equal(checkedIn.json<Registration>().checkedInHeadcount, 2);
  problem(t, await call('POST', `/events/${event.id}/check-ins`, { registrationId: a.id }), 409, 'already_checked_in');
  const undone = await call('DELETE', `/events/${event.id}/check-ins/${a.id}`);
  ok(t, undone, 'undoing the check-in');
  t.equal(undone.json<Registration>().status, 'confirmed');
  t.equal(undone.json<Registration>().checkedInHeadcount, null);
  problem(t, await call('DELETE', `/events/${event.id}/check-ins/${a.id}`), 409, 'not_checked_in');
  ok(t, await call('POST', `/events/${event.id}/check-ins`, { registrationId: a.id }), 'checking in again');
  t.equal(await seatsTaken(sessionId), 10, 'checking in neither takes nor frees seats');
  problem(t, await call('POST', `/registrations/${a.token}/cancel`, undefined, {}), 409, 'already_checked_in');
  problem(t, await call('POST', `/events/${event.id}/registrations/${a.id}/cancel`), 409, 'already_checked_in');
  problem(t, await call('POST', `/events/${event.id}/check-ins`, { registrationId: d.id }), 409, 'not_confirmed');

  // waitlisted → cancelled: nobody's seat moves
  const waitCancelled = await call('POST', `/registrations/${e.token}/cancel`, undefined, {});
  ok(t, waitCancelled, 'a waitlisted person cancels');
  t.equal(waitCancelled.json<Registration>().status, 'cancelled');
  t.equal(await seatsTaken(sessionId), 10, 'cancelling a waiting registration frees no seat');
  t.same(await statuses(event.id, d), ['waitlisted']);

  // confirmed → cancelled frees 3 seats; waitlisted → confirmed for the family of 2 that fits
  const cancelled = await call('POST', `/registrations/${b.token}/cancel`, undefined, {});
  ok(t, cancelled, 'a confirmed person cancels');
  t.equal(cancelled.json<Registration>().status, 'cancelled');
  t.same(await statuses(event.id, a, b, c, d, e), ['attended', 'cancelled', 'confirmed', 'confirmed', 'cancelled']);
  t.equal(await seatsTaken(sessionId), 9, '3 seats freed, 2 taken by the promoted family');
  t.equal((await roster(event.id)).totals[0]!.seatsLeft, 1);

  // cancelled is final
  problem(t, await call('POST', `/registrations/${b.token}/cancel`, undefined, {}), 409, 'already_cancelled');
  problem(t, await call('POST', `/events/${event.id}/registrations/${b.id}/cancel`), 409, 'already_cancelled');
  problem(t, await call('POST', `/events/${event.id}/registrations/${b.id}/promote`), 409, 'not_waitlisted');
  problem(t, await call('POST', `/events/${event.id}/check-ins`, { registrationId: b.id }), 409, 'already_cancelled');
  problem(t, await call('PATCH', `/registrations/${b.token}`, { partySize: 1 }, {}), 409, 'already_cancelled');
  t.same(await statuses(event.id, b), ['cancelled']);

  const byOrganizer = await call('POST', `/events/${event.id}/registrations/${c.id}/cancel`);
  ok(t, byOrganizer, 'the organizer cancels');
  t.equal(byOrganizer.json<Registration>().status, 'cancelled');
  t.equal(await seatsTaken(sessionId), 4);

  t.same(await historyOf(a), [
    { status: 'confirmed', headcount: 2, reason: 'signed_up' },
    { status: 'attended', headcount: 2, reason: 'checked_in' },
    { status: 'confirmed', headcount: 2, reason: 'check_in_undone' },
    { status: 'attended', headcount: 2, reason: 'checked_in' },
  ], 'check-in and its undoing are in the history; refused steps are not');
  t.same(await historyOf(b), [
    { status: 'confirmed', headcount: 3, reason: 'signed_up' },
    { status: 'cancelled', headcount: 3, reason: 'cancelled_by_registrant' },
  ]);
  t.same(await historyOf(c), [
    { status: 'confirmed', headcount: 5, reason: 'signed_up' },
    { status: 'cancelled', headcount: 5, reason: 'cancelled_by_organizer' },
  ]);
  t.same(await historyOf(d), [
    { status: 'waitlisted', headcount: 2, reason: 'signed_up' },
    { status: 'confirmed', headcount: 2, reason: 'promoted' },
  ]);
  t.same(await historyOf(e), [
    { status: 'waitlisted', headcount: 1, reason: 'signed_up' },
    { status: 'cancelled', headcount: 1, reason: 'cancelled_by_registrant' },
  ]);
  const actors = await db.select({ reason: registrationHistory.reason, actor: registrationHistory.actorAccountId }).from(registrationHistory);
  t.ok(actors.filter((h) => h.reason === 'cancelled_by_organizer' || h.reason === 'checked_in').every((h) => h.actor !== null), 'staff actions name their actor');
  t.ok(actors.filter((h) => h.reason === 'cancelled_by_registrant' || h.reason === 'signed_up').every((h) => h.actor === null), 'the registrant\'s own do not');
  t.same(actionsOf(a), ['created', 'checked_in', 'check_in_undone', 'checked_in'], 'listeners hear each change, and none of the refused ones');
  t.same(actionsOf(b), ['created', 'cancelled']);
  t.same(actionsOf(d), ['created', 'promoted']);
  t.same(actionsOf(e), ['created', 'cancelled']);
  await seatsAddUp(t, db);
});

t.test('a full session puts sign-ups on the waiting list in order of arrival; the public sees waiting_list', async (t) => {
  const { db, call, publishedEvent, signUp, publicEvent, roster, statuses, historyOf } = await scene(t);
  const event = await publishedEvent({ capacity: 4 });
  const full = await signUp(event.id, { family: 4 });
  t.equal(full.status, 'confirmed');
  const first = await signUp(event.id, { family: 1 });
  const second = await signUp(event.id, { class: 3 });
  const third = await signUp(event.id, { family: 2 });
  t.same([first, second, third].map((r) => [r.status, r.waitlistPosition]), [['waitlisted', 1], ['waitlisted', 2], ['waitlisted', 3]]);

  const shown = (await publicEvent(event.id)).sessions[0]!;
  t.equal(shown.availability, 'waiting_list');
  t.equal(shown.seatsLeft, 0);

  const own = await call('GET', `/registrations/${third.token}`, undefined, {});
  t.equal(own.json<Registration>().waitlistPosition, 3, 'the person sees their place through the manage link');
  ok(t, await call('POST', `/registrations/${second.token}/cancel`, undefined, {}), 'the second in line cancels');
  t.equal((await call('GET', `/registrations/${third.token}`, undefined, {})).json<Registration>().waitlistPosition, 2, 'those behind move up');
  const { of, totals } = await roster(event.id);
  t.same([of(first).waitlistPosition, of(second).waitlistPosition, of(third).waitlistPosition], [1, null, 2]);
  t.equal(totals[0]!.waitlisted.registrations, 2);

  const erased = await call('DELETE', `/registrations/${full.token}`, undefined, {});
  t.equal(erased.statusCode, 204, 'the confirmed family erases its registration');
  t.same(await historyOf(full), [
    { status: 'confirmed', headcount: 4, reason: 'signed_up' },
    { status: 'cancelled', headcount: 4, reason: 'erased' },
  ]);
  t.same(await statuses(event.id, first, third), ['confirmed', 'confirmed'], 'its seats go to the waiting list in order');
  t.equal((await publicEvent(event.id)).sessions[0]!.seatsLeft, 1);
  await seatsAddUp(t, db);
});

t.test('promotion: first come first served among those that fit, never past capacity', async (t) => {
  await t.test('a class of 40 first in line is promoted when 40 seats free, then whoever fits', async (t) => {
    const { db, call, publishedEvent, signUp, statuses, roster, seatsTaken, historyOf } = await scene(t);
    const event = await publishedEvent({ capacity: 42 });
    const sessionId = event.sessions[0]!.id;
    const classA = await signUp(event.id, { class: 40 });
    const classB = await signUp(event.id, { class: 40 });
    const family1 = await signUp(event.id, { family: 2 });
    const family2 = await signUp(event.id, { family: 2 });
    t.same([classA.status, classB.status, family1.status, family2.status], ['confirmed', 'waitlisted', 'confirmed', 'waitlisted'],
      'a family of 2 that fits is confirmed past the waiting class');
    t.same([classB.waitlistPosition, family2.waitlistPosition], [1, 2]);

    ok(t, await call('POST', `/registrations/${classA.token}/cancel`, undefined, {}), 'the first class cancels');
    t.same(await statuses(event.id, classA, classB, family1, family2), ['cancelled', 'confirmed', 'confirmed', 'waitlisted'],
      'the waiting class takes the 40 seats; the family behind it keeps waiting');
    t.equal(await seatsTaken(sessionId), 42);
    t.equal((await roster(event.id)).of(family2).waitlistPosition, 1);
    t.same((await historyOf(classB)).at(-1), { status: 'confirmed', headcount: 40, reason: 'promoted' });

    ok(t, await call('POST', `/registrations/${family1.token}/cancel`, undefined, {}), 'the confirmed family cancels');
    t.same(await statuses(event.id, family2), ['confirmed']);
    t.equal(await seatsTaken(sessionId), 42);
    await seatsAddUp(t, db);
  });

  await t.test('a class of 40 does not block a family of 2 that fits', async (t) => {
    const { db, call, publishedEvent, signUp, statuses, roster, seatsTaken } = await scene(t);
    const event = await publishedEvent({ capacity: 42 });
    const sessionId = event.sessions[0]!.id;
    const classA = await signUp(event.id, { class: 39 });
    const family1 = await signUp(event.id, { family: 3 });
    const classB = await signUp(event.id, { class: 40 });
    const family2 = await signUp(event.id, { family: 2 });
    const family3 = await signUp(event.id, { family: 2 });
    t.same([classA.status, family1.status, classB.status, family2.status, family3.status], ['confirmed', 'confirmed', 'waitlisted', 'waitlisted', 'waitlisted']);

    ok(t, await call('POST', `/registrations/${family1.token}/cancel`, undefined, {}), '3 seats free');
    t.same(await statuses(event.id, classB, family2, family3), ['waitlisted', 'confirmed', 'waitlisted'],
      'the family of 2 is promoted past the class; the next family does not fit the 1 seat left');
    t.equal(await seatsTaken(sessionId), 41);
    const { of, totals } = await roster(event.id);
    t.same([of(classB).waitlistPosition, of(family3).waitlistPosition], [1, 2], 'the class stays first in line');
    t.equal(totals[0]!.seatsLeft, 1);
    await seatsAddUp(t, db);
  });
});

t.test('within the cut-off before the start, cancellations do not promote; the organizer may, if it fits', async (t) => {
  await t.test('default cut-off of 120 minutes', async (t) => {
    const { db, clock, call, publishedEvent, signUp, statuses, roster, seatsTaken, historyOf } = await scene(t);
    const event = await publishedEvent({ capacity: 4 });
    t.equal((event as EventDoc & { promotionCutoffMinutes: number }).promotionCutoffMinutes, 120, 'the default');
    const sessionId = event.sessions[0]!.id;
    const a = await signUp(event.id, { family: 2 });
    const b = await signUp(event.id, { family: 2 });
    const c = await signUp(event.id, { family: 2 });
    const d = await signUp(event.id, { family: 3 });
    const e = await signUp(event.id, { family: 2 });
    t.same([c.status, d.status, e.status], ['waitlisted', 'waitlisted', 'waitlisted']);

    clock.at = minutesBeforeStart(121);
    ok(t, await call('POST', `/registrations/${b.token}/cancel`, undefined, {}), 'a cancellation just before the cut-off');
    t.same(await statuses(event.id, c, d, e), ['confirmed', 'waitlisted', 'waitlisted'], 'still promotes');

    clock.at = minutesBeforeStart(60);
    ok(t, await call('POST', `/registrations/${a.token}/cancel`, undefined, {}), 'a cancellation within the cut-off');
    t.same(await statuses(event.id, d, e), ['waitlisted', 'waitlisted'], 'promotes nobody');
    t.equal(await seatsTaken(sessionId), 2);
    t.equal((await roster(event.id)).totals[0]!.seatsLeft, 2, 'the freed seats stay free');

    problem(t, await call('POST', `/events/${event.id}/registrations/${d.id}/promote`), 409, 'not_enough_seats');
    t.same(await statuses(event.id, d), ['waitlisted'], 'a refused promotion changes nothing');
    const promoted = await call('POST', `/events/${event.id}/registrations/${e.id}/promote`);
    ok(t, promoted, 'the organizer promotes one that fits');
    t.equal(promoted.json<Registration>().status, 'confirmed');
    t.equal(await seatsTaken(sessionId), 4);
    t.same((await historyOf(e)).at(-1), { status: 'confirmed', headcount: 2, reason: 'promoted_by_organizer' });
    t.same((await historyOf(d)).length, 1, 'the refused one has only its sign-up in the history');
    problem(t, await call('POST', `/events/${event.id}/registrations/${e.id}/promote`), 409, 'not_waitlisted');
    await seatsAddUp(t, db);
  });

  await t.test('promotionCutoffMinutes 0: promotion right up to the start', async (t) => {
    const { db, clock, call, publishedEvent, signUp, statuses } = await scene(t);
    const event = await publishedEvent({ capacity: 2, promotionCutoffMinutes: 0 });
    const a = await signUp(event.id, { family: 2 });
    const b = await signUp(event.id, { family: 2 });
    t.equal(b.status, 'waitlisted');
    clock.at = minutesBeforeStart(1);
    ok(t, await call('POST', `/registrations/${a.token}/cancel`, undefined, {}), 'a cancellation a minute before the start');
    t.same(await statuses(event.id, b), ['confirmed'], 'promotes the waiting family');
    await seatsAddUp(t, db);
  });
});

t.test('raising a capacity promotes who now fits; lowering it below the seats taken is refused', async (t) => {
  await t.test('the session\'s capacity', async (t) => {
    const { db, call, publishedEvent, signUp, statuses, seatsTaken, historyOf } = await scene(t);
    const event = await publishedEvent({ capacity: 4 });
    const sessionId = event.sessions[0]!.id;
    await signUp(event.id, { family: 4 });
    const b = await signUp(event.id, { family: 2 });
    const c = await signUp(event.id, { family: 3 });

    ok(t, await call('PATCH', `/events/${event.id}/sessions/${sessionId}`, { capacity: 6 }), 'raised to 6');
    t.same(await statuses(event.id, b, c), ['confirmed', 'waitlisted'], 'the family of 2 fits, the family of 3 does not');
    t.same((await historyOf(b)).at(-1), { status: 'confirmed', headcount: 2, reason: 'promoted' });
    t.equal(await seatsTaken(sessionId), 6);

    problem(t, await call('PATCH', `/events/${event.id}/sessions/${sessionId}`, { capacity: 5 }), 409, 'capacity_below_booked');
    const kept = (await call('GET', `/events/${event.id}`)).json<EventDoc>().sessions[0]!;
    t.same([kept.capacity, kept.effectiveCapacity], [6, 6], 'the refused change left the capacity');

    ok(t, await call('PATCH', `/events/${event.id}/sessions/${sessionId}`, { capacity: 9 }), 'raised to 9');
    t.same(await statuses(event.id, c), ['confirmed']);
    t.equal(await seatsTaken(sessionId), 9);
    await seatsAddUp(t, db);
  });

  await t.test('the event\'s capacity', async (t) => {
    const { db, call, publishedEvent, signUp, statuses, seatsTaken } = await scene(t);
    const event = await publishedEvent({ capacity: 2 });
    const sessionId = event.sessions[0]!.id;
    await signUp(event.id, { family: 2 });
    const b = await signUp(event.id, { family: 1 });
    t.equal(b.status, 'waitlisted');

    ok(t, await call('PATCH', `/events/${event.id}`, { capacity: 3 }), 'raised to 3');
    t.same(await statuses(event.id, b), ['confirmed']);
    t.equal(await seatsTaken(sessionId), 3);

    problem(t, await call('PATCH', `/events/${event.id}`, { capacity: 2 }), 409, 'capacity_below_booked');
    const kept = (await call('GET', `/events/${event.id}`)).json<EventDoc>();
    t.same([kept.capacity, kept.sessions[0]!.effectiveCapacity], [3, 3], 'the refused change left the capacity');
    await seatsAddUp(t, db);
  });

  await t.test('the venue\'s capacity, for sessions inheriting it', async (t) => {
    const { db, call, publishedEvent, signUp, statuses, seatsTaken } = await scene(t);
    const venue = await buildVenue(db, { capacity: 2 });
    const event = await publishedEvent({ venueId: venue.id });
    const sessionId = event.sessions[0]!.id;
    t.same([event.capacity, event.sessions[0]!.capacity, event.sessions[0]!.effectiveCapacity], [null, null, 2], 'inherits the venue\'s 2 seats');
    await signUp(event.id, { family: 2 });
    const b = await signUp(event.id, { family: 2 });
    t.equal(b.status, 'waitlisted');

    problem(t, await call('PATCH', `/venues/${venue.id}`, { capacity: 1 }), 409, 'capacity_below_booked');
    t.equal((await call('GET', `/venues/${venue.id}`)).json<{ capacity: number }>().capacity, 2, 'the refused change left the venue');

    ok(t, await call('PATCH', `/venues/${venue.id}`, { capacity: 4 }), 'raised to 4');
    t.same(await statuses(event.id, b), ['confirmed']);
    t.equal(await seatsTaken(sessionId), 4);
    await seatsAddUp(t, db);
  });
});

t.test('headcount changes move seats and the waiting list', async (t) => {
  const { db, call, publishedEvent, signUp, statuses, historyOf, seatsTaken } = await scene(t);
  const event = await publishedEvent({ capacity: 6 });
  const sessionId = event.sessions[0]!.id;
  const a = await signUp(event.id, { family: 3 });
  const b = await signUp(event.id, { family: 2 });
  const c = await signUp(event.id, { family: 2 });
  const d = await signUp(event.id, { class: 4 });
  t.same([a.status, b.status, c.status, d.status], ['confirmed', 'confirmed', 'waitlisted', 'waitlisted']);

  problem(t, await call('PATCH', `/registrations/${a.token}`, { partySize: 5 }, {}), 409, 'not_enough_seats');
  t.equal((await call('GET', `/registrations/${a.token}`, undefined, {})).json<Registration>().headcount, 3, 'the family stays at 3');
  t.equal(await seatsTaken(sessionId), 5);
  t.equal((await historyOf(a)).length, 1, 'and nothing is in its history');

  const shrunk = await call('PATCH', `/registrations/${a.token}`, { partySize: 2 }, {});
  ok(t, shrunk, 'the family shrinks to 2');
  t.equal(shrunk.json<Registration>().headcount, 2);
  t.same(await statuses(event.id, c, d), ['confirmed', 'waitlisted'], 'the freed seat lets the waiting family of 2 in');
  t.equal(await seatsTaken(sessionId), 6);
  t.same((await historyOf(a)).at(-1), { status: 'confirmed', headcount: 2, reason: 'headcount_changed' });

  ok(t, await call('PATCH', `/events/${event.id}/registrations/${b.id}`, { partySize: 1 }), 'the organizer shrinks another family to 1');
  t.same(await statuses(event.id, d), ['waitlisted'], 'a class of 4 does not fit the seat left');
  t.equal(await seatsTaken(sessionId), 5);

  const classShrunk = await call('PATCH', `/registrations/${d.token}`, { headcount: 1 }, {});
  ok(t, classShrunk, 'the waiting class comes with 1 instead');
  t.equal(classShrunk.json<Registration>().status, 'confirmed', 'and now fits: promoted');
  t.equal(await seatsTaken(sessionId), 6);
  t.same(await historyOf(d), [
    { status: 'waitlisted', headcount: 4, reason: 'signed_up' },
    { status: 'waitlisted', headcount: 1, reason: 'headcount_changed' },
    { status: 'confirmed', headcount: 1, reason: 'promoted' },
  ]);
  await seatsAddUp(t, db);
});

t.test('cancelling a session or the event cancels its live registrations and tells the listeners', async (t) => {
  const { changes, heard } = listening();
  const { db, call, publishedEvent, signUp, trySignUp, roster, historyOf, seatsTaken } = await scene(t, { changes });
  const created = await publishedEvent({
    capacity: 2,
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-22T14:00:00+08:00', endsAt: '2030-04-22T16:00:00+08:00' },
    ],
  });
  const [morning, afternoon] = [created.sessions[0]!.id, created.sessions[1]!.id];
  const attended = await signUp(created.id, { family: 1 }, morning);
  const confirmed = await signUp(created.id, { family: 1 }, morning);
  const waiting = await signUp(created.id, { family: 1 }, morning);
  const later = await signUp(created.id, { family: 2 }, afternoon);
  const laterWaiting = await signUp(created.id, { family: 1 }, afternoon);
  t.same([confirmed.status, waiting.status, later.status, laterWaiting.status], ['confirmed', 'waitlisted', 'confirmed', 'waitlisted']);
  ok(t, await call('POST', `/events/${created.id}/check-ins`, { registrationId: attended.id }), 'one family checks in');

  heard.length = 0;
  ok(t, await call('POST', `/events/${created.id}/sessions/${morning}/cancel`), 'the morning session is cancelled');
  let { of } = await roster(created.id);
  t.same([of(attended).status, of(confirmed).status, of(waiting).status], ['attended', 'cancelled', 'cancelled'], 'attended stays attended');
  t.same([of(later).status, of(laterWaiting).status], ['confirmed', 'waitlisted'], 'the afternoon is untouched');
  t.same((await historyOf(confirmed)).at(-1), { status: 'cancelled', headcount: 1, reason: 'session_cancelled' });
  t.same((await historyOf(waiting)).at(-1), { status: 'cancelled', headcount: 1, reason: 'session_cancelled' });
  t.equal(await seatsTaken(morning), 1, 'only the attended family keeps its seat');
  t.same(heard.filter((c) => c.action === 'cancelled').map((c) => c.registrationId).sort(), [confirmed.id, waiting.id].sort(), 'listeners hear of each cancellation');
  t.ok(heard.every((c) => c.status === 'cancelled' && c.sessionId === morning && c.eventId === created.id));
  problem(t, await trySignUp(created.id, { family: 1 }, morning), 409, 'session_cancelled');

  heard.length = 0;
  ok(t, await call('POST', `/events/${created.id}/check-ins`, { registrationId: later.id }), 'a family checks in for the afternoon');
  ok(t, await call('POST', `/events/${created.id}/cancel`), 'the event is cancelled');
  ({ of } = await roster(created.id));
  t.same([of(attended).status, of(later).status, of(laterWaiting).status], ['attended', 'attended', 'cancelled']);
  t.same((await historyOf(laterWaiting)).at(-1), { status: 'cancelled', headcount: 1, reason: 'event_cancelled' });
  t.same(heard.filter((c) => c.action === 'cancelled').map((c) => c.registrationId), [laterWaiting.id]);
  t.equal(await seatsTaken(afternoon), 2);
  problem(t, await trySignUp(created.id, { family: 1 }, afternoon), 409, 'event_cancelled');
  await seatsAddUp(t, db);
});

t.test('without a waiting list, a sign-up that does not fit is refused and nothing is written', async (t) => {
  const { db, publishedEvent, signUp, trySignUp, seatsTaken, publicEvent } = await scene(t);
  const event = await publishedEvent({ capacity: 3, waitlistEnabled: false });
  const sessionId = event.sessions[0]!.id;
  await signUp(event.id, { family: 2 });
  const before = { registrations: (await db.select().from(registrations)).length, history: (await db.select().from(registrationHistory)).length };

  const refused = problem(t, await trySignUp(event.id, { family: 2 }), 409, 'full');
  t.equal(refused.seatsLeft, 1);
  t.same({ registrations: (await db.select().from(registrations)).length, history: (await db.select().from(registrationHistory)).length }, before);
  t.equal(await seatsTaken(sessionId), 2);

  t.equal((await signUp(event.id, { family: 1 })).status, 'confirmed', 'one that fits still gets in');
  problem(t, await trySignUp(event.id, { family: 1 }), 409, 'full');
  t.equal((await publicEvent(event.id)).sessions[0]!.availability, 'full');
  await seatsAddUp(t, db);
});

t.test(`concurrent sign-ups, cancellations and a capacity change never overbook (${onPostgres ? 'PostgreSQL, in parallel' : 'PGlite, serialised'})`, async (t) => {
  const { db, call, publishedEvent, trySignUp, roster, seatsTaken } = await scene(t);
  const event = await publishedEvent({ capacity: 10 });
  const sessionId = event.sessions[0]!.id;
  /** Outside the cut-off, a seat stays empty only if nobody waiting fits it. */
  async function noSeatLeftIdle(what: string) {
    const { totals } = await roster(event.id);
    const left = totals[0]!.seatsLeft!;
    const waiting = (await db.select().from(registrations).where(eq(registrations.sessionId, sessionId))).filter((r) => r.status === 'waitlisted');
    t.ok(waiting.every((r) => r.headcount > left), `${what}: nobody waiting fits the ${left} seats left`);
  }

  const first = await Promise.all(Array.from({ length: 20 }, (_, i) => trySignUp(event.id, { family: 1 + (i % 3) })));
  t.same(first.map((r) => r.statusCode), Array<number>(20).fill(201), 'every sign-up is taken, confirmed or waiting');
  const signedUp = first.map((r) => r.json<{ registration: Registration; manageToken: string }>());
  t.ok(await seatsTaken(sessionId) <= 10);
  await seatsAddUp(t, db);
  await noSeatLeftIdle('after the rush');

  const confirmed = signedUp.filter((s) => s.registration.status === 'confirmed').slice(0, 3);
  const second = await Promise.all([
    ...confirmed.map((s) => call('POST', `/registrations/${s.manageToken}/cancel`, undefined, {})),
    ...Array.from({ length: 6 }, (_, i) => trySignUp(event.id, { family: 1 + (i % 3) })),
    call('PATCH', `/events/${event.id}/sessions/${sessionId}`, { capacity: 12 }),
    call('PATCH', `/registrations/${signedUp[19]!.manageToken}`, { partySize: 1 }, {}),
  ]);
  t.same(second.map((r) => r.statusCode), [...confirmed.map(() => 200), ...Array<number>(6).fill(201), 200, 200], 'every request succeeds, none deadlocks');
  t.ok(await seatsTaken(sessionId) <= 12);
  await seatsAddUp(t, db);
  await noSeatLeftIdle('after cancellations, sign-ups and a capacity change at once');
});

t.test('a past session keeps the capacity it was held with; a venue may shrink below what it once hosted', async (t) => {
  const { db, call, seatsTaken } = await scene(t);
  const unit = await buildUnit(db);
  const venue = await buildVenue(db, { capacity: 4 });
  // Sessions end before the database's own clock: `ends_at > now()` decides what a capacity change reaches.
  const created = await call('POST', '/events', eventBody(unit.id, { registrationMode: 'individual', venueId: venue.id }, '2025-01-10'));
  expectStatus(t, created, 201, 'an event that took place at the venue');
  const event = created.json<EventDoc>();
  ok(t, await call('POST', `/events/${event.id}/publish`), 'published');
  const walkIn = await call('POST', `/events/${event.id}/registrations/assisted`, { kind: 'individual', partySize: 4, walkIn: true, consentVersion: (await call('GET', '/consent')).json<{ version: string }>().version });
  expectStatus(t, walkIn, 201, 'a family of four came');
  ok(t, await call('PATCH', `/venues/${venue.id}`, { capacity: 2 }), 'the venue is made smaller');
  const [session] = await db.select().from(sessions).where(eq(sessions.id, event.sessions[0]!.id));
  t.equal(session!.effectiveCapacity, 4, 'the past session keeps its capacity');
  t.equal(await seatsTaken(session!.id), 4, 'and its seats');
});

t.test('a check-in is not undone once its session or event is cancelled', async (t) => {
  const { call, publishedEvent, signUp, statuses } = await scene(t);
  const event = await publishedEvent({ capacity: 10 });
  const came = await signUp(event.id, { family: 2 });
  ok(t, await call('POST', `/events/${event.id}/check-ins`, { registrationId: came.id }), 'checked in');
  ok(t, await call('POST', `/events/${event.id}/cancel`), 'then the event is cancelled');
  problem(t, await call('DELETE', `/events/${event.id}/check-ins/${came.id}`), 409, 'session_cancelled');
  t.same(await statuses(event.id, came), ['attended'], 'the attendance stays as recorded, not a live registration of a cancelled event');
});
