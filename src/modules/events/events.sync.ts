import type { Executor } from '../../db/client.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor.js';
import type { Viewer } from '../accounts/principal.js';
import { syncExpired, syncTimes, tombstonesSince } from '../changes/sync.js';
import { boundary, listEventIds } from './events.list.js';
import type { EventListQuery } from './events.schemas.js';

export type Deletion = { id: string; deletedAt: string };
export type EventIdPage = { ids: string[]; deleted?: Deletion[]; nextCursor: string | null; nextUpdatedSince: string };

/** The position in a listing: the event list's own cursor (null once it is done), the last deletion given, the watermark. */
type Position = { events: string | null | undefined; afterSeq: number; watermark: Date };

function decodePosition(cursor: string): Position {
  const [events, afterSeq, watermark] = decodeCursor(cursor, 3);
  const seq = Number(afterSeq);
  const mark = new Date(watermark ?? '');
  const year = mark.getUTCFullYear();
  if (!Number.isSafeInteger(seq) || seq < 0 || Number.isNaN(mark.getTime()) || year < 1 || year > 9999) throw invalidCursor();
  return { events, afterSeq: seq, watermark: mark };
}

/**
 * A page of the event list, and for a sync (updatedSince) the deletions since then too, each
 * stream paged by its own key inside one cursor. Every page of one listing carries the first
 * page's watermark as nextUpdatedSince, so a bot takes it from whichever page it read last.
 */
export async function listEventsPage(db: Executor, query: EventListQuery, viewer: Viewer, { zone, now, tombstoneRetentionDays }: {
  zone: string; now: Date; tombstoneRetentionDays: number;
}): Promise<EventIdPage> {
  const since = query.updatedSince === undefined ? undefined : boundary(query.updatedSince, 'updatedSince', zone);
  // The watermark is read before the events, so that what it leaves out they show.
  const { horizon, watermark } = await syncTimes(db, tombstoneRetentionDays);
  if (since && since < horizon) throw syncExpired('updatedSince', horizon, tombstoneRetentionDays);

  const position: Position = query.cursor ? decodePosition(query.cursor) : { events: undefined, afterSeq: 0, watermark };
  const events = position.events === null
    ? { ids: [], nextCursor: null }
    : await listEventIds(db, { ...query, cursor: position.events }, viewer, zone, now);

  let deleted: Deletion[] | undefined;
  let moreDeleted = false;
  let lastSeq = position.afterSeq;
  if (since) {
    const rows = await tombstonesSince(db, { kind: 'event', since, afterSeq: position.afterSeq, limit: query.limit, viewer });
    moreDeleted = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    deleted = page.map((r) => ({ id: r.objectId, deletedAt: r.deletedAt.toISOString() }));
    lastSeq = page.at(-1)?.seq ?? lastSeq;
  }
  const more = events.nextCursor !== null || moreDeleted;
  return {
    ids: events.ids,
    ...(deleted ? { deleted } : {}),
    nextCursor: more ? encodeCursor([events.nextCursor, String(lastSeq), position.watermark.toISOString()]) : null,
    nextUpdatedSince: position.watermark.toISOString(),
  };
}
