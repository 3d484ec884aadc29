import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { viewerOf } from '../accounts/principal.js';
import { boundary } from '../events/events.list.js';
import { syncExpired, syncTimes, tombstonesSince } from './sync.js';
import { decodeSerialCursor, encodeSerialCursor } from '../../lib/cursor.js';
import { Instant, Nullable, PageQuery, Uuid, problems } from '../../lib/schemas.js';

const DeletionSchema = Type.Object({
  kind: Type.Union([Type.Literal('event'), Type.Literal('session')]),
  id: Uuid,
  eventId: Nullable(Uuid),
  deletedAt: Type.String({ format: 'date-time' }),
});

const DeletionQuery = Type.Object({
  ...PageQuery,
  since: Type.Optional(Instant),
}, { additionalProperties: false });

/**
 * Tombstones, oldest first, for bots that sync and must drop what is gone. Each caller hears only
 * of what it could have seen: the public of published events, organizers of their units' too.
 */
export const deletionsRoutes: FastifyPluginAsyncTypebox<{ db: Database; config: Config }> = async (app, { db, config }) => {
  app.get('/deletions', {
    config: { access: 'public' },
    schema: {
      tags: ['events'], operationId: 'listDeletions', summary: 'Deleted events and sessions (tombstones), oldest first',
      querystring: DeletionQuery, response: { 200: Type.Object({ items: Type.Array(DeletionSchema), nextCursor: Nullable(Type.String()) }), ...problems(400, 410) },
    },
  }, async (request) => {
    const { since, cursor, limit } = request.query;
    const { horizon } = await syncTimes(db, config.TOMBSTONE_RETENTION_DAYS);
    const from = since === undefined ? undefined : boundary(since, 'since', config.CALENDAR_TIMEZONE);
    if (from && from < horizon) throw syncExpired('since', horizon, config.TOMBSTONE_RETENTION_DAYS);
    const rows = await tombstonesSince(db, { since: from, afterSeq: decodeSerialCursor(cursor), limit, viewer: viewerOf(request.principal) });
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ kind: r.kind as 'event' | 'session', id: r.objectId, eventId: r.parentId, deletedAt: r.deletedAt.toISOString() })),
      nextCursor: rows.length > limit ? encodeSerialCursor(page.at(-1)!.seq) : null,
    };
  });
};
