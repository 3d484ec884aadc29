import type { ComponentChildren } from 'preact';
import type { CampaignResponse } from '../../../modules/campaigns/campaigns.schemas.js';
import { retitled } from '../../../modules/campaigns/event-shift.js';
import { Checkbox, Choices, Csrf, ErrorSummary, Field, Notice } from '../../components.js';
import type { FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { localized, type View } from '../../view.js';
import { TextArea, checked, intOrRaw, listOf, optional, str, type FormValues, type UnitItem } from './shared.js';

/** Form pages of the year's plan: the plan's own fields, a section, a task with its lead units. */

type FormPageProps = { view: View; title: string; back: string; action: string; errors: FormErrors; children: ComponentChildren };

function FormPage({ view, title, back, action, errors, children }: FormPageProps) {
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href={back}>{view.t('adminSettings.campaigns.back')}</a></p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={action}>
        <Csrf view={view} />
        {children}
        <button type="submit">{view.t('form.save')}</button>
      </form>
    </Layout>
  );
}

export function CampaignFormPage({ view, form, errors, campaignId }: { view: View; form: FormValues; errors: FormErrors; campaignId?: string }) {
  const { t } = view;
  const value = (name: string) => str(form[name]);
  const title = campaignId ? t('adminSettings.campaigns.editTitle') : t('adminSettings.campaigns.newTitle');
  return (
    <FormPage view={view} title={title} back={campaignId ? `/admin/campaigns/${campaignId}` : '/admin/campaigns'} action={campaignId ? `/admin/campaigns/${campaignId}/edit` : '/admin/campaigns/new'} errors={errors}>
      <Field view={view} name="year" label={t('adminSettings.year')} type="number" inputMode="numeric" value={value('year')} errors={errors} required />
      <Field view={view} name="titleZh" label={t('adminSettings.campaigns.titleZh')} value={value('titleZh')} errors={errors} maxLength={500} required />
      <Field view={view} name="titleEn" label={t('adminSettings.campaigns.titleEn')} value={value('titleEn')} errors={errors} maxLength={500} />
      <Field view={view} name="slug" label={t('adminSettings.slug')} hint={t('adminSettings.slugHint')} value={value('slug')} errors={errors} maxLength={64} required />
      <TextArea view={view} name="descriptionZh" label={t('adminSettings.campaigns.descriptionZh')} value={value('descriptionZh')} errors={errors} />
      <TextArea view={view} name="descriptionEn" label={t('adminSettings.campaigns.descriptionEn')} value={value('descriptionEn')} errors={errors} />
    </FormPage>
  );
}

export function SectionFormPage({ view, form, errors, campaignId, sectionId }: { view: View; form: FormValues; errors: FormErrors; campaignId: string; sectionId: string }) {
  const { t } = view;
  const value = (name: string) => str(form[name]);
  return (
    <FormPage view={view} title={t('adminSettings.campaigns.editSectionTitle')} back={`/admin/campaigns/${campaignId}`} action={`/admin/campaigns/${campaignId}/sections/${sectionId}/edit`} errors={errors}>
      <SectionFields view={view} form={form} errors={errors} />
      <Field view={view} name="position" label={t('adminSettings.campaigns.position')} hint={t('adminSettings.campaigns.positionHint')} type="number" inputMode="numeric" min={0} value={value('position')} errors={errors} />
    </FormPage>
  );
}

export function SectionFields({ view, form, errors }: { view: View; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <>
      <Field view={view} name="titleZh" label={t('adminSettings.campaigns.sectionTitleZh')} value={str(form.titleZh)} errors={errors} maxLength={500} required />
      <Field view={view} name="titleEn" label={t('adminSettings.campaigns.sectionTitleEn')} value={str(form.titleEn)} errors={errors} maxLength={500} />
    </>
  );
}

type TaskFormProps = { view: View; form: FormValues; errors: FormErrors; units: UnitItem[]; campaignId: string; sectionTitle: string } & ({ sectionId: string } | { taskId: string });

