import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { SlugParams, problems } from '../../lib/schemas.js';
import {
  CalendarResponse, CreateObservanceBody, ObservanceSchema, OccurrenceSchema, OverrideBody, OverrideParams, UpdateObservanceBody, YearQuery,
} from './observances.schemas.js';
import { createObservancesService } from './observances.service.js';
import { actorOf } from '../audit/audit.js';
import type { HttpCache } from '../../lib/http-cache.js';

export const observancesRoutes: FastifyPluginAsyncTypebox<{ db: Database; config: Config; httpCache: HttpCache }> = async (app, { db, config, httpCache }) => {
  const observances = createObservancesService({ db, timezone: config.CALENDAR_TIMEZONE });
  const tags = ['observances'];
  const observance = Type.Ref(ObservanceSchema);

  app.get('/observances', {
    config: { access: 'public' },
    schema: { tags, operationId: 'listObservances', summary: 'Themed days, weeks and months with their rules and announced dates', response: { 200: Type.Object({ items: Type.Array(observance) }) } },
  }, async () => ({ items: await observances.list() }));

  app.get('/observances/:slug', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getObservance', params: SlugParams, response: { 200: observance, ...problems(404) } },
  }, async (request) => observances.get(request.params.slug));

  app.get('/observances/:slug/occurrences', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getObservanceOccurrence', summary: 'The dates of a themed day in a year', params: SlugParams, querystring: YearQuery, response: { 200: Type.Ref(OccurrenceSchema), ...problems(400, 404) } },
  }, async (request) => observances.occurrence(request.params.slug, request.query.year));

  app.get('/calendar', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getCalendar', summary: 'Every themed day of a year, its dates and how many published events hang on it', querystring: YearQuery, response: { 200: CalendarResponse, ...problems(400) } },
  }, async (request, reply) => httpCache.send(request, reply, async () => ({
    body: JSON.stringify(await observances.calendar(request.query.year)), contentType: 'application/json; charset=utf-8',
  })));

  app.post('/observances', {
    config: { access: { grant: 'observances' } },
    schema: { tags, operationId: 'createObservance', body: CreateObservanceBody, response: { 201: observance, ...problems(400, 401, 409, 422) } },
  }, async (request, reply) => reply.code(201).send(await observances.create(request.body, actorOf(request.principal))));

  app.patch('/observances/:slug', {
    config: { access: { grant: 'observances' } },
    schema: { tags, operationId: 'updateObservance', summary: 'Change names or replace the rules', params: SlugParams, body: UpdateObservanceBody, response: { 200: observance, ...problems(400, 401, 404, 422) } },
  }, async (request) => observances.update(request.params.slug, request.body, actorOf(request.principal)));

  app.put('/observances/:slug/overrides/:year', {
    config: { access: { grant: 'observances' } },
    schema: { tags, operationId: 'putObservanceOverride', summary: 'Store the dates announced for a year (they win over the rule)', params: OverrideParams, body: OverrideBody, response: { 200: observance, ...problems(400, 401, 404, 422) } },
  }, async (request) => observances.putOverride(request.params.slug, request.params.year, request.body, actorOf(request.principal)));

  app.delete('/observances/:slug/overrides/:year', {
    config: { access: { grant: 'observances' } },
    schema: { tags, operationId: 'deleteObservanceOverride', params: OverrideParams, response: { 204: Type.Null(), ...problems(401, 404) } },
  }, async (request, reply) => {
    await observances.deleteOverride(request.params.slug, request.params.year, actorOf(request.principal));
    return reply.code(204).send(null);
  });
};
