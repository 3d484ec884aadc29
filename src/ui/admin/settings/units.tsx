import type { FastifyPluginAsync } from 'fastify';
import { UnitKindSchema, type UnitResponse } from '../../../modules/units/units.schemas.js';
import type { ProblemBody } from '../../../lib/problems.js';
import { apiFor, type ApiCall } from '../../api.js';
import { Csrf, ErrorSummary, Field, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import {
  Checkbox, DoneNotice, bodyOf, checked, formOf, optional, queryErrorsOf, refusal, staffPage, str, type FormValues, type TownItem,
} from './shared.js';

/** The API's unit kinds, read from its schema (a union of literals, not an enum). */
const UNIT_KINDS = UnitKindSchema.anyOf.map((literal) => literal.const);

/** Only administrators may add or change units (the API says so; the pages do not offer what it would refuse). */
const mayEditUnits = (view: View) => view.staff?.role === 'admin';

const kindName = (view: View, kind: string) => view.lookup(`adminSettings.unitKind.${kind}`) ?? kind;

/** The edit form's own words for the unit: the fields the API lets change. */
const formFromUnit = (unit: UnitResponse): FormValues => ({
  slug: unit.slug, nameZh: unit.nameZh, nameEn: unit.nameEn, requiresReview: unit.requiresReview ? 'on' : undefined,
});

/** A new unit: the town only when one was chosen (the API says when it is missing or not wanted). */
function newUnitBody(form: FormValues) {
  const townId = optional(form.townId);
  return {
    slug: str(form.slug).trim(), kind: str(form.kind), nameZh: str(form.nameZh).trim(), nameEn: str(form.nameEn).trim(),
    ...(townId === undefined ? {} : { townId }),
  };
}

/** An edit sends every field it shows: an unticked box is "no review". Kind and town are fixed once made. */
const unitChanges = (form: FormValues) => ({
  slug: str(form.slug).trim(), nameZh: str(form.nameZh).trim(), nameEn: str(form.nameEn).trim(), requiresReview: checked(form.requiresReview),
});

/** The API's refusal by the fields; a taken slug comes as a unique violation, with no pointer: it can only mean the slug. */
function unitErrors(view: View, problem: ProblemBody): FormErrors {
  const errors = refusal(view, problem);
  if (problem.code === 'duplicate') errors.fields.slug = view.t('adminSettings.slugTaken');
  return errors;
}

type ListProps = { view: View; units: UnitResponse[] | null; kind: string; errors: FormErrors; zone: string; done?: string };

function UnitListPage({ view, units, kind, errors, zone, done }: ListProps) {
  const { t } = view;
  const mayEdit = mayEditUnits(view);
  return (
    <Layout view={view} title={t('adminSettings.units.title')} admin>
      <h1>{t('adminSettings.units.title')}</h1>
      <DoneNotice view={view} done={done} />
      <p>{t('adminSettings.units.intro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="get" action="/admin/units" class="filters">
        <Select view={view} name="kind" label={t('adminSettings.units.kind')} value={kind} errors={errors} emptyLabel={t('adminSettings.units.allKinds')}
          options={UNIT_KINDS.map((k) => ({ value: k, label: kindName(view, k) }))} />
        <div class="field"><button type="submit" class="secondary">{t('adminSettings.show')}</button></div>
      </form>
      {mayEdit && <p class="actions"><a class="button" href="/admin/units/new">{t('adminSettings.units.new')}</a></p>}
      {units && (units.length === 0 ? <p>{t('adminSettings.units.none')}</p> : (
        <div class="table-wrap">
          <table>
            <caption class="muted">{t('adminSettings.units.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.units.name')}</th>
                <th scope="col">{t('adminSettings.units.kind')}</th>
                <th scope="col">{t('adminSettings.units.town')}</th>
                <th scope="col">{t('adminSettings.units.review')}</th>
                <th scope="col">{t('adminSettings.units.updatedAt')}</th>
                {mayEdit && <th scope="col">{t('adminSettings.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {units.map((unit) => (
                <tr>
                  <th scope="row">{localized(view, unit.nameZh, unit.nameEn)}<br /><span class="muted">{unit.slug}</span></th>
                  <td>{kindName(view, unit.kind)}</td>
                  <td>{unit.town ? localized(view, unit.town.nameZh, unit.town.nameEn) : '—'}</td>
                  <td>{unit.requiresReview ? t('adminSettings.yes') : t('adminSettings.no')}</td>
                  <td>{formatTime(view, unit.updatedAt, zone)}</td>
                  {mayEdit && <td><a href={`/admin/units/${unit.id}/edit`} aria-label={t('adminSettings.editNamed', { name: localized(view, unit.nameZh, unit.nameEn) })}>{t('adminSettings.edit')}</a></td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </Layout>
  );
}

/** Fields both forms have: the names and the slug. */
function NameFields({ view, form, errors }: { view: View; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <>
      <Field view={view} name="nameZh" label={t('adminSettings.units.nameZh')} value={str(form.nameZh)} errors={errors} maxLength={200} required />
      <Field view={view} name="nameEn" label={t('adminSettings.units.nameEn')} value={str(form.nameEn)} errors={errors} maxLength={200} required />
      <Field view={view} name="slug" label={t('adminSettings.slug')} hint={t('adminSettings.slugHint')} value={str(form.slug)} errors={errors} maxLength={64} required />
    </>
  );
}

function NewUnitPage({ view, form, errors, towns }: { view: View; form: FormValues; errors: FormErrors; towns: TownItem[] }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('adminSettings.units.newTitle')} admin>
      <h1>{t('adminSettings.units.newTitle')}</h1>
      <p><a href="/admin/units">{t('adminSettings.units.back')}</a></p>
      <p>{t('adminSettings.units.newIntro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action="/admin/units/new">
        <Csrf view={view} />
        <NameFields view={view} form={form} errors={errors} />
        <Select view={view} name="kind" label={t('adminSettings.units.kind')} value={str(form.kind)} errors={errors} required
          options={UNIT_KINDS.map((k) => ({ value: k, label: kindName(view, k) }))} />
        <Select view={view} name="townId" label={t('adminSettings.units.town')} hint={t('adminSettings.units.townHint')} value={str(form.townId)} errors={errors}
          options={towns.map((town) => ({ value: town.id, label: localized(view, town.nameZh, town.nameEn) }))} />
        <button type="submit">{t('form.save')}</button>
      </form>
    </Layout>
  );
}

function EditUnitPage({ view, unit, form, errors }: { view: View; unit: UnitResponse; form: FormValues; errors: FormErrors }) {
  const { t } = view;
  const title = t('adminSettings.units.editTitle', { name: localized(view, unit.nameZh, unit.nameEn) });
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href="/admin/units">{t('adminSettings.units.back')}</a></p>
      <ErrorSummary view={view} errors={errors} />
      <dl class="facts">
        <dt>{t('adminSettings.units.kind')}</dt><dd>{kindName(view, unit.kind)}</dd>
        <dt>{t('adminSettings.units.town')}</dt><dd>{unit.town ? localized(view, unit.town.nameZh, unit.town.nameEn) : '—'}</dd>
      </dl>
      <p class="hint">{t('adminSettings.units.fixedHint')}</p>
      <form method="post" action={`/admin/units/${unit.id}/edit`}>
        <Csrf view={view} />
        <NameFields view={view} form={form} errors={errors} />
        <Checkbox name="requiresReview" label={t('adminSettings.units.requiresReview')} hint={t('adminSettings.units.requiresReviewHint')} value={checked(form.requiresReview)} errors={errors} />
        <button type="submit">{t('form.save')}</button>
      </form>
    </Layout>
  );
}

const townsOf = async (api: ApiCall) => bodyOf(await api<{ items: TownItem[] }>('GET', '/towns')).items;
const unitOf = async (api: ApiCall, id: string) => bodyOf(await api<UnitResponse>('GET', `/units/${encodeURIComponent(id)}`));

/** Organizing units (责任单位): the list for all staff; adding and changing them is the administrators' (the API says). */
export const unitPages: FastifyPluginAsync<UiDeps> = async (app, { inject, config }) => {
  const zone = config.CALENDAR_TIMEZONE;

  app.get<{ Querystring: { kind?: string; done?: string } }>('/admin/units', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const kind = request.query.kind ?? '';
    const answer = await apiFor(inject, request)<{ items: UnitResponse[] }>('GET', `/units${kind ? `?kind=${encodeURIComponent(kind)}` : ''}`);
    if (!answer.ok && answer.status === 400) {
      return sendPage(reply, <UnitListPage view={view} units={null} kind={kind} errors={queryErrorsOf(view, answer.problem)} zone={zone} />, 400);
    }
    return sendPage(reply, <UnitListPage view={view} units={bodyOf(answer).items} kind={kind} errors={noErrors} zone={zone} done={request.query.done} />);
  });

  app.get('/admin/units/new', staffPage, async (request, reply) =>
    sendPage(reply, <NewUnitPage view={viewOf(request)} form={{}} errors={noErrors} towns={await townsOf(apiFor(inject, request))} />));

  app.post('/admin/units/new', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api('POST', '/units', newUnitBody(form));
    if (answer.ok) return seeOther(reply, '/admin/units?done=unitCreated');
    const errors = unitErrors(view, answer.problem);
    return sendPage(reply, <NewUnitPage view={view} form={form} errors={errors} towns={await townsOf(api)} />, answer.status);
  });

  app.get<{ Params: { id: string } }>('/admin/units/:id/edit', staffPage, async (request, reply) => {
    const unit = await unitOf(apiFor(inject, request), request.params.id);
    return sendPage(reply, <EditUnitPage view={viewOf(request)} unit={unit} form={formFromUnit(unit)} errors={noErrors} />);
  });

  app.post<{ Params: { id: string } }>('/admin/units/:id/edit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api('PATCH', `/units/${encodeURIComponent(request.params.id)}`, unitChanges(form));
    if (answer.ok) return seeOther(reply, '/admin/units?done=unitSaved');
    const errors = unitErrors(view, answer.problem);
    return sendPage(reply, <EditUnitPage view={view} unit={await unitOf(api, request.params.id)} form={form} errors={errors} />, answer.status);
  });
};
