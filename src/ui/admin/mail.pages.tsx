import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { apiFor, type ApiAnswer } from '../api.js';
import { Csrf, ErrorSummary, Notice } from '../components.js';
import { formErrorsOf, noErrors, type FormErrors } from '../form-errors.js';
import { Layout } from '../layout.js';
import { sendPage, seeOther } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { formatTime, localized, viewOf, type View } from '../view.js';
import { csrfOf, requireStaff } from './guard.js';

/** One mail as GET /api/v1/messages gives it: never its content or its recipient. */
export type MailMessage = {
  id: number; kind: string; state: string; attempts: number; lastError: string | null;
  event: { id: string; titleZh: string; titleEn: string | null; timezone: string } | null;
  dueAt: string; sentAt: string | null; createdAt: string; updatedAt: string;
};
export const MAIL_FILTERS = ['failed', 'pending', 'sent', 'cancelled'] as const;
export type MailPage = { items: MailMessage[]; nextCursor: string | null; counts: Record<(typeof MAIL_FILTERS)[number], number> };

const PAGE_SIZE = 25;

/** A mail's kind in words; an unknown kind (a later one) as its code. */
export const mailKind = (view: View, kind: string) => view.lookup(`adminMail.kind.${kind}`) ?? kind;
/** Staff mail has no event: its times are in the calendar's zone. */
export const mailZone = (message: MailMessage, calendarZone: string) => message.event?.timezone ?? calendarZone;
const badgeOf: Record<string, string> = { failed: 'cancelled', sent: 'confirmed', planned: 'waitlisted', sending: 'waitlisted', cancelled: '' };

type Query = { state?: string; cursor?: string };
const mailHref = ({ state, cursor }: Query, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams({ ...(state ? { state } : {}), ...(cursor ? { cursor } : {}), ...extra });
  const search = params.toString();
  return `/admin/mail${search ? `?${search}` : ''}`;
};

/** The state filter: its empty choice is "all" (the shared Select would call it "none"). */
function MailFilter({ view, query, counts }: { view: View; query: Query; counts?: MailPage['counts'] }) {
  const { t } = view;
  const label = (f: (typeof MAIL_FILTERS)[number]) => (counts ? t('adminMail.filter.option', { label: t(`adminMail.state.${f}`), count: counts[f] }) : t(`adminMail.state.${f}`));
  return (
    <form method="get" action="/admin/mail" class="filters" role="search">
      <div class="field">
        <label for="f-state">{t('adminMail.filter.state')}</label>
        <select id="f-state" name="state">
          <option value="">{t('adminMail.filter.all')}</option>
          {MAIL_FILTERS.map((f) => <option value={f} selected={query.state === f}>{label(f)}</option>)}
        </select>
      </div>
      <div class="field"><button type="submit">{t('adminMail.filter.submit')}</button></div>
    </form>
  );
}

function MailRow({ view, message, query, calendarZone }: { view: View; message: MailMessage; query: Query; calendarZone: string }) {
  const { t } = view;
  const zone = mailZone(message, calendarZone);
  const eventTitle = message.event ? localized(view, message.event.titleZh, message.event.titleEn) : null;
  return (
    <tr data-message={message.id}>
      <th scope="row">{mailKind(view, message.kind)}</th>
      <td>{message.event ? <a href={`/admin/events/${message.event.id}/messages`}>{eventTitle}</a> : t('adminMail.staffMail')}</td>
      <td><span class={`badge ${badgeOf[message.state] ?? ''}`}>{view.lookup(`adminMail.state.${message.state}`) ?? message.state}</span></td>
      <td>{message.attempts}</td>
      <td>{message.lastError ?? t('adminDashboard.none')}</td>
      <td>{formatTime(view, message.createdAt, zone)}</td>
      <td>{message.sentAt ? formatTime(view, message.sentAt, zone) : t('adminDashboard.none')}</td>
      <td>
        {message.state === 'failed' && message.event && (
          <form method="post" action={`/admin/mail/${message.id}/resend`} class="inline">
            <Csrf view={view} />
            <input type="hidden" name="eventId" value={message.event.id} />
            {query.state && <input type="hidden" name="state" value={query.state} />}
            {query.cursor && <input type="hidden" name="cursor" value={query.cursor} />}
            <button type="submit" class="secondary" aria-label={t('adminMail.resendLabel', { kind: mailKind(view, message.kind), event: eventTitle ?? '' })}>{t('adminMail.resend')}</button>
          </form>
        )}
        {message.state === 'failed' && !message.event && <span class="muted">{t('adminMail.noResend')}</span>}
      </td>
    </tr>
  );
}

