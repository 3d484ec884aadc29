import type { FastifyPluginAsync } from 'fastify';
import { ObservanceKindSchema, type ObservanceResponse } from '../../../modules/observances/observances.schemas.js';
import { apiFor } from '../../api.js';
import { Csrf, ErrorSummary, Field, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import { describeRule, describeYears } from './observance-rules.js';
import { TextArea, bodyOf, enumOf, formOf, optional, refusal, staffPage, str, type FormValues } from './shared.js';

const OBSERVANCE_KINDS = enumOf(ObservanceKindSchema);
/** The fields this form has; the rules stay as they are (changing them is the API's, for now). */
const EDIT_FIELDS = ['nameZh', 'nameEn', 'kind', 'descriptionZh', 'descriptionEn'];

const formFromObservance = (observance: ObservanceResponse): FormValues => ({
  nameZh: observance.nameZh, nameEn: observance.nameEn, kind: observance.kind,
  descriptionZh: observance.descriptionZh ?? '', descriptionEn: observance.descriptionEn ?? '',
});

/** Names and kind as typed; an emptied description is cleared (null), which is how the API removes it. */
const observanceChanges = (form: FormValues) => ({
  nameZh: str(form.nameZh).trim(), nameEn: str(form.nameEn).trim(), kind: str(form.kind),
  descriptionZh: optional(form.descriptionZh) ?? null, descriptionEn: optional(form.descriptionEn) ?? null,
});

function EditObservancePage({ view, observance, form, errors }: { view: View; observance: ObservanceResponse; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  const value = (name: string) => str(form[name]);
  const title = t('adminSettings.observances.editTitle', { name: localized(view, observance.nameZh, observance.nameEn) });
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href={`/admin/observances/${observance.slug}`}>{t('adminSettings.observances.backToDay')}</a></p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={`/admin/observances/${observance.slug}/edit`}>
        <Csrf view={view} />
        <Field view={view} name="nameZh" label={t('adminSettings.observances.nameZh')} value={value('nameZh')} errors={errors} maxLength={200} required />
        <Field view={view} name="nameEn" label={t('adminSettings.observances.nameEn')} value={value('nameEn')} errors={errors} maxLength={200} required />
        <Select view={view} name="kind" label={t('adminSettings.observances.kind')} value={value('kind')} errors={errors} required
          options={OBSERVANCE_KINDS.map((kind) => ({ value: kind, label: view.lookup(`adminSettings.observanceKind.${kind}`) ?? kind }))} />
        <TextArea view={view} name="descriptionZh" label={t('adminSettings.observances.descriptionZh')} value={value('descriptionZh')} errors={errors} />
        <TextArea view={view} name="descriptionEn" label={t('adminSettings.observances.descriptionEn')} value={value('descriptionEn')} errors={errors} />
        <button type="submit">{t('form.save')}</button>
      </form>
      <h2>{t('adminSettings.observances.rules')}</h2>
      <p class="hint">{t('adminSettings.observances.rulesReadOnly')}</p>
      <ul>
        {observance.rules.map((entry) => <li>{describeRule(view, entry.rule)}{t('adminSettings.inBrackets', { text: describeYears(view, entry.validFromYear, entry.validToYear) })}</li>)}
      </ul>
    </Layout>
  );
}

/** A themed day's names, kind and descriptions. Who may change them is the API's to say (admins, and organizers granted themed days). */
export const observanceEditPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  const pathOf = (slug: string) => `/observances/${encodeURIComponent(slug)}`;

  app.get<{ Params: { slug: string } }>('/admin/observances/:slug/edit', staffPage, async (request, reply) => {
    const observance = bodyOf(await apiFor(inject, request)<ObservanceResponse>('GET', pathOf(request.params.slug)));
    return sendPage(reply, <EditObservancePage view={viewOf(request)} observance={observance} form={formFromObservance(observance)} errors={noErrors} />);
  });

  app.post<{ Params: { slug: string } }>('/admin/observances/:slug/edit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api<ObservanceResponse>('PATCH', pathOf(request.params.slug), observanceChanges(form));
    if (answer.ok) return seeOther(reply, `/admin/observances/${encodeURIComponent(answer.body.slug)}?done=observanceSaved`);
    const errors = refusal(view, answer.problem, { known: EDIT_FIELDS });
    const observance = bodyOf(await api<ObservanceResponse>('GET', pathOf(request.params.slug)));
    return sendPage(reply, <EditObservancePage view={view} observance={observance} form={form} errors={errors} />, answer.status);
  });
};
