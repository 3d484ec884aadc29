import { and, desc, eq, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { events, outboxMessages, type OutboxState } from '../../db/schema/index.js';

/** The states a reader filters by: `pending` is planned or being sent (a worker holds it for seconds). */
export const MESSAGE_FILTERS = ['failed', 'pending', 'sent', 'cancelled'] as const;
export type MessageFilter = (typeof MESSAGE_FILTERS)[number];
const STATES: Record<MessageFilter, OutboxState[]> = { failed: ['failed'], pending: ['planned', 'sending'], sent: ['sent'], cancelled: ['cancelled'] };

/**
 * Whose messages a caller sees: admins all of them (staff mail too, which has no event);
 * organizers those of the events their units own, as the per-event route allows them.
 */
export type MessageScope = { kind: 'all' } | { kind: 'units'; unitIds: string[] };
const visibleTo = (scope: MessageScope): SQL | undefined =>
  scope.kind === 'all' ? undefined : sql`${events.ownerUnitId} = any(${sql.param(scope.unitIds)}::uuid[])`;

/**
 * A mail server's refusal may quote the address ("550 5.1.1 <name@example.cn>: unknown
 * user"). The list across events shows the reason without it; the address is the
 * registration's, for whoever may open that.
 */
export const withoutAddresses = (text: string | null) => text && text.replace(/[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+/g, '[address]');

/** One page of a channel's messages, newest first, with the event each is about (never the payload). */
export async function messagesPage(db: Executor, { channel, scope, state, limit, beforeId }: {
  channel: string; scope: MessageScope; state?: MessageFilter; limit: number; beforeId?: number;
}) {
  const rows = await db.select({
    id: outboxMessages.id, kind: outboxMessages.kind, state: outboxMessages.state, attempts: outboxMessages.attempts,
    lastError: outboxMessages.lastError, dueAt: outboxMessages.dueAt, sentAt: outboxMessages.sentAt,
    createdAt: outboxMessages.createdAt, updatedAt: outboxMessages.updatedAt,
    eventId: events.id, titleZh: events.titleZh, titleEn: events.titleEn, timezone: events.timezone,
  }).from(outboxMessages)
    .leftJoin(events, eq(events.id, outboxMessages.eventId))
    .where(and(
      eq(outboxMessages.channel, channel), visibleTo(scope),
      state ? inArray(outboxMessages.state, STATES[state]) : undefined,
      beforeId !== undefined ? lt(outboxMessages.id, beforeId) : undefined,
    ))
    .orderBy(desc(outboxMessages.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return {
    items: page.map(({ eventId, titleZh, titleEn, timezone, lastError, ...m }) => ({
      ...m, lastError: withoutAddresses(lastError),
      event: eventId === null ? null : { id: eventId, titleZh: titleZh!, titleEn, timezone: timezone! },
    })),
    hasMore: rows.length > limit,
  };
}

/** How many of the caller's messages are in each state, for the filter and the dashboard. */
export async function messageCounts(db: Executor, { channel, scope }: { channel: string; scope: MessageScope }): Promise<Record<MessageFilter, number>> {
  const rows = await db.select({ state: outboxMessages.state, count: sql<number>`count(*)::int` })
    .from(outboxMessages)
    .leftJoin(events, eq(events.id, outboxMessages.eventId))
    .where(and(eq(outboxMessages.channel, channel), visibleTo(scope)))
    .groupBy(outboxMessages.state);
  const counts: Record<MessageFilter, number> = { failed: 0, pending: 0, sent: 0, cancelled: 0 };
  for (const filter of MESSAGE_FILTERS) counts[filter] = rows.filter((r) => STATES[filter].includes(r.state)).reduce((sum, r) => sum + r.count, 0);
  return counts;
}