function MailView({ view, query, page, errors = noErrors, done, calendarZone, forbidden = false }: {
  view: View; query: Query; page?: MailPage; errors?: FormErrors; done?: string; calendarZone: string; forbidden?: boolean;
}) {
  const { t } = view;
  const notice = done ? view.lookup(`adminMail.done.${done}`) : undefined;
  return (
    <Layout view={view} title={t('adminMail.title')} admin>
      <h1>{t('adminMail.title')}</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorSummary view={view} errors={errors} />
      {forbidden ? <Notice kind="warning">{t('adminMail.forbidden')}</Notice> : (
        <>
          <p>{t('adminMail.intro')}</p>
          <MailFilter view={view} query={query} counts={page?.counts} />
          {page && (page.items.length === 0 ? <p>{t('adminMail.empty')}</p> : (
            <div class="table-wrap">
              <table data-testid="mail">
                <caption>{t('adminMail.caption', { count: page.items.length })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('adminMail.col.kind')}</th>
                    <th scope="col">{t('adminMail.col.event')}</th>
                    <th scope="col">{t('adminMail.col.state')}</th>
                    <th scope="col">{t('adminMail.col.attempts')}</th>
                    <th scope="col">{t('adminMail.col.error')}</th>
                    <th scope="col">{t('adminMail.col.created')}</th>
                    <th scope="col">{t('adminMail.col.sent')}</th>
                    <th scope="col">{t('adminMail.col.actions')}</th>
                  </tr>
                </thead>
                <tbody>{page.items.map((message) => <MailRow view={view} message={message} query={query} calendarZone={calendarZone} />)}</tbody>
              </table>
            </div>
          ))}
          {page && (query.cursor || page.nextCursor) && (
            <nav aria-label={t('adminMail.pages')} class="actions">
              {query.cursor && <a href={mailHref({ state: query.state })}>{t('adminMail.firstPage')}</a>}
              {page.nextCursor && <a href={mailHref({ state: query.state, cursor: page.nextCursor })} rel="next">{t('adminMail.nextPage')}</a>}
            </nav>
          )}
        </>
      )}
    </Layout>
  );
}

/** The API's refusal in words: this page's own codes first (a resend that is no longer needed), else the common ones. */
function refusalOf(view: View, answer: Extract<ApiAnswer<unknown>, { ok: false }>): FormErrors {
  const own = view.lookup(`adminMail.problem.${answer.problem.code}`);
  return own ? { summary: own, fields: {} } : formErrorsOf(view, answer.problem);
}

/** The mail across the events the reader may see: filter by state, page through, send a failed one again. */
export const adminMailPages: FastifyPluginAsync<UiDeps> = async (app, { inject, config }) => {
  const route = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: requireStaff };
  const calendarZone = config.CALENDAR_TIMEZONE;

  /** The list for `query`, with a refusal on top when a resend was refused, and the status the list itself answered. */
  async function render(request: FastifyRequest, query: Query, { errors, done }: { errors?: FormErrors; done?: string } = {}) {
    const view = viewOf(request);
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), ...(query.state ? { state: query.state } : {}), ...(query.cursor ? { cursor: query.cursor } : {}) });
    const answer = await apiFor(inject, request)<MailPage>('GET', `/messages?${params}`);
    if (answer.ok) return { page: <MailView view={view} query={query} page={answer.body} errors={errors} done={done} calendarZone={calendarZone} />, status: 200 };
    // A checker may not see the mail; any other refusal (a bad filter or cursor) is said on top.
    if (answer.status === 403) return { page: <MailView view={view} query={query} calendarZone={calendarZone} forbidden />, status: 403 };
    return { page: <MailView view={view} query={query} errors={errors ?? refusalOf(view, answer)} calendarZone={calendarZone} />, status: answer.status };
  }

  app.get<{ Querystring: Query & { done?: string } }>('/admin/mail', route, async (request, reply) => {
    const { state, cursor, done } = request.query;
    const { page, status } = await render(request, { state: state || undefined, cursor: cursor || undefined }, { done });
    return sendPage(reply, page, status);
  });

  app.post<{ Params: { messageId: string }; Body: { eventId?: string; state?: string; cursor?: string; _csrf?: string } }>('/admin/mail/:messageId/resend', route, async (request, reply) => {
    const body = request.body ?? {};
    const query = { state: body.state || undefined, cursor: body.cursor || undefined };
    const api = apiFor(inject, request, csrfOf(body));
    const answer = await api('POST', `/events/${encodeURIComponent(body.eventId ?? '')}/messages/${encodeURIComponent(request.params.messageId)}/resend`);
    if (answer.ok) return seeOther(reply, mailHref({ state: query.state }, { done: 'resent' }));
    const { page } = await render(request, query, { errors: refusalOf(viewOf(request), answer) });
    return sendPage(reply, page, answer.status);
  });
};
