import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { observances, outboxMessages, towns, units, webhookDeliveries, webhookEndpoints } from '../../db/schema/index.js';

export const WEBHOOK_CHANNEL = 'webhook';
export type EndpointRow = typeof webhookEndpoints.$inferSelect;

export async function endpointById(db: Executor, id: string): Promise<EndpointRow | undefined> {
  const [row] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
  return row;
}

export async function endpointsOf(db: Executor, unitIds: string[] | null): Promise<EndpointRow[]> {
  return db.select().from(webhookEndpoints)
    .where(unitIds ? inArray(webhookEndpoints.unitId, unitIds) : undefined)
    .orderBy(webhookEndpoints.createdAt, webhookEndpoints.id);
}

/** Ids among `ids` that name no row of `table`. */
export async function unknownIds(db: Executor, table: typeof observances | typeof units | typeof towns, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = new Set((await db.select({ id: table.id }).from(table).where(inArray(table.id, ids))).map((r) => r.id));
  return ids.filter((id) => !found.has(id));
}

/** The delivery and its outbox message in one row, for the log. */
const deliveryColumns = {
  id: webhookDeliveries.id, kind: webhookDeliveries.kind, eventId: webhookDeliveries.eventId, sessionId: webhookDeliveries.sessionId,
  registrationId: webhookDeliveries.registrationId,
  state: sql<string>`coalesce(${outboxMessages.state}, 'cancelled')`,
  attempts: webhookDeliveries.attempts, lastStatus: webhookDeliveries.lastStatus, lastLatencyMs: webhookDeliveries.lastLatencyMs,
  lastError: webhookDeliveries.lastError, responsePrefix: webhookDeliveries.responsePrefix,
  nextAttemptAt: sql<Date | null>`case when ${outboxMessages.state} = 'planned' then ${outboxMessages.dueAt} end`,
  lastAttemptAt: webhookDeliveries.lastAttemptAt, deliveredAt: webhookDeliveries.deliveredAt, createdAt: webhookDeliveries.createdAt,
};

/** An endpoint's deliveries, newest first, from before `before` (created at, id). */
export async function deliveriesPage(db: Executor, { endpointId, state, limit, before }: {
  endpointId: string; state?: string; limit: number; before?: { createdAt: Date; id: string };
}) {
  const conditions: (SQL | undefined)[] = [eq(webhookDeliveries.endpointId, endpointId)];
  if (state) conditions.push(sql`coalesce(${outboxMessages.state}, 'cancelled') = ${state}`);
  if (before) conditions.push(sql`(${webhookDeliveries.createdAt}, ${webhookDeliveries.id}) < (${before.createdAt.toISOString()}::timestamptz, ${before.id}::uuid)`);
  const rows = await db.select(deliveryColumns).from(webhookDeliveries)
    .leftJoin(outboxMessages, eq(outboxMessages.id, webhookDeliveries.outboxMessageId))
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(limit + 1);
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

export async function deliveryOf(db: Executor, endpointId: string, deliveryId: string) {
  const [row] = await db.select(deliveryColumns).from(webhookDeliveries)
    .leftJoin(outboxMessages, eq(outboxMessages.id, webhookDeliveries.outboxMessageId))
    .where(and(eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.id, deliveryId)));
  return row;
}

/**
 * Plans one delivery to one endpoint (the test ping, a redelivery whose message is gone):
 * its outbox message first, then the delivery naming it, in the caller's transaction.
 */
export async function planDelivery(tx: Executor, { deliveryId, endpointId, kind, eventId, sessionId, body, now }: {
  deliveryId: string; endpointId: string; kind: string; eventId: string | null; sessionId: string | null; body: string | null; now: Date;
}) {
  const [message] = await tx.insert(outboxMessages).values({
    kind, channel: WEBHOOK_CHANNEL, payload: { deliveryId }, dedupeKey: `webhook:${deliveryId}:${now.getTime()}`, dueAt: now,
    eventId: null, orderingKey: `webhook:${endpointId}:${eventId ?? kind}`,
  }).returning({ id: outboxMessages.id });
  await tx.insert(webhookDeliveries).values({ id: deliveryId, endpointId, outboxMessageId: message!.id, kind, eventId, sessionId, body })
    .onConflictDoUpdate({ target: webhookDeliveries.id, set: { outboxMessageId: message!.id } });
  return message!.id;
}
