import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { connectPostgres, rowsOf } from '../../src/db/client.js';
import { accounts, apiTokens, units } from '../../src/db/schema/index.js';
import { secretHash } from '../../src/modules/accounts/secrets.js';
import { MAIL_KINDS } from '../../src/modules/mail/kinds.js';
import { startMailSink } from '../../src/modules/mail/sink.js';
import { startCluster } from './cluster.js';
import { feedStorm, signUpStorm, type FeedCounts, type Outcome, type Person } from './storm.js';
import { startTcpProxy } from './tcp-proxy.js';

export type ScenarioOptions = {
  /** An empty database on the PostgreSQL server: the cluster migrates it as it starts. */
  databaseUrl: string;
  /** Where the service connects, when not straight to databaseUrl (through PgBouncer, say); the harness checks on databaseUrl. */
  serviceDatabaseUrl?: string;
  sessions: number; seatsPerSession: number; people: number;
  concurrency: number; spreadMs: number;
  feedClients: number; feedIntervalMs: number;
  /** Kill an API process and a worker, and cut the database, in the middle. */
  faults: boolean;
  fromDist?: boolean;
  /** How often the API processes' RSS is sampled (default 500 ms). */
  rssEveryMs?: number;
  /** Added to every process's environment (NODE_OPTIONS for a memory experiment, say). */
  env?: Record<string, string>;
  nodeArgs?: string[];
  log?: (line: string) => void;
};

const SECRET_KEY = 'harness-secret-key-0123456789abcdef0123456789';
const LEASE_MS = 5000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Invariant = { name: string; ok: boolean; detail: string };
export type ScenarioReport = {
  invariants: Invariant[]; outcomes: Outcome[]; feed: FeedCounts; stormSeconds: number; drainSeconds: number;
  duplicateMails: number; rssMb: Record<string, number[]>; events: string[];
};

