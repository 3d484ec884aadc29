import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { apiFor, bodyOf, type ApiCall } from '../../api.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { formOf, integerOrRaw, textOf, type FormValues } from '../../form-values.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { viewOf } from '../../view.js';
import { csrfOf, staffPage } from '../guard.js';
import { queryErrorsOf } from '../settings/shared.js';
import { DeletePage, WebhookDetailPage, logHref, type DetailProps, type LogQuery } from './detail.page.js';
import { endpointChanges, formFromEndpoint, loadReference, newEndpointBody, refusalOf, type DeliveryPage, type Webhook, webhookHref } from './endpoint-form.js';
import { WebhookListPage } from './list.page.js';

const LOG_PAGE_SIZE = 25;

type ById = { Params: { id: string } };
const apiPath = (id: string, rest = '') => `/webhooks/${encodeURIComponent(id)}${rest}`;

/**
 * Webhook endpoints (推送订阅): the list with a form for a new one, and each endpoint's page
 * with its actions, its settings and its delivery log. Administrators see every endpoint,
 * organizers their units', checkers none: the API decides, the pages say what it answered.
 * A secret, made when an endpoint is created or its secret rotated, is shown on the answer
 * to that form alone (a no-store page, never in an address or a redirect): the API keeps it
 * sealed and never gives it again.
 */
