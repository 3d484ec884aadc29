import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import { decodeSerialCursor, encodeSerialCursor } from '../../lib/cursor.js';
import { Nullable, PageQuery, Uuid, problems } from '../../lib/schemas.js';

const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actorAccountId: Nullable(Uuid),
  actorTokenId: Nullable(Uuid),
  action: Type.String(),
  objectKind: Type.String(),
  objectId: Type.String(),
  unitId: Nullable(Uuid),
  changedFields: Type.Array(Type.String()),
});

const AuditQuery = Type.Object({
  ...PageQuery,
  objectKind: Type.Optional(Type.String({ maxLength: 40 })),
  objectId: Type.Optional(Type.String({ maxLength: 100 })),
  actor: Type.Optional(Uuid),
}, { additionalProperties: false });

/** The audit log, newest first, for administrators. There is no route that changes it. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  app.get('/audit', {
    config: { access: 'admin' },
    schema: {
      tags: ['audit'], operationId: 'listAuditEntries', summary: 'Who did what to which object, newest first',
      querystring: AuditQuery, response: { 200: Type.Object({ items: Type.Array(AuditEntrySchema), nextCursor: Nullable(Type.String()) }), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const { limit, cursor, objectKind, objectId, actor } = request.query;
    const before = decodeSerialCursor(cursor);
    const rows = await db.select().from(auditLog).where(and(
      objectKind ? eq(auditLog.objectKind, objectKind) : undefined,
      objectId ? eq(auditLog.objectId, objectId) : undefined,
      actor ? eq(auditLog.actorAccountId, actor) : undefined,
      before !== undefined ? lt(auditLog.id, before) : undefined,
    )).orderBy(desc(auditLog.id)).limit(limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
      nextCursor: rows.length > limit ? encodeSerialCursor(page.at(-1)!.id) : null,
    };
  });
};
