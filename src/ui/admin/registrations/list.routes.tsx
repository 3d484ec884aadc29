import { integerOrRaw } from '../../form-values.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { apiFor, type ApiCall } from '../../api.js';
import { Notice } from '../../components.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import { filtersOf, listHref, loadList, type ListFilters } from './list-data.js';
import { ListPage } from './list.page.js';
import {
  errorsOf, eventIdOf, EventNav, loadEvent, registrationIdOf, staffPage, stringOf, timeParams, WhoCell,
  type EventJson, type EventParams, type Registration, type RegistrationParams,
} from './shared.js';

type Form = Record<string, unknown>;

/** The filters of the list an action was posted from; only that event's list, never another address. */
function filtersFromBack(eventId: string, back: unknown): ListFilters {
  const url = URL.canParse(stringOf(back), 'http://page') ? new URL(stringOf(back), 'http://page') : null;
  return filtersOf(url?.pathname === `/admin/events/${eventId}/registrations` ? Object.fromEntries(url.searchParams) : {});
}

/** What each row button asks of the API, and the notice the list shows after it. */
const ACTIONS: Record<string, { method: 'POST' | 'DELETE'; path: (registrationId: string) => string; body?: (form: Form, registrationId: string) => object; done: string }> = {
  cancel: { method: 'POST', path: (rid) => `/registrations/${rid}/cancel`, done: 'cancelled' },
  promote: { method: 'POST', path: (rid) => `/registrations/${rid}/promote`, done: 'promoted' },
  'check-in': {
    method: 'POST', path: () => '/check-ins', done: 'checkedIn',
    body: (form, rid) => {
      const came = stringOf(form.headcount).trim();
      return { registrationId: rid, ...(came ? { headcount: integerOrRaw(came) } : {}) };
    },
  },
  'undo-check-in': { method: 'DELETE', path: (rid) => `/check-ins/${rid}`, done: 'undone' },
};

/** The list of an event's registrations, and what staff do to one of them. */
export const listRoutes: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  // The search term (a name, a phone number) is redacted from the logged URL (lib/redact.ts).
  app.get<{ Params: EventParams; Querystring: Form }>('/admin/events/:id/registrations', staffPage, async (request, reply) => {
    const eventId = eventIdOf(request);
    const filters = filtersOf(request.query);
    const data = await loadList(apiFor(inject, request), eventId, filters);
    return sendPage(reply, <ListPage view={viewOf(request)} data={data} filters={filters} done={stringOf(request.query.done)} />);
  });

  /** A refused action: the list again, as it was, with the API's reason on top and its status. */
  async function refused(request: FastifyRequest, api: ApiCall, eventId: string, form: Form, answer: { status: number; problem: Parameters<typeof errorsOf>[1] }) {
    const view = viewOf(request);
    const filters = filtersFromBack(eventId, form.back);
    const data = await loadList(api, eventId, filters);
    const errors = errorsOf(view, answer.problem, timeParams(view, data.event, answer.problem));
    // The row's fields have no place of their own on the list: their messages join the summary.
    const summary = [errors.summary, ...Object.values(errors.fields)].join(' ');
    return { page: <ListPage view={view} data={data} filters={filters} errors={{ summary, fields: {} }} />, status: answer.status };
  }

  for (const [name, action] of Object.entries(ACTIONS)) {
    app.post<{ Params: RegistrationParams; Body: Form }>(`/admin/events/:id/registrations/:registrationId/${name}`, staffPage, async (request, reply) => {
      const eventId = eventIdOf(request);
      const registrationId = registrationIdOf(request);
      const form = request.body ?? {};
      const api = apiFor(inject, request, csrfOf(form));
      const answer = await api(action.method, `/events/${eventId}${action.path(registrationId)}`, action.body?.(form, registrationId));
      if (answer.ok) return seeOther(reply, `${listHref(eventId, filtersFromBack(eventId, form.back), { done: action.done })}#list`);
      const { page, status } = await refused(request, api, eventId, form, answer);
      return sendPage(reply, page, status);
    });
  }

  /**
   * A new manage link for someone who lost theirs. The page shows it once (never in an
   * address, where logs would keep it) for staff to pass on; the API has mailed it to the
   * registration's email address, if it has one.
   */
  app.post<{ Params: RegistrationParams; Body: Form }>('/admin/events/:id/registrations/:registrationId/manage-link', staffPage, async (request, reply) => {
    const eventId = eventIdOf(request);
    const form = request.body ?? {};
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api<{ registration: Registration; manageUrl: string }>('POST', `/events/${eventId}/registrations/${registrationIdOf(request)}/manage-link`);
    if (!answer.ok) {
      const { page, status } = await refused(request, api, eventId, form, answer);
      return sendPage(reply, page, status);
    }
    const event = await loadEvent(api, eventId);
    return sendPage(reply, <ManageLinkPage view={viewOf(request)} event={event} registration={answer.body.registration} manageUrl={answer.body.manageUrl} back={listHref(eventId, filtersFromBack(eventId, form.back))} />);
  });
};

function ManageLinkPage({ view, event, registration, manageUrl, back }: { view: View; event: EventJson; registration: Registration; manageUrl: string; back: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('adminRegistrations.link.title')} admin>
      <EventNav view={view} event={event} current="registrations" />
      <h1>{t('adminRegistrations.link.title')}</h1>
      <Notice kind="success">{t('adminRegistrations.link.done')}</Notice>
      <p><WhoCell view={view} registration={registration} /></p>
      <p>{t('adminRegistrations.link.intro')}</p>
      <p class="link-box" data-testid="manage-url">{manageUrl}</p>
      <p>{registration.email ? t('adminRegistrations.link.mailed', { email: registration.email }) : t('adminRegistrations.link.noEmail')}</p>
      <p><a href={back}>{t('adminRegistrations.backToList')}</a></p>
    </Layout>
  );
}
