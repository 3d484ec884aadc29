import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { EventResponse, SessionResponse } from '../../../modules/events/events.schemas.js';
import { apiFor } from '../../api.js';
import { Csrf, ErrorSummary, Notice } from '../../components.js';
import { formErrorsOf, noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatRange, viewOf, type View } from '../../view.js';
import { csrfOf, requireStaff } from '../guard.js';
import { ConfirmPage, ProblemPage, eventHref, eventTitle, zoneLabel } from './bits.js';
import { loadDetail, type SessionTotals } from './detail-data.js';
import { SessionFields, capacityText } from './detail-sessions.js';
import { renderDetail } from './detail.page.js';
import { formOf, instantIn, localInputOf, integerOrRaw, textOf, type FormValues } from '../../form-values.js';

const page = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: requireStaff };
type BySession = { Params: { id: string; sessionId: string } };

/**
 * A session's body from its form, times read in the event's zone. On change, an emptied
 * seats or stream field clears it (the session then takes the event's or venue's seats).
 */
function sessionBodyOf(form: FormValues, zone: string, mode: 'create' | 'update'): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const name of ['startsAt', 'endsAt']) {
    const value = textOf(form, name);
    if (value.trim() !== '') body[name] = instantIn(value, zone);
  }
  const capacity = textOf(form, 'capacity').trim();
  if (capacity !== '') body.capacity = integerOrRaw(capacity);
  else if (mode === 'update') body.capacity = null;
  const streamUrl = textOf(form, 'streamUrl').trim();
  if (streamUrl !== '') body.streamUrl = streamUrl;
  else if (mode === 'update') body.streamUrl = null;
  return body;
}

const valuesOfSession = (session: SessionResponse, zone: string): FormValues => ({
  startsAt: localInputOf(session.startsAt, zone), endsAt: localInputOf(session.endsAt, zone),
  capacity: session.capacity === null ? '' : String(session.capacity), streamUrl: session.streamUrl ?? '',
});

function SessionPage({ view, event, session, totals, values, errors }: {
  view: View; event: EventResponse; session: SessionResponse; totals?: SessionTotals; values: FormValues; errors: FormErrors;
}) {
  const { t } = view;
  const when = formatRange(view, session.startsAt, session.endsAt, event.timezone);
  const title = t('adminEvents.session.pageTitle', { when });
  return (
    <Layout view={view} title={title} admin>
      <p><a href={eventHref(event.id)}>{t('adminEvents.backToEvent')}</a></p>
      <h1>{title}</h1>
      <p>{eventTitle(view, event)}</p>
      {event.registrationMode !== 'none' && (
        <Notice kind="info">
          {t('adminEvents.session.seatsNow', { capacity: capacityText(view, session), left: session.seatsLeft ?? t('adminEvents.seats.unlimitedShort') })}
          {totals && <> {t('adminEvents.session.booked', { confirmed: totals.confirmed.headcount, waitlisted: totals.waitlisted.headcount })}</>}
          {' '}{t('adminEvents.session.raiseHint', { minutes: event.promotionCutoffMinutes })}
        </Notice>
      )}
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={eventHref(event.id, `/sessions/${session.id}`)} class="narrow">
        <Csrf view={view} />
        <p class="hint">{t('adminEvents.hint.sessionTimes', { zone: zoneLabel(view, event.timezone) })}</p>
        <SessionFields view={view} values={values} errors={errors} />
        <div class="actions">
          <button type="submit">{t('form.save')}</button>
          <a href={eventHref(event.id)}>{t('adminEvents.form.back')}</a>
        </div>
      </form>
    </Layout>
  );
}

