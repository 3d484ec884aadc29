import type { FastifyPluginAsync } from 'fastify';
import type { EventResponse } from '../../../modules/events/events.schemas.js';
import { apiFor } from '../../api.js';
import { formErrorsOf, type FormErrors } from '../../form-errors.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { viewOf, type View } from '../../view.js';
import { csrfOf, requireStaff } from '../guard.js';
import { ConfirmPage, ProblemPage, eventHref, eventTitle } from './bits.js';
import { loadDetail } from './detail-data.js';
import { renderDetail } from './detail.page.js';
import { duplicateBodyOf } from './duplicate.js';
import { formOf, textOf } from '../../form-values.js';

const page = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: requireStaff };
type ById = { Params: { id: string } };

/** A message by a field of the page's own (not an API field), in the catalogue's words. */
const fieldError = (view: View, field: string, code: string): FormErrors =>
  ({ summary: view.t('problem.validation_failed'), fields: { [field]: view.lookup(`field.${code}`) ?? view.t('field.invalid') } });

/** Publish, submit for review, approve, return, cancel, delete and duplicate: each a POST to the API, then back to the event. */
export const eventActionPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  const simple = [
    ['publish', 'published'],
    ['submit', 'submitted'],
    ['approve', 'approved'],
  ] as const;
  for (const [action, done] of simple) {
    app.post<ById>(`/admin/events/:id/${action}`, page, async (request, reply) => {
      const view = viewOf(request);
      const api = apiFor(inject, request, csrfOf(request.body));
      const id = encodeURIComponent(request.params.id);
      const answer = await api('POST', `/events/${id}/${action}`);
      if (answer.ok) return seeOther(reply, eventHref(request.params.id, `?done=${done}`));
      return renderDetail(reply, view, api, request.params.id, { status: answer.status, errors: formErrorsOf(view, answer.problem), problem: answer.problem });
    });
  }

  app.post<ById>('/admin/events/:id/return', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('POST', `/events/${encodeURIComponent(request.params.id)}/return`, { comment: textOf(form, 'comment').trim() || undefined });
    if (answer.ok) return seeOther(reply, eventHref(request.params.id, '?done=returned'));
    return renderDetail(reply, view, api, request.params.id, { status: answer.status, errors: formErrorsOf(view, answer.problem), forms: { review: form }, problem: answer.problem });
  });

  // Cancelling mails every registrant: a page says so first, and only its button does it.
  app.get<ById>('/admin/events/:id/cancel', page, async (request, reply) => {
    const view = viewOf(request);
    const { t } = view;
    const loaded = await loadDetail(view, apiFor(inject, request), request.params.id);
    if (!loaded.ok) return sendPage(reply, <ProblemPage view={view} problem={loaded.problem} />, loaded.status);
    const { event, totals } = loaded.detail;
    const people = (totals ?? []).reduce((sum, s) => sum + s.confirmed.registrations + s.waitlisted.registrations, 0);
    const title = t('adminEvents.cancel.title', { title: eventTitle(view, event) });
    return sendPage(reply, (
      <ConfirmPage view={view} title={title} action={eventHref(event.id, '/cancel')} button={t('adminEvents.cancel.confirm')} back={eventHref(event.id)}>
        <p>{t('adminEvents.cancel.body')}</p>
        {totals && <p><strong>{t('adminEvents.cancel.registrations', { n: people })}</strong></p>}
      </ConfirmPage>
    ));
  });

  app.post<ById>('/admin/events/:id/cancel', page, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('POST', `/events/${encodeURIComponent(request.params.id)}/cancel`);
    if (answer.ok) return seeOther(reply, eventHref(request.params.id, '?done=cancelled'));
    return renderDetail(reply, view, api, request.params.id, { status: answer.status, errors: formErrorsOf(view, answer.problem), problem: answer.problem });
  });

  app.get<ById>('/admin/events/:id/delete', page, async (request, reply) => {
    const view = viewOf(request);
    const { t } = view;
    const found = await apiFor(inject, request)<EventResponse>('GET', `/events/${encodeURIComponent(request.params.id)}`);
    if (!found.ok) return sendPage(reply, <ProblemPage view={view} problem={found.problem} />, found.status);
    const event = found.body;
    return sendPage(reply, (
      <ConfirmPage view={view} title={t('adminEvents.delete.title', { title: eventTitle(view, event) })} action={eventHref(event.id, '/delete')}
        button={t('adminEvents.delete.confirm')} back={eventHref(event.id)}>
        <p>{t('adminEvents.delete.body')}</p>
      </ConfirmPage>
    ));
  });

  app.post<ById>('/admin/events/:id/delete', page, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('DELETE', `/events/${encodeURIComponent(request.params.id)}`);
    if (answer.ok) return seeOther(reply, '/admin/events?done=deleted');
    return renderDetail(reply, view, api, request.params.id, { status: answer.status, errors: formErrorsOf(view, answer.problem), problem: answer.problem });
  });

  /**
   * A new draft with the same fields, its sessions moved by whole days so they keep their
   * local times, and the sign-up questions copied; then its edit page, to adjust the rest.
   */
  app.post<ById>('/admin/events/:id/duplicate', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const found = await api<EventResponse>('GET', `/events/${encodeURIComponent(request.params.id)}`);
    if (!found.ok) return sendPage(reply, <ProblemPage view={view} problem={found.problem} />, found.status);
    const firstDate = textOf(form, 'firstDate').trim();
    const body = duplicateBodyOf(found.body, firstDate);
    // The date is the page's own question (the API has no such field), so the page says when it is missing.
    if (!body) {
      const errors = fieldError(view, 'firstDate', firstDate === '' ? 'required' : 'format_date');
      return renderDetail(reply, view, api, request.params.id, { status: 400, errors, forms: { duplicate: form } });
    }
    const created = await api<EventResponse>('POST', '/events', body);
    if (!created.ok) {
      return renderDetail(reply, view, api, request.params.id, { status: created.status, errors: formErrorsOf(view, created.problem), forms: { duplicate: form }, problem: created.problem });
    }
    let copied = true;
    for (const q of found.body.questions) {
      const answer = await api('POST', `/events/${created.body.id}/questions`, { kind: q.kind, labelZh: q.labelZh, labelEn: q.labelEn, required: q.required, options: q.options });
      copied &&= answer.ok;
    }
    return seeOther(reply, eventHref(created.body.id, `/edit?done=${copied ? 'duplicated' : 'duplicatedWithoutQuestions'}`));
  });
};
