import { integerOrRaw } from '../../form-values.js';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { apiFor, type ApiCall } from '../../api.js';
import { Csrf, ErrorSummary, fieldId, Notice } from '../../components.js';
import { fieldNameOf, noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import { Problem, type ProblemBody } from '../../../lib/problems.js';
import { asId } from '../../../plugins/auth.js';
import { csrfOf } from '../guard.js';
import {
  errorsOf, eventIdOf, EventNav, eventTitle, loadEvent, query, sessionLabel, staffPage, stringOf, bodyOf,
  type EventJson, type EventParams, type RegistrationPage, type Totals,
} from './shared.js';

type Audience = { slug: string; nameZh: string; nameEn: string };
type Form = Record<string, unknown>;
type Recorded = { sessionId: string; counts: Record<string, number>; total: number };
/** The one session form the API refused: its values as typed, its messages keyed by `formKeyOf(session).<field>`. */
type Refused = { sessionId: string; form: Form; errors: FormErrors };
type Data = { event: EventJson; totals: Totals[]; audiences: Audience[]; recorded: Recorded[] };

const COUNT_PREFIX = 'counts.';

/**
 * Every session has a form with the same field names (`counts.youth`: the API's pointer), so
 * the ids carry the session too: one page, no id twice, and the summary's links still land.
 */
const formKeyOf = (sessionId: string) => `session-${sessionId}`;

/**
 * The form's strings as the API's body. A blank count is left out: the save replaces what
 * was recorded, so a blank is none. Every `counts.*` field goes, known audience or not: the
 * API decides which exist.
 */
export function attendanceBody(form: Form) {
  const entries = Object.keys(form)
    .filter((name) => name.startsWith(COUNT_PREFIX))
    .map((name) => [name.slice(COUNT_PREFIX.length), stringOf(form[name]).trim()] as const)
    .filter(([, raw]) => raw !== '')
    .map(([slug, raw]) => [slug, integerOrRaw(raw)]);
  // fromEntries defines own properties: a field named `counts.__proto__` cannot reach the prototype.
  return { counts: Object.fromEntries(entries) };
}

/** The API's problem, its field messages moved onto the refused session's fields; a count that is not a whole number is said so. */
function attendanceErrors(view: View, problem: ProblemBody, sessionId: string): FormErrors {
  const errors = errorsOf(view, problem);
  const fields: Record<string, string> = {};
  for (const [name, message] of Object.entries(errors.fields)) fields[`${formKeyOf(sessionId)}.${name}`] = message;
  for (const error of problem.errors ?? []) {
    if (error.in === 'body' && error.code === 'type') fields[`${formKeyOf(sessionId)}.${fieldNameOf(error.pointer)}`] = view.t('adminRegistrations.attendance.notWhole');
  }
  const own = view.lookup(`adminRegistrations.attendance.problem.${problem.code}`);
  return { summary: own ?? errors.summary, fields };
}

/** A count for one audience. Like the shared Field, but its id is made unique by the session's form. */
function CountField({ view, formKey, audience, value, error }: { view: View; formKey: string; audience: Audience; value: string; error?: string }) {
  const name = `${COUNT_PREFIX}${audience.slug}`;
  const id = fieldId(`${formKey}.${name}`);
  const optional = view.t('form.optional');
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for={id}>{localized(view, audience.nameZh, audience.nameEn)} <span class="marker">{view.lang === 'zh' ? `（${optional}）` : `(${optional})`}</span></label>
      {error && <p class="error" id={`${id}-error`}>{error}</p>}
      <input id={id} name={name} value={value} type="number" inputMode="numeric" min={0} step={1}
        aria-invalid={error ? 'true' : undefined} aria-describedby={error ? `${id}-error` : undefined} />
    </div>
  );
}

