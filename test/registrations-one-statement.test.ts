import t from 'tap';
import type { Test } from 'tap';
import { eq, sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.js';
import { events, outboxMessages, registrations, sessions } from '../src/db/schema/index.js';
import { createChangeRecorder, type ChangeRecorder, type RegistrationChange } from '../src/modules/changes/change-recorder.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/*
 * A resident's sign-up is made by one statement outside any transaction when every listener
 * of the change recorder can take part in it (registrations.service.ts, signUpInOneStatement):
 * what the listeners write goes into that statement, what they do in process runs after it
 * committed. Otherwise the sign-up takes a transaction. Both ways must give the same outcome.
 */

type EventDoc = { id: string; sessions: { id: string }[] };

async function scene(t: Test, changes: ChangeRecorder) {
  const clock = { at: new Date('2030-04-20T00:00:00Z'), now() { return this.at; } };
  const { app, db } = await build(t, { clock, changes });
  const unit = await buildUnit(db);
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  async function publishedEvent(fields: Record<string, unknown>): Promise<EventDoc> {
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'both', ...fields }, '2030-04-22') });
    t.equal(created.statusCode, 201, 'event created');
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${created.json<EventDoc>().id}/publish`, headers: adminHeaders });
    t.equal(published.statusCode, 200, 'and published');
    return published.json<EventDoc>();
  }
  let people = 0;
  const signUp = (eventId: string, partySize = 1) => {
    const n = ++people;
    return app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`, payload: { kind: 'individual', name: `居民${n}`, email: `resident${n}@example.cn`, partySize, consentVersion } });
  };
  const mailKinds = async (registrationId: string) => (await db.select({ kind: outboxMessages.kind }).from(outboxMessages)
    .where(sql`${outboxMessages.payload} ->> 'registrationId' = ${registrationId}`)).map((m) => m.kind).sort();
  return { db, publishedEvent, signUp, mailKinds };
}

t.test('every listener takes part: its CTE is written by the sign-up\'s statement and afterCommit hears the change', async (t) => {
  const changes = createChangeRecorder();
  const committed: RegistrationChange[] = [];
  let inTransaction = 0;
  // The app adds its own listeners (mail, cache, webhooks), which all take part; so does this one.
  changes.onChange(async (_tx, change) => { if (change.entity === 'registration') inTransaction++; }, {
    cte: (registration) => sql`insert into signed_up_marks (registration_id, status) select id, status from ${registration}`,
    afterCommit: (change) => committed.push(change),
  });
  const { db, publishedEvent, signUp, mailKinds } = await scene(t, changes);
  await db.execute(sql`create table signed_up_marks (registration_id uuid primary key, status text not null)`);
  const event = await publishedEvent({ capacity: 3 });

  const first = await signUp(event.id, 2);
  t.equal(first.statusCode, 201, 'the first party is signed up');
  const confirmed = first.json<{ registration: { id: string; status: string } }>().registration;
  t.equal(confirmed.status, 'confirmed');
  const second = await signUp(event.id, 2);
  const waitlisted = second.json<{ registration: { id: string; status: string; waitlistPosition: number } }>().registration;
  t.same([waitlisted.status, waitlisted.waitlistPosition], ['waitlisted', 1], 'two more do not fit the one seat left: first on the waiting list');

  const marks = rowsOf<{ registration_id: string; status: string }>(await db.execute(sql`select registration_id, status from signed_up_marks order by status`));
  t.same(marks, [{ registration_id: confirmed.id, status: 'confirmed' }, { registration_id: waitlisted.id, status: 'waitlisted' }],
    'the listener\'s CTE saw each new row with the status the statement decided');
  t.same(committed.map((c) => [c.action, c.registrationId, c.status, c.eventId]), [['created', confirmed.id, 'confirmed', event.id], ['created', waitlisted.id, 'waitlisted', event.id]],
    'afterCommit heard each sign-up');
  t.equal(inTransaction, 0, 'no transaction listener ran: the sign-ups took no transaction');
  t.same(await mailKinds(confirmed.id), ['mail.confirmed', 'mail.reminder', 'mail.reminder'], 'the confirmation and its two reminders were planned in the statement');
  t.same(await mailKinds(waitlisted.id), ['mail.waitlisted'], 'and the waiting-list notice');
  const [session] = await db.select({ seatsTaken: sessions.seatsTaken }).from(sessions).where(eq(sessions.id, event.sessions[0]!.id));
  t.equal(session!.seatsTaken, 2, 'only the confirmed party holds seats');
});

