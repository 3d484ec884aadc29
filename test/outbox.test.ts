import t from 'tap';
import { eq, sql } from 'drizzle-orm';
import { connectPostgres, type Database } from '../src/db/client.js';
import { outboxMessages } from '../src/db/schema/index.js';
import { claimDue, enqueue, retryDelay, DEFAULT_RETRY, type OutboxMessage } from '../src/modules/outbox/outbox.js';
import { createOutboxWorker, oneByOne, Undeliverable, type Channel } from '../src/modules/outbox/worker.js';
import { onPostgres, testDatabase } from './helpers/database.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/**
 * The durable outbox on its own, with channels that record what they were given: planning in
 * the change's transaction, claiming, leases, retries, release on stop, and several workers
 * sharing one PostgreSQL.
 */

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const movable = (at: string) => ({ at: new Date(at), now() { return this.at; }, move(ms: number) { this.at = new Date(this.at.getTime() + ms); } });

/** A channel that records each send, failing while `failing` says so. */
function recorder() {
  const sent: OutboxMessage[] = [];
  const state = { failing: false as false | 'retry' | 'never' };
  const channel = oneByOne(async (message) => {
    if (state.failing === 'retry') throw new Error('smtp down: 421');
    if (state.failing === 'never') throw new Undeliverable('no address any more');
    sent.push(message);
  });
  return { sent, state, channel };
}

const rows = (db: Database) => db.select().from(outboxMessages).orderBy(outboxMessages.id);
const plan = (key: string, dueAt?: Date) => ({ kind: 'test.note', channel: 'test', payload: { key }, dedupeKey: key, ...(dueAt ? { dueAt } : {}) });

t.test('planned in the change\'s transaction: a rollback leaves no message, a commit one', async (t) => {
  const { db } = await testDatabase(t);
  const now = new Date('2030-01-01T00:00:00Z');
  await t.rejects(db.transaction(async (tx) => {
    await enqueue(tx, plan('rolled-back'), now);
    throw new Error('the change failed');
  }));
  await db.transaction(async (tx) => { await enqueue(tx, plan('committed'), now); });
  t.same((await rows(db)).map((r) => [r.dedupeKey, r.state, r.attempts]), [['committed', 'planned', 0]]);
});

t.test('the same dedupe key planned twice is one message', async (t) => {
  const { db } = await testDatabase(t);
  const now = new Date('2030-01-01T00:00:00Z');
  t.equal(await enqueue(db, plan('once'), now), true);
  t.equal(await enqueue(db, plan('once'), now), false, 'the second is a no-op');
  t.equal((await rows(db)).length, 1);
});

t.test('a worker sends what is due, once, and waits for what is not', async (t) => {
  const { db } = await testDatabase(t);
  const clock = movable('2030-01-01T00:00:00Z');
  const { sent, channel } = recorder();
  await enqueue(db, plan('now'), clock.now());
  await enqueue(db, plan('in an hour', new Date(clock.now().getTime() + 3600_000)), clock.now());
  const worker = createOutboxWorker({ db, channels: { test: channel }, clock, log: silent });
  t.equal(await worker.drain(), 1);
  t.same(sent.map((m) => m.dedupeKey), ['now']);
  t.equal(await worker.drain(), 0, 'nothing more is due');
  clock.move(3600_000);
  t.equal(await worker.drain(), 1);
  t.same(sent.map((m) => m.dedupeKey), ['now', 'in an hour']);
  t.same((await rows(db)).map((r) => [r.dedupeKey, r.state, r.attempts, r.claimedBy]), [['now', 'sent', 1, worker.workerId], ['in an hour', 'sent', 1, worker.workerId]]);
  t.equal(await worker.drain(), 0, 'a sent message is never sent again');
});

