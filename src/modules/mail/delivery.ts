import type { Config } from '../../config.js';
import type { Executor } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { createOutboxWorker, type WorkerOptions } from '../outbox/worker.js';
import { DEFAULT_RETRY } from '../outbox/outbox.js';
import { EMAIL_CHANNEL } from './kinds.js';
import { createMailChannel } from './mail-channel.js';
import { startMailSink, type MailSink } from './sink.js';
import { createMailTransport } from './transport.js';
import { createWebhookChannel } from '../webhooks/webhook-channel.js';
import { systemLookup } from '../webhooks/safe-request.js';
import { WEBHOOK_CHANNEL } from '../webhooks/webhooks.queries.js';

type Log = WorkerOptions['log'];

/**
 * The outbox's delivery in a process: the mail transport (SMTP_URL, or the demo's mail sink
 * started here), the email and webhook channels, and an outbox worker polling for due messages. Stopping finishes the
 * batch in hand, gives back what it did not start, and closes the connections.
 */
export async function startMailDelivery({ config, db, clock, log }: { config: Config & { SECRET_KEY: string }; db: Executor; clock: Clock; log: Log }) {
  let sink: MailSink | null = null;
  if (!config.SMTP_URL) {
    try {
      sink = await startMailSink({ smtpPort: config.MAIL_SINK_SMTP_PORT, webPort: config.MAIL_SINK_WEB_PORT });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`the demo's mail sink could not start (${reason}): set SMTP_URL to a mail server, or MAIL_SINK_SMTP_PORT / MAIL_SINK_WEB_PORT to free ports`);
    }
  }
  const url = config.SMTP_URL ?? `smtp://127.0.0.1:${sink!.smtpPort}`;
  const transport = createMailTransport({ url, from: config.MAIL_FROM });
  const channel = createMailChannel({ db, transport, clock, baseUrl: config.PUBLIC_BASE_URL, secretKey: config.SECRET_KEY, from: config.MAIL_FROM, zone: config.CALENDAR_TIMEZONE });
  const webhooks = createWebhookChannel({ db, clock, secretKey: config.SECRET_KEY, baseUrl: config.PUBLIC_BASE_URL, lookup: systemLookup, timeoutMs: config.WEBHOOK_TIMEOUT_MS });
  const worker = createOutboxWorker({ db, channels: { [EMAIL_CHANNEL]: channel, [WEBHOOK_CHANNEL]: webhooks }, clock, log, leaseMs: config.OUTBOX_LEASE_MS,
    retry: { ...DEFAULT_RETRY, baseDelayMs: config.OUTBOX_RETRY_BASE_MS } });
  worker.start();
  return {
    worker,
    sink,
    async stop() {
      await worker.stop();
      transport.close();
      await sink?.close();
    },
  };
}
export type MailDelivery = Awaited<ReturnType<typeof startMailDelivery>>;
