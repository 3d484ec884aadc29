import type { FastifyPluginAsync } from 'fastify';
import { apiFor } from '../api.js';
import type { UiDeps } from '../ui.routes.js';
import { viewOf } from '../view.js';
import { eventActionPages } from './events/actions.pages.js';
import { renderDetail } from './events/detail.page.js';
import { eventFormPages } from './events/edit.pages.js';
import { eventImportPages } from './events/import.pages.js';
import { eventListPage } from './events/list.page.js';
import { questionPages } from './events/questions.pages.js';
import { sessionPages } from './events/sessions.pages.js';
import { requireStaff } from './guard.js';

/**
 * The organizers' event pages: the list, the new and edit forms, the event page with its
 * actions (publish or the review steps, cancel, delete, duplicate), its sessions and its
 * sign-up questions. Everything is read and written through the JSON API, which decides
 * what this staff member may see and do. (Registrations and check-in have pages of their own.)
 */
export const adminEventPages: FastifyPluginAsync<UiDeps> = async (app, deps) => {
  await app.register(eventListPage, deps);
  await app.register(eventFormPages, deps);
  await app.register(eventImportPages, deps);

  app.get<{ Params: { id: string }; Querystring: { done?: string } }>('/admin/events/:id', {
    config: { access: 'public' }, schema: { hide: true }, preHandler: requireStaff,
  }, async (request, reply) => renderDetail(reply, viewOf(request), apiFor(deps.inject, request), request.params.id, { done: request.query.done }));

  await app.register(eventActionPages, deps);
  await app.register(sessionPages, deps);
  await app.register(questionPages, deps);
};