t.test('a listener that cannot take part: the sign-up runs in a transaction, with the same outcome', async (t) => {
  const changes = createChangeRecorder();
  const heard: RegistrationChange[] = [];
  changes.onChange(async (_tx, change) => { if (change.entity === 'registration') heard.push(change); });
  const { publishedEvent, signUp, mailKinds } = await scene(t, changes);
  const event = await publishedEvent({ capacity: 3 });
  const confirmed = (await signUp(event.id, 2)).json<{ registration: { id: string; status: string } }>().registration;
  const waitlisted = (await signUp(event.id, 2)).json<{ registration: { id: string; status: string; waitlistPosition: number } }>().registration;
  t.same([confirmed.status, waitlisted.status, waitlisted.waitlistPosition], ['confirmed', 'waitlisted', 1]);
  t.same(heard.map((c) => [c.action, c.registrationId, c.status]), [['created', confirmed.id, 'confirmed'], ['created', waitlisted.id, 'waitlisted']], 'the listener heard both in their transactions');
  t.same(await mailKinds(confirmed.id), ['mail.confirmed', 'mail.reminder', 'mail.reminder']);
  t.same(await mailKinds(waitlisted.id), ['mail.waitlisted']);
});

t.test('the statement re-checks what the cached event may no longer say, and writes nothing when it refuses', async (t) => {
  const { db, publishedEvent, signUp } = await scene(t, createChangeRecorder());
  const event = await publishedEvent({ capacity: 2, waitlistEnabled: false });
  const sessionId = event.sessions[0]!.id;
  t.equal((await signUp(event.id, 2)).statusCode, 201, 'the two seats are taken (and the event is now in the sign-up cache)');

  const full = await signUp(event.id, 1);
  t.equal(problem(t, full, 409, 'full').seatsLeft, 0, 'with the waiting list off, a full session answers 409 full');

  // Changes another process might make: this process's sign-up cache still has the event as it was.
  await db.update(sessions).set({ capacity: 10 }).where(eq(sessions.id, sessionId));
  await db.update(sessions).set({ status: 'cancelled' }).where(eq(sessions.id, sessionId));
  problem(t, await signUp(event.id, 1), 409, 'session_cancelled');
  await db.update(sessions).set({ status: 'scheduled' }).where(eq(sessions.id, sessionId));
  await db.update(events).set({ status: 'cancelled' }).where(eq(events.id, event.id));
  problem(t, await signUp(event.id, 1), 409, 'event_cancelled');

  const rows = await db.select({ status: registrations.status }).from(registrations).where(eq(registrations.eventId, event.id));
  t.same(rows.map((r) => r.status), ['confirmed'], 'only the first sign-up was written');
  const [session] = await db.select({ seatsTaken: sessions.seatsTaken }).from(sessions).where(eq(sessions.id, sessionId));
  t.equal(session!.seatsTaken, 2, 'no seat was taken by a refused sign-up');
  const planned = await db.select({ kind: outboxMessages.kind }).from(outboxMessages).where(eq(outboxMessages.eventId, event.id));
  t.same(planned.map((m) => m.kind).sort(), ['mail.confirmed', 'mail.reminder', 'mail.reminder'], 'mail planned for the first sign-up only');
});