/** Adding a session on the event page; changing, cancelling and deleting one. */
export const sessionPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  /** The session page, or why it cannot be shown. */
  async function showSession(reply: FastifyReply, view: View, request: Parameters<typeof apiFor>[1], params: BySession['Params'], form?: FormValues, errors = noErrors, status = 200) {
    const loaded = await loadDetail(view, apiFor(inject, request), params.id);
    if (!loaded.ok) return sendPage(reply, <ProblemPage view={view} problem={loaded.problem} />, loaded.status);
    const { event, totals } = loaded.detail;
    const session = event.sessions.find((s) => s.id === params.sessionId);
    if (!session) return sendPage(reply, <ProblemPage view={view} problem={{ type: '', title: '', status: 404, code: 'session_not_found', detail: '' }} back={eventHref(event.id)} />, 404);
    const values = form ?? valuesOfSession(session, event.timezone);
    return sendPage(reply, <SessionPage view={view} event={event} session={session} totals={totals?.find((s) => s.sessionId === session.id)} values={values} errors={errors} />, status);
  }

  app.post<{ Params: { id: string } }>('/admin/events/:id/sessions', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const found = await api<EventResponse>('GET', `/events/${encodeURIComponent(request.params.id)}`);
    if (!found.ok) return sendPage(reply, <ProblemPage view={view} problem={found.problem} />, found.status);
    const answer = await api('POST', `/events/${found.body.id}/sessions`, sessionBodyOf(form, found.body.timezone, 'create'));
    if (answer.ok) return seeOther(reply, eventHref(found.body.id, '?done=sessionAdded'));
    return renderDetail(reply, view, api, found.body.id, { status: answer.status, errors: formErrorsOf(view, answer.problem), forms: { session: form } });
  });

  app.get<BySession>('/admin/events/:id/sessions/:sessionId', page, async (request, reply) => showSession(reply, viewOf(request), request, request.params));

  app.post<BySession>('/admin/events/:id/sessions/:sessionId', page, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(request.body));
    const found = await api<EventResponse>('GET', `/events/${encodeURIComponent(request.params.id)}`);
    if (!found.ok) return sendPage(reply, <ProblemPage view={view} problem={found.problem} />, found.status);
    const answer = await api('PATCH', `/events/${found.body.id}/sessions/${encodeURIComponent(request.params.sessionId)}`, sessionBodyOf(form, found.body.timezone, 'update'));
    if (answer.ok) return seeOther(reply, eventHref(found.body.id, '?done=sessionSaved'));
    return showSession(reply, view, request, request.params, form, formErrorsOf(view, answer.problem), answer.status);
  });

  // Cancelling a session cancels its registrations and mails the people: a page says so first.
  app.get<BySession>('/admin/events/:id/sessions/:sessionId/cancel', page, async (request, reply) => {
    const view = viewOf(request);
    const { t } = view;
    const loaded = await loadDetail(view, apiFor(inject, request), request.params.id);
    if (!loaded.ok) return sendPage(reply, <ProblemPage view={view} problem={loaded.problem} />, loaded.status);
    const { event, totals } = loaded.detail;
    const session = event.sessions.find((s) => s.id === request.params.sessionId);
    if (!session) return sendPage(reply, <ProblemPage view={view} problem={{ type: '', title: '', status: 404, code: 'session_not_found', detail: '' }} back={eventHref(event.id)} />, 404);
    const counts = totals?.find((s) => s.sessionId === session.id);
    const when = formatRange(view, session.startsAt, session.endsAt, event.timezone);
    return sendPage(reply, (
      <ConfirmPage view={view} title={t('adminEvents.session.cancelTitle', { when })} action={eventHref(event.id, `/sessions/${session.id}/cancel`)}
        button={t('adminEvents.session.cancelConfirm')} back={eventHref(event.id)}>
        <p>{eventTitle(view, event)}</p>
        <p>{t('adminEvents.session.cancelBody')}</p>
        {counts && <p><strong>{t('adminEvents.cancel.registrations', { n: counts.confirmed.registrations + counts.waitlisted.registrations })}</strong></p>}
      </ConfirmPage>
    ));
  });

  for (const [action, method, path, done] of [
    ['cancel', 'POST', '/cancel', 'sessionCancelled'],
    ['delete', 'DELETE', '', 'sessionDeleted'],
  ] as const) {
    app.post<BySession>(`/admin/events/:id/sessions/:sessionId/${action}`, page, async (request, reply) => {
      const view = viewOf(request);
      const api = apiFor(inject, request, csrfOf(request.body));
      const { id, sessionId } = request.params;
      const answer = await api(method, `/events/${encodeURIComponent(id)}/sessions/${encodeURIComponent(sessionId)}${path}`);
      if (answer.ok) return seeOther(reply, eventHref(id, `?done=${done}`));
      return renderDetail(reply, view, api, id, { status: answer.status, errors: formErrorsOf(view, answer.problem), problem: answer.problem });
    });
  }
};
