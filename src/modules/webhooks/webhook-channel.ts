import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { PERSONAL_WEBHOOK_KINDS, webhookDeliveries, webhookEndpoints, type WebhookKind } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { unseal } from '../../lib/seal.js';
import { loadEvents } from '../events/events.queries.js';
import { loadRegistration } from '../registrations/registrations.queries.js';
import type { OutboxMessage, RetryPolicy } from '../outbox/outbox.js';
import { NotAttempted, Undeliverable, type Channel } from '../outbox/worker.js';
import { postJson, type Lookup } from './safe-request.js';
import { DELIVERY_HEADER, KIND_HEADER, SIGNATURE_HEADER, signatureHeader, TIMESTAMP_HEADER } from './signing.js';
import { SECRET_PURPOSE } from './webhooks.service.js';

const DAY_MS = 24 * 3600_000;
/** Retried with backoff (10 s doubling to an hour, jittered) for a day, however many attempts that takes. */
export const WEBHOOK_RETRY: RetryPolicy = { maxAttempts: 1_000, baseDelayMs: 10_000, maxDelayMs: 3600_000, maxAgeMs: DAY_MS };

type Target = {
  deliveryId: string; kind: string; eventId: string | null; sessionId: string | null; registrationId: string | null; eventSnapshot: unknown; body: string | null; createdAt: Date;
  endpointId: string; url: string; allowPrivateNetwork: boolean; secretSealed: string; previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null; disabledAt: Date | null; disabledReason: string | null;
};

/**
 * Sends webhook deliveries: makes the body at the first attempt (the event as the change left
 * it; for a seat trigger's, as the public JSON feed shows it then, null once it is no longer
 * public) and keeps it, signs it with every valid secret, POSTs it through the SSRF guard,
 * and logs the attempt on the delivery.
 * A 2xx is success; anything else is retried by the worker. An endpoint whose every attempt
 * has failed for a day is disabled here, with the reason its owner sees.
 */