t.test('a failed send is retried after a growing, jittered delay, then failed for good', async (t) => {
  const { db } = await testDatabase(t);
  const clock = movable('2030-01-01T00:00:00Z');
  const { sent, state, channel } = recorder();
  const retry = { maxAttempts: 3, baseDelayMs: 60_000, maxDelayMs: 3600_000 };
  const worker = createOutboxWorker({ db, channels: { test: channel }, clock, retry, log: silent });
  await enqueue(db, plan('flaky'), clock.now());
  state.failing = 'retry';
  await worker.drain();
  let [row] = await rows(db);
  t.match(row, { state: 'planned', attempts: 1, lastError: 'smtp down: 421' });
  const firstDelay = row!.dueAt.getTime() - clock.now().getTime();
  t.ok(firstDelay >= 48_000 && firstDelay <= 72_000, `retried about a minute later (${firstDelay} ms)`);
  t.equal(await worker.drain(), 0, 'not before its time');

  clock.move(firstDelay);
  await worker.drain();
  [row] = await rows(db);
  const secondDelay = row!.dueAt.getTime() - clock.now().getTime();
  t.ok(secondDelay >= 96_000 && secondDelay <= 144_000, `then about two minutes (${secondDelay} ms)`);

  clock.move(secondDelay);
  await worker.drain();
  [row] = await rows(db);
  t.match(row, { state: 'failed', attempts: 3, lastError: 'smtp down: 421' }, 'after the last attempt: failed, with the reason');
  clock.move(24 * 3600_000);
  t.equal(await worker.drain(), 0, 'a failed message stays failed');
  t.same(sent, []);

  t.equal(retryDelay(1, DEFAULT_RETRY, () => 0.5), 30_000);
  t.equal(retryDelay(4, DEFAULT_RETRY, () => 0.5), 240_000);
  t.equal(retryDelay(20, DEFAULT_RETRY, () => 0.5), 3600_000, 'capped at an hour');
  t.equal(retryDelay(1, DEFAULT_RETRY, () => 0), 24_000, '−20 %');
  t.equal(retryDelay(1, DEFAULT_RETRY, () => 1), 36_000, '+20 %');
});

t.test('the mail server coming back: the retried message is delivered once', async (t) => {
  const { db } = await testDatabase(t);
  const clock = movable('2030-01-01T00:00:00Z');
  const { sent, state, channel } = recorder();
  const worker = createOutboxWorker({ db, channels: { test: channel }, clock, log: silent });
  await enqueue(db, plan('later'), clock.now());
  state.failing = 'retry';
  await worker.drain();
  state.failing = false;
  clock.move(60_000);
  await worker.drain();
  t.same(sent.map((m) => [m.dedupeKey, m.attempts]), [['later', 2]]);
  t.match((await rows(db))[0], { state: 'sent', lastError: null });
});

t.test('an undeliverable message is cancelled, not retried', async (t) => {
  const { db } = await testDatabase(t);
  const clock = movable('2030-01-01T00:00:00Z');
  const { state, channel } = recorder();
  state.failing = 'never';
  await enqueue(db, plan('nobody'), clock.now());
  await createOutboxWorker({ db, channels: { test: channel }, clock, log: silent }).drain();
  t.match((await rows(db))[0], { state: 'cancelled', lastError: 'no address any more' });
});

t.test('a worker that died mid-batch: its claims go to another worker when the lease runs out', async (t) => {
  const { db } = await testDatabase(t);
  const clock = movable('2030-01-01T00:00:00Z');
  for (const key of ['a', 'b', 'c']) await enqueue(db, plan(key), clock.now());
  // The dead worker claimed everything and never settled any of it.
  const claimed = await claimDue(db, { workerId: 'dead', limit: 10, leaseMs: 60_000, now: clock.now() });
  t.equal(claimed.length, 3);
  const { sent, channel } = recorder();
  const survivor = createOutboxWorker({ db, channels: { test: channel }, clock, leaseMs: 60_000, log: silent });
  t.equal(await survivor.drain(), 0, 'within the lease: left alone');
  clock.move(60_000);
  t.equal(await survivor.drain(), 3, 'after it: taken over');
  t.same(sent.map((m) => [m.dedupeKey, m.attempts]), [['a', 2], ['b', 2], ['c', 2]], 'the attempt of the dead worker counts');
  t.ok((await rows(db)).every((r) => r.state === 'sent' && r.claimedBy === survivor.workerId));
});

