import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from '../../db/client.js';
import type { Config } from '../../config.js';
import { IdParams, problems } from '../../lib/schemas.js';
import type { ChangeRecorder } from '../changes/change-recorder.js';
import {
  CampaignListQuery, CampaignSchema, CopiedCampaignSchema, CopyCampaignBody, CreateCampaignBody, CreateSectionBody, CreateTaskBody, SectionParams, TaskParams,
  UpdateCampaignBody, UpdateSectionBody, UpdateTaskBody,
} from './campaigns.schemas.js';
import { createCampaignsService } from './campaigns.service.js';
import { copyCampaign } from './campaign-copy.js';
import { actorOf } from '../audit/audit.js';

export const campaignsRoutes: FastifyPluginAsyncTypebox<{ db: Database; changes: ChangeRecorder; config: Config }> = async (app, { db, changes, config }) => {
  const campaigns = createCampaignsService({ db });
  const tags = ['campaigns'];
  const campaign = Type.Ref(CampaignSchema);

  app.get('/campaigns', {
    config: { access: 'public' },
    schema: { tags, operationId: 'listCampaigns', summary: 'Yearly plans (工作要点) with sections, tasks and lead units', querystring: CampaignListQuery, response: { 200: Type.Object({ items: Type.Array(campaign) }), ...problems(400) } },
  }, async (request) => ({ items: await campaigns.list(request.query.year) }));

  app.get('/campaigns/:id', {
    config: { access: 'public' },
    schema: { tags, operationId: 'getCampaign', params: IdParams, response: { 200: campaign, ...problems(404) } },
  }, async (request) => campaigns.get(request.params.id));

  app.post('/campaigns', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'createCampaign', body: CreateCampaignBody, response: { 201: campaign, ...problems(400, 401, 409, 422) } },
  }, async (request, reply) => reply.code(201).send(await campaigns.create(request.body, actorOf(request.principal))));

  app.patch('/campaigns/:id', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'updateCampaign', params: IdParams, body: UpdateCampaignBody, response: { 200: campaign, ...problems(400, 401, 404, 409) } },
  }, async (request) => campaigns.update(request.params.id, request.body, actorOf(request.principal)));

  app.post('/campaigns/:id/copy', {
    config: { access: 'admin' },
    schema: {
      tags, operationId: 'copyCampaign', params: IdParams, body: CopyCampaignBody,
      summary: 'Copy a plan to another year: sections, tasks and lead units, and optionally its events as drafts on the new year\'s dates',
      response: { 201: CopiedCampaignSchema, ...problems(400, 401, 403, 404, 409, 422) },
    },
  }, async (request, reply) => {
    const deps = { db, changes, defaultTimezone: config.CALENDAR_TIMEZONE };
    const { id, ...copied } = await copyCampaign(deps, request.params.id, request.body, actorOf(request.principal));
    return reply.code(201).send({ ...(await campaigns.get(id)), ...copied });
  });

  app.post('/campaigns/:id/sections', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'createCampaignSection', params: IdParams, body: CreateSectionBody, response: { 201: campaign, ...problems(400, 401, 404, 422) } },
  }, async (request, reply) => reply.code(201).send(await campaigns.addSection(request.params.id, request.body, actorOf(request.principal))));

  app.patch('/campaigns/:id/sections/:sectionId', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'updateCampaignSection', params: SectionParams, body: UpdateSectionBody, response: { 200: campaign, ...problems(400, 401, 404) } },
  }, async (request) => campaigns.updateSection(request.params.id, request.params.sectionId, request.body, actorOf(request.principal)));

  app.post('/campaigns/:id/sections/:sectionId/tasks', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'createCampaignTask', params: SectionParams, body: CreateTaskBody, response: { 201: campaign, ...problems(400, 401, 404, 422) } },
  }, async (request, reply) => reply.code(201).send(await campaigns.addTask(request.params.id, request.params.sectionId, request.body, actorOf(request.principal))));

  app.patch('/campaigns/:id/tasks/:taskId', {
    config: { access: 'admin' },
    schema: { tags, operationId: 'updateCampaignTask', params: TaskParams, body: UpdateTaskBody, response: { 200: campaign, ...problems(400, 401, 404, 422) } },
  }, async (request) => campaigns.updateTask(request.params.id, request.params.taskId, request.body, actorOf(request.principal)));
};
