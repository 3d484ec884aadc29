import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { outboxMessages } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { Problem, conflict, notFound } from '../../lib/problems.js';
import { Nullable, PageQuery, StringEnum, Uuid, problems } from '../../lib/schemas.js';
import { asId, type UnitsOf } from '../../plugins/auth.js';
import { decodeSerialCursor, encodeSerialCursor } from '../../lib/cursor.js';
import { isSignedIn } from '../accounts/principal.js';
import { actorOf, recordAudit } from '../audit/audit.js';
import { ownerUnitOf } from '../events/events.queries.js';
import { EMAIL_CHANNEL } from '../mail/kinds.js';
import { MESSAGE_FILTERS, messageCounts, messagesPage } from './messages.queries.js';
import { messagesOfEvent, replanFailed } from './outbox.js';

const Time = Type.String({ format: 'date-time' });
const MessageSchema = Type.Object({
  id: Type.Integer(), kind: Type.String(), channel: Type.String(),
  state: Type.Union(['planned', 'sending', 'sent', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  attempts: Type.Integer(), dueAt: Time, sentAt: Nullable(Time), lastError: Nullable(Type.String()), createdAt: Time,
});
const MessageParams = Type.Object({ id: Uuid, messageId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false });
const iso = (date: Date | null) => date?.toISOString() ?? null;

const MailListQuery = Type.Object({
  ...PageQuery,
  state: Type.Optional(StringEnum(MESSAGE_FILTERS, { description: 'pending: planned or being sent' })),
}, { additionalProperties: false });
const MailMessageSchema = Type.Object({
  id: Type.Integer(), kind: Type.String(),
  state: MessageSchema.properties.state,
  attempts: Type.Integer(),
  lastError: Nullable(Type.String({ description: 'Why the last attempt failed, mail addresses masked' })),
  event: Nullable(Type.Object({ id: Uuid, titleZh: Type.String(), titleEn: Nullable(Type.String()), timezone: Type.String() }, { description: 'Null for staff mail (invitations, password resets)' })),
  dueAt: Time, sentAt: Nullable(Time), createdAt: Time, updatedAt: Time,
});
const StateCounts = Type.Object({ failed: Type.Integer(), pending: Type.Integer(), sent: Type.Integer(), cancelled: Type.Integer() }, { description: 'The caller\'s messages in each state, whatever the filter' });

/** Organizers see their events' messages (mail now, webhooks later) and send a failed one again. */
export const outboxRoutes: FastifyPluginAsyncTypebox<{ db: Database; clock: Clock }> = async (app, { db, clock }) => {
  const tags = ['messages'];
  const eventOwner: UnitsOf = async (request) => [await ownerUnitOf(db, asId((request.params as { id?: unknown }).id))];

  app.get('/events/:id/messages', {
    config: { access: { units: eventOwner } },
    schema: {
      tags, operationId: 'listEventMessages', summary: 'The messages planned for an event\'s people, with their state, attempts and last error (never their content)',
      params: Type.Object({ id: Uuid }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(MessageSchema) }), ...problems(401, 403, 404) },
    },
  }, async (request) => {
    if (!(await ownerUnitOf(db, request.params.id))) throw notFound('event', request.params.id);
    const rows = await messagesOfEvent(db, request.params.id);
    return { items: rows.map((r) => ({ ...r, dueAt: r.dueAt.toISOString(), sentAt: iso(r.sentAt), createdAt: r.createdAt.toISOString() })) };
  });

  app.get('/messages', {
    config: { access: 'signed_in' },
    schema: {
      tags, operationId: 'listMailMessages',
      summary: 'Mail across events, newest first: admins see all (staff mail too), organizers their units\' events\' (checkers none)',
      description: 'Never the content or the recipient. A failed one is sent again through its event: POST /events/{id}/messages/{messageId}/resend.',
      querystring: MailListQuery,
      response: { 200: Type.Object({ items: Type.Array(MailMessageSchema), nextCursor: Nullable(Type.String()), counts: StateCounts }), ...problems(400, 401, 403) },
    },
  }, async (request) => {
    const principal = request.principal;
    // The per-event view is the organizers' (not the checkers'); this one follows it.
    if (!isSignedIn(principal) || principal.role === 'checker') throw new Problem(403, 'forbidden', 'Checkers do not see the mail.');
    const scope = principal.role === 'admin' ? { kind: 'all' as const } : { kind: 'units' as const, unitIds: principal.unitIds };
    const { limit, cursor, state } = request.query;
    const [page, counts] = await Promise.all([
      messagesPage(db, { channel: EMAIL_CHANNEL, scope, state, limit, beforeId: decodeSerialCursor(cursor) }),
      messageCounts(db, { channel: EMAIL_CHANNEL, scope }),
    ]);
    return {
      items: page.items.map((m) => ({ ...m, dueAt: m.dueAt.toISOString(), sentAt: iso(m.sentAt), createdAt: m.createdAt.toISOString(), updatedAt: m.updatedAt.toISOString() })),
      nextCursor: page.hasMore ? encodeSerialCursor(page.items.at(-1)!.id) : null,
      counts,
    };
  });

  app.post('/events/:id/messages/:messageId/resend', {
    config: { access: { units: eventOwner } },
    schema: {
      tags, operationId: 'resendEventMessage', summary: 'Plan a failed message again, now, with its attempts from zero',
      params: MessageParams, response: { 202: Type.Object({ id: Type.Integer(), state: Type.Literal('planned') }), ...problems(401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const { id: eventId, messageId } = request.params;
    const unitId = await ownerUnitOf(db, eventId);
    if (!unitId) throw notFound('event', eventId);
    const replanned = await db.transaction(async (tx) => {
      const row = await replanFailed(tx, { eventId, messageId, now: clock.now() });
      if (row) await recordAudit(tx, actorOf(request.principal), { action: 'resent', objectKind: 'message', objectId: String(messageId), unitId });
      return row;
    });
    if (!replanned) {
      const [message] = await db.select({ state: outboxMessages.state, eventId: outboxMessages.eventId }).from(outboxMessages).where(eq(outboxMessages.id, messageId));
      if (!message || message.eventId !== eventId) throw notFound('message', String(messageId));
      throw conflict('not_failed', `Only a failed message is sent again; this one is ${message.state}.`);
    }
    return reply.code(202).send({ id: messageId, state: 'planned' as const });
  });
};
