import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { and, eq, sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { connectPostgres } from '../src/db/client.js';
import { outboxMessages } from '../src/db/schema/index.js';
import { MAIL_KINDS } from '../src/modules/mail/kinds.js';
import { startMailSink } from '../src/modules/mail/sink.js';
import { TEST_SECRET_KEY } from './helpers/build.js';
import { onPostgres } from './helpers/database.js';
import { mailScene, mailWorker, movableClock } from './helpers/mail.js';

/**
 * Mail delivery when things go wrong, through real SMTP (nodemailer's pool to smtp-server):
 * a mail server that refuses, one that is down, a worker process killed mid-batch, one
 * stopped gracefully mid-batch, and two workers sharing 300 mails. The outbox promises
 * at-least-once delivery: a mail may be sent twice only when a worker died after its SMTP
 * server took the mail and before the row was marked sent, and then with the same Message-ID.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const needsPostgres = (why: string) => ({ skip: onPostgres ? false : `needs PostgreSQL: ${why} (runs when DATABASE_URL is set, CI's second pass)` });
/** Sign-ups and bursts of them are not what these tests are about. */
const noLimits = { SIGNUP_RATE_LIMIT_PER_MINUTE: 1_000_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 1_000_000 };

type Scene = Awaited<ReturnType<typeof mailScene>>;

/** One mail as an SMTP server took it. */
type Taken = { messageId: string; outboxId: number; to: string[]; kind: string };

/** The outbox row a mail was sent for, from its Message-ID `<kepu-<outboxId>@host>`. */
const outboxIdOf = (messageId: string) => Number(/^<kepu-(\d+)@[^>]+>$/.exec(messageId)?.[1] ?? Number.NaN);

/** A mail's header fields (unfolded, names in lower case); the body is not looked at. */
function headersOf(raw: Buffer): Map<string, string> {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  return new Map(head.split(/\r?\n/).map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as [string, string];
  }));
}

/**
 * A real SMTP server of the test's own: it refuses every recipient with 451 while `refusing`,
 * and answers 250 to a mail only `ackDelayMs` after it took it (a slow server, so a batch takes
 * a while). A mail counts as taken once its data is in, as a real server would have queued it:
 * a client that dies before the 250 does not know, and sends it again.
 */
