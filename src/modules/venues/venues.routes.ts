import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import { IdParams, problems } from '../../lib/schemas.js';
import { CreateVenueBody, UpdateVenueBody, VenueListQuery, VenuePage, VenueSchema } from './venues.schemas.js';
import { createVenuesService } from './venues.service.js';
import { actorOf } from '../audit/audit.js';

export const venuesRoutes: FastifyPluginAsyncTypebox<{ db: Database; clock: Clock; changes: ChangeRecorder }> = async (app, { db, clock, changes }) => {
  const venues = createVenuesService({ db, clock, changes });
  const tags = ['venues'];

  app.get('/venues', {
    config: { access: 'public' },
    schema: { tags, operationId: 'listVenues', querystring: VenueListQuery, response: { 200: VenuePage, ...problems(400) } },
  }, async (request) => venues.list(request.query));

  app.get('/venues/:id', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getVenue', params: IdParams, response: { 200: Type.Ref(VenueSchema), ...problems(404) } },
  }, async (request) => venues.get(request.params.id));

  app.post('/venues', {
    config: { access: { grant: 'venues' } },
    schema: { tags, operationId: 'createVenue', body: CreateVenueBody, response: { 201: Type.Ref(VenueSchema), ...problems(400, 401, 409, 422) } },
  }, async (request, reply) => reply.code(201).send(await venues.create(request.body, actorOf(request.principal))));

  app.patch('/venues/:id', {
    config: { access: { grant: 'venues' } },
    schema: { tags, operationId: 'updateVenue', params: IdParams, body: UpdateVenueBody, response: { 200: Type.Ref(VenueSchema), ...problems(400, 401, 404, 409, 422) } },
  }, async (request) => venues.update(request.params.id, request.body, actorOf(request.principal)));
};
