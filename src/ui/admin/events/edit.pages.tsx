import type { FastifyPluginAsync } from 'fastify';
import type { EventResponse } from '../../../modules/events/events.schemas.js';
import { apiFor } from '../../api.js';
import { Notice } from '../../components.js';
import { noErrors } from '../../form-errors.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { viewOf } from '../../view.js';
import { csrfOf, requireStaff } from '../guard.js';
import { DoneNotice, ProblemPage, eventHref, eventTitle } from './bits.js';
import { SESSION_ROWS_STEP, blankValues, createBodyOf, eventFormErrors, sessionRowsOf, updateBodyOf, valuesOfEvent } from './event-body.js';
import { EventFormPage } from './event-form.js';
import { formOf } from '../../form-values.js';
import { loadReference } from './reference.js';

const page = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: requireStaff };
type ById = { Params: { id: string } };

/** The new-event form (with its first sessions) and the edit form. */
export const eventFormPages: FastifyPluginAsync<UiDeps> = async (app, { inject, config }) => {
  const zone = config.CALENDAR_TIMEZONE;

  app.get('/admin/events/new', page, async (request, reply) => {
    const view = viewOf(request);
    const reference = await loadReference(apiFor(inject, request));
    // One unit: it is the owner; several: the organizer chooses.
    const mine = view.staff?.role === 'admin' ? [] : view.staff?.unitIds ?? [];
    const values = blankValues(mine.length === 1 ? mine[0] : '');
    return sendPage(reply, <EventFormPage view={view} mode="create" action="/admin/events/new" back="/admin/events" title={view.t('adminEvents.new.title')}
      values={values} errors={noErrors} reference={reference} zone={zone} />);
  });

  app.post('/admin/events/new', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const render = async (values: typeof form, errors = noErrors, status = 200) => sendPage(reply, (
      <EventFormPage view={view} mode="create" action="/admin/events/new" back="/admin/events" title={view.t('adminEvents.new.title')}
        values={values} errors={errors} reference={await loadReference(api)} zone={zone} />
    ), status);

    if (form._action === 'more-rows') return render({ ...form, _rows: String(sessionRowsOf(form) + SESSION_ROWS_STEP) });
    const { body, rowOf } = createBodyOf(form, zone);
    const answer = await api<EventResponse>('POST', '/events', body);
    if (!answer.ok) return render(form, eventFormErrors(view, answer.problem, rowOf), answer.status);
    return seeOther(reply, eventHref(answer.body.id, '?done=created'));
  });

  app.get<ById & { Querystring: { done?: string } }>('/admin/events/:id/edit', page, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request);
    const found = await api<EventResponse>('GET', `/events/${encodeURIComponent(request.params.id)}`);
    if (!found.ok) return sendPage(reply, <ProblemPage view={view} problem={found.problem} />, found.status);
    const event = found.body;
    const frozen = event.status === 'submitted' || event.status === 'cancelled';
    return sendPage(reply, (
      <EventFormPage view={view} mode="edit" action={eventHref(event.id, '/edit')} back={eventHref(event.id)}
        title={view.t('adminEvents.edit.title', { title: eventTitle(view, event) })} values={valuesOfEvent(event)} errors={noErrors}
        reference={await loadReference(api)} zone={event.timezone}
        notice={<>
          <DoneNotice view={view} done={request.query.done} />
          {frozen && <Notice kind="warning">{view.t(event.status === 'submitted' ? 'adminEvents.edit.underReview' : 'adminEvents.edit.cancelled')}</Notice>}
        </>} />
    ));
  });

  app.post<ById>('/admin/events/:id/edit', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const found = await api<EventResponse>('GET', `/events/${encodeURIComponent(request.params.id)}`);
    if (!found.ok) return sendPage(reply, <ProblemPage view={view} problem={found.problem} />, found.status);
    const event = found.body;
    const body = updateBodyOf(form, event);
    // Nothing changed: nothing to send (the API refuses an empty change).
    if (Object.keys(body).length === 0) return seeOther(reply, eventHref(event.id, '?done=saved'));
    const answer = await api<EventResponse>('PATCH', `/events/${event.id}`, body);
    if (answer.ok) return seeOther(reply, eventHref(event.id, '?done=saved'));
    return sendPage(reply, (
      <EventFormPage view={view} mode="edit" action={eventHref(event.id, '/edit')} back={eventHref(event.id)}
        title={view.t('adminEvents.edit.title', { title: eventTitle(view, event) })} values={form} errors={eventFormErrors(view, answer.problem)}
        reference={await loadReference(api)} zone={event.timezone} />
    ), answer.status);
  });
};
