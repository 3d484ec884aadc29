import type { FastifyReply } from 'fastify';
import type { ApiCall } from '../../api.js';
import { ActionButton, Csrf, ErrorSummary, Field, Notice } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage } from '../../render.js';
import { formatTime, localized, type View } from '../../view.js';
import { DoneNotice, ProblemPage, StatusBadge, TextArea, eventHref, eventTitle, mayChange, modeLabel, reminderLabel, typeLabel, zoneLabel } from './bits.js';
import { loadDetail, type Detail } from './detail-data.js';
import { QuestionsSection } from './detail-questions.js';
import { SessionsSection } from './detail-sessions.js';
import { textOf, type FormValues } from '../../form-values.js';

/** What a refused form on the event page had typed, by form, so it is shown again as typed. */
export type DetailForms = { session?: FormValues; duplicate?: FormValues; review?: FormValues; question?: FormValues };

type Props = { view: View; detail: Detail; done?: string; errors?: FormErrors; forms?: DetailForms };

/** The event as staff see it: its state, what may be done with it, its sessions and its sign-up questions. */
export function DetailPage({ view, detail, done, errors = noErrors, forms = {} }: Props) {
  const { t } = view;
  const { event } = detail;
  const manages = mayChange(view, event);
  const title = eventTitle(view, event);
  return (
    <Layout view={view} title={title} admin>
      <p><a href="/admin/events">{t('adminEvents.backToList')}</a></p>
      <h1>{title} <StatusBadge view={view} status={event.status} /></h1>
      <DoneNotice view={view} done={done} />
      <ErrorSummary view={view} errors={errors} />
      {event.status === 'draft' && event.reviewComment && (
        <Notice kind="warning"><strong>{t('adminEvents.detail.returnedWith')}</strong> {event.reviewComment}</Notice>
      )}
      {event.status === 'submitted' && <Notice kind="info">{t('adminEvents.detail.waitingForReview')}</Notice>}
      {event.status === 'cancelled' && <Notice kind="warning">{t('adminEvents.detail.isCancelled')}</Notice>}
      <ul class="actions" aria-label={t('adminEvents.detail.links')}>
        {manages && event.status !== 'cancelled' && event.status !== 'submitted' && <li><a href={eventHref(event.id, '/edit')}>{t('adminEvents.detail.edit')}</a></li>}
        <li><a href={eventHref(event.id, '/registrations')}>{t('adminEvents.detail.registrations')}</a></li>
        {event.publishedAt && <li><a href={`/events/${encodeURIComponent(event.id)}`}>{t('adminEvents.detail.publicPage')}</a></li>}
      </ul>
      {manages && <Actions view={view} detail={detail} errors={errors} forms={forms} />}
      <Facts view={view} detail={detail} />
      <SessionsSection view={view} detail={detail} errors={errors} values={forms.session} />
      {detail.questions && <QuestionsSection view={view} detail={detail} errors={errors} values={forms.question} />}
    </Layout>
  );
}

function Actions({ view, detail, errors, forms }: { view: View; detail: Detail; errors: FormErrors; forms: DetailForms }) {
  const { t } = view;
  const { event } = detail;
  const admin = view.staff?.role === 'admin';
  const act = (name: string) => eventHref(event.id, `/${name}`);
  return (
    <section aria-labelledby="actions-heading">
      <h2 id="actions-heading">{t('adminEvents.detail.actions')}</h2>
      <div class="actions">
        {event.status === 'draft' && (admin || !detail.requiresReview
          ? <ActionButton view={view} action={act('publish')} label={t('adminEvents.action.publish')} />
          : <ActionButton view={view} action={act('submit')} label={t('adminEvents.action.submit')} />)}
        {event.status === 'submitted' && admin && <ActionButton view={view} action={act('approve')} label={t('adminEvents.action.approve')} />}
        {(event.status === 'published' || event.status === 'submitted') && <a class="button secondary" href={act('cancel')}>{t('adminEvents.action.cancel')}</a>}
        {event.status === 'draft' && <a class="button secondary" href={act('delete')}>{t('adminEvents.action.delete')}</a>}
      </div>
      {event.status === 'draft' && !admin && detail.requiresReview && <p class="hint">{t('adminEvents.detail.reviewedUnit')}</p>}
      {event.status === 'submitted' && admin && (
        <form method="post" action={act('return')} class="narrow">
          <Csrf view={view} />
          <TextArea view={view} name="comment" label={t('adminEvents.field.returnComment')} hint={t('adminEvents.hint.returnComment')} rows={3}
            value={textOf(forms.review ?? {}, 'comment')} errors={errors} required />
          <button type="submit" class="secondary">{t('adminEvents.action.return')}</button>
        </form>
      )}
      <form method="post" action={act('duplicate')} class="narrow">
        <Csrf view={view} />
        <h3>{t('adminEvents.duplicate.title')}</h3>
        <Field view={view} name="firstDate" type="date" label={t('adminEvents.duplicate.firstDate')} hint={t('adminEvents.duplicate.hint')}
          value={textOf(forms.duplicate ?? {}, 'firstDate')} errors={errors} required />
        <button type="submit" class="secondary">{t('adminEvents.duplicate.submit')}</button>
      </form>
    </section>
  );
}

