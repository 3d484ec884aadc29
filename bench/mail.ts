/**
 * Mail throughput: 10,000 due reminders drained from the outbox through real SMTP into a
 * sink in its own process (bench/smtp-sink.ts), by one worker and by two (each with its own
 * connection pool, as two processes would have), against a baseline measured in the same
 * run: a bare pooled nodemailer loop sending the same 10,000 mails (composed beforehand,
 * untimed) to the same sink with the same pool size.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/mail.ts [messages=10000]
 *   (BATCH=n sets the workers' batch size, default 20, to compare)
 *
 * Works in a database of its own (created and dropped).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { scratchDatabase } from './scratch-database.js';
import { connectPostgres, type DatabaseHandle } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { events, outboxMessages, registrations, sessions, units } from '../src/db/schema/index.js';
import { EMAIL_CHANNEL, MAIL_KINDS } from '../src/modules/mail/kinds.js';
import { createMailChannel, createMailComposer } from '../src/modules/mail/mail-channel.js';
import { createMailTransport, type OutgoingMail } from '../src/modules/mail/transport.js';
import type { OutboxMessage } from '../src/modules/outbox/outbox.js';
import { createOutboxWorker } from '../src/modules/outbox/worker.js';

const MESSAGES = Number(process.argv[2] ?? 10_000);
const SESSIONS = 50;
const POOL = 5;
const FROM = '科普日历 Kepu Calendar <no-reply@kepu.localhost>';
const BASE_URL = 'https://kepu.example.cn';
const SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';
const START = Date.parse('2031-05-01T01:00:00Z');
/** 100 minutes before the first session: every 2-hour reminder is due, none has started. */
const clock = { now: () => new Date(START - 100 * 60_000) };
const silent = { info: () => {}, warn: () => {}, error: () => {} };

const scratch = await scratchDatabase();
const databases: DatabaseHandle[] = [];
const connect = () => { const d = connectPostgres(scratch.url, { poolSize: 4 }); databases.push(d); return d; };