t.test('stop() lets the send in hand finish and gives the rest of the batch back', async (t) => {
  const { db } = await testDatabase(t);
  const clock = movable('2030-01-01T00:00:00Z');
  for (const key of ['first', 'second', 'third']) await enqueue(db, plan(key), clock.now());
  let release = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const sent: string[] = [];
  let entered = () => {};
  const sending = new Promise<void>((resolve) => { entered = resolve; });
  const slow = oneByOne(async (message) => { entered(); await gate; sent.push(message.dedupeKey); });
  const worker = createOutboxWorker({ db, channels: { test: slow }, clock, batchSize: 3, log: silent });
  worker.start();
  await sending;
  const stopped = worker.stop();
  release();
  await stopped;
  t.same(sent, ['first'], 'the send in hand finished');
  t.same((await rows(db)).map((r) => [r.dedupeKey, r.state, r.attempts, r.claimedBy]), [
    ['first', 'sent', 1, worker.workerId], ['second', 'planned', 0, null], ['third', 'planned', 0, null],
  ], 'the rest planned again, their attempt not counted');
});

t.test('PostgreSQL: two workers on their own connections share 400 messages, each sent exactly once', { skip: onPostgres ? false : 'needs PostgreSQL: two connection pools at once (runs when DATABASE_URL is set, CI\'s second pass)' }, async (t) => {
  const first = await testDatabase(t);
  const second = connectPostgres(first.url!, { poolSize: 4 });
  t.teardown(() => second.close());
  const clock = movable('2030-01-01T00:00:00Z');
  await first.db.insert(outboxMessages).values(Array.from({ length: 400 }, (_, i) => ({
    kind: 'test.note', channel: 'test', payload: { i }, dedupeKey: `bulk-${i}`, dueAt: clock.now(),
  })));
  const sends: { worker: string; key: string }[] = [];
  const channelFor = (worker: string): Channel => oneByOne(async (message) => {
    await new Promise((resolve) => setImmediate(resolve));
    sends.push({ worker, key: message.dedupeKey });
  });
  const workers = [
    createOutboxWorker({ db: first.db, channels: { test: channelFor('one') }, clock, batchSize: 10, log: silent }),
    createOutboxWorker({ db: second.db, channels: { test: channelFor('two') }, clock, batchSize: 10, log: silent }),
  ];
  await Promise.all(workers.map((w) => w.drain()));
  const keys = sends.map((s) => s.key);
  t.equal(keys.length, 400, 'every message sent');
  t.equal(new Set(keys).size, 400, 'none twice');
  t.ok(sends.some((s) => s.worker === 'one') && sends.some((s) => s.worker === 'two'), 'both workers took a share');
  const [counts] = await first.db.select({ sent: sql<number>`count(*) filter (where ${outboxMessages.state} = 'sent')::int`, attempts: sql<number>`sum(${outboxMessages.attempts})::int` }).from(outboxMessages);
  t.same(counts, { sent: 400, attempts: 400 }, 'all settled, one attempt each');
  const [stray] = await first.db.select({ n: sql<number>`count(*)::int` }).from(outboxMessages).where(eq(outboxMessages.state, 'sending'));
  t.equal(stray!.n, 0);
});

