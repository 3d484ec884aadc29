import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { idempotencyKeys, registrationAnswers, registrations } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { purgeIdempotencyKeys } from './idempotency.js';
import { purgeTombstones } from '../changes/sync.js';
import { forgetMessages } from '../outbox/outbox.js';

const DAY_MS = 24 * 3600_000;

/**
 * PIPL: registrants' personal data is kept only as long as the event needs it. A set
 * number of days after an event's last session ended, its registrations lose names, phones,
 * emails, answers, manage links and mail messages, in every table that holds them; status, headcount,
 * check-in and history stay for the year's figures. Idempotent, so any number of processes
 * may run it.
 */
export async function anonymizeEndedEvents(db: Database, { now, retentionDays }: { now: Date; retentionDays: number }): Promise<number> {
  const endedBefore = new Date(now.getTime() - retentionDays * DAY_MS);
  return db.transaction(async (tx) => {
    const done = await tx.update(registrations).set({
      contactName: null, phone: null, email: null, manageTokenHash: sql`'erased:' || ${registrations.id}`, anonymizedAt: now, updatedAt: now,
    }).where(sql`${registrations.anonymizedAt} is null and ${registrations.eventId} in (
      select e.id from events e where coalesce(e.last_end_at, (select max(s.ends_at) from sessions s where s.event_id = e.id)) < ${endedBefore.toISOString()}::timestamptz)`)
      .returning({ id: registrations.id });
    if (done.length) {
      const ids = done.map((r) => r.id);
      await tx.delete(registrationAnswers).where(inArray(registrationAnswers.registrationId, ids));
      await tx.delete(idempotencyKeys).where(inArray(idempotencyKeys.registrationId, ids));
      await forgetMessages(tx, ids.map((registrationId) => ({ registrationId })));
    }
    return done.length;
  });
}

/** Runs the retention sweeps (personal data, idempotency keys, old tombstones) now and then every hour, until stopped. */
export function startRetentionSweeps({ db, clock, retentionDays, tombstoneRetentionDays, log }: {
  db: Database; clock: Clock; retentionDays: number; tombstoneRetentionDays: number; log: { info(o: object, m: string): void; error(o: object, m: string): void };
}) {
  const sweep = async () => {
    try {
      const now = clock.now();
      const anonymized = await anonymizeEndedEvents(db, { now, retentionDays });
      const purged = await purgeIdempotencyKeys(db, now);
      const forgotten = await purgeTombstones(db, tombstoneRetentionDays);
      if (anonymized || purged || forgotten) log.info({ anonymized, purgedIdempotencyKeys: purged, purgedTombstones: forgotten }, 'retention sweep');
    } catch (error) {
      log.error({ err: error }, 'retention sweep failed; it runs again within the hour');
    }
  };
  const running = sweep();
  const timer = setInterval(() => void sweep(), 3600_000);
  timer.unref();
  return { stop: async () => { clearInterval(timer); await running; } };
}
