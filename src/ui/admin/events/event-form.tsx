import type { ComponentChildren } from 'preact';
import { EVENT_TYPES, REGISTRATION_MODES } from '../../../db/schema/index.js';
import { Choices, Csrf, ErrorSummary, Field, Select } from '../../components.js';
import type { FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { localized, type View } from '../../view.js';
import { GroupedSelect, TextArea, modeLabel, reminderLabel, typeLabel, zoneLabel, type OptionGroup } from './bits.js';
import { REMINDER_CHOICES, SESSION_FIELDS, SESSION_ROWS_STEP, sessionRowsOf } from './event-body.js';
import { listOf, textOf, type FormValues } from '../../form-values.js';
import type { Reference } from './reference.js';

type Props = {
  view: View; mode: 'create' | 'edit'; action: string; back: string; title: string;
  values: FormValues; errors: FormErrors; reference: Reference; zone: string; notice?: ComponentChildren;
};

/** The event form, for a new event (with its first sessions) and for changing one (sessions are on the event's page). */
export function EventFormPage({ view, mode, action, back, title, values, errors, reference, zone, notice }: Props) {
  const { t } = view;
  const v = (name: string) => textOf(values, name);
  const staff = view.staff;
  const owner = v('ownerUnitId');
  const ownerUnits = reference.units.filter((u) => staff?.role === 'admin' || staff?.unitIds.includes(u.id) || u.id === owner);
  const unitName = (u: { nameZh: string; nameEn: string }) => localized(view, u.nameZh, u.nameEn);
  const reminders = [...new Set([...REMINDER_CHOICES.map(String), ...listOf(values, 'reminderOffsetsMinutes')])]
    .filter((m) => /^\d+$/.test(m)).sort((a, b) => Number(b) - Number(a));
  const taskGroups: OptionGroup[] = reference.campaigns.flatMap((c) => c.sections.map((s) => ({
    label: `${localized(view, c.titleZh, c.titleEn)} · ${localized(view, s.titleZh, s.titleEn)}`,
    options: s.tasks.map((task) => ({ value: task.id, label: localized(view, task.titleZh, task.titleEn) })),
  }))).filter((g) => g.options.length > 0);

  return (
    <Layout view={view} title={title} admin scripts={mode === 'create' ? ['/assets/admin-events.js'] : []}>
      <h1>{title}</h1>
      {notice}
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={action} class="event-form">
        <Csrf view={view} />
        <h2>{t('adminEvents.form.basics')}</h2>
        <Field view={view} name="titleZh" label={t('adminEvents.field.titleZh')} value={v('titleZh')} errors={errors} maxLength={200} required />
        <Field view={view} name="titleEn" label={t('adminEvents.field.titleEn')} value={v('titleEn')} errors={errors} maxLength={200} />
        <TextArea view={view} name="descriptionZh" label={t('adminEvents.field.descriptionZh')} value={v('descriptionZh')} errors={errors} />
        <TextArea view={view} name="descriptionEn" label={t('adminEvents.field.descriptionEn')} value={v('descriptionEn')} errors={errors} />
        <Select view={view} name="type" label={t('adminEvents.field.type')} value={v('type')} errors={errors} required
          options={EVENT_TYPES.map((type) => ({ value: type, label: typeLabel(view, type) }))} />
        <Field view={view} name="tags" label={t('adminEvents.field.tags')} hint={t('adminEvents.hint.tags')} value={v('tags')} errors={errors} />

        <h2>{t('adminEvents.form.organizers')}</h2>
        <Select view={view} name="ownerUnitId" label={t('adminEvents.field.ownerUnit')} value={owner} errors={errors} required
          options={ownerUnits.map((u) => ({ value: u.id, label: unitName(u) }))} />
        <Choices view={view} name="coUnitIds" legend={t('adminEvents.field.coUnits')} type="checkbox" errors={errors} values={listOf(values, 'coUnitIds')}
          options={reference.units.map((u) => ({ value: u.id, label: unitName(u) }))} />
        <Select view={view} name="observanceId" label={t('adminEvents.field.observance')} value={v('observanceId')} errors={errors}
          options={reference.observances.map((o) => ({ value: o.id, label: localized(view, o.nameZh, o.nameEn) }))} />
        <GroupedSelect view={view} name="taskId" label={t('adminEvents.field.task')} hint={t('adminEvents.hint.task')} value={v('taskId')} errors={errors} groups={taskGroups} />
        <Select view={view} name="venueId" label={t('adminEvents.field.venue')} value={v('venueId')} errors={errors}
          options={reference.venues.map((venue) => ({
            value: venue.id,
            label: [localized(view, venue.nameZh, venue.nameEn), venue.town ? localized(view, venue.town.nameZh, venue.town.nameEn) : ''].filter(Boolean).join(' · '),
          }))} />
        <Choices view={view} name="audiences" legend={t('adminEvents.field.audiences')} type="checkbox" errors={errors} values={listOf(values, 'audiences')}
          options={reference.audiences.map((a) => ({ value: a.slug, label: localized(view, a.nameZh, a.nameEn) }))} />

        <h2>{t('adminEvents.form.registration')}</h2>
        <Choices view={view} name="registrationMode" legend={t('adminEvents.field.registrationMode')} type="radio" errors={errors} values={[v('registrationMode')]} required
          options={REGISTRATION_MODES.map((m) => ({ value: m, label: modeLabel(view, m) }))} />
        <Field view={view} name="capacity" label={t('adminEvents.field.capacity')} hint={t('adminEvents.hint.capacity')} type="number" inputMode="numeric" min={0} value={v('capacity')} errors={errors} />
        <Field view={view} name="registrationOpensAt" label={t('adminEvents.field.registrationOpensAt')} hint={t('adminEvents.hint.window', { zone: zoneLabel(view, zone) })} type="datetime-local" value={v('registrationOpensAt')} errors={errors} />
        <Field view={view} name="registrationClosesAt" label={t('adminEvents.field.registrationClosesAt')} type="datetime-local" value={v('registrationClosesAt')} errors={errors} />
        <Field view={view} name="partySizeLimit" label={t('adminEvents.field.partySizeLimit')} hint={t('adminEvents.hint.partySizeLimit')} type="number" inputMode="numeric" min={1} max={100} value={v('partySizeLimit')} errors={errors} />
        <Choices view={view} name="waitlistEnabled" legend={t('adminEvents.field.waitlistEnabled')} type="radio" errors={errors} values={[v('waitlistEnabled')]}
          options={[{ value: 'true', label: t('adminEvents.waitlist.on') }, { value: 'false', label: t('adminEvents.waitlist.off') }]} />
        <Field view={view} name="promotionCutoffMinutes" label={t('adminEvents.field.promotionCutoffMinutes')} hint={t('adminEvents.hint.promotionCutoff')} type="number" inputMode="numeric" min={0} value={v('promotionCutoffMinutes')} errors={errors} />
        <Choices view={view} name="reminderOffsetsMinutes" legend={t('adminEvents.field.reminders')} type="checkbox" errors={errors} values={listOf(values, 'reminderOffsetsMinutes')}
          options={reminders.map((m) => ({ value: m, label: reminderLabel(view, Number(m)) }))} />

        <h2>{t('adminEvents.form.report')}</h2>
        {(['scienceWorkers', 'volunteers'] as const).map((name) => (
          <Field view={view} name={name} label={t(`adminEvents.field.${name}`)} hint={t('adminEvents.hint.report')} type="number" inputMode="numeric" min={0} max={1_000_000}
            value={v(name)} errors={errors} />
        ))}

        {mode === 'create' && <SessionRows view={view} values={values} errors={errors} zone={zone} />}

        <div class="actions">
          <button type="submit">{mode === 'create' ? t('adminEvents.form.create') : t('form.save')}</button>
          {mode === 'create' && (
            // After the save button, so Enter in a field saves rather than adds rows.
            <button type="submit" name="_action" value="more-rows" class="secondary" formNoValidate data-add-session-row>
              {t('adminEvents.form.moreRows', { n: SESSION_ROWS_STEP })}
            </button>
          )}
          <a href={back}>{t('adminEvents.form.back')}</a>
        </div>
      </form>
    </Layout>
  );
}

/** Rows of start, end and seats; empty rows are left out when the form is saved. */
function SessionRows({ view, values, errors, zone }: { view: View; values: FormValues; errors: FormErrors; zone: string }) {
  const { t } = view;
  const rows = sessionRowsOf(values);
  const error = errors.fields.sessions;
  return (
    <>
      <h2>{t('adminEvents.form.sessions')}</h2>
      <div id="f-sessions" class={error ? 'has-error' : undefined} data-session-rows data-legend={t('adminEvents.form.sessionN', { n: '{n}' })}>
        <p class="hint">{t('adminEvents.hint.sessions', { zone: zoneLabel(view, zone) })}</p>
        {error && <p class="error">{error}</p>}
        <input type="hidden" name="_rows" value={String(rows)} />
        {Array.from({ length: rows }, (_, row) => (
          <fieldset class="field session-row" data-session-row>
            <legend>{t('adminEvents.form.sessionN', { n: row + 1 })}</legend>
            {SESSION_FIELDS.map((f) => (
              <Field view={view} name={`sessions.${row}.${f}`} label={t(`adminEvents.field.session.${f}`)} errors={errors} value={textOf(values, `sessions.${row}.${f}`)}
                {...(f === 'capacity' ? { type: 'number', inputMode: 'numeric', min: 0, hint: row === 0 ? t('adminEvents.hint.sessionCapacity') : undefined } : { type: 'datetime-local' })} />
            ))}
          </fieldset>
        ))}
      </div>
    </>
  );
}
