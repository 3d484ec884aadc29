import { Choices, Field } from '../components.js';
import type { FormErrors } from '../form-errors.js';
import { formatRange, formatTime, localized, type View } from '../view.js';
import { integerOf, labelOf, textOf, type SiteEvent } from './site-data.js';

/** The form as posted: the API's field names (answers as `answers.<question id>`), values as typed. */
export type SignUpValues = Record<string, string | string[] | undefined>;
type ConsentText = { version: string; textZh: string; textEn: string };
export type Consent = ConsentText & { transfer: ConsentText };

type SignUpState =
  | { kind: 'open'; sessions: SiteEvent['sessions'] }
  | { kind: 'none' | 'cancelled' | 'closed' | 'full' }
  | { kind: 'not_open'; opensAt: string };

/**
 * Whether the page offers the form, and for which sessions: those still to start. The API
 * decides again when the form comes back; this only spares a resident a form that cannot work.
 */
export function signUpStateOf(event: SiteEvent, now: Date): SignUpState {
  if (event.status === 'cancelled') return { kind: 'cancelled' };
  if (event.registrationMode === 'none') return { kind: 'none' };
  if (event.registrationOpensAt && new Date(event.registrationOpensAt) > now) return { kind: 'not_open', opensAt: event.registrationOpensAt };
  if (event.registrationClosesAt && new Date(event.registrationClosesAt) <= now) return { kind: 'closed' };
  const sessions = event.sessions.filter((s) => s.status === 'scheduled' && new Date(s.startsAt) > now);
  if (sessions.length === 0) return { kind: 'closed' };
  if (sessions.every((s) => s.availability === 'full')) return { kind: 'full' };
  return { kind: 'open', sessions };
}

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const all = (value: string | string[] | undefined) => (value === undefined ? [] : [value].flat());

/** The API's sign-up body from the form: only the chosen kind's fields, empty ones left out. */
export function signUpBodyOf(event: SiteEvent, form: SignUpValues): Record<string, unknown> {
  const kind = first(form.kind) ?? (event.registrationMode === 'class' ? 'class' : 'individual');
  const body: Record<string, unknown> = { kind };
  const put = (name: string, value: unknown) => { if (value !== undefined) body[name] = value; };
  put('sessionId', textOf(first(form.sessionId)));
  if (kind === 'class') {
    for (const name of ['school', 'gradeClass', 'teacherName', 'teacherPhone', 'teacherEmail']) put(name, textOf(first(form[name])));
    put('headcount', integerOf(first(form.headcount)));
  } else {
    for (const name of ['name', 'phone', 'email']) put(name, textOf(first(form[name])));
    put('partySize', integerOf(first(form.partySize)));
  }
  put('language', textOf(first(form.language)));
  // Only a ticked box sends the version of the text it agreed to.
  put('consentVersion', textOf(first(form.consentVersion)));
  put('transferConsentVersion', textOf(first(form.transferConsentVersion)));
  const answers: Record<string, unknown> = {};
  for (const question of event.questions) {
    const raw = form[`answers.${question.id}`];
    if (question.kind === 'choices') {
      if (all(raw).length) answers[question.id] = all(raw);
    } else if (question.kind === 'yes_no') {
      const value = first(raw);
      if (value === 'yes' || value === 'no') answers[question.id] = value === 'yes';
      else if (value) answers[question.id] = value;
    } else {
      const value = first(raw);
      if (value !== undefined && value.trim() !== '') answers[question.id] = value;
    }
  }
  if (Object.keys(answers).length) body.answers = answers;
  return body;
}

function SessionChoice({ view, event, sessions, form, errors }: { view: View; event: SiteEvent; sessions: SiteEvent['sessions']; form: SignUpValues; errors: FormErrors }) {
  if (sessions.length === 1) return <input type="hidden" name="sessionId" value={sessions[0]!.id} />;
  const chosen = first(form.sessionId);
  return (
    <Choices view={view} name="sessionId" legend={view.t('site.signup.session')} errors={errors} type="radio" required values={chosen ? [chosen] : []}
      options={sessions.map((s) => ({
        value: s.id,
        label: (
          <>
            {formatRange(view, s.startsAt, s.endsAt, event.timezone)}
            {s.availability && <> · {labelOf(view, 'site.availability', s.availability)}</>}
            {s.seatsLeft !== null && <> · {view.t('site.session.seatsLeft', { count: s.seatsLeft })}</>}
          </>
        ),
      }))} />
  );
}

