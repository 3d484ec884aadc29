import { and, asc, eq, gt, gte, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Executor } from '../../db/client.js';
import { tombstones } from '../../db/schema/index.js';
import { Problem } from '../../lib/problems.js';
import type { Viewer } from '../accounts/principal.js';

/**
 * What bots that sync need: deletions (tombstones) and the times that bound a sync. Every
 * time here is the database's, like the updated_at and deleted_at it is compared with, so
 * processes whose clocks differ agree.
 */

/** A deletion the viewer may hear of: the public only of what it saw, organizers of their units' events. */
export function tombstoneVisibleTo(viewer: Viewer): SQL | undefined {
  if (viewer.kind === 'all') return undefined;
  if (viewer.kind === 'public') return eq(tombstones.wasPublished, true);
  return sql`(${tombstones.wasPublished} or ${tombstones.unitIds} && ${sql.param(viewer.unitIds)}::uuid[])`;
}

/** Deletions since a time, after a position, oldest first: one more than `limit` tells of a next page. */
export async function tombstonesSince(db: Executor, { kind, since, afterSeq, limit, viewer }: {
  kind?: 'event' | 'session'; since?: Date; afterSeq?: number; limit: number; viewer: Viewer;
}) {
  return db.select().from(tombstones)
    .where(and(
      kind ? eq(tombstones.kind, kind) : undefined,
      since ? gte(tombstones.deletedAt, since) : undefined,
      afterSeq !== undefined ? gt(tombstones.seq, afterSeq) : undefined,
      tombstoneVisibleTo(viewer),
    ))
    .orderBy(asc(tombstones.seq)).limit(limit + 1);
}

/** When the oldest transaction still open began: whatever it writes will carry a time no earlier. */
const OLDEST_OPEN_TRANSACTION = sql`(select min(xact_start) from pg_stat_activity where datname = current_database() and xact_start is not null)`;
/** The time of the last change to what the public catalogue shows, seats aside. */
const LAST_CATALOGUE_CHANGE = sql`greatest((select max(updated_at) from events), (select max(deleted_at) from tombstones),
  (select max(updated_at) from venues), (select max(updated_at) from towns), (select max(updated_at) from observances),
  (select max(updated_at) from campaign_tasks), (select max(updated_at) from units))`;

/**
 * `horizon`: the oldest time a sync may start from (deletions before it are forgotten).
 * `watermark`: where the next sync may start, and it must not be later than any change this
 * read cannot see. A row's updated_at is its transaction's start, so a transaction still open
 * may commit later with an updated_at before now: the mark is at most the start of the oldest
 * transaction still running. Below that bound it is the time of the last change (or now, when
 * nothing ever changed), so it stays the same while nothing changes and a poll's answer keeps its
 * ETag. At worst a bot sees an event twice, which a mirror's upsert absorbs.
 */
export async function syncTimes(db: Executor, retentionDays: number): Promise<{ horizon: Date; watermark: Date }> {
  const [row] = rowsOf<{ horizon: string; watermark: string }>(await db.execute(sql`select
    to_json(now() - make_interval(days => ${retentionDays}::int)) #>> '{}' as horizon,
    to_json(least(now(), ${OLDEST_OPEN_TRANSACTION}, greatest(${LAST_CATALOGUE_CHANGE}, (select max(availability_changed_at) from sessions)))) #>> '{}' as watermark`));
  return { horizon: new Date(row!.horizon), watermark: new Date(row!.watermark) };
}

/** What the public catalogue shows besides seats: changing any of these rows moves its time past a mark. */
const CATALOGUE_CHANGES = sql`exists(select 1 from events where updated_at > m.at) or exists(select 1 from tombstones where deleted_at > m.at)
  or exists(select 1 from venues where updated_at > m.at) or exists(select 1 from towns where updated_at > m.at)
  or exists(select 1 from observances where updated_at > m.at) or exists(select 1 from campaign_tasks where updated_at > m.at)
  or exists(select 1 from units where updated_at > m.at)`;

/**
 * Marks for answers that show the catalogue but no seat counts (the iCal and RSS feeds): a
 * kept answer whose mark nothing changed after is still right, however many processes write,
 * and need not be rendered again. The mark is the watermark of syncTimes, a microsecond
 * before the oldest open transaction (so `>` catches what it writes) and kept in the
 * database's own microseconds (a Date's milliseconds would see the last change as new).
 */
export function catalogueMarks(db: Executor) {
  return {
    async mark(): Promise<string> {
      const [row] = rowsOf<{ at: string }>(await db.execute(sql`select
        least(now(), ${OLDEST_OPEN_TRANSACTION} - interval '1 microsecond', ${LAST_CATALOGUE_CHANGE})::text as at`));
      return row!.at;
    },
    async changedSince(mark: string): Promise<boolean> {
      const [row] = rowsOf<{ changed: boolean }>(await db.execute(sql`select (${CATALOGUE_CHANGES}) as changed from (select ${mark}::timestamptz as at) m`));
      return row!.changed;
    },
  };
}

/** A sync that would start before the oldest deletion still remembered: the bot must reload in full. */
export const syncExpired = (param: 'updatedSince' | 'since', horizon: Date, retentionDays: number) => new Problem(410, 'sync_expired',
  `Deletions are remembered for ${retentionDays} days; a sync from before then would miss some. Reload the full list (without updatedSince) and sync from its nextUpdatedSince.`, {
    errors: [{ in: 'querystring', pointer: `/${param}`, detail: `is before ${horizon.toISOString()}, the oldest time a sync can start from` }],
    oldestUpdatedSince: horizon.toISOString(),
  });

/** Forgets deletions past the retention; a bot that last synced before then must reload in full. */
export async function purgeTombstones(db: Executor, retentionDays: number): Promise<number> {
  const gone = await db.delete(tombstones)
    .where(sql`${tombstones.deletedAt} < now() - make_interval(days => ${retentionDays}::int)`)
    .returning({ seq: tombstones.seq });
  return gone.length;
}
