import { integerOrRaw } from '../../form-values.js';
import type { FastifyPluginAsync } from 'fastify';
import { apiFor } from '../../api.js';
import { Choices, Csrf, ErrorSummary, Field, Notice, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import type { QuestionResponse } from '../../../modules/registrations/registrations.schemas.js';
import { csrfOf } from '../guard.js';
import {
  errorsOf, eventIdOf, EventNav, eventTitle, loadEvent, sessionLabel, staffPage, StatusBadge, stringOf, bodyOf, WhoCell,
  type EventJson, type EventParams, type Registration,
} from './shared.js';

type Form = Record<string, unknown>;
type Consent = { version: string; textZh: string; textEn: string };
type SignedUp = { registration: Registration; manageUrl: string; emailNotices: boolean };
type Question = QuestionResponse;

const text = (form: Form, name: string) => stringOf(form[name]).trim();
const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []);

/** The form's strings as the API's body: only the fields of the chosen kind, numbers as numbers, blanks left out. */
export function assistedBody(form: Form, event: EventJson, questions: Question[]) {
  const kind = text(form, 'kind') || (event.registrationMode === 'class' ? 'class' : 'individual');
  const body: Record<string, unknown> = { kind };
  const put = (name: string, value: unknown = text(form, name)) => { if (value !== '') body[name] = value; };
  put('sessionId');
  if (kind === 'class') {
    for (const name of ['school', 'gradeClass', 'teacherName', 'teacherPhone', 'teacherEmail']) put(name);
    if (text(form, 'headcount')) put('headcount', integerOrRaw(text(form, 'headcount')));
  } else {
    for (const name of ['name', 'phone', 'email']) put(name);
    if (text(form, 'partySize')) put('partySize', integerOrRaw(text(form, 'partySize')));
  }
  put('language');
  put('consentVersion');
  if (text(form, 'walkIn') === 'true') body.walkIn = true;
  const answers: Record<string, unknown> = {};
  for (const question of questions) {
    const raw = form[`answers.${question.id}`];
    if (question.kind === 'choices') {
      const chosen = listOf(raw);
      if (chosen.length) answers[question.id] = chosen;
    } else {
      const value = stringOf(raw).trim();
      if (value) answers[question.id] = question.kind === 'yes_no' ? value === 'true' : value;
    }
  }
  if (Object.keys(answers).length) body.answers = answers;
  return body;
}