/**
 * Two API processes and two workers on one PostgreSQL; a sign-up storm for the last seats
 * and a feed storm at the same time; with `faults`, a SIGKILL of an API process and a worker
 * (restarted soon after) and a cut of the database in the middle (through a TCP proxy the
 * scenario controls). Then it waits for the mail to be sent and checks what must hold.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioReport> {
  const log = options.log ?? (() => {});
  const target = new URL(options.serviceDatabaseUrl ?? options.databaseUrl);
  // Only a run with faults goes through the proxy (it cuts the database): on this 2-core
  // machine it carried every round trip through one more process and made the storm a
  // third slower, which is the harness's cost, not the service's.
  const proxy = options.faults ? await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) }) : undefined;
  const serviceUrl = new URL(options.serviceDatabaseUrl ?? options.databaseUrl);
  if (proxy) serviceUrl.port = String(proxy.port);
  const sink = await startMailSink({ smtpPort: 0, keep: 1_000_000 });
  const direct = connectPostgres(options.databaseUrl, { poolSize: 2 });
  let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
  try {
    log(`starting 2 API processes and 2 workers${options.fromDist ? ' from dist/' : ''} …`);
    cluster = await startCluster({
      databaseUrl: serviceUrl.toString(), smtpPort: sink.smtpPort, secretKey: SECRET_KEY, fromDist: options.fromDist ?? false, nodeArgs: options.nodeArgs ?? [],
      // The harness is one address and one contact per person: the abuse limits would refuse it.
      // Behind a balancer every process has the one public address (the feeds' links and UIDs
      // carry it, so without it each process would give its own bytes and ETag).
      env: {
        PUBLIC_BASE_URL: 'https://kepu.example.cn',
        SIGNUP_RATE_LIMIT_PER_MINUTE: '1000000', SIGNUP_CONTACT_LIMIT_PER_HOUR: '1000000', DATABASE_CONNECT_TIMEOUT_S: '2',
        OUTBOX_LEASE_MS: String(LEASE_MS), OUTBOX_RETRY_BASE_MS: '1000', SHUTDOWN_TIMEOUT_MS: '5000',
        ...options.env,
      },
    });
    const { apiUrls } = cluster;

    // An administrator's token, a unit, and one published event per session, through the API.
    const [admin] = await direct.db.insert(accounts).values({ email: 'harness@example.cn', displayName: 'harness', role: 'admin' }).returning();
    const token = `harness-${crypto.randomUUID()}`;
    await direct.db.insert(apiTokens).values({ accountId: admin!.id, name: 'harness', prefix: token.slice(0, 9), secretHash: secretHash(token), scope: 'write' });
    const [unit] = await direct.db.insert(units).values({ slug: 'harness', kind: 'association', nameZh: '区科协', nameEn: 'Science association' }).returning();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const events: { id: string; sessionId: string }[] = [];
    for (let i = 0; i < options.sessions; i++) {
      const day = `2030-05-${String(1 + (i % 28)).padStart(2, '0')}`;
      const created = await fetch(`${apiUrls[0]}/api/v1/events`, { method: 'POST', headers, body: JSON.stringify({
        titleZh: `科技周开放日 ${i + 1}`, type: 'open_day', ownerUnitId: unit!.id, registrationMode: 'individual', capacity: options.seatsPerSession,
        sessions: [{ startsAt: `${day}T09:00:00+08:00`, endsAt: `${day}T11:00:00+08:00` }],
      }) });
      if (created.status !== 201) throw new Error(`event not created: ${await created.text()}`);
      const event = await created.json() as { id: string; sessions: { id: string }[] };
      const published = await fetch(`${apiUrls[0]}/api/v1/events/${event.id}/publish`, { method: 'POST', headers: { authorization: headers.authorization } });
      if (published.status !== 200) throw new Error(`event not published: ${await published.text()}`);
      events.push({ id: event.id, sessionId: event.sessions[0]!.id });
    }
    const consentVersion = ((await (await fetch(`${apiUrls[0]}/api/v1/consent`)).json()) as { version: string }).version;
    const people: Person[] = Array.from({ length: options.people }, (_, index) => ({
      index, eventId: events[index % events.length]!.id, sessionId: events[index % events.length]!.sessionId,
      phone: `139${String(index).padStart(8, '0')}`, email: `person${index}@example.cn`,
    }));

    let storming = true;
    const rssMb: Record<string, number[]> = { 'api-1': [], 'api-2': [] };
    const sampler = setInterval(() => {
      for (const name of Object.keys(rssMb)) { try { rssMb[name]!.push(Math.round(cluster!.rssMb(name))); } catch { /* restarting */ } }
    }, options.rssEveryMs ?? 500);
    const feed = feedStorm({
      apiUrls, clients: options.feedClients, intervalMs: options.feedIntervalMs, running: () => storming,
      paths: ['/api/v1/events?limit=20', `/api/v1/events/${events[0]!.id}.ics`, '/feeds/events.ics'],
    });
    // On the storm's clock: a kill at 25 %, the restart from 40 % (it may meet the outage and
    // start again, as an orchestrator would), the database away from 50 % for two seconds.
    const faults = options.faults ? (async () => {
      await sleep(options.spreadMs * 0.25);
      log('fault: SIGKILL api-1 and worker-1');
      await Promise.all([cluster!.kill('api-1'), cluster!.kill('worker-1')]);
      await sleep(options.spreadMs * 0.15);
      log('fault: restarting api-1 and worker-1');
      const restarted = Promise.all([cluster!.restart('api-1'), cluster!.restart('worker-1')]);
      await sleep(options.spreadMs * 0.1);
      log('fault: the database cut off for 2 s');
      await proxy!.cut();
      await sleep(2000);
      await proxy!.restore();
      log('fault: the database is back');
      await restarted;
      log('fault: api-1 and worker-1 are back');
    })() : Promise.resolve();

    log(`storm: ${options.people} sign-ups for ${options.sessions} × ${options.seatsPerSession} seats over ${options.spreadMs / 1000} s, ${options.feedClients} feed clients`);
    const stormStarted = performance.now();
    const outcomes = await signUpStorm({ apiUrls, people, consentVersion, concurrency: options.concurrency, spreadMs: options.spreadMs, deadlineMs: options.spreadMs + 60_000 });
    const stormSeconds = (performance.now() - stormStarted) / 1000;
    await faults;
    storming = false;
    const feedCounts = await feed;
    clearInterval(sampler);

    // The mail: the workers keep sending until nothing is left but the reminders (due before
    // the sessions, in 2030); a killed worker's claims come free after the lease, a send that
    // failed while the database was away is retried after its backoff.
    const drainStarted = performance.now();
    for (let waited = 0; waited < 120_000; waited += 500) {
      const [row] = rowsOf<{ due: number }>(await direct.db.execute(sql`select count(*)::int as due from outbox_messages
        where state in ('planned', 'sending') and due_at <= now() + interval '1 day'`));
      if (row!.due === 0) break;
      await sleep(500);
    }
    const drainSeconds = (performance.now() - drainStarted) / 1000;

    const report = await check({ direct, sink, outcomes, people, events, options, feed: feedCounts });
    return { ...report, outcomes, feed: feedCounts, stormSeconds, drainSeconds, rssMb, events: events.map((e) => e.id) };
  } finally {
    await cluster?.stop();
    await proxy?.close();
    await sink.close();
    await direct.close();
  }
}

