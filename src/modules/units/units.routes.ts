import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from '../../db/client.js';
import { IdParams, problems } from '../../lib/schemas.js';
import { AudienceSchema, CreateUnitBody, TownSchema, UnitListQuery, UnitSchema, UpdateUnitBody } from './units.schemas.js';
import { createUnitsService } from './units.service.js';
import { actorOf } from '../audit/audit.js';

export const unitsRoutes: FastifyPluginAsyncTypebox<{ db: Database }> = async (app, { db }) => {
  const units = createUnitsService({ db });
  const tags = ['units'];

  app.get('/towns', {
    config: { access: 'public' },
    schema: { tags, operationId: 'listTowns', summary: 'The towns and subdistricts (镇/街道)', response: { 200: Type.Object({ items: Type.Array(Type.Ref(TownSchema)) }) } },
  }, async () => ({ items: await units.listTowns() }));

  app.get('/audiences', {
    config: { access: 'public' },
    schema: { tags, operationId: 'listAudiences', summary: 'The five key groups plus general public and families', response: { 200: Type.Object({ items: Type.Array(Type.Ref(AudienceSchema)) }) } },
  }, async () => ({ items: await units.listAudiences() }));

  app.get('/units', {
    config: { access: 'public' },
    schema: { tags, operationId: 'listUnits', summary: 'Organizing units (责任单位); a bounded list, not paginated', querystring: UnitListQuery, response: { 200: Type.Object({ items: Type.Array(Type.Ref(UnitSchema)) }), ...problems(400) } },
  }, async (request) => ({ items: await units.list(request.query) }));

  app.get('/units/:id', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getUnit', params: IdParams, response: { 200: Type.Ref(UnitSchema), ...problems(404) } },
  }, async (request) => units.get(request.params.id));

  app.post('/units', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'createUnit', body: CreateUnitBody, response: { 201: Type.Ref(UnitSchema), ...problems(400, 401, 409, 422) } },
  }, async (request, reply) => reply.code(201).send(await units.create(request.body, actorOf(request.principal))));

  app.patch('/units/:id', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'updateUnit', params: IdParams, body: UpdateUnitBody, response: { 200: Type.Ref(UnitSchema), ...problems(400, 401, 404, 409) } },
  }, async (request) => units.update(request.params.id, request.body, actorOf(request.principal)));
};