t.test('organizers see their event\'s messages, without their content, and send a failed one again', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const otherUnit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const stranger = await buildAccount(db, { role: 'organizer', unitIds: [otherUnit.id] });
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id) })).json();
  const otherEvent = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(otherUnit.id) })).json();
  const now = new Date();
  const secret = { to: 'resident-secret@example.cn', name: '王秘密' };
  await enqueue(db, { ...plan('failed-one'), payload: secret, eventId: event.id }, now);
  await enqueue(db, { ...plan('sent-one'), payload: secret, eventId: event.id }, now);
  await enqueue(db, { ...plan('elsewhere'), eventId: otherEvent.id }, now);
  const ids = Object.fromEntries((await rows(db)).map((r) => [r.dedupeKey, r.id]));
  await db.update(outboxMessages).set({ state: 'failed', attempts: 8, lastError: '550 mailbox unavailable' }).where(eq(outboxMessages.id, ids['failed-one']!));
  await db.update(outboxMessages).set({ state: 'sent', attempts: 1, sentAt: now }).where(eq(outboxMessages.id, ids['sent-one']!));

  const listed = await app.inject({ url: `/api/v1/events/${event.id}/messages`, headers: organizer.headers });
  t.equal(listed.statusCode, 200);
  t.match(listed.json().items, [
    { id: ids['failed-one'], kind: 'test.note', state: 'failed', attempts: 8, lastError: '550 mailbox unavailable', sentAt: null },
    { id: ids['sent-one'], state: 'sent', attempts: 1 },
  ]);
  t.equal(listed.json().items.length, 2, 'only this event\'s');
  t.notOk(listed.body.includes('resident-secret') || listed.body.includes('王秘密') || listed.body.includes('payload'), 'no content, no personal data');
  t.equal((await app.inject({ url: `/api/v1/events/${event.id}/messages`, headers: stranger.headers })).statusCode, 403, 'another unit\'s organizer may not look');
  t.equal((await app.inject({ url: `/api/v1/events/${event.id}/messages` })).statusCode, 401);

  const resend = (messageId: number, eventId = event.id, headers = organizer.headers) =>
    app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/messages/${messageId}/resend`, headers });
  const again = await resend(ids['failed-one']!);
  t.equal(again.statusCode, 202);
  t.same(again.json(), { id: ids['failed-one'], state: 'planned' });
  t.match((await rows(db)).find((r) => r.id === ids['failed-one']), { state: 'planned', attempts: 0, claimedBy: null });
  problem(t, await resend(ids['failed-one']!), 409, 'not_failed');
  problem(t, await resend(ids['sent-one']!), 409, 'not_failed');
  problem(t, await resend(ids.elsewhere!), 404, 'message_not_found');
  problem(t, await resend(999_999), 404, 'message_not_found');
  t.equal((await resend(ids['failed-one']!, event.id, stranger.headers)).statusCode, 403);
  const audit = (await app.inject({ url: `/api/v1/audit?objectKind=message&objectId=${ids['failed-one']}`, headers: adminHeaders })).json();
  t.match(audit.items, [{ action: 'resent', objectKind: 'message', actorAccountId: organizer.account.id }], 'the resend is in the audit log');

  const { sent, channel } = recorder();
  await createOutboxWorker({ db, channels: { test: channel }, clock: { now: () => new Date() }, log: silent }).drain();
  t.ok(sent.some((m) => m.id === ids['failed-one']), 'and the worker sends it');
});


t.test('a worker renews its claims while a slow batch is sent: nobody else takes them over', async (t) => {
  const { db } = await testDatabase(t);
  const clock = { now: () => new Date() };
  for (const key of ['slow-1', 'slow-2']) await enqueue(db, plan(key), clock.now());
  let release = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const sent: string[] = [];
  let entered = () => {};
  const sending = new Promise<void>((resolve) => { entered = resolve; });
  const slow = oneByOne(async (message) => { entered(); await gate; sent.push(`slow:${message.dedupeKey}`); });
  const holder = createOutboxWorker({ db, channels: { test: slow }, clock, leaseMs: 1500, log: silent });
  const { sent: stolen, channel } = recorder();
  const other = createOutboxWorker({ db, channels: { test: channel }, clock, leaseMs: 1500, log: silent });
  const held = holder.drain();
  await sending;
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await other.drain();
  }
  release();
  await held;
  t.same(stolen, [], 'four seconds past a 1.5 s lease, the other worker took nothing');
  t.same(sent, ['slow:slow-1', 'slow:slow-2'], 'the holder sent both');
  t.same((await rows(db)).map((r) => [r.state, r.attempts]), [['sent', 1], ['sent', 1]]);
});
