import { integerOrRaw } from '../../form-values.js';
import type { FastifyPluginAsync } from 'fastify';
import { apiFor } from '../../api.js';
import { Csrf, ErrorSummary, Field, fieldId, Notice } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import {
  errorsOf, eventIdOf, EventNav, eventTitle, loadEvent, query, registrationIdOf, sessionLabel, staffPage, stringOf, timeParams, bodyOf, WhoCell,
  type EventJson, type EventParams, type Registration, type RegistrationPage, type RegistrationParams, type Totals,
} from './shared.js';

type Form = { code?: string; headcount?: string };
type PageProps = { view: View; event: EventJson; totals: Totals[]; form?: Form; errors?: FormErrors; checkedIn?: Registration; done?: string };

/** The code field: big, focused on arrival and after every check-in, so the desk types or scans the next one at once. */
function CodeField({ view, value, errors }: { view: View; value: string; errors: FormErrors }) {
  const { t } = view;
  const id = fieldId('code');
  const error = errors.fields.code;
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{t('adminRegistrations.checkIn.code')} <span class="marker">{`（${t('form.required')}）`}</span></label>
      <p class="hint" id={`${id}-hint`}>{t('adminRegistrations.checkIn.codeHint')}</p>
      {error && <p class="error" id={`${id}-error`} role="alert">{error}</p>}
      <input
        id={id} name="code" value={value} required autofocus autocomplete="off" autocapitalize="characters" spellcheck={false}
        class="code-input" aria-invalid={error ? 'true' : undefined} aria-describedby={`${id}-hint${error ? ` ${id}-error` : ''}`}
      />
    </div>
  );
}

function CheckInPage({ view, event, totals, form = {}, errors = noErrors, checkedIn, done }: PageProps) {
  const { t } = view;
  const title = t('adminRegistrations.checkIn.title');
  const notice = done ? view.lookup(`adminRegistrations.done.${done}`) : undefined;
  return (
    <Layout view={view} title={`${title} · ${eventTitle(view, event)}`} admin scripts={['/assets/check-in.js']}>
      <EventNav view={view} event={event} current="check-in" />
      <h1>{title}</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      {checkedIn && <CheckedIn view={view} event={event} registration={checkedIn} />}
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={`/admin/events/${event.id}/check-in`} class="narrow" id="check-in-form">
        <Csrf view={view} />
        <CodeField view={view} value={form.code ?? ''} errors={errors} />
        <Field view={view} name="headcount" label={t('adminRegistrations.checkIn.headcount')} hint={t('adminRegistrations.checkIn.headcountHint')}
          type="number" inputMode="numeric" min={0} value={form.headcount} errors={errors} />
        <div class="actions">
          <button type="submit">{t('adminRegistrations.checkIn.submit')}</button>
          {/* Shown by check-in.js only where the browser can read QR codes from the camera. */}
          <button type="button" class="secondary" id="scan-start" hidden data-stop-label={t('adminRegistrations.checkIn.scanStop')}>{t('adminRegistrations.checkIn.scan')}</button>
        </div>
        <p id="scan-status" class="hint" role="status" aria-live="polite" data-failed={t('adminRegistrations.checkIn.scanFailed')} data-looking={t('adminRegistrations.checkIn.scanLooking')}></p>
        <video id="scan-video" class="scan-video" hidden muted playsInline aria-label={t('adminRegistrations.checkIn.scanVideo')}></video>
      </form>
      <h2>{t('adminRegistrations.checkIn.progress')}</h2>
      <ul>
        {totals.map((row) => (
          <li>
            {sessionLabel(view, event, row.sessionId)}：{t('adminRegistrations.checkIn.progressLine', {
              came: row.attended.checkedInHeadcount, registered: row.attended.headcount + row.confirmed.headcount, waiting: row.confirmed.registrations,
            })}
          </li>
        ))}
      </ul>
      <p><a href={`/admin/events/${event.id}/registrations${query({ status: 'confirmed' })}`}>{t('adminRegistrations.checkIn.byList')}</a></p>
    </Layout>
  );
}

