import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { IdParams, Nullable, problems, Uuid } from '../../lib/schemas.js';
import { systemLookup, type Lookup } from './safe-request.js';
import { createWebhooksService } from './webhooks.service.js';
import { CreateWebhookBody, DeliveryListQuery, DeliverySchema, RotateSecretBody, UpdateWebhookBody, WebhookSchema, WebhookWithSecret } from './webhooks.schemas.js';

type Deps = { db: Database; clock: Clock; config: Config; webhookLookup?: Lookup };

/** Webhook endpoints, their secrets and their delivery log. Who may do what: webhooks.service.ts. */
export const webhooksRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, { db, clock, config, webhookLookup }) => {
  const service = createWebhooksService({ db, clock, secretKey: config.SECRET_KEY!, lookup: webhookLookup ?? systemLookup });
  const tags = ['webhooks'];
  const access = 'signed_in' as const;
  const ref = Type.Ref(WebhookSchema);

  app.get('/webhooks', {
    config: { access },
    schema: { tags, operationId: 'listWebhooks', summary: 'Endpoints: an admin\'s all, an organizer\'s their units\'', response: { 200: Type.Object({ items: Type.Array(ref) }), ...problems(401, 403) } },
  }, async (request) => ({ items: await service.list(request.principal) }));

  app.post('/webhooks', {
    config: { access },
    schema: {
      tags, operationId: 'createWebhook', summary: 'Subscribe an endpoint; the answer holds its signing secret, shown only this once',
      body: CreateWebhookBody, response: { 201: WebhookWithSecret, ...problems(400, 401, 403, 422) },
    },
  }, async (request, reply) => reply.code(201).send(await service.create(request.principal, request.body)));

  app.get('/webhooks/:id', {
    config: { access },
    schema: { tags, operationId: 'getWebhook', params: IdParams, response: { 200: ref, ...problems(401, 403, 404) } },
  }, async (request) => service.get(request.principal, request.params.id));

  app.patch('/webhooks/:id', {
    config: { access },
    schema: {
      tags, operationId: 'updateWebhook', summary: 'Change an endpoint; `enabled: true` also revives one disabled after a day of failures',
      params: IdParams, body: UpdateWebhookBody, response: { 200: ref, ...problems(400, 401, 403, 404, 422) },
    },
  }, async (request) => service.update(request.principal, request.params.id, request.body));

  app.delete('/webhooks/:id', {
    config: { access },
    schema: { tags, operationId: 'deleteWebhook', params: IdParams, response: { 204: Type.Null(), ...problems(401, 403, 404) } },
  }, async (request, reply) => {
    await service.remove(request.principal, request.params.id);
    return reply.code(204).send(null);
  });

  app.post('/webhooks/:id/secret', {
    config: { access },
    schema: {
      tags, operationId: 'rotateWebhookSecret', summary: 'A new signing secret, shown once; the old one keeps signing beside it for the overlap',
      params: IdParams, body: Type.Optional(RotateSecretBody), response: { 200: WebhookWithSecret, ...problems(400, 401, 403, 404) },
    },
  }, async (request) => service.rotateSecret(request.principal, request.params.id, request.body?.overlapHours ?? 24));

  app.post('/webhooks/:id/test', {
    config: { access },
    schema: {
      tags, operationId: 'testWebhook', summary: 'Send a `ping` delivery now; see how it went in the delivery log',
      params: IdParams, response: { 202: Type.Object({ deliveryId: Uuid }), ...problems(401, 403, 404, 409) },
    },
  }, async (request, reply) => reply.code(202).send(await service.sendTest(request.principal, request.params.id)));

  app.get('/webhooks/:id/deliveries', {
    config: { access },
    schema: {
      tags, operationId: 'listWebhookDeliveries', summary: 'The delivery log, newest first: state, attempts, last response code, latency and error',
      params: IdParams, querystring: DeliveryListQuery,
      response: { 200: Type.Object({ items: Type.Array(DeliverySchema), nextCursor: Nullable(Type.String()) }), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => service.deliveries(request.principal, request.params.id, request.query));

  app.post('/webhooks/:id/deliveries/:deliveryId/redeliver', {
    config: { access },
    schema: {
      tags, operationId: 'redeliverWebhook', summary: 'Send a failed or withdrawn delivery again, now: same id, same body, a fresh day of retries (the log\'s attempts keep counting)',
      params: Type.Object({ id: Uuid, deliveryId: Uuid }, { additionalProperties: false }),
      response: { 202: DeliverySchema, ...problems(401, 403, 404, 409) },
    },
  }, async (request, reply) => reply.code(202).send(await service.redeliver(request.principal, request.params.id, request.params.deliveryId)));
};
