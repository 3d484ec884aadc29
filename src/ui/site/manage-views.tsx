import type { RegistrationResponse } from '../../modules/registrations/registrations.schemas.js';
import { Choices, ErrorSummary, Field, Notice } from '../components.js';
import type { FormErrors } from '../form-errors.js';
import { Layout } from '../layout.js';
import { formatRange, localized, type View } from '../view.js';
import { venueLine } from './site-components.js';
import { labelOf, queryOf, type SiteEvent } from './site-data.js';

export type ManageData = {
  registration: RegistrationResponse; event: SiteEvent | null; zone: string;
  /** The QR code of the check-in code, as inline SVG. */
  qr: string;
  /** The manage link itself, to keep, and its token (the pages' own paths). */
  link: string;
  token: string;
};

type ChangeForm = { partySize?: string; headcount?: string; language?: string };

/** The registrant's answer to one question, in words. */
function answerText(view: View, question: SiteEvent['questions'][number], value: unknown): string {
  const option = (v: unknown) => {
    const found = question.options.find((o) => o.value === v);
    return found ? localized(view, found.labelZh, found.labelEn) : String(v);
  };
  if (typeof value === 'boolean') return value ? view.t('site.signup.yes') : view.t('site.signup.no');
  if (Array.isArray(value)) return value.map(option).join(view.lang === 'zh' ? '、' : ', ');
  return question.kind === 'choice' ? option(value) : String(value);
}

function StatusLine({ view, registration }: { view: View; registration: RegistrationResponse }) {
  const { t } = view;
  const badge = <span class={`badge ${registration.status}`}>{labelOf(view, 'site.status', registration.status)}</span>;
  if (registration.status === 'waitlisted') {
    return <p class="status-line">{badge} {t('site.manage.waitlisted', { position: registration.waitlistPosition ?? '?' })}</p>;
  }
  return <p class="status-line">{badge} {view.lookup(`site.manage.status.${registration.status}`) ?? ''}</p>;
}

function Details({ view, registration, event }: { view: View; registration: RegistrationResponse; event: SiteEvent | null }) {
  const { t } = view;
  const rows: [string, string][] = [];
  if (registration.kind === 'class') {
    if (registration.school) rows.push([t('site.signup.school'), registration.school]);
    if (registration.gradeClass) rows.push([t('site.signup.gradeClass'), registration.gradeClass]);
    if (registration.name) rows.push([t('site.signup.teacherName'), registration.name]);
    rows.push([t('site.signup.headcount'), String(registration.headcount)]);
  } else {
    if (registration.name) rows.push([t('site.signup.name'), registration.name]);
    rows.push([t('site.signup.partySize'), String(registration.headcount)]);
  }
  if (registration.phone) rows.push([t('site.signup.phone'), registration.phone]);
  if (registration.email) rows.push([t('site.signup.email'), registration.email]);
  rows.push([t('site.signup.language'), registration.language === 'en' ? 'English' : '中文']);
  for (const answer of registration.answers) {
    const question = event?.questions.find((q) => q.id === answer.questionId);
    if (question) rows.push([localized(view, question.labelZh, question.labelEn), answerText(view, question, answer.value)]);
  }
  return <dl class="facts">{rows.map(([term, value]) => <><dt>{term}</dt><dd>{value}</dd></>)}</dl>;
}

function ChangeSection({ view, registration, form, errors, action }: { view: View; registration: RegistrationResponse; form: ChangeForm; errors: FormErrors; action: string }) {
  const { t } = view;
  const field = registration.kind === 'class' ? 'headcount' : 'partySize';
  return (
    <section aria-labelledby="change-title">
      <h2 id="change-title">{t('site.manage.changeTitle')}</h2>
      <form method="post" action={action} class="narrow" novalidate>
        <Field view={view} name={field} label={t(field === 'headcount' ? 'site.signup.headcount' : 'site.signup.partySize')} errors={errors}
          value={form[field] ?? String(registration.headcount)} type="number" inputMode="numeric" min={1} hint={t('site.manage.changeHint')} required />
        <Choices view={view} name="language" legend={t('site.signup.language')} errors={errors} type="radio" values={[form.language ?? registration.language]}
          options={[{ value: 'zh', label: '中文' }, { value: 'en', label: 'English' }]} />
        <button type="submit">{t('site.manage.changeSubmit')}</button>
      </form>
    </section>
  );
}