async function testSmtp(t: Test, { port = 0, ackDelayMs = 0 }: { port?: number; ackDelayMs?: number } = {}) {
  const taken: Taken[] = [];
  const state = { refusing: false, onTaken: (_count: number) => {} };
  let rejectedRecipients = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, closeTimeout: 200,
    onRcptTo(_address, _session, callback) {
      if (state.refusing) {
        rejectedRecipients++;
        return callback(Object.assign(new Error('try later'), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const headers = headersOf(Buffer.concat(chunks));
        const messageId = headers.get('message-id') ?? '';
        taken.push({ messageId, outboxId: outboxIdOf(messageId), to: session.envelope.rcptTo.map((r) => r.address), kind: headers.get('x-kepu-mail-kind') ?? '' });
        state.onTaken(taken.length);
        setTimeout(() => callback(), ackDelayMs);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  // A client that dies mid-conversation resets its connection: the server's business, not the test's.
  server.on('error', () => {});
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, taken, state, rejected: () => rejectedRecipients };
}

/** A port nothing listens on (taken from the system, then given back). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** `count` people signed up for the event, each with an address of their own; their registration ids. */
async function signUps(scene: Scene, eventId: string, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let from = 0; from < count; from += 10) {
    const answers = await Promise.all(Array.from({ length: Math.min(10, count - from) }, (_, j) => {
      const i = from + j;
      return scene.call('POST', `/events/${eventId}/registrations`, {
        kind: 'individual', name: `居民${i}`, email: `${prefix}-${i}@example.cn`, partySize: 1, language: 'zh', consentVersion: scene.consentVersion,
      }, {});
    }));
    for (const answer of answers) {
      if (answer.statusCode !== 201) throw new Error(`sign-up refused: ${answer.statusCode} ${answer.body}`);
      const { registration } = answer.json<{ registration: { id: string; status: string } }>();
      if (registration.status !== 'confirmed') throw new Error(`sign-up not confirmed: ${registration.status}`);
      ids.push(registration.id);
    }
  }
  return ids;
}

/** The confirmation rows (reminders are planned too, but fall due only in 2030). */
const confirmations = (scene: Scene) => scene.db.select().from(outboxMessages)
  .where(eq(outboxMessages.kind, MAIL_KINDS.confirmed)).orderBy(outboxMessages.id);

const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

/** `src/worker.ts` as a process of its own, against the test's database and mail server. */
function childWorker(t: Test, { databaseUrl, smtpPort, publicBaseUrl }: { databaseUrl: string; smtpPort: number; publicBaseUrl: string }) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
    cwd: ROOT,
    // Not the test's environment: tap's own NODE_OPTIONS and the like stay out of it.
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, TZ: 'UTC',
      DATABASE_URL: databaseUrl, SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SECRET_KEY: TEST_SECRET_KEY,
      PUBLIC_BASE_URL: publicBaseUrl, LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  /** Resolves once it polls for due messages (its signal handlers are in place by then). */
  const ready = new Promise<void>((resolve, reject) => {
    const look = () => { if (output.includes('outbox worker started')) resolve(); };
    child.stdout!.on('data', look);
    void exited.then((exit) => reject(new Error(`the worker process ended before it started (${JSON.stringify(exit)}):\n${output}`)));
  });
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return { child, exited, ready, output: () => output };
}

t.test('the mail server refuses (451): planned again for later, then delivered once when it accepts', async (t) => {
  const scene = await mailScene(t);
  const smtp = await testSmtp(t);
  const { worker, transport } = mailWorker({ db: scene.db, config: scene.config, clock: scene.clock, smtpPort: smtp.port });
  t.teardown(() => transport.close());
  const event = await scene.publishedEvent();
  await signUps(scene, event.id, 1, 'refused');

  smtp.state.refusing = true;
  t.equal(await worker.drain(), 1, 'the confirmation was tried');
  t.equal(smtp.rejected(), 1, 'the server was asked, and refused the recipient');
  t.same(smtp.taken, [], 'nothing arrived');
  let [row] = await confirmations(scene);
  t.match(row, { state: 'planned', attempts: 1, claimedBy: null, leaseUntil: null, sentAt: null }, 'back to planned, one attempt counted');
  t.match(row!.lastError, /451/, `the refusal is kept: ${row!.lastError}`);
  const delay = row!.dueAt.getTime() - scene.clock.now().getTime();
  t.ok(delay >= 24_000 && delay <= 36_000, `due again after the first backoff, 30 s ± 20 % (${delay} ms)`);
  t.equal(await worker.drain(), 0, 'not tried again before its time');
  t.same(smtp.taken, []);

  smtp.state.refusing = false;
  scene.clock.move(delay);
  t.equal(await worker.drain(), 1, 'tried again once due');
  t.equal(await worker.drain(), 0, 'and only once');
  t.equal(smtp.taken.length, 1, 'delivered exactly once');
  t.match(smtp.taken[0], { to: ['refused-0@example.cn'], kind: MAIL_KINDS.confirmed, outboxId: row!.id });
  [row] = await confirmations(scene);
  t.match(row, { state: 'sent', attempts: 2, lastError: null }, 'sent, on the second attempt');
  t.equal(row!.sentAt?.getTime(), scene.clock.now().getTime(), 'at the time of the second attempt');
});

t.test('the mail server is down: retried with growing delays, failed after the last attempt, sent again by an organizer', async (t) => {
  const scene = await mailScene(t);
  const port = await closedPort();
  const retry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };
  const { worker, transport } = mailWorker({ db: scene.db, config: scene.config, clock: scene.clock, smtpPort: port, retry });
  t.teardown(() => transport.close());
  const event = await scene.publishedEvent();
  await signUps(scene, event.id, 1, 'down');

  const delays: number[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    t.equal(await worker.drain(), 1, `attempt ${attempt}`);
    const [row] = await confirmations(scene);
    t.match(row, { state: 'planned', attempts: attempt }, `after attempt ${attempt}: planned again`);
    t.match(row!.lastError, /ECONNREFUSED/, 'the connection was refused');
    delays.push(row!.dueAt.getTime() - scene.clock.now().getTime());
    t.equal(await worker.drain(), 0, 'nothing before its time');
    scene.clock.move(delays.at(-1)!);
  }
  t.ok(delays[0]! >= 800 && delays[0]! <= 1200, `first delay about 1 s (${delays[0]} ms)`);
  t.ok(delays[1]! >= 1600 && delays[1]! <= 2400, `second about 2 s (${delays[1]} ms)`);
  t.ok(delays[1]! > delays[0]!, 'the delay grows');

  t.equal(await worker.drain(), 1, 'the last attempt');
  let [row] = await confirmations(scene);
  t.match(row, { state: 'failed', attempts: 3, claimedBy: null, leaseUntil: null, sentAt: null }, 'failed for good after maxAttempts');
  scene.clock.move(24 * 3600_000);
  t.equal(await worker.drain(), 0, 'a failed message is not tried again by itself');

  const listed = await scene.call('GET', `/events/${event.id}/messages`);
  t.equal(listed.statusCode, 200);
  const shown = listed.json<{ items: { id: number; kind: string; state: string; attempts: number; lastError: string | null }[] }>().items.find((m) => m.id === row!.id);
  t.match(shown, { kind: MAIL_KINDS.confirmed, state: 'failed', attempts: 3, lastError: /ECONNREFUSED/ }, 'the organizers see it failed, and why');

  const resent = await scene.call('POST', `/events/${event.id}/messages/${row!.id}/resend`);
  t.equal(resent.statusCode, 202);
  t.same(resent.json(), { id: row!.id, state: 'planned' });
  [row] = await confirmations(scene);
  t.match(row, { state: 'planned', attempts: 0 }, 'planned again, its attempts from zero');

  const sink = await startMailSink({ smtpPort: port });
  // The pooled connection first: the sink waits for open connections before it closes.
  t.teardown(async () => { transport.close(); await sink.close(); });
  t.equal(await worker.drain(), 1, 'the server is up: sent');
  t.equal(await worker.drain(), 0);
  const mails = sink.mails();
  t.equal(mails.length, 1, 'delivered exactly once');
  t.same(mails[0]!.envelope.to, ['down-0@example.cn']);
  t.equal(outboxIdOf(mails[0]!.parsed.messageId ?? ''), row!.id, `its Message-ID names its row (${mails[0]!.parsed.messageId})`);
  [row] = await confirmations(scene);
  t.match(row, { state: 'sent', attempts: 1, lastError: null });
  const after = (await scene.call('GET', `/events/${event.id}/messages`)).json<{ items: { id: number; state: string; lastError: string | null }[] }>().items;
  t.match(after.find((m) => m.id === row!.id), { state: 'sent', lastError: null }, 'the organizers see it sent');
});