function SessionForm({ view, data, session, refused }: { view: View; data: Data; session: EventJson['sessions'][number]; refused?: Refused }) {
  const { t } = view;
  const { event, totals, audiences, recorded } = data;
  const row = totals.find((r) => r.sessionId === session.id);
  const counts = recorded.find((r) => r.sessionId === session.id)?.counts ?? {};
  const formKey = formKeyOf(session.id);
  const headingId = `${formKey}-heading`;
  const mine = refused?.sessionId === session.id ? refused : undefined;
  return (
    <section class="card" aria-labelledby={headingId} data-session={session.id}>
      <h2 id={headingId}>
        {sessionLabel(view, event, session.id)}
        {session.status === 'cancelled' && <> <span class="badge cancelled">{t('adminRegistrations.attendance.cancelled')}</span></>}
      </h2>
      <dl class="facts">
        <dt>{t('adminRegistrations.attendance.recorded')}</dt>
        <dd data-testid="recorded">{t('adminRegistrations.attendance.people', { count: row?.recordedAttendance ?? 0 })}</dd>
        {event.registrationMode !== 'none' && <>
          <dt>{t('adminRegistrations.attendance.checkedIn')}</dt>
          <dd>{t('adminRegistrations.attendance.people', { count: row?.attended.checkedInHeadcount ?? 0 })}</dd>
        </>}
      </dl>
      <form method="post" action={`/admin/events/${event.id}/attendance/${session.id}`}>
        <Csrf view={view} />
        <fieldset class="group">
          <legend>{t('adminRegistrations.attendance.legend')}</legend>
          <p class="hint">{t('adminRegistrations.attendance.replaceHint')}</p>
          <div class="filters">
            {audiences.map((audience) => (
              <CountField view={view} formKey={formKey} audience={audience} value={mine ? stringOf(mine.form[`${COUNT_PREFIX}${audience.slug}`]) : String(counts[audience.slug] ?? '')}
                error={mine?.errors.fields[`${formKey}.${COUNT_PREFIX}${audience.slug}`]} />
            ))}
          </div>
        </fieldset>
        <button type="submit" aria-describedby={headingId}>{t('adminRegistrations.attendance.submit')}</button>
      </form>
    </section>
  );
}

function AttendancePage({ view, data, refused, savedSession }: { view: View; data: Data; refused?: Refused; savedSession?: string }) {
  const { t } = view;
  const { event, totals, audiences } = data;
  const title = t('adminRegistrations.attendance.title');
  const saved = savedSession ? totals.find((r) => r.sessionId === savedSession) : undefined;
  return (
    <Layout view={view} title={`${title} · ${eventTitle(view, event)}`} admin>
      <EventNav view={view} event={event} current="attendance" />
      <h1>{title}</h1>
      {saved && (
        <Notice kind="success">{t('adminRegistrations.attendance.saved', { session: sessionLabel(view, event, saved.sessionId), total: saved.recordedAttendance })}</Notice>
      )}
      <ErrorSummary view={view} errors={refused?.errors ?? noErrors} />
      <p>{t('adminRegistrations.attendance.intro')}</p>
      {audiences.length === 0 ? <Notice kind="warning">{t('adminRegistrations.attendance.noAudiences')}</Notice>
        : event.sessions.length === 0 ? <p>{t('adminRegistrations.attendance.empty')}</p>
        : event.sessions.map((session) => <SessionForm view={view} data={data} session={session} refused={refused} />)}
    </Layout>
  );
}

function sessionIdOf(request: FastifyRequest): string {
  const id = asId((request.params as { sessionId?: unknown }).sessionId);
  if (!id) throw new Problem(404, 'not_found', 'No such page.');
  return id;
}

/** Headcounts of sessions held without registration, per audience, for the year-end figures (organizers; the API refuses checkers). */
export const attendanceRoutes: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  /**
   * What was recorded, per session and audience, fills the forms (a save replaces them all);
   * that read is the organizers' alone, so it also turns away checkers and other units.
   */
  async function load(api: ApiCall, eventId: string): Promise<Data> {
    const { items: recorded } = bodyOf(await api<{ items: Recorded[] }>('GET', `/events/${eventId}/attendance`));
    const [event, { totals }, { items: audiences }] = await Promise.all([
      loadEvent(api, eventId),
      api<RegistrationPage>('GET', `/events/${eventId}/registrations?limit=1`).then(bodyOf),
      api<{ items: Audience[] }>('GET', '/audiences').then(bodyOf),
    ]);
    return { event, totals, audiences, recorded };
  }

  app.get<{ Params: EventParams; Querystring: { done?: string; session?: string } }>('/admin/events/:id/attendance', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const data = await load(apiFor(inject, request), eventIdOf(request));
    const savedSession = stringOf(request.query.done) === 'recorded' ? stringOf(request.query.session) : undefined;
    return sendPage(reply, <AttendancePage view={view} data={data} savedSession={savedSession} />);
  });

  app.post<{ Params: EventParams & { sessionId: string }; Body: Form }>('/admin/events/:id/attendance/:sessionId', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const eventId = eventIdOf(request);
    const sessionId = sessionIdOf(request);
    const form = request.body ?? {};
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api<Recorded>('PUT', `/events/${eventId}/sessions/${sessionId}/attendance`, attendanceBody(form));
    // The notice reads the new total from the totals, not from the address.
    if (answer.ok) return seeOther(reply, `/admin/events/${eventId}/attendance${query({ done: 'recorded', session: sessionId })}`);
    const data = await load(api, eventId);
    const refused = { sessionId, form, errors: attendanceErrors(view, answer.problem, sessionId) };
    return sendPage(reply, <AttendancePage view={view} data={data} refused={refused} />, answer.status);
  });
};