function Question({ view, question, form, errors }: { view: View; question: SiteEvent['questions'][number]; form: SignUpValues; errors: FormErrors }) {
  const name = `answers.${question.id}`;
  const label = localized(view, question.labelZh, question.labelEn);
  const options = question.options.map((o) => ({ value: o.value, label: localized(view, o.labelZh, o.labelEn) }));
  if (question.kind === 'text') return <Field view={view} name={name} label={label} errors={errors} value={first(form[name])} required={question.required} maxLength={1000} />;
  if (question.kind === 'yes_no') {
    return <Choices view={view} name={name} legend={label} errors={errors} type="radio" required={question.required} values={all(form[name])}
      options={[{ value: 'yes', label: view.t('site.signup.yes') }, { value: 'no', label: view.t('site.signup.no') }]} />;
  }
  return <Choices view={view} name={name} legend={label} errors={errors} type={question.kind === 'choices' ? 'checkbox' : 'radio'} required={question.required} values={all(form[name])} options={options} />;
}

/** The sign-up form: the kinds the event takes (both shown without JavaScript, with a choice), its questions, the consent. */
export function SignUpForm({ view, event, sessions, consent, form, errors }: {
  view: View; event: SiteEvent; sessions: SiteEvent['sessions']; consent: Consent; form: SignUpValues; errors: FormErrors;
}) {
  const { t } = view;
  const mode = event.registrationMode;
  const kind = first(form.kind) ?? (mode === 'class' ? 'class' : 'individual');
  const value = (name: string) => first(form[name]);
  return (
    <form method="post" action={`/events/${event.id}/sign-up`} class="narrow signup" novalidate>
      <SessionChoice view={view} event={event} sessions={sessions} form={form} errors={errors} />
      {mode === 'both'
        ? <Choices view={view} name="kind" legend={t('site.signup.kind')} errors={errors} type="radio" required values={[kind]}
          options={[{ value: 'individual', label: t('site.signup.kindIndividual') }, { value: 'class', label: t('site.signup.kindClass') }]} />
        : <input type="hidden" name="kind" value={mode} />}
      {mode !== 'class' && (
        <fieldset class="kind-fields" data-kind="individual">
          <legend>{t('site.signup.individual')}</legend>
          <Field view={view} name="name" label={t('site.signup.name')} errors={errors} value={value('name')} autocomplete="name" maxLength={100} required />
          <Field view={view} name="phone" label={t('site.signup.phone')} errors={errors} value={value('phone')} type="tel" autocomplete="tel" inputMode="tel" hint={t('site.signup.contactHint')} />
          <Field view={view} name="email" label={t('site.signup.email')} errors={errors} value={value('email')} type="email" autocomplete="email" inputMode="email" hint={t('site.signup.emailHint')} />
          <Field view={view} name="partySize" label={t('site.signup.partySize')} errors={errors} value={value('partySize') ?? '1'} type="number" inputMode="numeric" min={1} max={event.partySizeLimit}
            hint={t('site.signup.partySizeHint', { limit: event.partySizeLimit })} required />
        </fieldset>
      )}
      {mode !== 'individual' && (
        <fieldset class="kind-fields" data-kind="class">
          <legend>{t('site.signup.class')}</legend>
          <Field view={view} name="school" label={t('site.signup.school')} errors={errors} value={value('school')} autocomplete="organization" maxLength={200} required />
          <Field view={view} name="gradeClass" label={t('site.signup.gradeClass')} errors={errors} value={value('gradeClass')} hint={t('site.signup.gradeClassHint')} maxLength={100} required />
          <Field view={view} name="headcount" label={t('site.signup.headcount')} errors={errors} value={value('headcount')} type="number" inputMode="numeric" min={1} hint={t('site.signup.headcountHint')} required />
          <Field view={view} name="teacherName" label={t('site.signup.teacherName')} errors={errors} value={value('teacherName')} autocomplete="name" maxLength={100} required />
          <Field view={view} name="teacherPhone" label={t('site.signup.teacherPhone')} errors={errors} value={value('teacherPhone')} type="tel" autocomplete="tel" inputMode="tel" hint={t('site.signup.contactHint')} />
          <Field view={view} name="teacherEmail" label={t('site.signup.teacherEmail')} errors={errors} value={value('teacherEmail')} type="email" autocomplete="email" inputMode="email" hint={t('site.signup.emailHint')} />
        </fieldset>
      )}
      {event.questions.length > 0 && (
        <fieldset class="questions">
          <legend>{t('site.signup.questions')}</legend>
          {event.questions.map((question) => <Question view={view} question={question} form={form} errors={errors} />)}
        </fieldset>
      )}
      <Choices view={view} name="language" legend={t('site.signup.language')} errors={errors} type="radio" values={[value('language') ?? view.lang]}
        options={[{ value: 'zh', label: '中文' }, { value: 'en', label: 'English' }]} />
      <div class="consent-text" id="consent-text">
        <h3>{t('site.signup.consentTitle')}</h3>
        <p>{view.lang === 'en' ? consent.textEn : consent.textZh}</p>
      </div>
      <Choices view={view} name="consentVersion" legend={t('site.signup.consentLegend')} errors={errors} type="checkbox" required
        values={value('consentVersion') ? [consent.version] : []} options={[{ value: consent.version, label: t('site.signup.consent') }]} />
      {/* Offered only where the organizer's own systems receive registrations; never pre-ticked. */}
      {event.registrationTransfer && (
        <>
          <div class="consent-text" id="transfer-text">
            <h3>{t('site.signup.transferTitle')}</h3>
            <p>{view.lang === 'en' ? consent.transfer.textEn : consent.transfer.textZh}</p>
          </div>
          <Choices view={view} name="transferConsentVersion" legend={t('site.signup.transferLegend')} errors={errors} type="checkbox"
            values={value('transferConsentVersion') ? [consent.transfer.version] : []} options={[{ value: consent.transfer.version, label: t('site.signup.transfer') }]} />
        </>
      )}
      <button type="submit">{t('site.signup.submit')}</button>
    </form>
  );
}