/**
 * A worker process (src/worker.ts, on the system clock) beside the app, and `people` signed up.
 * The app's clock is in 2030, so what it plans is not due for the process yet: the process
 * starts while the people sign up, then the whole backlog of confirmations falls due at once
 * and the process takes it in full batches of 20, in order of id.
 */
async function processScene(t: Test, people: number, prefix: string, { signal, at }: { signal: NodeJS.Signals; at: number }) {
  const scene = await mailScene(t, { config: noLimits });
  // 40 ms before each 250: with nodemailer's 5 connections a batch of 20 takes 160 ms or more.
  const smtp = await testSmtp(t, { ackDelayMs: 40 });
  const worker = childWorker(t, { databaseUrl: scene.database.url!, smtpPort: smtp.port, publicBaseUrl: scene.config.PUBLIC_BASE_URL });
  const event = await scene.publishedEvent({ capacity: 1000 });
  await signUps(scene, event.id, people, prefix);
  await worker.ready;
  t.equal((await confirmations(scene)).length, people, `${people} confirmations planned`);
  t.equal(await scene.db.$count(outboxMessages, eq(outboxMessages.state, 'sent')), 0, 'none sent yet');
  // The signal goes the moment the server has taken the `at`-th mail, the process being mid-batch.
  smtp.state.onTaken = (count) => { if (count === at) worker.child.kill(signal); };
  await scene.db.update(outboxMessages).set({ dueAt: new Date(Date.now() - 1000) }).where(eq(outboxMessages.kind, MAIL_KINDS.confirmed));
  return { scene, smtp, worker };
}