export const adminWebhookPages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock, config }) => {
  const zone = config.CALENDAR_TIMEZONE;

  async function renderList(request: FastifyRequest, reply: FastifyReply, api: ApiCall, { form = {}, errors = noErrors, done, status = 200 }: {
    form?: FormValues; errors?: FormErrors; done?: string; status?: number;
  } = {}) {
    const view = viewOf(request);
    const answer = await api<{ items: Webhook[] }>('GET', '/webhooks');
    // A checker may not manage webhooks: the page says so rather than showing an error page.
    if (!answer.ok && answer.status === 403) {
      return sendPage(reply, <WebhookListPage view={view} zone={zone} endpoints={null} reference={null} form={form} errors={noErrors} forbidden />, 403);
    }
    const endpoints = bodyOf(answer).items;
    const reference = await loadReference(api);
    return sendPage(reply, <WebhookListPage view={view} zone={zone} endpoints={endpoints} reference={reference} form={form} errors={errors} done={done} />, status);
  }

  /**
   * An endpoint's page, after a GET or as the answer to one of its forms. Its language switch
   * leads to the endpoint's own address, not the form's (which only takes posts).
   */
  async function renderDetail(request: FastifyRequest, reply: FastifyReply, api: ApiCall, id: string, options: {
    status?: number; query?: LogQuery; form?: FormValues; errors?: FormErrors; done?: string; secret?: string; overlapHours?: string;
  } = {}) {
    const { status = 200, query = {}, form, ...rest } = options;
    const view = { ...viewOf(request), ...(request.method === 'GET' ? {} : { path: webhookHref(id) }) };
    const params = new URLSearchParams({ limit: String(LOG_PAGE_SIZE), ...(query.state ? { state: query.state } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
    const [endpoint, reference, logAnswer] = await Promise.all([
      api<Webhook>('GET', apiPath(id)).then(bodyOf),
      loadReference(api),
      api<DeliveryPage>('GET', apiPath(id, `/deliveries?${params}`)),
    ]);
    // A bad filter or cursor in the address: the log says so, the rest of the page stands.
    const log: DetailProps['log'] = logAnswer.ok ? logAnswer.body : queryErrorsOf(view, logAnswer.problem);
    const page = (
      <WebhookDetailPage view={view} zone={zone} now={clock.now()} endpoint={endpoint} reference={reference} log={log} query={query}
        form={form ?? formFromEndpoint(endpoint)} {...rest} />
    );
    return sendPage(reply, page, logAnswer.ok ? status : logAnswer.status);
  }

  app.get<{ Querystring: { done?: string } }>('/admin/webhooks', staffPage, async (request, reply) =>
    renderList(request, reply, apiFor(inject, request), { done: request.query.done }));

  app.post('/admin/webhooks', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api<Webhook & { secret: string }>('POST', '/webhooks', newEndpointBody(view, form));
    if (answer.ok) return renderDetail(request, reply, api, answer.body.id, { status: 201, done: 'created', secret: answer.body.secret });
    return renderList(request, reply, api, { form, errors: refusalOf(view, answer.problem), status: answer.status });
  });

  app.get<ById & { Querystring: LogQuery & { done?: string } }>('/admin/webhooks/:id', staffPage, async (request, reply) => {
    const { state, cursor, done } = request.query;
    return renderDetail(request, reply, apiFor(inject, request), request.params.id, { query: { state: state || undefined, cursor: cursor || undefined }, done });
  });

  app.post<ById>('/admin/webhooks/:id/edit', staffPage, async (request, reply) => {
    const { id } = request.params;
    const view = viewOf(request);
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(form));
    const current = bodyOf(await api<Webhook>('GET', apiPath(id)));
    const answer = await api('PATCH', apiPath(id), endpointChanges(view, form, current));
    if (answer.ok) return seeOther(reply, webhookHref(id, '?done=saved'));
    return renderDetail(request, reply, api, id, { status: answer.status, form, errors: refusalOf(view, answer.problem) });
  });

  app.post<ById>('/admin/webhooks/:id/test', staffPage, async (request, reply) => {
    const { id } = request.params;
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('POST', apiPath(id, '/test'));
    if (answer.ok) return seeOther(reply, logHref(id, {}, 'testSent'));
    return renderDetail(request, reply, api, id, { status: answer.status, errors: refusalOf(viewOf(request), answer.problem) });
  });

  app.post<ById>('/admin/webhooks/:id/enabled', staffPage, async (request, reply) => {
    const { id } = request.params;
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(form));
    const enabled = textOf(form, 'enabled') === 'true';
    const answer = await api('PATCH', apiPath(id), { enabled });
    if (answer.ok) return seeOther(reply, webhookHref(id, `?done=${enabled ? 'enabled' : 'paused'}`));
    return renderDetail(request, reply, api, id, { status: answer.status, errors: refusalOf(viewOf(request), answer.problem) });
  });

  app.post<ById>('/admin/webhooks/:id/secret', staffPage, async (request, reply) => {
    const { id } = request.params;
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(form));
    const typed = textOf(form, 'overlapHours').trim();
    const answer = await api<Webhook & { secret: string }>('POST', apiPath(id, '/secret'), typed === '' ? {} : { overlapHours: integerOrRaw(typed) });
    if (answer.ok) return renderDetail(request, reply, api, id, { done: 'rotated', secret: answer.body.secret });
    return renderDetail(request, reply, api, id, { status: answer.status, errors: refusalOf(viewOf(request), answer.problem), overlapHours: typed });
  });

  // Deleting takes the log with it: a page says so first, and only its button does it.
  app.get<ById>('/admin/webhooks/:id/delete', staffPage, async (request, reply) => {
    const endpoint = bodyOf(await apiFor(inject, request)<Webhook>('GET', apiPath(request.params.id)));
    return sendPage(reply, <DeletePage view={viewOf(request)} endpoint={endpoint} />);
  });

  app.post<ById>('/admin/webhooks/:id/delete', staffPage, async (request, reply) => {
    const { id } = request.params;
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('DELETE', apiPath(id));
    if (answer.ok) return seeOther(reply, '/admin/webhooks?done=deleted');
    return renderDetail(request, reply, api, id, { status: answer.status, errors: refusalOf(viewOf(request), answer.problem) });
  });

  app.post<{ Params: { id: string; deliveryId: string } }>('/admin/webhooks/:id/deliveries/:deliveryId/redeliver', staffPage, async (request, reply) => {
    const { id, deliveryId } = request.params;
    const form = formOf(request.body);
    const api = apiFor(inject, request, csrfOf(form));
    const state = textOf(form, 'state') || undefined;
    const answer = await api('POST', apiPath(id, `/deliveries/${encodeURIComponent(deliveryId)}/redeliver`));
    if (answer.ok) return seeOther(reply, logHref(id, { state }, 'redelivered'));
    return renderDetail(request, reply, api, id, { status: answer.status, query: { state }, errors: refusalOf(viewOf(request), answer.problem) });
  });
};
