import type { FastifyPluginAsync } from 'fastify';
import { apiFor } from '../../api.js';
import { formErrorsOf } from '../../form-errors.js';
import { seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { viewOf } from '../../view.js';
import { csrfOf, requireStaff } from '../guard.js';
import { eventHref } from './bits.js';
import { questionBodyOf } from './detail-questions.js';
import { renderDetail } from './detail.page.js';
import { formOf } from '../../form-values.js';

const page = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: requireStaff };

/** Option errors point into the list (`/options/1/labelZh`); the form has one box for all of them. */
const questionField = (field: string) => (field.startsWith('options.') ? 'options' : field);

/** The sign-up questions on the event page: add, hide, show again, delete (while unanswered). */
export const questionPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  app.post<{ Params: { id: string } }>('/admin/events/:id/questions', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const id = request.params.id;
    const answer = await api('POST', `/events/${encodeURIComponent(id)}/questions`, questionBodyOf(form));
    if (answer.ok) return seeOther(reply, eventHref(id, '?done=questionAdded#questions-heading'));
    return renderDetail(reply, view, api, id, { status: answer.status, errors: formErrorsOf(view, answer.problem, questionField), forms: { question: form }, problem: answer.problem });
  });

  for (const [action, method, body, done] of [
    ['hide', 'PATCH', { hidden: true }, 'questionHidden'],
    ['show', 'PATCH', { hidden: false }, 'questionShown'],
    ['delete', 'DELETE', undefined, 'questionDeleted'],
  ] as const) {
    app.post<{ Params: { id: string; questionId: string } }>(`/admin/events/:id/questions/:questionId/${action}`, page, async (request, reply) => {
      const view = viewOf(request);
      const api = apiFor(inject, request, csrfOf(request.body));
      const { id, questionId } = request.params;
      const answer = await api(method, `/events/${encodeURIComponent(id)}/questions/${encodeURIComponent(questionId)}`, body);
      if (answer.ok) return seeOther(reply, eventHref(id, `?done=${done}#questions-heading`));
      return renderDetail(reply, view, api, id, { status: answer.status, errors: formErrorsOf(view, answer.problem), problem: answer.problem });
    });
  }
};