t.test('PostgreSQL: a worker process killed mid-batch; another takes over when the lease runs out, duplicates only from what it held', needsPostgres('a worker process of its own beside the test'), async (t) => {
  const PEOPLE = 80; // more than it can hold, so some are never claimed by it
  const BATCH = 20; // src/worker.ts: batch 20, lease 60 s
  const KILL_AT = 30; // mails taken when it dies: the first batch and half of the second
  const { scene, smtp, worker } = await processScene(t, PEOPLE, 'killed', { signal: 'SIGKILL', at: KILL_AT });
  const exit = await worker.exited;
  t.same(exit, { code: null, signal: 'SIGKILL' }, 'killed, no chance to clean up');
  const takenBeforeKill = smtp.taken.map((m) => m.outboxId);
  t.ok(takenBeforeKill.length >= KILL_AT && takenBeforeKill.length < PEOPLE, `some but not all mails went (${takenBeforeKill.length})`);

  /*
   * The window: a worker holds what it claimed (state sending, lease 60 s): the batch it is
   * sending, and (the worker is pipelined) the next batch, claimed and prepared meanwhile,
   * and the previous one until its "sent" is written. The mail server took some of those
   * mails, but the worker died before marking them sent. They stay claimed until the lease
   * runs out, then another worker sends them again: at least once, never lost. Exactly the
   * mails that went out and were not yet marked sent go twice, with the same Message-ID; at
   * most the batch being sent and the one being settled.
   */
  const before = await confirmations(scene);
  const held = before.filter((r) => r.state === 'sending');
  const killedWorker = held[0]?.claimedBy;
  t.ok(held.length > 0 && held.length <= 3 * BATCH, `the killed worker held what it had in hand (${held.length} rows)`);
  t.ok(held.every((r) => r.claimedBy === killedWorker && r.attempts === 1 && r.leaseUntil!.getTime() > Date.now()), 'all claimed by it, leases running');
  t.ok(before.every((r) => ['sent', 'sending', 'planned'].includes(r.state)));
  const markedSent = before.filter((r) => r.state === 'sent').map((r) => r.id);
  t.ok(markedSent.every((id) => takenBeforeKill.includes(id)), `every row it marked sent (${markedSent.length}) had gone out`);
  const heldIds = new Set(held.map((r) => r.id));
  const unmarked = new Set(takenBeforeKill.filter((id) => heldIds.has(id)));
  t.ok(unmarked.size > 0 && unmarked.size <= 2 * BATCH, `mails that went out without being marked sent: ${unmarked.size}`);

  const clock = movableClock(new Date().toISOString());
  const { worker: survivor, transport } = mailWorker({ db: scene.db, config: scene.config, clock, smtpPort: smtp.port });
  t.teardown(() => transport.close());
  const planned = before.filter((r) => r.state === 'planned').length;
  t.ok(planned > 0, 'some were never claimed');
  t.equal(await survivor.drain(), planned, `within the lease: only what was never claimed is sent (${planned})`);
  t.same((await confirmations(scene)).filter((r) => r.state === 'sending').map((r) => r.id), held.map((r) => r.id), 'the dead worker\'s claims are left alone');
  clock.move(61_000);
  t.equal(await survivor.drain(), held.length, 'after the lease: what it held is taken over');
  t.equal(await survivor.drain(), 0);

  const after = await confirmations(scene);
  t.equal(after.length, PEOPLE);
  t.ok(after.every((r) => r.state === 'sent'), 'every confirmation ends sent');
  t.ok(after.filter((r) => heldIds.has(r.id)).every((r) => r.claimedBy === survivor.workerId), 'what the dead worker held, by the survivor');
  t.ok(after.every((r) => r.attempts === (heldIds.has(r.id) ? 2 : 1)), 'the dead worker\'s attempt counts for the rows it held');

  const rowIds = new Set(after.map((r) => r.id));
  t.ok(smtp.taken.every((m) => rowIds.has(m.outboxId) && m.kind === MAIL_KINDS.confirmed), 'every mail is one of the confirmations, by its Message-ID');
  const byMessageId = countBy(smtp.taken, (m) => m.messageId);
  t.equal(byMessageId.size, PEOPLE, 'every confirmation arrived');
  t.equal(countBy(smtp.taken, (m) => m.to.join()).size, PEOPLE, 'every person got one');
  const twice = new Set([...byMessageId].filter(([, n]) => n > 1).map(([id]) => outboxIdOf(id)));
  t.same([...twice].sort((a, b) => a - b), [...unmarked].sort((a, b) => a - b), `sent twice (${twice.size}): exactly the mails that went out and were not marked sent`);
  t.ok([...byMessageId.values()].every((n) => n <= 2), 'none more than twice');
  const idsPerRecipient = new Map<string, Set<string>>();
  for (const mail of smtp.taken) idsPerRecipient.set(mail.to.join(), (idsPerRecipient.get(mail.to.join()) ?? new Set()).add(mail.messageId));
  t.ok([...idsPerRecipient.values()].every((ids) => ids.size === 1), 'a second copy carries the Message-ID of the first');
  t.equal(smtp.taken.length, PEOPLE + twice.size);
});

