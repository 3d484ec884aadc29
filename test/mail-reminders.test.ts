import t from 'tap';
import type { Test } from 'tap';
import { asc, sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { outboxMessages } from '../src/db/schema/index.js';
import type { CaughtMail } from '../src/modules/mail/sink.js';
import { mailScene } from './helpers/mail.js';
import { problem } from './helpers/problem.js';

/**
 * Reminder mails, end to end: planned in the change's transaction, sent through real SMTP by
 * a worker on a clock the test moves. The default times (a day and two hours before the
 * start, in the event's time zone), per-event times and their validation, none for cancelled
 * registrations, sessions or events, planned again when the session moves or the times change,
 * a late sign-up, workers that were down (only the closest one goes, nothing after the start),
 * and a promotion from the waiting list.
 */

/** 2030-04-22 09:00 Shanghai: the start of the session `publishedEvent` gives. */
const START = Date.parse('2030-04-22T01:00:00Z');
const before = (minutes: number, start = START) => new Date(start - minutes * 60_000).toISOString();
const after = (minutes: number, start = START) => new Date(start + minutes * 60_000).toISOString();

type Language = 'zh' | 'en';
type SignedUp = { id: string; token: string; email: string; status: string };
type EventDoc = { id: string; reminderOffsetsMinutes: number[]; sessions: { id: string; startsAt: string }[] };
/** A bare draft event body: what is needed besides the field under test. */
const draft = (unitId: string) => ({ titleZh: '讲座', type: 'lecture', ownerUnitId: unitId });

const kindOf = (mail: CaughtMail) => mail.parsed.headers.get('x-kepu-mail-kind');
/** Who got which kinds, sorted: a compact picture of one delivery round. */
const summary = (mails: CaughtMail[]) => mails.map((m) => `${m.envelope.to.join(',')} ${String(kindOf(m))}`).sort();

const expectStatus = (t: Test, res: LightMyRequestResponse, status: number, what: string) =>
  t.equal(res.statusCode, status, res.statusCode === status ? what : `${what}: ${res.body.slice(0, 300)}`);

// One app, database, SMTP sink and worker for the whole file (a fresh database costs seconds).
// Each test sets the clock back to its own start, makes its own events and people, and reads
// only the mail sent to its people; it ends past its sessions' start, with nothing left planned.
const shared = await mailScene(t);
let people = 0;

/** The reminder rows of a registration, oldest first. */
async function reminderRows(registration: { id: string }) {
  const rows = await shared.db.select().from(outboxMessages)
    .where(sql`${outboxMessages.kind} = 'mail.reminder' and ${outboxMessages.payload} @> ${JSON.stringify({ registrationId: registration.id })}::jsonb`)
    .orderBy(asc(outboxMessages.id));
  return rows.map((r) => ({
    state: r.state, dueAt: r.dueAt.toISOString(), offset: (r.payload as { offsetMinutes: number }).offsetMinutes, lastError: r.lastError,
  }));
}

/** A test's own view of the shared scene, its clock set to `at` (by default 2030-04-01, three weeks ahead). */
function scene(t: Test, at = '2030-04-01T00:00:00Z') {
  shared.clock.set(at);
  const addresses = new Set<string>();

  /** A public sign-up with an address of its own. */
  async function signUp(eventId: string, language: Language = 'zh'): Promise<SignedUp> {
    const n = ++people;
    const email = `person${n}@example.cn`;
    addresses.add(email);
    const res = await shared.call('POST', `/events/${eventId}/registrations`, {
      kind: 'individual', name: language === 'zh' ? `家长${n}` : `Parent ${n}`, email, partySize: 1, language, consentVersion: shared.consentVersion,
    }, {});
    expectStatus(t, res, 201, `${email} signed up`);
    const body = res.json<{ registration: { id: string; status: string }; manageToken: string }>();
    return { id: body.registration.id, token: body.manageToken, email, status: body.registration.status };
  }

  /** Sends what is due now: the mails that reached this test's people. */
  async function deliver() {
    return (await shared.deliver()).filter((m) => m.envelope.to.some((a) => addresses.has(a)));
  }

  /** Moves the clock and sends what is due then. */
  async function deliverAt(iso: string) {
    shared.clock.set(iso);
    return deliver();
  }

  /** What the organizers see of an event's messages. */
  async function messagesOf(eventId: string) {
    const res = await shared.call('GET', `/events/${eventId}/messages`);
    expectStatus(t, res, 200, 'the organizers list the event\'s messages');
    return res.json<{ items: { kind: string; state: string; dueAt: string; lastError: string | null }[] }>().items;
  }

  /** A published event (one session 09:00–11:00 Shanghai on `day`), with the reminder times it shows. */
  const publishedEvent = async (fields: Record<string, unknown> = {}, day?: string) =>
    (await shared.publishedEvent(fields, day)) as Awaited<ReturnType<typeof shared.publishedEvent>> & { reminderOffsetsMinutes: number[] };

  return { clock: shared.clock, call: shared.call, unit: shared.unit, publishedEvent, signUp, deliver, deliverAt, reminderRows, messagesOf };
}

t.test('by default a day and two hours before the start, in the registrant\'s language and the event\'s time zone', async (t) => {
  const s = scene(t);
  const event = await s.publishedEvent();
  t.same(event.reminderOffsetsMinutes, [1440, 120], 'the event shows the default reminder times');
  const zh = await s.signUp(event.id, 'zh');
  const en = await s.signUp(event.id, 'en');
  t.same(summary(await s.deliver()), [`${zh.email} mail.confirmed`, `${en.email} mail.confirmed`], 'the confirmations go at once');

  t.same(await s.deliverAt('2030-04-21T00:59:59Z'), [], 'nothing a second before a day before the start');
  const dayBefore = await s.deliverAt('2030-04-21T01:00:00Z');
  t.same(summary(dayBefore), [`${zh.email} mail.reminder`, `${en.email} mail.reminder`], 'a day before: one reminder each');
  const toZh = dayBefore.find((m) => m.envelope.to.includes(zh.email))!;
  const toEn = dayBefore.find((m) => m.envelope.to.includes(en.email))!;
  t.same(toZh.envelope.to, [zh.email], 'to the registrant alone');
  t.equal(toZh.parsed.subject, '活动提醒：地球日科普讲座');
  t.match(toZh.parsed.text, '2030年4月22日（周一）09:00–11:00', 'the start in Shanghai time, in Chinese');
  t.match(toZh.parsed.text, '1天后开始');
  t.equal(toEn.parsed.subject, 'Reminder: Earth Day lecture');
  t.match(toEn.parsed.text, 'Mon 22 Apr 2030, 09:00–11:00', 'the start in Shanghai time, in English');
  t.match(toEn.parsed.text, 'starts in 1 day');
  t.match(toEn.parsed.text, 'Asia/Shanghai');
  t.notMatch(toEn.parsed.text, /01:00/, 'not in UTC');

  t.same(await s.deliverAt('2030-04-21T22:59:59Z'), [], 'nothing between the two');
  const twoHoursBefore = await s.deliverAt('2030-04-21T23:00:00Z');
  t.same(summary(twoHoursBefore), [`${zh.email} mail.reminder`, `${en.email} mail.reminder`], 'two hours before: one reminder each');
  t.match(twoHoursBefore.find((m) => m.envelope.to.includes(zh.email))!.parsed.text, '2小时后开始');
  t.match(twoHoursBefore.find((m) => m.envelope.to.includes(en.email))!.parsed.text, 'starts in 2 hours');

  t.same(await s.deliverAt(after(1)), [], 'nothing after the start');
  t.same(await s.deliverAt(after(60 * 24 * 30)), [], 'nor a month later');
  for (const r of [zh, en]) {
    t.same((await s.reminderRows(r)).map((m) => [m.offset, m.state, m.dueAt]),
      [[1440, 'sent', '2030-04-21T01:00:00.000Z'], [120, 'sent', '2030-04-21T23:00:00.000Z']], `${r.email}: two reminders, both sent`);
  }
});

t.test('reminder times per event: none, one, changed after sign-up; invalid times are refused', async (t) => {
  const s = scene(t);
  const none = await s.publishedEvent({ reminderOffsetsMinutes: [] });
  const hourly = await s.publishedEvent({ reminderOffsetsMinutes: [60] });
  const changed = await s.publishedEvent();
  t.same([none, hourly, changed].map((e) => e.reminderOffsetsMinutes), [[], [60], [1440, 120]], 'each event shows its reminder times');
  const noneR = await s.signUp(none.id);
  const hourlyR = await s.signUp(hourly.id, 'en');
  const changedR = await s.signUp(changed.id);
  t.equal((await s.deliver()).length, 3, 'the confirmations');
  t.same(await s.reminderRows(noneR), [], '[]: no reminder is planned');
  t.same((await s.reminderRows(hourlyR)).map((m) => [m.offset, m.state, m.dueAt]), [[60, 'planned', before(60)]], '[60]: one, an hour before');
  t.same((await s.reminderRows(changedR)).map((m) => [m.offset, m.state]), [[1440, 'planned'], [120, 'planned']], 'default: two');

  // Invalid times: refused on create and on change, naming the field; the event stays as it was.
  const invalid: [string, unknown, string][] = [
    ['shorter than 5 minutes', [1], '/reminderOffsetsMinutes/0'],
    ['longer than two weeks', [1440, 20161], '/reminderOffsetsMinutes/1'],
    ['more than five', [10, 20, 30, 40, 50, 60], '/reminderOffsetsMinutes'],
    ['the same time twice', [120, 120], '/reminderOffsetsMinutes'],
    ['not a number', ['a day'], '/reminderOffsetsMinutes/0'],
    ['not a list', 1440, '/reminderOffsetsMinutes'],
  ];
  for (const [what, value, pointer] of invalid) {
    t.comment(what);
    problem(t, await s.call('PATCH', `/events/${changed.id}`, { reminderOffsetsMinutes: value }), 400, 'validation_failed', [pointer]);
    problem(t, await s.call('POST', '/events', { ...draft(s.unit.id), reminderOffsetsMinutes: value }), 400, 'validation_failed', [pointer]);
  }
  t.same((await s.call('GET', `/events/${changed.id}`)).json<EventDoc>().reminderOffsetsMinutes, [1440, 120], 'the refused changes left the event as it was');
  const bounds = await s.call('POST', '/events', { ...draft(s.unit.id), reminderOffsetsMinutes: [20160, 5, 60, 120, 1440] });
  expectStatus(t, bounds, 201, 'five times, 5 and 20160 minutes included, are accepted');
  t.same(bounds.json<EventDoc>().reminderOffsetsMinutes, [20160, 5, 60, 120, 1440]);

  // Changed after sign-up: the planned ones are withdrawn and the new time planned.
  const patched = await s.call('PATCH', `/events/${changed.id}`, { reminderOffsetsMinutes: [30] });
  expectStatus(t, patched, 200, 'the organizer changes the reminder times to half an hour before');
  t.same(patched.json<EventDoc>().reminderOffsetsMinutes, [30], 'the answer shows the new times');
  t.same((await s.call('GET', `/events/${changed.id}`)).json<EventDoc>().reminderOffsetsMinutes, [30], 'and so does the event afterwards');
  t.same(await s.deliver(), [], 'changing the reminder times sends nothing itself');
  t.same((await s.reminderRows(changedR)).map((m) => [m.offset, m.state, m.dueAt, m.lastError]), [
    [1440, 'cancelled', before(1440), 'the event\'s reminder times changed'],
    [120, 'cancelled', before(120), 'the event\'s reminder times changed'],
    [30, 'planned', before(30), null],
  ]);

  t.same(await s.deliverAt('2030-04-21T01:00:00Z'), [], 'a day before: no reminder for any of them');
  t.same(await s.deliverAt('2030-04-21T23:00:00Z'), [], 'two hours before: likewise');
  t.same(await s.deliverAt('2030-04-21T23:59:59Z'), []);
  const hour = await s.deliverAt(before(60));
  t.same(summary(hour), [`${hourlyR.email} mail.reminder`], 'an hour before: the [60] event\'s registrant');
  t.match(hour[0]?.parsed.text, 'starts in 1 hour');
  t.same(await s.deliverAt('2030-04-22T00:29:59Z'), []);
  const halfHour = await s.deliverAt(before(30));
  t.same(summary(halfHour), [`${changedR.email} mail.reminder`], 'half an hour before: the changed event\'s registrant');
  t.match(halfHour[0]?.parsed.text, '30分钟后开始');
  t.same(await s.deliverAt(after(1)), [], 'nothing after the start');
  t.same(await s.deliverAt(after(60 * 24)), []);
});

t.test('no reminders for a cancelled registration, a cancelled event or a cancelled session', async (t) => {
  const s = scene(t);
  const kept = await s.publishedEvent();
  const stays = await s.signUp(kept.id);
  const leaves = await s.signUp(kept.id, 'en');
  const cancelledEvent = await s.publishedEvent();
  const ofCancelledEvent = await s.signUp(cancelledEvent.id);
  const cancelledSession = await s.publishedEvent();
  const ofCancelledSession = await s.signUp(cancelledSession.id, 'en');
  t.equal((await s.deliver()).length, 4, 'four confirmations');

  expectStatus(t, await s.call('POST', `/registrations/${leaves.token}/cancel`, undefined, {}), 200, 'one person cancels');
  expectStatus(t, await s.call('POST', `/events/${cancelledEvent.id}/cancel`), 200, 'the organizer cancels an event');
  expectStatus(t, await s.call('POST', `/events/${cancelledSession.id}/sessions/${cancelledSession.sessions[0]!.id}/cancel`), 200, 'and another event\'s session');
  t.same(summary(await s.deliver()), [
    `${leaves.email} mail.cancelled_by_registrant`,
    `${ofCancelledEvent.email} mail.cancelled_by_organizer`,
    `${ofCancelledSession.email} mail.cancelled_by_organizer`,
  ].sort(), 'each is told of the cancellation');

  for (const r of [leaves, ofCancelledEvent, ofCancelledSession]) {
    t.same((await s.reminderRows(r)).map((m) => m.state), ['cancelled', 'cancelled'], `${r.email}: the reminders are withdrawn`);
  }
  t.same(summary(await s.deliverAt('2030-04-21T01:00:00Z')), [`${stays.email} mail.reminder`], 'a day before: only the one still registered');
  t.same(summary(await s.deliverAt('2030-04-21T23:00:00Z')), [`${stays.email} mail.reminder`], 'two hours before: likewise');
  t.same(await s.deliverAt(after(1)), []);
});

t.test('a moved session: the reminders are planned again for the new time', async (t) => {
  const s = scene(t);
  const event = await s.publishedEvent();
  const sessionId = event.sessions[0]!.id;
  const r = await s.signUp(event.id);
  await s.deliver();

  const moved = await s.call('PATCH', `/events/${event.id}/sessions/${sessionId}`, { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' });
  expectStatus(t, moved, 200, 'the organizer moves the session a day later');
  t.equal(Date.parse(moved.json<EventDoc>().sessions[0]!.startsAt), Date.parse('2030-04-23T01:00:00Z'), 'to 23 April, 09:00 Shanghai');
  const notice = await s.deliver();
  t.same(summary(notice), [`${r.email} mail.changed`], 'a change notice goes at once');
  t.match(notice[0]!.parsed.text, '2030年4月23日（周二）09:00–11:00');

  const newStart = Date.parse('2030-04-23T01:00:00Z');
  t.same((await s.reminderRows(r)).map((m) => [m.offset, m.state, m.dueAt, m.lastError]), [
    [1440, 'cancelled', before(1440), 'the session was moved'],
    [120, 'cancelled', before(120), 'the session was moved'],
    [1440, 'planned', before(1440, newStart), null],
    [120, 'planned', before(120, newStart), null],
  ]);

  t.same(await s.deliverAt('2030-04-21T01:00:00Z'), [], 'nothing at the old day-before time');
  t.same(await s.deliverAt('2030-04-21T23:00:00Z'), [], 'nor at the old two-hours-before time');
  t.same(await s.deliverAt('2030-04-22T00:59:59Z'), []);
  const due = await s.deliverAt('2030-04-22T01:00:00Z');
  t.same(summary(due), [`${r.email} mail.reminder`], 'a day before the new start: one reminder');
  t.match(due[0]!.parsed.text, '2030年4月23日（周二）09:00–11:00', 'for 23 April');
  t.notMatch(due[0]!.parsed.text, '4月22日');
  t.same(summary(await s.deliverAt('2030-04-22T23:00:00Z')), [`${r.email} mail.reminder`], 'two hours before the new start');
  t.same(await s.deliverAt(after(1, newStart)), []);
});

t.test('signed up three hours before the start: only the two-hour reminder', async (t) => {
  const s = scene(t, '2030-04-21T22:00:00Z');
  const event = await s.publishedEvent();
  const r = await s.signUp(event.id);
  t.same(summary(await s.deliver()), [`${r.email} mail.confirmed`]);
  t.same((await s.reminderRows(r)).map((m) => [m.offset, m.state, m.dueAt]), [[120, 'planned', before(120)]], 'the day-before one has passed: not planned');
  t.same(await s.deliverAt('2030-04-21T22:59:59Z'), []);
  const due = await s.deliverAt('2030-04-21T23:00:00Z');
  t.same(summary(due), [`${r.email} mail.reminder`]);
  t.match(due[0]!.parsed.text, '2小时后开始');
  t.same(await s.deliverAt(after(1)), [], 'and nothing more');
});

t.test('workers that were down: only the closest reminder goes, and none after the start', async (t) => {
  const s = scene(t);
  const event = await s.publishedEvent();
  const r = await s.signUp(event.id, 'en');
  const later = await s.publishedEvent({}, '2030-04-25');
  const laterStart = Date.parse('2030-04-25T01:00:00Z');
  const neverReminded = await s.signUp(later.id);
  t.equal((await s.deliver()).length, 2, 'the confirmations');

  const late = await s.deliverAt(before(60));
  t.same(summary(late), [`${r.email} mail.reminder`], 'an hour before the start, both times passed: one reminder');
  t.match(late[0]!.parsed.text, 'starts in 2 hours', 'the two-hour one');
  t.same((await s.reminderRows(r)).map((m) => [m.offset, m.state, m.lastError]), [
    [1440, 'cancelled', 'a later reminder is due already'],
    [120, 'sent', null],
  ], 'the day-before one is dropped, with the reason');
  t.same(await s.deliverAt(after(1)), []);

  t.same((await s.reminderRows(neverReminded)).map((m) => m.state), ['planned', 'planned'], 'the later event\'s reminders are still to go');
  t.same(await s.deliverAt(after(30, laterStart)), [], 'first run after that event started: no reminder');
  t.same((await s.reminderRows(neverReminded)).map((m) => [m.offset, m.state, m.lastError]), [
    [1440, 'cancelled', 'the session has started'],
    [120, 'cancelled', 'the session has started'],
  ], 'both withdrawn, not sent');
  const seen = (await s.messagesOf(later.id)).filter((m) => m.kind === 'mail.reminder');
  t.same(seen.map((m) => [m.state, m.lastError]), [['cancelled', 'the session has started'], ['cancelled', 'the session has started']],
    'the organizers see why');
  t.same(await s.deliverAt(after(60 * 24, laterStart)), [], 'and nothing later either');
});

t.test('a promotion from the waiting list plans the reminders still ahead', async (t) => {
  const s = scene(t);
  const event = await s.publishedEvent({ capacity: 1 });
  const first = await s.signUp(event.id);
  const second = await s.signUp(event.id, 'en');
  t.same([first.status, second.status], ['confirmed', 'waitlisted']);
  t.same(summary(await s.deliver()), [`${first.email} mail.confirmed`, `${second.email} mail.waitlisted`].sort());
  t.same(await s.reminderRows(second), [], 'no reminders while waitlisted');

  t.same(summary(await s.deliverAt('2030-04-21T01:00:00Z')), [`${first.email} mail.reminder`], 'a day before: only the confirmed one');

  s.clock.set('2030-04-21T02:00:00Z');
  expectStatus(t, await s.call('POST', `/registrations/${first.token}/cancel`, undefined, {}), 200, 'the confirmed one cancels, 23 hours before');
  t.same(summary(await s.deliver()), [`${first.email} mail.cancelled_by_registrant`, `${second.email} mail.promoted`].sort(), 'the waiting one is promoted');
  t.same((await s.reminderRows(second)).map((m) => [m.offset, m.state, m.dueAt]), [[120, 'planned', before(120)]], 'only the reminder still ahead is planned');
  t.same((await s.reminderRows(first)).map((m) => [m.offset, m.state]), [[1440, 'sent'], [120, 'cancelled']]);

  const due = await s.deliverAt('2030-04-21T23:00:00Z');
  t.same(summary(due), [`${second.email} mail.reminder`], 'two hours before: the promoted one');
  t.equal(due[0]!.parsed.subject, 'Reminder: Earth Day lecture');
  t.same(await s.deliverAt(after(1)), []);
});