async function check({ direct, sink, outcomes, people, events, options, feed }: {
  direct: ReturnType<typeof connectPostgres>; sink: Awaited<ReturnType<typeof startMailSink>>; outcomes: Outcome[]; people: Person[];
  events: { id: string; sessionId: string }[]; options: ScenarioOptions; feed: FeedCounts;
}) {
  const invariants: Invariant[] = [];
  const hold = (name: string, ok: boolean, detail: string) => invariants.push({ name, ok, detail });

  const unanswered = outcomes.filter((o) => o.status !== 201);
  hold('every sign-up got a definite answer (201), retried with its Idempotency-Key where a process or the database went away',
    unanswered.length === 0 && outcomes.length === people.length,
    `${outcomes.length} answered of ${people.length}; not 201: ${JSON.stringify(unanswered.slice(0, 3).map((o) => ({ status: o.status, answers: o.answers })))}`);

  const registrations = rowsOf<{ session_id: string; status: string; headcount: number; phone: string; email: string; id: string }>(
    await direct.db.execute(sql`select id, session_id, status, headcount, phone, email from registrations`));
  const phones = new Set(registrations.map((r) => r.phone));
  hold('no sign-up lost, none doubled: one registration per person', registrations.length === people.length && phones.size === people.length,
    `${registrations.length} registrations, ${phones.size} people, ${people.length} signed up`);

  const sessions = rowsOf<{ id: string; seats_taken: number; effective_capacity: number }>(
    await direct.db.execute(sql`select id, seats_taken, effective_capacity from sessions`));
  const problems: string[] = [];
  for (const session of sessions) {
    const of = registrations.filter((r) => r.session_id === session.id);
    const seated = of.filter((r) => r.status === 'confirmed' || r.status === 'attended').reduce((sum, r) => sum + r.headcount, 0);
    const waiting = of.filter((r) => r.status === 'waitlisted');
    const demand = people.filter((p) => p.sessionId === session.id).length;
    if (seated > session.effective_capacity) problems.push(`${session.id}: ${seated} seated of ${session.effective_capacity}`);
    if (seated !== Math.min(demand, session.effective_capacity)) problems.push(`${session.id}: ${seated} seated, demand ${demand}`);
    if (waiting.length > 0 && seated < session.effective_capacity) problems.push(`${session.id}: ${waiting.length} waiting beside ${session.effective_capacity - seated} empty seats`);
    if (session.seats_taken !== seated) problems.push(`${session.id}: seats_taken ${session.seats_taken} ≠ ${seated} seated`);
  }
  hold('exactly the seats filled, the rest waitlisted, no seat empty while someone waits', problems.length === 0 && sessions.length === events.length, problems.slice(0, 5).join('; ') || `${sessions.length} sessions`);

  const mails = sink.mails();
  const byMessageId = new Map<string, { kind: string; to: string; copies: number }>();
  for (const mail of mails) {
    const id = mail.parsed.messageId ?? '';
    const seen = byMessageId.get(id);
    if (seen) seen.copies++;
    else byMessageId.set(id, { kind: String(mail.parsed.headers.get('x-kepu-mail-kind') ?? ''), to: mail.envelope.to[0] ?? '', copies: 1 });
  }
  const duplicateMails = [...byMessageId.values()].reduce((sum, m) => sum + m.copies - 1, 0);
  const noticesTo = (kind: string) => {
    const counts = new Map<string, number>();
    for (const m of byMessageId.values()) if (m.kind === kind) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    return counts;
  };
  const confirmations = noticesTo(MAIL_KINDS.confirmed);
  const waitlistNotices = noticesTo(MAIL_KINDS.waitlisted);
  const wrong = registrations.filter((r) => (r.status === 'confirmed' ? confirmations : waitlistNotices).get(r.email) !== 1);
  hold('every confirmed person sent exactly one confirmation (every waitlisted one its notice)', wrong.length === 0,
    `${confirmations.size} confirmed, ${waitlistNotices.size} waitlisted notices; wrong: ${wrong.slice(0, 3).map((r) => `${r.email} ${r.status}`).join(', ')}`);
  // A worker killed mid-send leaves its batch to another after the lease: those few may go twice, with the same Message-ID.
  // Up to two batches of 20: the one being sent and the one before it, sent but still being recorded.
  const allowed = options.faults ? 40 : 0;
  hold(`no mail doubled beyond the killed worker's batch (${allowed}), and a double carries the same Message-ID`, duplicateMails <= allowed, `${duplicateMails} copies of an already sent message`);
  const [failed] = rowsOf<{ n: number }>(await direct.db.execute(sql`select count(*)::int as n from outbox_messages where state = 'failed'`));
  hold('no message failed', failed!.n === 0, `${failed!.n} failed`);

  const odd = Object.entries(feed).filter(([key]) => !['polls', '200', '304', '503', 'no_answer'].includes(key));
  hold('every feed poll answered 200, 304 or, while the database was away, 503 (none answered with another error)', odd.length === 0,
    JSON.stringify(feed));
  return { invariants, duplicateMails };
}