t.test('PostgreSQL: a worker process stopped (SIGTERM) mid-batch finishes it, leaves nothing claimed, and no mail goes twice', needsPostgres('a worker process of its own beside the test'), async (t) => {
  const PEOPLE = 60;
  const STOP_AT = 30;
  // SIGTERM: the batch being sent is finished and marked sent; what it claimed and had not
  // started (the next batch, claimed and prepared meanwhile) is given back, its attempt not counted.
  const { scene, smtp, worker } = await processScene(t, PEOPLE, 'stopped', { signal: 'SIGTERM', at: STOP_AT });
  const exit = await worker.exited;
  t.same(exit, { code: 0, signal: null }, 'exited 0');
  t.match(worker.output(), /outbox worker stopping/);
  const sentBefore = smtp.taken.length;
  t.ok(sentBefore >= STOP_AT && sentBefore < PEOPLE, `some but not all mails went (${sentBefore})`);

  const before = await confirmations(scene);
  t.equal(before.filter((r) => r.state === 'sending').length, 0, 'no row left claimed');
  const sent = before.filter((r) => r.state === 'sent');
  t.same(sent.map((r) => r.id).sort((a, b) => a - b), smtp.taken.map((m) => m.outboxId).sort((a, b) => a - b), 'the rows marked sent are exactly the mails that went');
  t.ok(before.filter((r) => r.state === 'planned').every((r) => r.attempts === 0 && r.claimedBy === null), 'the rest planned, no attempt counted');

  // Right away, no lease to wait out.
  const { worker: next, transport } = mailWorker({ db: scene.db, config: scene.config, clock: movableClock(new Date().toISOString()), smtpPort: smtp.port });
  t.teardown(() => transport.close());
  t.equal(await next.drain(), PEOPLE - sent.length, 'another worker sends the rest');
  const after = await confirmations(scene);
  t.ok(after.every((r) => r.state === 'sent' && r.attempts === 1), 'all sent, one attempt each');
  t.equal(smtp.taken.length, PEOPLE, 'one mail per person');
  t.equal(countBy(smtp.taken, (m) => m.messageId).size, PEOPLE, 'no Message-ID twice');
  t.equal(countBy(smtp.taken, (m) => m.to.join()).size, PEOPLE, 'no recipient twice');
});

t.test('PostgreSQL: two workers on their own connections send 300 mails to one server, each exactly once', needsPostgres('two connection pools at once'), async (t) => {
  const PEOPLE = 300;
  const scene = await mailScene(t, { config: noLimits });
  const event = await scene.publishedEvent({ capacity: 1000 });
  const registrationIds = await signUps(scene, event.id, PEOPLE, 'shared');
  const smtp = await testSmtp(t);
  const workers = [1, 2].map(() => {
    const pool = connectPostgres(scene.database.url!, { poolSize: 4 });
    const { worker, transport } = mailWorker({ db: pool.db, config: scene.config, clock: scene.clock, smtpPort: smtp.port });
    t.teardown(async () => { transport.close(); await pool.close(); });
    return worker;
  });
  const claimed = await Promise.all(workers.map((w) => w.drain()));
  t.equal(claimed[0]! + claimed[1]!, PEOPLE, `all claimed (${claimed.join(' + ')})`);
  t.ok(claimed.every((n) => n > 0), 'both workers took a share');

  const mails = smtp.taken;
  t.equal(mails.length, PEOPLE, 'one mail per person');
  t.equal(countBy(mails, (m) => m.messageId).size, PEOPLE, 'no Message-ID twice');
  const byRecipient = countBy(mails, (m) => m.to.join());
  t.same(byRecipient, new Map(Array.from({ length: PEOPLE }, (_, i) => [`shared-${i}@example.cn`, 1])), 'each person exactly once');
  t.ok(mails.every((m) => m.kind === MAIL_KINDS.confirmed), 'all confirmations');

  const rows = await confirmations(scene);
  t.equal(rows.length, PEOPLE);
  t.same(new Set(rows.map((r) => (r.payload as { registrationId: string }).registrationId)), new Set(registrationIds), 'one confirmation per registration');
  t.same(new Set(mails.map((m) => m.outboxId)), new Set(rows.map((r) => r.id)), 'each row\'s mail arrived, by Message-ID');
  t.ok(rows.every((r) => r.state === 'sent' && r.attempts === 1), 'all sent, one attempt each');
  const shares = countBy(rows, (r) => r.claimedBy ?? '');
  t.same(new Set(shares.keys()), new Set(workers.map((w) => w.workerId)), `both workers sent some (${[...shares.values()].join(' + ')})`);
  const [stray] = await scene.db.select({ n: sql<number>`count(*)::int` }).from(outboxMessages)
    .where(and(eq(outboxMessages.kind, MAIL_KINDS.confirmed), eq(outboxMessages.state, 'sending')));
  t.equal(stray!.n, 0);
});