export function createWebhookChannel({ db, clock, secretKey, baseUrl, lookup, timeoutMs }: {
  db: Executor; clock: Clock; secretKey: string; baseUrl: string; lookup: Lookup; timeoutMs: number;
}): Channel {
  async function render(target: Target): Promise<string> {
    let event = target.eventSnapshot ?? null;
    if (!event && target.eventId && target.kind !== 'event.deleted') {
      const [found] = await loadEvents(db, [target.eventId], { publicView: true, baseUrl });
      if (found && found.publishedAt && (found.status === 'published' || found.status === 'cancelled')) event = found;
    }
    const body = JSON.stringify({ id: target.deliveryId, kind: target.kind, occurredAt: target.createdAt.toISOString(), eventId: target.eventId, sessionId: target.sessionId, event });
    // Another worker may have rendered it first (a lease ran out): the first one is kept.
    const [kept] = await db.update(webhookDeliveries).set({ body: sql`coalesce(${webhookDeliveries.body}, ${body})` })
      .where(eq(webhookDeliveries.id, target.deliveryId)).returning({ body: webhookDeliveries.body });
    return kept?.body ?? body;
  }

  /**
   * A registration as its organizers see it, made afresh for every attempt and never kept:
   * an erased one goes with its personal fields empty (the organizer's system learns that
   * much, and no more).
   */
  async function registrationBody(target: Target): Promise<string> {
    const found = target.registrationId ? await loadRegistration(db, target.registrationId) : undefined;
    if (!found) throw new Undeliverable('the registration is gone');
    const { seq: _seq, ...registration } = found;
    return JSON.stringify({ id: target.deliveryId, kind: target.kind, occurredAt: target.createdAt.toISOString(), eventId: target.eventId, sessionId: target.sessionId, registration });
  }

  async function logAttempt(target: Target, now: Date, outcome: { status?: number; latencyMs?: number; responsePrefix?: string; error?: string }) {
    const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    await db.update(webhookDeliveries).set({
      attempts: sql`${webhookDeliveries.attempts} + 1`, lastStatus: outcome.status ?? null, lastLatencyMs: outcome.latencyMs ?? null,
      lastError: outcome.error?.slice(0, 500) ?? null, responsePrefix: outcome.responsePrefix ?? null, lastAttemptAt: now,
      ...(ok ? { deliveredAt: now } : {}),
    }).where(eq(webhookDeliveries.id, target.deliveryId));
    if (ok) {
      await db.update(webhookEndpoints).set({ failingSince: null, lastError: null }).where(sql`${webhookEndpoints.id} = ${target.endpointId} and ${webhookEndpoints.failingSince} is not null`);
      return;
    }
    const reason = outcome.error ?? `HTTP ${outcome.status}`;
    const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
    await db.update(webhookEndpoints).set({
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)`,
      lastError: reason.slice(0, 500),
      disabledCause: sql`case when ${webhookEndpoints.failingSince} <= ${dayAgo}::timestamptz then 'failing' end`,
      disabledAt: sql`case when ${webhookEndpoints.failingSince} <= ${dayAgo}::timestamptz then ${now.toISOString()}::timestamptz end`,
      disabledReason: sql`case when ${webhookEndpoints.failingSince} <= ${dayAgo}::timestamptz
        then 'Every delivery failed for 24 hours, since ' || to_char(${webhookEndpoints.failingSince} at time zone 'UTC', 'YYYY-MM-DD HH24:MI "UTC"') || '; the last: ' || ${reason.slice(0, 300)} end`,
    }).where(sql`${webhookEndpoints.id} = ${target.endpointId} and ${webhookEndpoints.disabledAt} is null`);
  }

  async function sendOne(message: OutboxMessage, target: Target | undefined, signal: AbortSignal): Promise<void> {
    if (!target) throw new Undeliverable('the delivery or its endpoint was deleted');
    if (target.disabledAt) throw new Undeliverable(`the endpoint is disabled: ${target.disabledReason ?? ''}`.trim());
    if (signal.aborted) throw new NotAttempted('the worker is stopping');
    const body = PERSONAL_WEBHOOK_KINDS.includes(target.kind as WebhookKind) ? await registrationBody(target) : target.body ?? await render(target);
    const now = clock.now();
    const secrets = [unseal(secretKey, SECRET_PURPOSE, target.secretSealed)];
    if (target.previousSecretSealed && target.previousSecretExpiresAt && target.previousSecretExpiresAt > now) {
      secrets.push(unseal(secretKey, SECRET_PURPOSE, target.previousSecretSealed));
    }
    const timestamp = Math.floor(now.getTime() / 1000);
    let result;
    try {
      result = await postJson({
        url: target.url, body, timeoutMs, allowPrivateNetwork: target.allowPrivateNetwork, lookup,
        headers: {
          'user-agent': 'KepuCalendar-Webhooks/1', [DELIVERY_HEADER]: target.deliveryId, [KIND_HEADER]: message.kind,
          [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, body),
        },
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      await logAttempt(target, now, { error: reason });
      throw new Error(reason);
    }
    await logAttempt(target, now, result);
    if (result.status < 200 || result.status >= 300) throw new Error(`HTTP ${result.status} from the endpoint`);
  }

  return {
    retry: WEBHOOK_RETRY,
    async prepare(messages) {
      const ids = messages.map((m) => (m.payload as { deliveryId?: string }).deliveryId).filter((id): id is string => typeof id === 'string');
      if (ids.length === 0) return new Map<string, Target>();
      const rows = await db.select({
        deliveryId: webhookDeliveries.id, kind: webhookDeliveries.kind, eventId: webhookDeliveries.eventId, sessionId: webhookDeliveries.sessionId, registrationId: webhookDeliveries.registrationId,
        eventSnapshot: webhookDeliveries.eventSnapshot, body: webhookDeliveries.body, createdAt: webhookDeliveries.createdAt,
        endpointId: webhookEndpoints.id, url: webhookEndpoints.url, allowPrivateNetwork: webhookEndpoints.allowPrivateNetwork,
        secretSealed: webhookEndpoints.secretSealed, previousSecretSealed: webhookEndpoints.previousSecretSealed,
        previousSecretExpiresAt: webhookEndpoints.previousSecretExpiresAt, disabledAt: webhookEndpoints.disabledAt, disabledReason: webhookEndpoints.disabledReason,
      }).from(webhookDeliveries).innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
        .where(inArray(webhookDeliveries.id, ids));
      return new Map(rows.map((r) => [r.deliveryId, r]));
    },
    // Side by side: the claim never hands out two messages of one endpoint and event at once.
    async send(messages, signal, prepared) {
      const targets = (prepared ?? await this.prepare!(messages)) as Map<string, Target>;
      return Promise.allSettled(messages.map((m) => sendOne(m, targets.get((m.payload as { deliveryId?: string }).deliveryId ?? ''), signal)));
    },
  };
}