/** Who was just checked in, with the undo a mistyped code needs. */
function CheckedIn({ view, event, registration }: { view: View; event: EventJson; registration: Registration }) {
  const { t } = view;
  return (
    <div class="notice success checked-in" role="status" data-testid="checked-in">
      <h2>{t('adminRegistrations.checkIn.doneTitle')}</h2>
      <p class="checked-in-who"><WhoCell view={view} registration={registration} /></p>
      <dl class="facts">
        <dt>{t('adminRegistrations.checkIn.came')}</dt>
        <dd>{t('adminRegistrations.cameOf', { came: registration.checkedInHeadcount ?? registration.headcount, registered: registration.headcount })}</dd>
        <dt>{t('adminRegistrations.col.session')}</dt>
        <dd>{sessionLabel(view, event, registration.sessionId, registration.session)}</dd>
        <dt>{t('adminRegistrations.col.code')}</dt>
        <dd>{registration.checkInCode}</dd>
        {registration.checkedInAt && <><dt>{t('adminRegistrations.checkIn.at')}</dt><dd>{formatTime(view, registration.checkedInAt, event.timezone, 'time')}</dd></>}
      </dl>
      <form method="post" action={`/admin/events/${event.id}/check-in/${registration.id}/undo`} class="inline">
        <Csrf view={view} />
        <button type="submit" class="secondary">{t('adminRegistrations.checkIn.undo')}</button>
      </form>
    </div>
  );
}

/** The check-in desk: organizers and the unit's checkers. */
export const checkInRoutes: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  /** The event and its counts (the list call is also what refuses someone without rights). */
  async function context(api: ReturnType<typeof apiFor>, eventId: string) {
    const { totals } = bodyOf(await api<RegistrationPage>('GET', `/events/${eventId}/registrations?limit=1`));
    return { totals, event: await loadEvent(api, eventId) };
  }

  app.get<{ Params: EventParams; Querystring: { done?: string } }>('/admin/events/:id/check-in', staffPage, async (request, reply) => {
    const { event, totals } = await context(apiFor(inject, request), eventIdOf(request));
    return sendPage(reply, <CheckInPage view={viewOf(request)} event={event} totals={totals} done={stringOf(request.query.done)} />);
  });

  /**
   * The answer is the page itself, not a redirect: at the desk every code is one round trip,
   * and it shows who came with their undo. Posting it again (a reload) only gets the API's
   * "already checked in".
   */
  app.post<{ Params: EventParams; Body: Form & { _csrf?: string } }>('/admin/events/:id/check-in', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const eventId = eventIdOf(request);
    const form = request.body ?? {};
    const api = apiFor(inject, request, csrfOf(form));
    const code = stringOf(form.code).trim();
    const came = stringOf(form.headcount).trim();
    const answer = await api<Registration>('POST', `/events/${eventId}/check-ins`, { code, ...(came ? { headcount: integerOrRaw(came) } : {}) });
    const { event, totals } = await context(api, eventId);
    if (answer.ok) return sendPage(reply, <CheckInPage view={view} event={event} totals={totals} checkedIn={answer.body} />);
    const errors = errorsOf(view, answer.problem, timeParams(view, event, answer.problem));
    // What went wrong is about the code unless the API named another field: said by the code, once.
    const byCode = Object.keys(errors.fields).length === 0;
    const shown = byCode ? { summary: view.t('adminRegistrations.checkIn.refused'), fields: { code: errors.summary } } : errors;
    return sendPage(reply, <CheckInPage view={view} event={event} totals={totals} form={{ code, headcount: came }} errors={shown} />, answer.status);
  });

  app.post<{ Params: RegistrationParams; Body: { _csrf?: string } }>('/admin/events/:id/check-in/:registrationId/undo', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const eventId = eventIdOf(request);
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('DELETE', `/events/${eventId}/check-ins/${registrationIdOf(request)}`);
    if (answer.ok) return seeOther(reply, `/admin/events/${eventId}/check-in?done=undone`);
    const { event, totals } = await context(api, eventId);
    return sendPage(reply, <CheckInPage view={view} event={event} totals={totals} errors={errorsOf(view, answer.problem)} />, answer.status);
  });
};
