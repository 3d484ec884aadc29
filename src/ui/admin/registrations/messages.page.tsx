import type { FastifyPluginAsync } from 'fastify';
import { apiFor } from '../../api.js';
import { ActionButton, ErrorSummary, Notice } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import { errorsOf, eventIdOf, EventNav, eventTitle, loadEvent, staffPage, stringOf, bodyOf, type EventJson, type EventParams } from './shared.js';

type Message = { id: number; kind: string; channel: string; state: string; attempts: number; dueAt: string; sentAt: string | null; lastError: string | null; createdAt: string };

function MessagesPage({ view, event, messages, errors = noErrors, done }: { view: View; event: EventJson; messages: Message[]; errors?: FormErrors; done?: string }) {
  const { t } = view;
  const title = t('adminRegistrations.messages.title');
  const notice = done ? view.lookup(`adminRegistrations.done.${done}`) : undefined;
  const failed = messages.filter((m) => m.state === 'failed').length;
  return (
    <Layout view={view} title={`${title} · ${eventTitle(view, event)}`} admin>
      <EventNav view={view} event={event} current="messages" />
      <h1>{title}</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorSummary view={view} errors={errors} />
      <p>{t('adminRegistrations.messages.intro')}</p>
      {failed > 0 && <Notice kind="warning">{t('adminRegistrations.messages.failedCount', { count: failed })}</Notice>}
      {messages.length === 0 ? <p>{t('adminRegistrations.messages.empty')}</p> : (
        <div class="table-wrap">
          <table data-testid="messages">
            <caption>{t('adminRegistrations.messages.caption', { count: messages.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminRegistrations.messages.kind')}</th>
                <th scope="col">{t('adminRegistrations.messages.state')}</th>
                <th scope="col">{t('adminRegistrations.messages.due')}</th>
                <th scope="col">{t('adminRegistrations.messages.sent')}</th>
                <th scope="col">{t('adminRegistrations.messages.attempts')}</th>
                <th scope="col">{t('adminRegistrations.messages.error')}</th>
                <th scope="col">{t('adminRegistrations.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {messages.map((m) => (
                <tr data-message={m.id}>
                  <th scope="row">{view.lookup(`adminRegistrations.mail.${m.kind.replace(/^mail\./, '')}`) ?? m.kind}</th>
                  <td><span class={`badge ${m.state === 'failed' ? 'cancelled' : m.state === 'sent' ? 'confirmed' : 'waitlisted'}`}>{view.lookup(`adminRegistrations.messageState.${m.state}`) ?? m.state}</span></td>
                  <td>{formatTime(view, m.dueAt, event.timezone)}</td>
                  <td>{m.sentAt ? formatTime(view, m.sentAt, event.timezone) : '—'}</td>
                  <td>{m.attempts}</td>
                  <td>{m.lastError ?? ''}</td>
                  <td>{m.state === 'failed' && <ActionButton view={view} action={`/admin/events/${event.id}/messages/${m.id}/resend`} label={t('adminRegistrations.messages.resend')} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

/** The mail log of an event: what was planned for its people, what went out, what failed (never the content). Organizers only. */
export const messageRoutes: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  async function load(api: ReturnType<typeof apiFor>, eventId: string) {
    const { items } = bodyOf(await api<{ items: Message[] }>('GET', `/events/${eventId}/messages`));
    return { messages: items, event: await loadEvent(api, eventId) };
  }

  app.get<{ Params: EventParams; Querystring: { done?: string } }>('/admin/events/:id/messages', staffPage, async (request, reply) => {
    const { event, messages } = await load(apiFor(inject, request), eventIdOf(request));
    return sendPage(reply, <MessagesPage view={viewOf(request)} event={event} messages={messages} done={stringOf(request.query.done)} />);
  });

  app.post<{ Params: EventParams & { messageId: string }; Body: { _csrf?: string } }>('/admin/events/:id/messages/:messageId/resend', staffPage, async (request, reply) => {
    const eventId = eventIdOf(request);
    const messageId = /^\d{1,15}$/.test(request.params.messageId) ? request.params.messageId : '0';
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('POST', `/events/${eventId}/messages/${messageId}/resend`);
    if (answer.ok) return seeOther(reply, `/admin/events/${eventId}/messages?done=resent`);
    const view = viewOf(request);
    const { event, messages } = await load(api, eventId);
    return sendPage(reply, <MessagesPage view={view} event={event} messages={messages} errors={errorsOf(view, answer.problem)} />, answer.status);
  });
};