/** The confirmation and manage page: what the registrant needs at the door, and what they may change. */
export function ManagePage({ view, data, done, mail, form, errors }: { view: View; data: ManageData; done?: string; mail?: boolean; form: ChangeForm; errors: FormErrors }) {
  const { t } = view;
  const { registration, event, zone, link } = data;
  const title = localized(view, registration.event.titleZh, registration.event.titleEn);
  const live = registration.status === 'confirmed' || registration.status === 'waitlisted';
  const mailComing = mail ?? registration.email !== null;
  const here = `/manage/${encodeURIComponent(data.token)}`;
  const place = event ? venueLine(view, event) : null;
  return (
    <Layout view={view} title={t('site.manage.title')}>
      <h1>{t('site.manage.title')}</h1>
      {done === 'signed-up' && <Notice kind="success">{registration.status === 'waitlisted' ? t('site.manage.doneWaitlisted') : t('site.manage.doneSignedUp')}</Notice>}
      {done === 'changed' && <Notice kind="success">{t('site.manage.doneChanged')}</Notice>}
      {done === 'cancelled' && <Notice kind="success">{t('site.manage.doneCancelled')}</Notice>}
      <ErrorSummary view={view} errors={errors} />

      <h2>{title}</h2>
      <StatusLine view={view} registration={registration} />
      <dl class="facts">
        <dt>{t('site.manage.when')}</dt><dd>{formatRange(view, registration.session.startsAt, registration.session.endsAt, zone)}</dd>
        {place && <><dt>{t('site.event.venue')}</dt><dd>{place}</dd></>}
        {event?.venue?.addressZh && <><dt>{t('site.event.address')}</dt><dd>{localized(view, event.venue.addressZh, event.venue.addressEn)}</dd></>}
      </dl>
      <p><a href={`/events/${registration.eventId}`}>{t('site.manage.eventLink')}</a></p>

      {registration.status !== 'cancelled' && (
        <section aria-labelledby="code-title">
          <h2 id="code-title">{t('site.manage.codeTitle')}</h2>
          <p>{t('site.manage.codeIntro')}</p>
          <p class="code" data-testid="check-in-code">{registration.checkInCode}</p>
          <div class="qr" role="img" aria-label={t('site.manage.qrLabel', { code: registration.checkInCode })} dangerouslySetInnerHTML={{ __html: data.qr }} />
        </section>
      )}

      <section aria-labelledby="keep-title">
        <h2 id="keep-title">{t('site.manage.keepTitle')}</h2>
        <p>{t('site.manage.keepIntro')}</p>
        <p class="manage-link"><a href={here}>{link}</a></p>
        <p>{mailComing ? t('site.manage.mailComing') : t('site.manage.noMail')}</p>
        {live && <p><a href={`/api/v1/registrations/${encodeURIComponent(data.token)}.ics${queryOf({ lang: view.lang === 'en' ? 'en' : undefined })}`} download>{t('site.manage.ics')}</a></p>}
      </section>

      <section aria-labelledby="details-title">
        <h2 id="details-title">{t('site.manage.detailsTitle')}</h2>
        <Details view={view} registration={registration} event={event} />
      </section>

      {live && <ChangeSection view={view} registration={registration} form={form} errors={errors} action={`${here}/change`} />}

      <section aria-labelledby="leave-title">
        <h2 id="leave-title">{live ? t('site.manage.leaveTitle') : t('site.manage.eraseTitle')}</h2>
        <ul class="feed-links">
          {live && <li><a href={`${here}/cancel`}>{t('site.manage.cancelLink')}</a></li>}
          <li><a href={`${here}/erase`}>{t('site.manage.eraseLink')}</a></li>
        </ul>
      </section>
    </Layout>
  );
}

type ConfirmProps = { view: View; data: ManageData; what: string; action: string; back: string };

/** "Really cancel?": a page of its own, so a slip of the finger cancels nothing. */
export function CancelConfirmPage({ view, what, action, back }: ConfirmProps) {
  const { t } = view;
  return (
    <Layout view={view} title={t('site.manage.cancelTitle')}>
      <h1>{t('site.manage.cancelTitle')}</h1>
      <p>{t('site.manage.cancelQuestion', { what })}</p>
      <p>{t('site.manage.cancelFinal')}</p>
      <form method="post" action={action} class="actions">
        <button type="submit" class="danger">{t('site.manage.cancelSubmit')}</button>
        <a href={back}>{t('site.manage.keep')}</a>
      </form>
    </Layout>
  );
}

export function EraseConfirmPage({ view, data, what, action, back }: ConfirmProps) {
  const { t } = view;
  const live = data.registration.status === 'confirmed' || data.registration.status === 'waitlisted';
  return (
    <Layout view={view} title={t('site.manage.eraseTitle')}>
      <h1>{t('site.manage.eraseTitle')}</h1>
      <p>{t('site.manage.eraseQuestion', { what })}</p>
      <ul>
        {live && <li>{t('site.manage.eraseCancels')}</li>}
        <li>{t('site.manage.eraseWhat')}</li>
        <li>{t('site.manage.eraseLinkGone')}</li>
      </ul>
      <form method="post" action={action} class="actions">
        <button type="submit" class="danger">{t('site.manage.eraseSubmit')}</button>
        <a href={back}>{t('site.manage.keep')}</a>
      </form>
    </Layout>
  );
}
