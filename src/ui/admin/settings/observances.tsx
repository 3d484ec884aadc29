import type { FastifyPluginAsync } from 'fastify';
import { DateTime } from 'luxon';
import { ObservanceKindSchema, type ObservanceResponse, type OccurrenceResponse } from '../../../modules/observances/observances.schemas.js';
import { apiFor } from '../../api.js';
import { ActionButton, Csrf, ErrorSummary, Field, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import { observanceEditPages } from './observance-edit.js';
import { describeRule, describeYears } from './observance-rules.js';
import { DoneNotice, TextArea, bodyOf, enumOf, formOf, formatDays, intOrRaw, optional, queryErrorsOf, refusal, staffPage, str, type FormValues } from './shared.js';

const OBSERVANCE_KINDS = enumOf(ObservanceKindSchema);

type CalendarEntry = { observance: { id: string; slug: string; kind: string; nameZh: string; nameEn: string }; occurrence: OccurrenceResponse; publishedEvents: number };
type Calendar = { year: number; timezone: string; items: CalendarEntry[] };

const mayEditObservances = (view: View) => view.staff?.role === 'admin' || (view.staff?.role === 'organizer' && view.staff.grants.includes('observances'));

/** When a themed day falls in a year, and how sure that is: announced, by its rule, provisional, or not yet known. */
function OccurrenceText({ view, occurrence }: { view: View; occurrence: OccurrenceResponse }) {
  const { t } = view;
  if (occurrence.status === 'not_observed') return <>{t('adminSettings.observances.notObserved')}</>;
  if (occurrence.status === 'to_be_announced' || !occurrence.startDate || !occurrence.endDate) return <>{t('adminSettings.observances.toBeAnnounced')}</>;
  const source = occurrence.source === 'override' ? t('adminSettings.observances.sourceOverride')
    : occurrence.provisional ? t('adminSettings.observances.sourceProvisional') : t('adminSettings.observances.sourceRule');
  return <>{formatDays(view, occurrence.startDate, occurrence.endDate)} <span class="muted">{t('adminSettings.inBrackets', { text: source })}</span></>;
}

function ObservanceListPage({ view, year, calendar, errors, done }: { view: View; year: string; calendar: Calendar | null; errors: FormErrors; done?: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('adminSettings.observances.title')} admin>
      <h1>{t('adminSettings.observances.title')}</h1>
      <DoneNotice view={view} done={done} />
      <ErrorSummary view={view} errors={errors} />
      <form method="get" action="/admin/observances" class="filters">
        <Field view={view} name="year" label={t('adminSettings.year')} type="number" inputMode="numeric" value={year} errors={errors} required />
        <div class="field"><button type="submit" class="secondary">{t('adminSettings.show')}</button></div>
      </form>
      {mayEditObservances(view) && <p class="actions"><a class="button" href="/admin/observances/new">{t('adminSettings.observances.new')}</a></p>}
      {calendar && (
        <div class="table-wrap">
          <table>
            <caption>{t('adminSettings.observances.caption', { year: calendar.year })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.observances.name')}</th>
                <th scope="col">{t('adminSettings.observances.kind')}</th>
                <th scope="col">{t('adminSettings.observances.dates')}</th>
                <th scope="col">{t('adminSettings.observances.events')}</th>
              </tr>
            </thead>
            <tbody>
              {calendar.items.map(({ observance, occurrence, publishedEvents }) => (
                <tr>
                  <th scope="row"><a href={`/admin/observances/${observance.slug}`}>{localized(view, observance.nameZh, observance.nameEn)}</a></th>
                  <td>{view.lookup(`adminSettings.observanceKind.${observance.kind}`) ?? observance.kind}</td>
                  <td><OccurrenceText view={view} occurrence={occurrence} /></td>
                  <td>{publishedEvents}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}

type DetailProps = { view: View; observance: ObservanceResponse; occurrences: OccurrenceResponse[]; form: FormValues; errors: FormErrors; done?: string };

function ObservancePage({ view, observance, occurrences, form, errors, done }: DetailProps) {
  const { t } = view;
  const name = localized(view, observance.nameZh, observance.nameEn);
  const description = localized(view, observance.descriptionZh ?? '', observance.descriptionEn);
  // Those the API would refuse see the dates, not forms to change them.
  const mayEdit = mayEditObservances(view);
  return (
    <Layout view={view} title={name} admin>
      <h1>{name}</h1>
      <p><a href="/admin/observances">{t('adminSettings.observances.back')}</a></p>
      <DoneNotice view={view} done={done} />
      {mayEdit && <p class="actions"><a class="button" href={`/admin/observances/${observance.slug}/edit`}>{t('adminSettings.observances.edit')}</a></p>}
      {description && <p>{description}</p>}
      <dl class="facts">
        <dt>{t('adminSettings.slug')}</dt><dd>{observance.slug}</dd>
        <dt>{t('adminSettings.observances.kind')}</dt><dd>{view.lookup(`adminSettings.observanceKind.${observance.kind}`) ?? observance.kind}</dd>
        {occurrences.map((occurrence) => (
          <><dt>{t('adminSettings.observances.datesIn', { year: occurrence.year })}</dt><dd><OccurrenceText view={view} occurrence={occurrence} /></dd></>
        ))}
      </dl>

      <h2>{t('adminSettings.observances.rules')}</h2>
      <ul>
        {observance.rules.map((entry) => <li>{describeRule(view, entry.rule)}{t('adminSettings.inBrackets', { text: describeYears(view, entry.validFromYear, entry.validToYear) })}</li>)}
      </ul>

      <h2>{t('adminSettings.observances.overrides')}</h2>
      {mayEdit && <p>{t('adminSettings.observances.overridesIntro')}</p>}
      {observance.overrides.length === 0 ? <p>{t('adminSettings.observances.noOverrides')}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.year')}</th>
                <th scope="col">{t('adminSettings.observances.dates')}</th>
                <th scope="col">{t('adminSettings.observances.note')}</th>
                {mayEdit && <th scope="col">{t('adminSettings.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {observance.overrides.map((override) => (
                <tr>
                  <th scope="row">{override.year}</th>
                  <td>{formatDays(view, override.startDate, override.endDate)}</td>
                  <td>{localized(view, override.noteZh ?? '', override.noteEn) || '—'}</td>
                  {mayEdit && <td><ActionButton view={view} action={`/admin/observances/${observance.slug}/overrides/${override.year}/delete`} label={t('adminSettings.observances.removeOverride', { year: override.year })} danger /></td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {mayEdit && <OverrideForm view={view} slug={observance.slug} form={form} errors={errors} />}
    </Layout>
  );
}

function OverrideForm({ view, slug, form, errors }: { view: View; slug: string; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <>
      <h2 id="set-override">{t('adminSettings.observances.setOverride')}</h2>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={`/admin/observances/${slug}/overrides`} class="narrow">
        <Csrf view={view} />
        <Field view={view} name="year" label={t('adminSettings.year')} type="number" inputMode="numeric" value={str(form.year)} errors={errors} required />
        <Field view={view} name="startDate" label={t('adminSettings.observances.startDate')} hint={t('adminSettings.observances.startDateHint')} type="date" value={str(form.startDate)} errors={errors} required />
        <Field view={view} name="endDate" label={t('adminSettings.observances.endDate')} hint={t('adminSettings.observances.endDateHint')} type="date" value={str(form.endDate)} errors={errors} required />
        <Field view={view} name="noteZh" label={t('adminSettings.observances.noteZh')} value={str(form.noteZh)} errors={errors} maxLength={500} />
        <Field view={view} name="noteEn" label={t('adminSettings.observances.noteEn')} value={str(form.noteEn)} errors={errors} maxLength={500} />
        <button type="submit">{t('adminSettings.observances.saveOverride')}</button>
      </form>
    </>
  );
}

const NEW_FIELDS = ['slug', 'kind', 'nameZh', 'nameEn', 'descriptionZh', 'descriptionEn', 'rules.0.rule.month', 'rules.0.rule.day', 'rules.0.validFromYear', 'rules.0.validToYear'];

/** A new themed day with the simplest rule: the same date every year (other rules through the API). */
function NewObservancePage({ view, form, errors }: { view: View; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  const value = (name: string) => str(form[name]);
  return (
    <Layout view={view} title={t('adminSettings.observances.newTitle')} admin>
      <h1>{t('adminSettings.observances.newTitle')}</h1>
      <p><a href="/admin/observances">{t('adminSettings.observances.back')}</a></p>
      <p>{t('adminSettings.observances.newIntro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action="/admin/observances/new">
        <Csrf view={view} />
        <Field view={view} name="nameZh" label={t('adminSettings.observances.nameZh')} value={value('nameZh')} errors={errors} maxLength={200} required />
        <Field view={view} name="nameEn" label={t('adminSettings.observances.nameEn')} value={value('nameEn')} errors={errors} maxLength={200} required />
        <Field view={view} name="slug" label={t('adminSettings.slug')} hint={t('adminSettings.slugHint')} value={value('slug')} errors={errors} maxLength={64} required />
        <Select view={view} name="kind" label={t('adminSettings.observances.kind')} value={value('kind') || 'day'} errors={errors} required
          options={OBSERVANCE_KINDS.map((kind) => ({ value: kind, label: view.lookup(`adminSettings.observanceKind.${kind}`) ?? kind }))} />
        <Field view={view} name="rules.0.rule.month" label={t('adminSettings.observances.month')} type="number" inputMode="numeric" min={1} max={12} value={value('rules.0.rule.month')} errors={errors} required />
        <Field view={view} name="rules.0.rule.day" label={t('adminSettings.observances.day')} type="number" inputMode="numeric" min={1} max={31} value={value('rules.0.rule.day')} errors={errors} required />
        <Field view={view} name="rules.0.validFromYear" label={t('adminSettings.observances.validFrom')} type="number" inputMode="numeric" value={value('rules.0.validFromYear')} errors={errors} />
        <Field view={view} name="rules.0.validToYear" label={t('adminSettings.observances.validTo')} type="number" inputMode="numeric" value={value('rules.0.validToYear')} errors={errors} />
        <TextArea view={view} name="descriptionZh" label={t('adminSettings.observances.descriptionZh')} value={value('descriptionZh')} errors={errors} />
        <TextArea view={view} name="descriptionEn" label={t('adminSettings.observances.descriptionEn')} value={value('descriptionEn')} errors={errors} />
        <button type="submit">{t('form.save')}</button>
      </form>
    </Layout>
  );
}

function newObservanceBody(form: FormValues) {
  const from = optional(form['rules.0.validFromYear']);
  const to = optional(form['rules.0.validToYear']);
  return {
    slug: str(form.slug).trim(), kind: str(form.kind), nameZh: str(form.nameZh).trim(), nameEn: str(form.nameEn).trim(),
    ...(optional(form.descriptionZh) ? { descriptionZh: optional(form.descriptionZh) } : {}),
    ...(optional(form.descriptionEn) ? { descriptionEn: optional(form.descriptionEn) } : {}),
    rules: [{
      ...(from === undefined ? {} : { validFromYear: intOrRaw(from) }),
      ...(to === undefined ? {} : { validToYear: intOrRaw(to) }),
      rule: { kind: 'fixed_date', month: intOrRaw(form['rules.0.rule.month']), day: intOrRaw(form['rules.0.rule.day']) },
    }],
  };
}

/** Themed days: the year's dates, one page per day with its rules, and the dates announced for a year. */
export const observancePages: FastifyPluginAsync<UiDeps> = async (app, deps) => {
  const { inject, clock, config } = deps;
  await app.register(observanceEditPages, deps);
  const thisYear = () => DateTime.fromJSDate(clock.now(), { zone: config.CALENDAR_TIMEZONE }).year;

  app.get<{ Querystring: { year?: string; done?: string } }>('/admin/observances', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const year = request.query.year ?? String(thisYear());
    const answer = await apiFor(inject, request)<Calendar>('GET', `/calendar?year=${encodeURIComponent(year)}`);
    if (!answer.ok && answer.status === 400) {
      return sendPage(reply, <ObservanceListPage view={view} year={year} calendar={null} errors={queryErrorsOf(view, answer.problem)} />, 400);
    }
    return sendPage(reply, <ObservanceListPage view={view} year={year} calendar={bodyOf(answer)} errors={noErrors} done={request.query.done} />);
  });

  app.get('/admin/observances/new', staffPage, async (request, reply) => sendPage(reply, <NewObservancePage view={viewOf(request)} form={{}} errors={noErrors} />));

  app.post('/admin/observances/new', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const answer = await apiFor(inject, request, csrfOf(form))<ObservanceResponse>('POST', '/observances', newObservanceBody(form));
    if (answer.ok) return seeOther(reply, `/admin/observances/${answer.body.slug}?done=observanceCreated`);
    // The rule is a union: a fixed date's month and day are "unknown fields" to every other kind
    // of rule the API tried. The form only sends a fixed date, so those branch errors are noise.
    const problem = { ...answer.problem, errors: answer.problem.errors?.filter((e) => !(e.pointer.startsWith('/rules/0/rule/') && e.code === 'additionalProperties')) };
    const errors = refusal(view, problem, { known: NEW_FIELDS });
    if (answer.problem.code === 'duplicate') errors.fields.slug = view.t('adminSettings.slugTaken');
    return sendPage(reply, <NewObservancePage view={view} form={form} errors={errors} />, answer.status);
  });

  /** The page of one themed day, with the override form as given (or empty) and its errors. */
  async function detail(request: Parameters<typeof viewOf>[0], slug: string, form: FormValues, errors: FormErrors, done?: string) {
    const api = apiFor(inject, request);
    const path = `/observances/${encodeURIComponent(slug)}`;
    const observance = bodyOf(await api<ObservanceResponse>('GET', path));
    const year = thisYear();
    const occurrences = await Promise.all([year, year + 1].map(async (y) => bodyOf(await api<OccurrenceResponse>('GET', `${path}/occurrences?year=${y}`))));
    return <ObservancePage view={viewOf(request)} observance={observance} occurrences={occurrences} form={form} errors={errors} done={done} />;
  }

  app.get<{ Params: { slug: string }; Querystring: { done?: string } }>('/admin/observances/:slug', staffPage, async (request, reply) =>
    sendPage(reply, await detail(request, request.params.slug, { year: String(thisYear()) }, noErrors, request.query.done)));

  app.post<{ Params: { slug: string } }>('/admin/observances/:slug/overrides', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const { slug } = request.params;
    // The year is part of the address, which cannot hold an empty one: 0 goes instead (the API
    // refuses it as it refuses any year out of range), and the field then says it is missing.
    const year = str(form.year).trim() || '0';
    const body = {
      startDate: str(form.startDate), endDate: str(form.endDate),
      ...(optional(form.noteZh) ? { noteZh: optional(form.noteZh) } : {}),
      ...(optional(form.noteEn) ? { noteEn: optional(form.noteEn) } : {}),
    };
    const answer = await apiFor(inject, request, csrfOf(form))('PUT', `/observances/${encodeURIComponent(slug)}/overrides/${encodeURIComponent(year)}`, body);
    if (answer.ok) return seeOther(reply, `/admin/observances/${encodeURIComponent(slug)}?done=overrideSet`);
    const errors = refusal(view, answer.problem);
    // The year travels in the path: its problem is a path parameter's, shown by the year field.
    const yearError = queryErrorsOf(view, answer.problem).fields.year;
    if (yearError) errors.fields.year = str(form.year).trim() ? yearError : view.t('field.required');
    return sendPage(reply, await detail(request, slug, form, errors), answer.status);
  });

  app.post<{ Params: { slug: string; year: string } }>('/admin/observances/:slug/overrides/:year/delete', staffPage, async (request, reply) => {
    const { slug, year } = request.params;
    const answer = await apiFor(inject, request, csrfOf(request.body))('DELETE', `/observances/${encodeURIComponent(slug)}/overrides/${encodeURIComponent(year)}`);
    if (answer.ok) return seeOther(reply, `/admin/observances/${encodeURIComponent(slug)}?done=overrideRemoved`);
    const view = viewOf(request);
    return sendPage(reply, await detail(request, slug, { year }, refusal(view, answer.problem)), answer.status);
  });
};