function Facts({ view, detail }: { view: View; detail: Detail }) {
  const { t } = view;
  const { event } = detail;
  const zone = event.timezone;
  const name = (o: { nameZh: string; nameEn: string | null }) => localized(view, o.nameZh, o.nameEn);
  const audienceName = (slug: string) => {
    const found = detail.audiences.find((a) => a.slug === slug);
    return found ? name(found) : slug;
  };
  const none = t('adminEvents.none');
  const window = event.registrationOpensAt || event.registrationClosesAt
    ? `${event.registrationOpensAt ? formatTime(view, event.registrationOpensAt, zone) : t('adminEvents.detail.onPublish')} – ${event.registrationClosesAt ? formatTime(view, event.registrationClosesAt, zone) : t('adminEvents.detail.untilStart')}`
    : t('adminEvents.detail.defaultWindow');
  const facts: [string, string][] = [
    [t('adminEvents.field.type'), typeLabel(view, event.type)],
    [t('adminEvents.field.ownerUnit'), name(event.ownerUnit)],
    [t('adminEvents.field.coUnits'), event.coUnits.map(name).join('、') || none],
    [t('adminEvents.field.observance'), event.observance ? name(event.observance) : none],
    [t('adminEvents.field.task'), event.task ? localized(view, event.task.titleZh, event.task.titleEn) : none],
    [t('adminEvents.field.venue'), event.venue ? name(event.venue) : none],
    [t('adminEvents.field.audiences'), event.audiences.map(audienceName).join('、') || none],
    [t('adminEvents.field.registrationMode'), modeLabel(view, event.registrationMode)],
  ];
  if (event.registrationMode !== 'none') {
    facts.push(
      [t('adminEvents.detail.window'), window],
      [t('adminEvents.field.capacity'), event.capacity === null ? t('adminEvents.detail.capacityInherited') : String(event.capacity)],
      [t('adminEvents.field.partySizeLimit'), String(event.partySizeLimit)],
      [t('adminEvents.field.waitlistEnabled'), event.waitlistEnabled ? t('adminEvents.waitlist.on') : t('adminEvents.waitlist.off')],
      [t('adminEvents.field.promotionCutoffMinutes'), t('adminEvents.reminder.minutes', { n: event.promotionCutoffMinutes })],
      [t('adminEvents.field.reminders'), event.reminderOffsetsMinutes.map((m) => reminderLabel(view, m)).join('、') || none],
    );
  }
  const count = (n: number | null) => (n === null ? t('adminEvents.detail.notEntered') : String(n));
  facts.push(
    [t('adminEvents.field.tags'), event.tags.join('、') || none], [t('adminEvents.detail.timezone'), zoneLabel(view, zone)],
    [t('adminEvents.field.scienceWorkers'), count(event.scienceWorkers)], [t('adminEvents.field.volunteers'), count(event.volunteers)],
  );
  if (event.publishedAt) facts.push([t('adminEvents.detail.publishedAt'), formatTime(view, event.publishedAt, zone)]);
  return (
    <section aria-labelledby="facts-heading">
      <h2 id="facts-heading">{t('adminEvents.detail.facts')}</h2>
      <dl class="facts">{facts.map(([term, value]) => <><dt>{term}</dt><dd>{value}</dd></>)}</dl>
      {(event.descriptionZh || event.descriptionEn) && <>
        <h3>{t('adminEvents.detail.description')}</h3>
        {localized(view, event.descriptionZh ?? '', event.descriptionEn).split(/\n{2,}/).map((p) => <p>{p}</p>)}
      </>}
    </section>
  );
}

/**
 * Shows the event page (after a refused action: with the refusal on top and what was typed
 * kept), or, when the event cannot be read, a page saying why.
 */
export async function renderDetail(reply: FastifyReply, view: View, api: ApiCall, id: string, options: {
  status?: number; errors?: FormErrors; forms?: DetailForms; done?: string; problem?: Parameters<typeof ProblemPage>[0]['problem'];
} = {}) {
  const loaded = await loadDetail(view, api, id);
  if (!loaded.ok) {
    return sendPage(reply, <ProblemPage view={view} problem={options.problem ?? loaded.problem} />, options.problem ? options.status ?? loaded.status : loaded.status);
  }
  return sendPage(reply, <DetailPage view={view} detail={loaded.detail} done={options.done} errors={options.errors} forms={options.forms} />, options.status ?? 200);
}
