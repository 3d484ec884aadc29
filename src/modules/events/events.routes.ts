import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { HttpCache, Rendered } from '../../lib/http-cache.js';
import { eventJsonLd } from '../feeds/json-ld.js';
import { IdParams, problems } from '../../lib/schemas.js';
import { Problem } from '../../lib/problems.js';
import { asId, type UnitsOf } from '../../plugins/auth.js';
import { isAdmin, viewerOf, type Viewer } from '../accounts/principal.js';
import { actorOf } from '../audit/audit.js';
import { ownerUnitOf } from './events.queries.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { ReturnEventBody, CreateEventBody, CreateSessionBody, EventListQuery, EventPage, EventSchema, SessionParams, UpdateEventBody, UpdateSessionBody } from './events.schemas.js';
import { createEventsService } from './events.service.js';
import { createSessionsService } from './sessions.service.js';

const JSON_TYPE = 'application/json; charset=utf-8';

type Deps = { db: Database; clock: Clock; changes: ChangeRecorder; config: Config; httpCache: HttpCache; publicReads?: Database };

export const eventsRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, { db, clock, changes, config, httpCache, publicReads = db }) => {
  const serviceOn = (database: Database) => createEventsService({ db: database, clock, changes, defaultTimezone: config.CALENDAR_TIMEZONE, baseUrl: config.PUBLIC_BASE_URL, tombstoneRetentionDays: config.TOMBSTONE_RETENTION_DAYS });
  const events = serviceOn(db);
  /**
   * A public event is read from the read replica when there is one; staff always read the
   * primary. So does the list: every page carries a sync watermark (nextUpdatedSince), which
   * must not pass a change still in flight, and a replica cannot see the primary's open
   * transactions (changes/sync.ts).
   */
  const publicEvents = publicReads === db ? events : serviceOn(publicReads);
  const readerFor = (viewer: Viewer) => (viewer.kind === 'public' ? publicEvents : events);
  const sessions = createSessionsService({ db, clock, changes });
  const tags = ['events'];
  const event = Type.Ref(EventSchema);
  const all = { kind: 'all' } as const;
  type Raw = { params?: { id?: unknown }; body?: { ownerUnitId?: unknown } | null };
  // Organizers act on their units' events: the stored owner, and the new one when a body moves it.
  /** The same list with another cursor, as an absolute URL (RFC 8288 wants one a client can follow). */
  const pageUrl = (requestUrl: string, cursor: string) => {
    const url = new URL(requestUrl, config.PUBLIC_BASE_URL);
    url.searchParams.set('cursor', cursor);
    return `${config.PUBLIC_BASE_URL}${url.pathname}${url.search}`;
  };
  const eventOwner: UnitsOf = async (request) => [await ownerUnitOf(db, asId((request as Raw).params?.id))];
  const eventOwners: UnitsOf = async (request) => {
    const moveTo = asId((request as Raw).body?.ownerUnitId);
    return [await ownerUnitOf(db, asId((request as Raw).params?.id)), ...(moveTo ? [moveTo] : [])];
  };
  const newEventOwner: UnitsOf = async (request) => [asId((request as Raw).body?.ownerUnitId)];

  app.get('/events', {
    config: { access: 'public' },
    schema: {
      tags, operationId: 'listEvents',
      summary: 'Events with their sessions; anonymous callers see published (and once-published cancelled) events only',
      querystring: EventListQuery, response: { 200: EventPage, ...problems(400, 401, 410) },
    },
  }, async (request, reply) => httpCache.send(request, reply, async (): Promise<Rendered> => {
    const { updated_since: updatedSinceAlias, ...query } = request.query;
    if (query.updatedSince !== undefined && updatedSinceAlias !== undefined && query.updatedSince !== updatedSinceAlias) {
      throw new Problem(400, 'validation_failed', 'updatedSince and updated_since are one parameter: give it once.', {
        errors: [{ in: 'querystring', pointer: '/updated_since', detail: 'differs from updatedSince' }],
      });
    }
    const page = await events.list({ ...query, updatedSince: query.updatedSince ?? updatedSinceAlias }, viewerOf(request.principal));
    const next = page.nextCursor === null ? null : pageUrl(request.url, page.nextCursor);
    return {
      body: JSON.stringify({ ...page, next }), contentType: JSON_TYPE, headers: next ? { link: `<${next}>; rel="next"` } : {},
      tags: page.items.map((e) => `event:${e.id}`),
    };
  }));

  app.get('/events/:id', {
    config: { access: 'public' },
    schema: {
      tags, operationId: 'getEvent', summary: 'An event; with Accept: application/ld+json, the schema.org Event', params: IdParams,
      produces: ['application/json', 'application/ld+json'], response: { 200: event, ...problems(404) },
    },
  }, async (request, reply) => {
    // Accept: application/ld+json asks for the schema.org Event (the public pages embed the same).
    const linkedData = /application\/ld\+json/.test(request.headers.accept ?? '');
    return httpCache.send(request, reply, async () => {
      const viewer = viewerOf(request.principal);
      const event = await readerFor(viewer).get(request.params.id, viewer);
      return linkedData
        ? { body: JSON.stringify(eventJsonLd(event)), contentType: 'application/ld+json; charset=utf-8', tags: [`event:${event.id}`] }
        : { body: JSON.stringify(event), contentType: JSON_TYPE, tags: [`event:${event.id}`] };
    }, linkedData ? 'ld' : '');
  });

  app.post('/events', {
    config: { access: { units: newEventOwner } },
    schema: { tags, operationId: 'createEvent', summary: 'Create a draft event, optionally with its sessions', body: CreateEventBody, response: { 201: event, ...problems(400, 401, 409, 422) } },
  }, async (request, reply) => reply.code(201).send(await events.create(request.body, actorOf(request.principal))));

  app.patch('/events/:id', {
    config: { access: { units: eventOwners } },
    schema: { tags, operationId: 'updateEvent', params: IdParams, body: UpdateEventBody, response: { 200: event, ...problems(400, 401, 404, 409, 422) } },
  }, async (request) => events.update(request.params.id, request.body, actorOf(request.principal)));

  app.delete('/events/:id', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'deleteEvent', summary: 'Delete a draft (published events are cancelled instead)', params: IdParams, response: { 204: Type.Null(), ...problems(401, 404, 409) } },
  }, async (request, reply) => {
    await events.remove(request.params.id, actorOf(request.principal));
    return reply.code(204).send(null);
  });

  app.post('/events/:id/publish', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'publishEvent', params: IdParams, response: { 200: event, ...problems(401, 404, 409) } },
  }, async (request) => events.publish(request.params.id, { actor: actorOf(request.principal), reviewer: isAdmin(request.principal) }));

  app.post('/events/:id/submit', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'submitEvent', summary: 'Hand a draft to the administrators (units whose events are reviewed)', params: IdParams, response: { 200: event, ...problems(401, 403, 404, 409) } },
  }, async (request) => events.submit(request.params.id, actorOf(request.principal)));

  app.post('/events/:id/approve', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'approveEvent', summary: 'Approve a submitted event: it is published', params: IdParams, response: { 200: event, ...problems(401, 403, 404, 409) } },
  }, async (request) => events.review(request.params.id, { approve: true }, actorOf(request.principal)));

  app.post('/events/:id/return', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'returnEvent', summary: 'Send a submitted event back to draft with a comment', params: IdParams, body: ReturnEventBody, response: { 200: event, ...problems(400, 401, 403, 404, 409) } },
  }, async (request) => events.review(request.params.id, { approve: false, comment: request.body.comment }, actorOf(request.principal)));

  app.post('/events/:id/cancel', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'cancelEvent', params: IdParams, response: { 200: event, ...problems(401, 404, 409) } },
  }, async (request) => events.cancel(request.params.id, actorOf(request.principal)));

  app.post('/events/:id/sessions', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'createSession', params: IdParams, body: CreateSessionBody, response: { 201: event, ...problems(400, 401, 404, 409, 422) } },
  }, async (request, reply) => {
    await sessions.add(request.params.id, request.body, actorOf(request.principal));
    return reply.code(201).send(await events.get(request.params.id, all));
  });

  app.patch('/events/:id/sessions/:sessionId', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'updateSession', params: SessionParams, body: UpdateSessionBody, response: { 200: event, ...problems(400, 401, 404, 409, 422) } },
  }, async (request) => {
    await sessions.update(request.params.id, request.params.sessionId, request.body, actorOf(request.principal));
    return events.get(request.params.id, all);
  });

  app.post('/events/:id/sessions/:sessionId/cancel', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'cancelSession', params: SessionParams, response: { 200: event, ...problems(401, 404, 409) } },
  }, async (request) => {
    await sessions.cancel(request.params.id, request.params.sessionId, actorOf(request.principal));
    return events.get(request.params.id, all);
  });

  app.delete('/events/:id/sessions/:sessionId', {
    config: { access: { units: eventOwner } },
    schema: { tags, operationId: 'deleteSession', params: SessionParams, response: { 204: Type.Null(), ...problems(401, 404, 409) } },
  }, async (request, reply) => {
    await sessions.remove(request.params.id, request.params.sessionId, actorOf(request.principal));
    return reply.code(204).send(null);
  });
};
