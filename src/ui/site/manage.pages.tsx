import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { RegistrationResponse } from '../../modules/registrations/registrations.schemas.js';
import { manageUrl } from '../../modules/registrations/manage-link.js';
import { publicApiFor, type ApiCall } from '../api.js';
import { noErrors } from '../form-errors.js';
import { Layout } from '../layout.js';
import { sendPage, seeOther } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { formatRange, localized, viewOf, type View } from '../view.js';
import { CancelConfirmPage, EraseConfirmPage, ManagePage, type ManageData } from './manage-views.js';
import { qrSvg } from './qr.js';
import { integerOf, siteErrorsOf, textOf, type SiteEvent } from './site-data.js';

type Params = { token: string };

/** The registration behind a token, with its event; null when the link does not open one (wrong, renewed or erased). */
async function loadRegistration(api: ApiCall, token: string, fallbackZone: string): Promise<Omit<ManageData, 'link' | 'token'> | null> {
  const registration = await api<RegistrationResponse>('GET', `/registrations/${encodeURIComponent(token)}`);
  if (!registration.ok) return null;
  const event = await api<SiteEvent>('GET', `/events/${registration.body.eventId}`);
  const zone = event.ok ? event.body.timezone : fallbackZone;
  return { registration: registration.body, event: event.ok ? event.body : null, zone, qr: await qrSvg(registration.body.checkInCode) };
}

function NotFoundPage({ view }: { view: View }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('site.manage.notFoundTitle')}>
      <h1>{t('site.manage.notFoundTitle')}</h1>
      <p>{t('site.manage.notFound')}</p>
      <p><a href="/">{t('page.backHome')}</a></p>
    </Layout>
  );
}

/** The event's title and the session's time, as the confirm pages name what they act on. */
export const whatOf = (view: View, data: ManageData) =>
  `${localized(view, data.registration.event.titleZh, data.registration.event.titleEn)}, ${formatRange(view, data.registration.session.startsAt, data.registration.session.endsAt, data.zone)}`;

/**
 * The registrant's own pages, opened by the private link: the confirmation (status, check-in
 * code, QR), changing the party size, cancelling and erasing. The token in the path is the
 * credential, so the pages are never cached and send no Referer to what they link.
 */
export const managePages: FastifyPluginAsync<UiDeps> = async (app, { inject, config }) => {
  const access = { access: 'public' } as const;
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store').header('x-robots-tag', 'noindex, nofollow');
  });

  const load = async (request: Parameters<typeof publicApiFor>[1], token: string) => {
    const data = await loadRegistration(publicApiFor(inject, request), token, config.CALENDAR_TIMEZONE);
    return data && { ...data, link: manageUrl(config.PUBLIC_BASE_URL, token), token };
  };
  const notFound = (reply: FastifyReply, view: View) => sendPage(reply, <NotFoundPage view={view} />, 404);
  const base = (token: string) => `/manage/${encodeURIComponent(token)}`;

  app.get<{ Params: Params; Querystring: { done?: string; mail?: string } }>('/manage/:token', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const data = await load(request, request.params.token);
    if (!data) return notFound(reply, view);
    const mail = request.query.mail === '1' ? true : request.query.mail === '0' ? false : undefined;
    return sendPage(reply, <ManagePage view={view} data={data} done={request.query.done} mail={mail} form={{}} errors={noErrors} />);
  });

  // The language switch of a refused change's page links here: back to the page itself.
  app.get<{ Params: Params }>('/manage/:token/change', { config: access, schema: { hide: true } }, async (request, reply) => seeOther(reply, base(request.params.token)));

  app.post<{ Params: Params; Body: { partySize?: string; headcount?: string; language?: string } }>('/manage/:token/change', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const { token } = request.params;
    const data = await load(request, token);
    if (!data) return notFound(reply, view);
    const form = request.body ?? {};
    const field = data.registration.kind === 'class' ? 'headcount' : 'partySize';
    const body: Record<string, unknown> = {};
    const count = integerOf(form[field]);
    if (count !== undefined) body[field] = count;
    const language = textOf(form.language);
    if (language) body.language = language;
    const answer = await publicApiFor(inject, request)('PATCH', `/registrations/${encodeURIComponent(token)}`, body);
    if (answer.ok) return seeOther(reply, `${base(token)}?done=changed`);
    return sendPage(reply, <ManagePage view={view} data={data} form={form} errors={siteErrorsOf(view, answer.problem)} />, answer.status);
  });

  app.get<{ Params: Params }>('/manage/:token/cancel', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const data = await load(request, request.params.token);
    if (!data) return notFound(reply, view);
    return sendPage(reply, <CancelConfirmPage view={view} data={data} what={whatOf(view, data)} action={`${base(request.params.token)}/cancel`} back={base(request.params.token)} />);
  });

  app.post<{ Params: Params }>('/manage/:token/cancel', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const { token } = request.params;
    const answer = await publicApiFor(inject, request)('POST', `/registrations/${encodeURIComponent(token)}/cancel`);
    if (answer.ok) return seeOther(reply, `${base(token)}?done=cancelled`);
    const data = await load(request, token);
    if (!data) return notFound(reply, view);
    return sendPage(reply, <ManagePage view={view} data={data} form={{}} errors={siteErrorsOf(view, answer.problem)} />, answer.status);
  });

  app.get<{ Params: Params }>('/manage/:token/erase', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const data = await load(request, request.params.token);
    if (!data) return notFound(reply, view);
    return sendPage(reply, <EraseConfirmPage view={view} data={data} what={whatOf(view, data)} action={`${base(request.params.token)}/erase`} back={base(request.params.token)} />);
  });

  app.post<{ Params: Params }>('/manage/:token/erase', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const answer = await publicApiFor(inject, request)('DELETE', `/registrations/${encodeURIComponent(request.params.token)}`);
    if (answer.ok) return seeOther(reply, '/?done=erased');
    return notFound(reply, view);
  });
};
