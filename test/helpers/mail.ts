import type { InjectOptions } from 'fastify';
import type { Config } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { EMAIL_CHANNEL } from '../../src/modules/mail/kinds.js';
import { createMailChannel } from '../../src/modules/mail/mail-channel.js';
import { startMailSink, type CaughtMail, type MailSink } from '../../src/modules/mail/sink.js';
import { createMailTransport, type MailTransport } from '../../src/modules/mail/transport.js';
import { createOutboxWorker, type OutboxWorker } from '../../src/modules/outbox/worker.js';
import type { RetryPolicy } from '../../src/modules/outbox/outbox.js';
import { adminHeaders, build, TEST_SECRET_KEY } from './build.js';
import { buildUnit, eventBody } from './factories.js';

type Test = Parameters<typeof build>[0];

/** A clock the test moves; the app, the planner and the worker all read it. */
export function movableClock(at: string) {
  return { at: new Date(at), now() { return this.at; }, set(iso: string) { this.at = new Date(iso); }, move(ms: number) { this.at = new Date(this.at.getTime() + ms); } };
}
export type MovableClock = ReturnType<typeof movableClock>;

export const silentLog = { info: () => {}, warn: () => {}, error: () => {} };

/** A worker sending through real SMTP (nodemailer) to `smtpPort`, on the given clock. */
export function mailWorker({ db, config, clock, smtpPort, retry, batchSize, log = silentLog }: {
  db: Database; config: Config; clock: { now(): Date }; smtpPort: number; retry?: RetryPolicy; batchSize?: number;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };
}): { worker: OutboxWorker; transport: MailTransport } {
  const transport = createMailTransport({ url: `smtp://127.0.0.1:${smtpPort}`, from: config.MAIL_FROM });
  const channel = createMailChannel({ db, transport, clock, baseUrl: config.PUBLIC_BASE_URL, secretKey: TEST_SECRET_KEY, from: config.MAIL_FROM, zone: config.CALENDAR_TIMEZONE });
  const worker = createOutboxWorker({ db, channels: { [EMAIL_CHANNEL]: channel }, clock, log, ...(retry ? { retry } : {}), ...(batchSize ? { batchSize } : {}) });
  return { worker, transport };
}

/**
 * The app on its own database with a real SMTP server (smtp-server, from the service's own
 * demo sink) catching the mail, and an outbox worker sending to it through nodemailer.
 * `deliver()` sends everything due now and returns the mails that arrived since the last call.
 */
export async function mailScene(t: Test, { clock = movableClock('2030-04-01T00:00:00Z'), config }: { clock?: MovableClock; config?: Partial<Config> } = {}) {
  const built = await build(t, { clock, ...(config ? { config } : {}) });
  const { app, db } = built;
  const sink: MailSink = await startMailSink({ smtpPort: 0 });
  const { worker, transport } = mailWorker({ db, config: built.config, clock, smtpPort: sink.smtpPort });
  t.teardown(async () => { transport.close(); await sink.close(); });
  const unit = await buildUnit(db);
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  let seen = 0;

  const call = (method: InjectOptions['method'], url: string, payload?: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  return {
    ...built, clock, sink, worker, unit, consentVersion, call,
    /** Sends what is due and waits for it to arrive; the mails new since the last call. */
    async deliver(): Promise<CaughtMail[]> {
      await worker.drain();
      const all = sink.mails();
      const fresh = all.filter((m) => m.id > seen);
      seen = Math.max(seen, ...all.map((m) => m.id));
      return fresh;
    },
    /** A published event with one session (2030-04-22 09:00–11:00 Shanghai unless `day` says otherwise). */
    async publishedEvent(fields: Record<string, unknown> = {}, day = '2030-04-22') {
      const created = await call('POST', '/events', eventBody(unit.id, { registrationMode: 'both', ...fields }, day));
      if (created.statusCode !== 201) throw new Error(`event not created: ${created.body}`);
      const published = await call('POST', `/events/${created.json<{ id: string }>().id}/publish`);
      if (published.statusCode !== 200) throw new Error(`event not published: ${published.body}`);
      return published.json<{ id: string; sessions: { id: string; startsAt: string; sequence: number }[] }>();
    },
  };
}