function AssistedPage({ view, event, consent, questions, form = {}, errors = noErrors }: { view: View; event: EventJson; consent: Consent; questions: Question[]; form?: Form; errors?: FormErrors }) {
  const { t } = view;
  const title = t('adminRegistrations.assisted.title');
  const live = event.sessions.filter((s) => s.status === 'scheduled');
  const mode = event.registrationMode;
  const field = (name: string, label: string, extra: Partial<Parameters<typeof Field>[0]> = {}) =>
    <Field view={view} name={name} label={label} value={text(form, name)} errors={errors} {...extra} />;
  return (
    <Layout view={view} title={`${title} · ${eventTitle(view, event)}`} admin>
      <EventNav view={view} event={event} current="new" />
      <h1>{title}</h1>
      <p>{t('adminRegistrations.assisted.intro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={`/admin/events/${event.id}/registrations/new`} class="narrow">
        <Csrf view={view} />
        {mode === 'both' ? (
          <Choices view={view} name="kind" legend={t('adminRegistrations.assisted.kind')} errors={errors} type="radio" required values={[text(form, 'kind') || 'individual']}
            options={[{ value: 'individual', label: t('adminRegistrations.kind.individual') }, { value: 'class', label: t('adminRegistrations.kind.class') }]} />
        ) : <input type="hidden" name="kind" value={mode === 'class' ? 'class' : 'individual'} />}
        {live.length > 1 && (
          <Select view={view} name="sessionId" label={t('adminRegistrations.col.session')} errors={errors} required value={text(form, 'sessionId')}
            options={live.map((s) => ({ value: s.id, label: sessionLabel(view, event, s.id) }))} />
        )}
        {mode !== 'class' && (
          <fieldset class="group">
            <legend>{t('adminRegistrations.assisted.individual')}</legend>
            {field('name', t('adminRegistrations.assisted.name'), { autocomplete: 'off' })}
            {field('phone', t('adminRegistrations.assisted.phone'), { type: 'tel', inputMode: 'tel', autocomplete: 'off' })}
            {field('email', t('adminRegistrations.assisted.email'), { type: 'email', autocomplete: 'off' })}
            {field('partySize', t('adminRegistrations.assisted.partySize'), { type: 'number', inputMode: 'numeric', min: 1, max: event.partySizeLimit, hint: t('adminRegistrations.assisted.partySizeHint', { limit: event.partySizeLimit }) })}
          </fieldset>
        )}
        {mode !== 'individual' && (
          <fieldset class="group">
            <legend>{t('adminRegistrations.assisted.class')}</legend>
            {field('school', t('adminRegistrations.assisted.school'))}
            {field('gradeClass', t('adminRegistrations.assisted.gradeClass'))}
            {field('headcount', t('adminRegistrations.assisted.headcount'), { type: 'number', inputMode: 'numeric', min: 1 })}
            {field('teacherName', t('adminRegistrations.assisted.teacherName'), { autocomplete: 'off' })}
            {field('teacherPhone', t('adminRegistrations.assisted.teacherPhone'), { type: 'tel', inputMode: 'tel', autocomplete: 'off' })}
            {field('teacherEmail', t('adminRegistrations.assisted.teacherEmail'), { type: 'email', autocomplete: 'off' })}
          </fieldset>
        )}
        {questions.map((q) => {
          const name = `answers.${q.id}`;
          const label = localized(view, q.labelZh, q.labelEn);
          if (q.kind === 'text') return <Field view={view} name={name} label={label} value={text(form, name)} errors={errors} required={q.required} />;
          const options = q.kind === 'yes_no'
            ? [{ value: 'true', label: t('adminRegistrations.assisted.yes') }, { value: 'false', label: t('adminRegistrations.assisted.no') }]
            : q.options.map((o) => ({ value: o.value, label: localized(view, o.labelZh, o.labelEn) }));
          return <Choices view={view} name={name} legend={label} errors={errors} type={q.kind === 'choices' ? 'checkbox' : 'radio'} required={q.required} options={options} values={listOf(form[name])} />;
        })}
        <Select view={view} name="language" label={t('adminRegistrations.assisted.language')} errors={errors} value={text(form, 'language')}
          options={[{ value: 'zh', label: '中文' }, { value: 'en', label: 'English' }]} />
        <Choices view={view} name="walkIn" legend={t('adminRegistrations.assisted.walkInLegend')} errors={errors} type="checkbox" values={listOf(form.walkIn)}
          options={[{ value: 'true', label: t('adminRegistrations.assisted.walkIn') }]} />
        <p class="hint consent-text">{localized(view, consent.textZh, consent.textEn)}</p>
        <Choices view={view} name="consentVersion" legend={t('adminRegistrations.assisted.consentLegend')} errors={errors} type="checkbox" required values={listOf(form.consentVersion)}
          options={[{ value: consent.version, label: t('adminRegistrations.assisted.consent') }]} />
        <button type="submit">{t('adminRegistrations.assisted.submit')}</button>
      </form>
    </Layout>
  );
}

/** After an assisted sign-up: what to tell the person (status, check-in code, their link). */
function AssistedDone({ view, event, signedUp }: { view: View; event: EventJson; signedUp: SignedUp }) {
  const { t } = view;
  const { registration } = signedUp;
  return (
    <Layout view={view} title={t('adminRegistrations.assisted.doneTitle')} admin>
      <EventNav view={view} event={event} current="new" />
      <h1>{t('adminRegistrations.assisted.doneTitle')}</h1>
      <Notice kind="success"><WhoCell view={view} registration={registration} /> · <StatusBadge view={view} registration={registration} /></Notice>
      <dl class="facts">
        <dt>{t('adminRegistrations.col.session')}</dt><dd>{sessionLabel(view, event, registration.sessionId, registration.session)}</dd>
        <dt>{t('adminRegistrations.col.headcount')}</dt><dd>{registration.headcount}</dd>
        <dt>{t('adminRegistrations.col.code')}</dt><dd class="code">{registration.checkInCode}</dd>
      </dl>
      {registration.status !== 'attended' && (
        <>
          <p>{signedUp.emailNotices ? t('adminRegistrations.assisted.mailed') : t('adminRegistrations.assisted.notMailed')}</p>
          <p class="link-box" data-testid="manage-url">{signedUp.manageUrl}</p>
        </>
      )}
      <div class="actions">
        <a class="button" href={`/admin/events/${event.id}/registrations/new`}>{t('adminRegistrations.assisted.another')}</a>
        <a href={`/admin/events/${event.id}/registrations`}>{t('adminRegistrations.backToList')}</a>
      </div>
    </Layout>
  );
}

/** Registering someone who phoned, or a walk-in at the door (organizers; the API refuses checkers). */
export const assistedRoutes: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  /**
   * The questions come from the organizers' list (GET …/questions), which is also what turns
   * away someone who may not register people for this event, before they fill in the form.
   */
  async function load(api: ReturnType<typeof apiFor>, eventId: string) {
    const { items } = bodyOf(await api<{ items: Question[] }>('GET', `/events/${eventId}/questions`));
    const [event, consent] = await Promise.all([loadEvent(api, eventId), api<Consent>('GET', '/consent').then(bodyOf)]);
    return { event, consent, questions: items.filter((q) => !q.hidden) };
  }

  app.get<{ Params: EventParams }>('/admin/events/:id/registrations/new', staffPage, async (request, reply) => {
    const { event, consent, questions } = await load(apiFor(inject, request), eventIdOf(request));
    return sendPage(reply, <AssistedPage view={viewOf(request)} event={event} consent={consent} questions={questions} />);
  });

  /** The answer holds the person's manage link: shown on this page once, never put in an address. */
  app.post<{ Params: EventParams; Body: Form }>('/admin/events/:id/registrations/new', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = request.body ?? {};
    const api = apiFor(inject, request, csrfOf(form));
    const { event, consent, questions } = await load(api, eventIdOf(request));
    const answer = await api<SignedUp>('POST', `/events/${event.id}/registrations/assisted`, assistedBody(form, event, questions));
    if (answer.ok) return sendPage(reply, <AssistedDone view={view} event={event} signedUp={answer.body} />);
    return sendPage(reply, <AssistedPage view={view} event={event} consent={consent} questions={questions} form={form} errors={errorsOf(view, answer.problem)} />, answer.status);
  });
};