const sink = spawn(process.execPath, ['--import', 'tsx', 'bench/smtp-sink.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
const sinkLines = createInterface({ input: sink.stdout! });
const nextLine = async () => (await once(sinkLines, 'line'))[0] as string;
const smtpPort = Number((await nextLine()).split(' ')[1]);
const sinkCount = async () => { sink.stdin!.write('?\n'); return Number((await nextLine()).split(' ')[1]); };

try {
  const { db } = connect();
  await migrate(db);
  const [unit] = await db.insert(units).values({ slug: 'bench', kind: 'bureau', nameZh: '压测单位', nameEn: 'Bench' }).returning();
  const [event] = await db.insert(events).values({
    titleZh: '压测活动：地球日科普讲座', titleEn: 'Bench: Earth Day lecture', type: 'lecture', ownerUnitId: unit!.id, timezone: 'Asia/Shanghai',
    registrationMode: 'both', status: 'published', publishedAt: new Date(),
  }).returning();
  const sessionRows = await db.insert(sessions).values(Array.from({ length: SESSIONS }, (_, i) => ({
    eventId: event!.id, startsAt: new Date(START + i * 60_000), endsAt: new Date(START + i * 60_000 + 7200_000), capacity: null,
  }))).returning({ id: sessions.id, startsAt: sessions.startsAt });

  /** MESSAGES registrations, one due 2-hour reminder each (as the planner would have planned it). */
  let rounds = 0;
  async function queueReminders(label: string) {
    const round = `${label}${++rounds}`;
    for (let from = 0; from < MESSAGES; from += 2000) {
      const count = Math.min(2000, MESSAGES - from);
      const rows = await db.insert(registrations).values(Array.from({ length: count }, (_, k) => {
        const i = from + k;
        return {
          eventId: event!.id, sessionId: sessionRows[i % SESSIONS]!.id, kind: 'individual' as const, status: 'confirmed' as const, headcount: 1,
          language: i % 3 === 0 ? 'en' as const : 'zh' as const, contactName: `居民${i}`, email: `r${round}-${i}@example.cn`,
          consentVersion: '2026-11', manageTokenHash: `bench-${round}-${i}`, checkInCode: `C${rounds}${String(i).padStart(6, '0')}`,
        };
      })).returning({ id: registrations.id, sessionId: registrations.sessionId });
      const startOf = new Map(sessionRows.map((s) => [s.id, s.startsAt]));
      await db.insert(outboxMessages).values(rows.map((r) => ({
        kind: MAIL_KINDS.reminder, channel: EMAIL_CHANNEL, eventId: event!.id, dueAt: clock.now(),
        payload: { registrationId: r.id, sessionId: r.sessionId, startsAt: startOf.get(r.sessionId)!.toISOString(), offsetMinutes: 120 },
        dedupeKey: `${MAIL_KINDS.reminder}:${r.id}:bench`,
      })));
    }
  }

  async function drainWith(workerCount: number) {
    await queueReminders(`w${workerCount}`);
    await db.execute(sql`vacuum analyze outbox_messages`);
    const before = await sinkCount();
    const transports = Array.from({ length: workerCount }, () => createMailTransport({ url: `smtp://127.0.0.1:${smtpPort}`, from: FROM, maxConnections: POOL }));
    const workers = transports.map((transport) => {
      const own = connect().db;
      const channel = createMailChannel({ db: own, transport, clock, baseUrl: BASE_URL, secretKey: SECRET_KEY, from: FROM, zone: 'Asia/Shanghai' });
      return createOutboxWorker({ db: own, channels: { [EMAIL_CHANNEL]: channel }, clock, log: silent, batchSize: Number(process.env.BATCH ?? 20) });
    });
    const started = performance.now();
    await Promise.all(workers.map((w) => w.drain()));
    const seconds = (performance.now() - started) / 1000;
    for (const t of transports) t.close();
    const arrived = (await sinkCount()) - before;
    const [states] = await db.select({ sent: sql<number>`count(*) filter (where state = 'sent')::int`, other: sql<number>`count(*) filter (where state <> 'sent')::int` }).from(outboxMessages);
    await db.delete(outboxMessages);
    return { rate: arrived / seconds, seconds, arrived, states };
  }

  /** The same mails, composed beforehand, sent by nodemailer alone: all handed to its pool at once. */
  async function baseline() {
    await queueReminders('base');
    const rows = await db.select().from(outboxMessages);
    const compose = createMailComposer({ db, baseUrl: BASE_URL, secretKey: SECRET_KEY, from: FROM, zone: 'Asia/Shanghai' });
    const mails: OutgoingMail[] = [];
    for (let i = 0; i < rows.length; i += 500) {
      const batch: OutboxMessage[] = rows.slice(i, i + 500).map((r) => ({ id: r.id, kind: r.kind, channel: r.channel, payload: r.payload, dedupeKey: r.dedupeKey, attempts: 0, eventId: r.eventId, createdAt: r.createdAt }));
      for (const mail of await compose(batch, clock.now())) if (!(mail instanceof Error)) mails.push(mail);
    }
    await db.delete(outboxMessages);
    const transporter = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, pool: true, maxConnections: POOL, maxMessages: 1000 }, { from: FROM });
    const before = await sinkCount();
    const started = performance.now();
    await Promise.all(mails.map((m) => transporter.sendMail({
      to: m.to, subject: m.subject, text: m.text, html: m.html, messageId: m.messageId, headers: { 'Auto-Submitted': 'auto-generated', ...m.headers },
    })));
    const seconds = (performance.now() - started) / 1000;
    transporter.close();
    const arrived = (await sinkCount()) - before;
    return { rate: arrived / seconds, seconds, arrived };
  }

  const base = await baseline();
  const one = await drainWith(1);
  const two = await drainWith(2);
  const base2 = await baseline();
  const baseRate = (base.rate + base2.rate) / 2;
  const line = (label: string, r: { rate: number; seconds: number; arrived: number }) =>
    `${label.padEnd(34)} ${r.rate.toFixed(0).padStart(6)} mails/s  (${r.arrived} in ${r.seconds.toFixed(2)} s)`;
  console.log(`\n${MESSAGES} due reminders through SMTP into a sink in its own process, pool of ${POOL} connections per sender`);
  console.log(line('baseline: bare pooled nodemailer', base), ` and again after: ${base2.rate.toFixed(0)} mails/s`);
  console.log(line('outbox, 1 worker', one), ` ratio ${(one.rate / baseRate).toFixed(2)}  (sent ${one.states!.sent}, other ${one.states!.other})`);
  console.log(line('outbox, 2 workers', two), ` ratio ${(two.rate / baseRate).toFixed(2)}  (sent ${two.states!.sent}, other ${two.states!.other})`);
} finally {
  sink.stdin!.end();
  for (const d of databases) await d.close();
  await scratch.drop();
}
