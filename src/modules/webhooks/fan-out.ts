import { sql } from 'drizzle-orm';
import type { Clock } from '../../lib/clock.js';
import type { Change, ChangeListener } from '../changes/change-recorder.js';
import type { WebhookKind } from '../../db/schema/index.js';
import { loadEvents } from '../events/events.queries.js';

/** Which kind a change of an event or its sessions is, for subscribers; seats and registrations are told by triggers (migration 0015). */
function kindOf(change: Change): WebhookKind | null {
  if (change.entity === 'registration') return null;
  if (change.entity === 'session') return 'event.changed';
  switch (change.action) {
    case 'published': return 'event.published';
    case 'updated': return 'event.changed';
    case 'cancelled': return 'event.cancelled';
    case 'deleted': return 'event.deleted';
    default: return null; // submitted, returned, created: not public
  }
}

/**
 * Plans webhook deliveries in the transaction of the change (the change recorder calls this
 * inside it), each with the event as it is then, so a bot reading them in order reads
 * history. Which endpoints hear of it is decided by the SQL function webhook_fan_out
 * (migration 0015), which the seat trigger uses too: one definition of the filters.
 */
export function createWebhookFanOut(clock: Clock, baseUrl: string): ChangeListener {
  return async (tx, change) => {
    const kind = kindOf(change);
    if (!kind) return;
    // The event as the public feed shows it after this change; a deleted one is told as null.
    const [snapshot] = kind === 'event.deleted' ? [] : await loadEvents(tx, [change.eventId], { publicView: true, baseUrl });
    await tx.execute(sql`select webhook_fan_out(${kind}, ${change.eventId}::uuid, null::uuid, null::uuid, ${clock.now().toISOString()}::timestamptz,
      ${snapshot ? JSON.stringify(snapshot) : null}::jsonb)`);
  };
}
