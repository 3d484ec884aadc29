import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { and, asc, gt, gte } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { tombstones } from '../../db/schema/index.js';
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

/** Tombstones, oldest first, for bots that sync the event list and must drop what is gone. */
export const deletionsRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  app.get('/deletions', {
    config: { access: 'public' },
    schema: {
      tags: ['events'], operationId: 'listDeletions', summary: 'Deleted events and sessions (tombstones), oldest first',
      querystring: DeletionQuery, response: { 200: Type.Object({ items: Type.Array(DeletionSchema), nextCursor: Nullable(Type.String()) }), ...problems(400) },
    },
  }, async (request) => {
    const { since, cursor, limit } = request.query;
    const after = decodeSerialCursor(cursor);
    const rows = await db.select().from(tombstones)
      .where(and(since ? gte(tombstones.deletedAt, new Date(since)) : undefined, after !== undefined ? gt(tombstones.seq, after) : undefined))
      .orderBy(asc(tombstones.seq)).limit(limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ kind: r.kind as 'event' | 'session', id: r.objectId, eventId: r.parentId, deletedAt: r.deletedAt.toISOString() })),
      nextCursor: rows.length > limit ? encodeSerialCursor(page.at(-1)!.seq) : null,
    };
  });
};