/** Why there is no form: no registration needed, not open yet, closed, full, cancelled. */
export function NoSignUp({ view, event, state }: { view: View; event: SiteEvent; state: Exclude<SignUpState, { kind: 'open' }> }) {
  const { t } = view;
  if (state.kind === 'none') return <p>{t('site.signup.notNeeded')}</p>;
  if (state.kind === 'cancelled') return <p>{t('site.signup.cancelled')}</p>;
  if (state.kind === 'full') return <p>{t('site.signup.full')}</p>;
  if (state.kind === 'not_open') return <p>{t('site.signup.notOpen', { time: formatTime(view, state.opensAt, event.timezone) })}</p>;
  return <p>{t('site.signup.closed')}</p>;
}

/** "Send my link again", for someone who signed up with an email address and lost the link. */
export function SendLinkForm({ view, event, email, errors, open }: { view: View; event: SiteEvent; email?: string; errors: FormErrors; open: boolean }) {
  const { t } = view;
  return (
    <details class="send-link" id="send-link" open={open}>
      <summary>{t('site.sendLink.title')}</summary>
      <p>{t('site.sendLink.intro')}</p>
      <form method="post" action={`/events/${event.id}/send-link`} class="narrow" novalidate>
        <Field view={view} name="linkEmail" label={t('site.sendLink.email')} errors={errors} value={email} type="email" autocomplete="email" inputMode="email" required />
        <button type="submit" class="secondary">{t('site.sendLink.submit')}</button>
      </form>
      <p class="muted">{t('site.sendLink.phoneOnly')}</p>
    </details>
  );
}