export function TaskFormPage(props: TaskFormProps) {
  const { view, form, errors, units, campaignId, sectionTitle } = props;
  const { t } = view;
  const editing = 'taskId' in props;
  const action = editing ? `/admin/campaigns/${campaignId}/tasks/${props.taskId}/edit` : `/admin/campaigns/${campaignId}/sections/${props.sectionId}/tasks/new`;
  return (
    <FormPage view={view} title={editing ? t('adminSettings.campaigns.editTaskTitle') : t('adminSettings.campaigns.newTaskTitle')} back={`/admin/campaigns/${campaignId}`} action={action} errors={errors}>
      <p>{t('adminSettings.campaigns.inSection', { section: sectionTitle })}</p>
      <Field view={view} name="titleZh" label={t('adminSettings.campaigns.taskTitleZh')} value={str(form.titleZh)} errors={errors} maxLength={500} required />
      <Field view={view} name="titleEn" label={t('adminSettings.campaigns.taskTitleEn')} value={str(form.titleEn)} errors={errors} maxLength={500} />
      <TextArea view={view} name="descriptionZh" label={t('adminSettings.campaigns.taskDescriptionZh')} value={str(form.descriptionZh)} errors={errors} />
      <Choices view={view} name="leadUnitIds" legend={t('adminSettings.campaigns.leadUnits')} type="checkbox" errors={errors} values={listOf(form.leadUnitIds)}
        options={units.map((unit) => ({ value: unit.id, label: localized(view, unit.nameZh, unit.nameEn) }))} />
      {editing && <Field view={view} name="position" label={t('adminSettings.campaigns.position')} hint={t('adminSettings.campaigns.positionHint')} type="number" inputMode="numeric" min={0} value={str(form.position)} errors={errors} />}
    </FormPage>
  );
}

/** A lead unit named by its place in the list (`/leadUnitIds/2`) is shown by the whole list. */
export const renameLeadUnits = (field: string) => field.replace(/^leadUnitIds\.\d+$/, 'leadUnitIds');

/** Bodies for the API. An edit sends cleared optional texts as null and the checked units in full (none is an empty list). */
export function campaignBody(form: FormValues, { editing }: { editing: boolean }) {
  const absent = editing ? null : undefined;
  return {
    slug: str(form.slug).trim(), year: intOrRaw(form.year), titleZh: str(form.titleZh).trim(), titleEn: optional(form.titleEn) ?? absent,
    descriptionZh: optional(form.descriptionZh) ?? absent, descriptionEn: optional(form.descriptionEn) ?? absent,
  };
}

export function sectionBody(form: FormValues, { editing }: { editing: boolean }) {
  const position = optional(form.position);
  return {
    titleZh: str(form.titleZh).trim(), titleEn: optional(form.titleEn) ?? (editing ? null : undefined),
    ...(position === undefined ? {} : { position: intOrRaw(position) }),
  };
}

export function taskBody(form: FormValues, { editing }: { editing: boolean }) {
  const absent = editing ? null : undefined;
  const position = optional(form.position);
  return {
    titleZh: str(form.titleZh).trim(), titleEn: optional(form.titleEn) ?? absent, descriptionZh: optional(form.descriptionZh) ?? absent,
    leadUnitIds: listOf(form.leadUnitIds),
    ...(position === undefined ? {} : { position: intOrRaw(position) }),
  };
}

/** The copy form's first values: the next year, and the slug with its year moved on (or the year added). */
export function copyDefaults(campaign: CampaignResponse): FormValues {
  const year = campaign.year + 1;
  const moved = retitled(campaign.slug, campaign.year, year);
  return { year: String(year), slug: moved === campaign.slug ? `${campaign.slug}-${year}` : moved };
}

export const copyBody = (form: FormValues) => ({ year: intOrRaw(form.year), slug: str(form.slug).trim(), withEvents: checked(form.withEvents) });

/** "Copy to a new year", on the plan's page (administrators only). */
export function CopyCampaignForm({ view, campaign, form, errors }: { view: View; campaign: CampaignResponse; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <section aria-labelledby="copy-heading">
      <h2 id="copy-heading">{t('adminSettings.campaigns.copyTitle')}</h2>
      <p>{t('adminSettings.campaigns.copyHint')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={`/admin/campaigns/${campaign.id}/copy`} class="narrow">
        <Csrf view={view} />
        <Field view={view} name="year" label={t('adminSettings.year')} type="number" inputMode="numeric" min={2000} max={2200} value={str(form.year)} errors={errors} required />
        <Field view={view} name="slug" label={t('adminSettings.slug')} hint={t('adminSettings.slugHint')} value={str(form.slug)} errors={errors} maxLength={64} required />
        <Checkbox name="withEvents" label={t('adminSettings.campaigns.copyWithEvents')} hint={t('adminSettings.campaigns.copyWithEventsHint')} value={checked(form.withEvents)} errors={errors} />
        <button type="submit">{t('adminSettings.campaigns.copySubmit')}</button>
      </form>
    </section>
  );
}

/** After a copy: how many events came along, and which lost their venue (their numbers ride on the redirect). */
export function CopiedNotice({ view, events, withoutVenue }: { view: View; events?: string; withoutVenue?: string }) {
  const count = (raw?: string) => (raw && /^\d{1,6}$/.test(raw) ? Number(raw) : 0);
  return (
    <>
      {count(events) > 0 && <Notice kind="info">{view.t('adminSettings.campaigns.copiedEvents', { n: count(events) })}</Notice>}
      {count(withoutVenue) > 0 && <Notice kind="warning">{view.t('adminSettings.campaigns.copiedWithoutVenue', { n: count(withoutVenue) })}</Notice>}
    </>
  );
}
