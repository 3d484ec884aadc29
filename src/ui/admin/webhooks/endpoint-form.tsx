import type { ComponentChildren } from 'preact';
import { Problem, type ProblemBody } from '../../../lib/problems.js';
import { WebhookKindSchema, type DeliveryResponse, type WebhookResponse } from '../../../modules/webhooks/webhooks.schemas.js';
import { bodyOf, type ApiCall } from '../../api.js';
import { Checkbox, Choices, Field, Select, TextArea } from '../../components.js';
import { formErrorsOf, type FormErrors } from '../../form-errors.js';
import { listOf, textOf, type FormValues } from '../../form-values.js';
import { formatTime, localized, type View } from '../../view.js';
import { enumOf, namesById, type TownItem, type UnitItem } from '../settings/shared.js';

export type Webhook = WebhookResponse;
export type Delivery = DeliveryResponse;
export type DeliveryPage = { items: Delivery[]; nextCursor: string | null };

/** The kinds the API accepts, read from its schema: the form offers exactly those. */
export const WEBHOOK_KINDS = enumOf(WebhookKindSchema);
const FILTERS = ['observanceIds', 'unitIds', 'townIds'] as const;

export const webhookHref = (id: string, rest = '') => `/admin/webhooks/${encodeURIComponent(id)}${rest}`;

/** A kind in words; an unknown one (a later kind) as its code. */
export const kindName = (view: View, kind: string) => view.lookup(`adminWebhooks.kind.${kind}`) ?? kind;
export const kindsInWords = (view: View, kinds: string[]) => kinds.map((k) => kindName(view, k)).join(view.t('adminWebhooks.separator'));

/** What an endpoint is called on its page: its description when it has one, else its URL. */
export const endpointName = (endpoint: Webhook) => endpoint.description?.trim() || endpoint.url;

/** Why it stopped, in the reader's language: paused by someone, or a day of failures (since when, the last error). */
export function reasonOf(view: View, endpoint: Webhook, zone: string): string {
  if (endpoint.disabledCause === 'paused') return view.t('adminWebhooks.pausedByHand');
  if (endpoint.disabledCause === 'failing' && endpoint.failingSince) {
    return view.t('adminWebhooks.failedForADay', { time: formatTime(view, endpoint.failingSince, zone), error: endpoint.lastError ?? '' });
  }
  return endpoint.disabledReason ?? view.t('adminWebhooks.none');
}

/** Names for the ids an endpoint holds and choices for its form, read through the public API. */
export type Reference = { units: UnitItem[]; towns: TownItem[]; observances: { id: string; nameZh: string; nameEn: string | null }[] };

export async function loadReference(api: ApiCall): Promise<Reference> {
  const [units, towns, observances] = await Promise.all([
    api<{ items: UnitItem[] }>('GET', '/units').then((a) => bodyOf(a).items),
    api<{ items: TownItem[] }>('GET', '/towns').then((a) => bodyOf(a).items),
    api<{ items: Reference['observances'] }>('GET', '/observances').then((a) => bodyOf(a).items),
  ]);
  return { units, towns, observances };
}

export const unitName = (view: View, reference: Reference, unitId: string | null) =>
  unitId === null ? view.t('adminWebhooks.districtWide') : namesById(view, reference.units).get(unitId) ?? unitId;

/** The filters in words ("主题日：世界水日；镇街：北庄镇"), or that there are none. */
export function filtersInWords(view: View, reference: Reference, filters: Webhook['filters']): string {
  const lists = { observanceIds: reference.observances, unitIds: reference.units, townIds: reference.towns };
  const parts = FILTERS.flatMap((name) => {
    const ids = filters[name];
    if (!ids?.length) return [];
    const names = namesById(view, lists[name]);
    return [view.t('adminWebhooks.detail.filter', { what: view.t(`adminWebhooks.form.${name}`), names: ids.map((id) => names.get(id) ?? id).join(view.t('adminWebhooks.separator')) })];
  });
  return parts.length ? parts.join(view.t('adminWebhooks.detail.filterSeparator')) : view.t('adminWebhooks.detail.noFilters');
}

const isAdmin = (view: View) => view.staff?.role === 'admin';

/** The form's values for an endpoint as the API has it (filters as the lists of ids they hold). */
export const formFromEndpoint = (endpoint: Webhook): FormValues => ({
  url: endpoint.url, description: endpoint.description ?? '', kinds: endpoint.kinds,
  'filters.observanceIds': endpoint.filters.observanceIds ?? [], 'filters.unitIds': endpoint.filters.unitIds ?? [], 'filters.townIds': endpoint.filters.townIds ?? [],
  allowPrivateNetwork: endpoint.allowPrivateNetwork ? 'on' : undefined,
});

/** The fields the new and the edit form share, as the API names them; a filter with nothing chosen is no filter (null). */
function fieldsOf(form: FormValues) {
  const filter = (name: (typeof FILTERS)[number]) => {
    const ids = listOf(form, `filters.${name}`);
    return ids.length ? ids : null;
  };
  return {
    url: textOf(form, 'url').trim(),
    description: textOf(form, 'description').trim() || null,
    kinds: listOf(form, 'kinds'),
    filters: { observanceIds: filter('observanceIds'), unitIds: filter('unitIds'), townIds: filter('townIds') },
  };
}

const privateNetworkOf = (form: FormValues) => textOf(form, 'allowPrivateNetwork') === 'on';

/** A new endpoint: no unit chosen is district-wide (the API refuses that to an organizer, by the field). */
export function newEndpointBody(view: View, form: FormValues) {
  const unitId = textOf(form, 'unitId');
  return { ...fieldsOf(form), unitId: unitId || null, ...(isAdmin(view) ? { allowPrivateNetwork: privateNetworkOf(form) } : {}) };
}

/**
 * A change: the URL and the private-network permission only when they change, because the
 * API checks the URL's address again whenever either is given (a name looked up anew each time).
 */
export function endpointChanges(view: View, form: FormValues, current: Webhook) {
  const { url, ...rest } = fieldsOf(form);
  const allowPrivateNetwork = privateNetworkOf(form);
  return {
    ...rest,
    ...(url !== current.url ? { url } : {}),
    ...(isAdmin(view) && allowPrivateNetwork !== current.allowPrivateNetwork ? { allowPrivateNetwork } : {}),
  };
}

/** A problem with one item of a list (`/filters/unitIds/2`, `/kinds/6`) is shown by the list's field. */
const withoutIndex = (field: string) => field.replace(/\.\d+$/, '');

/**
 * The API's refusal in the reader's words: this page's own codes first (a delivery no longer
 * failed, a disabled endpoint), else the common ones, each by its field. Not allowed and not
 * found are pages of their own: there is nothing in the form to correct.
 */
export function refusalOf(view: View, problem: ProblemBody): FormErrors {
  if ((problem.status === 403 && problem.code !== 'csrf_failed') || (problem.status === 404 && problem.code !== 'delivery_not_found')) {
    throw new Problem(problem.status, problem.code, problem.detail);
  }
  const own = view.lookup(`adminWebhooks.problem.${problem.code}`);
  if (own) return { summary: own, fields: {} };
  return formErrorsOf(view, problem, withoutIndex);
}

/**
 * The fields of both forms: URL, description, (a new endpoint's unit,) kinds, filters and, for
 * administrators, the private network.
 */
export function EndpointFields({ view, form, errors, reference, unit }: { view: View; form: FormValues; errors: FormErrors; reference: Reference; unit?: ComponentChildren }) {
  const { t } = view;
  const options = (items: { id: string; nameZh: string; nameEn: string | null }[]) => items.map((item) => ({ value: item.id, label: localized(view, item.nameZh, item.nameEn) }));
  const chosen = (name: (typeof FILTERS)[number]) => listOf(form, `filters.${name}`);
  return (
    <>
      <Field view={view} name="url" type="url" label={t('adminWebhooks.form.url')} hint={t('adminWebhooks.form.urlHint')} value={textOf(form, 'url')} errors={errors}
        maxLength={2000} placeholder="https://" autocapitalize="off" spellcheck={false} required />
      <TextArea view={view} name="description" label={t('adminWebhooks.form.description')} hint={t('adminWebhooks.form.descriptionHint')} value={textOf(form, 'description')}
        errors={errors} rows={2} maxLength={500} />
      {unit}
      <Choices view={view} name="kinds" legend={t('adminWebhooks.form.kinds')} type="checkbox" errors={errors} values={listOf(form, 'kinds')} required
        options={WEBHOOK_KINDS.map((kind) => ({ value: kind, label: kindName(view, kind) }))} />
      <fieldset class="group">
        <legend>{t('adminWebhooks.form.filters')}</legend>
        <p class="hint">{t('adminWebhooks.form.filtersHint')}</p>
        <Select view={view} name="filters.observanceIds" label={t('adminWebhooks.form.observanceIds')} errors={errors} multiple values={chosen('observanceIds')} options={options(reference.observances)} />
        <Select view={view} name="filters.unitIds" label={t('adminWebhooks.form.unitIds')} errors={errors} multiple values={chosen('unitIds')} options={options(reference.units)} />
        <Select view={view} name="filters.townIds" label={t('adminWebhooks.form.townIds')} errors={errors} multiple values={chosen('townIds')} options={options(reference.towns)} />
      </fieldset>
      {isAdmin(view) && (
        <Checkbox name="allowPrivateNetwork" label={t('adminWebhooks.form.allowPrivateNetwork')} hint={t('adminWebhooks.form.allowPrivateNetworkHint')}
          value={privateNetworkOf(form)} errors={errors} />
      )}
    </>
  );
}

/** The unit of a new endpoint: an administrator may leave it district-wide; an organizer picks one of theirs. */
export function UnitChoice({ view, form, errors, reference }: { view: View; form: FormValues; errors: FormErrors; reference: Reference }) {
  const { t } = view;
  const admin = isAdmin(view);
  const own = admin ? reference.units : reference.units.filter((u) => view.staff?.unitIds.includes(u.id));
  const value = textOf(form, 'unitId') || (!admin && own.length === 1 ? own[0]!.id : '');
  return (
    <Select view={view} name="unitId" label={t('adminWebhooks.form.unit')} hint={t(admin ? 'adminWebhooks.form.unitHintAdmin' : 'adminWebhooks.form.unitHintOrganizer')}
      value={value} errors={errors} required={!admin} emptyLabel={admin ? t('adminWebhooks.form.districtWide') : undefined}
      options={own.map((unit) => ({ value: unit.id, label: localized(view, unit.nameZh, unit.nameEn) }))} />
  );
}

/**
 * Enabled or disabled, and for a disabled endpoint why, where it cannot be missed (its own
 * page says why in a notice on top, so its facts leave the reason out).
 */
export function EndpointState({ view, endpoint, zone, withReason = true }: { view: View; endpoint: Webhook; zone: string; withReason?: boolean }) {
  const { t } = view;
  return (
    <>
      <span class={`badge ${endpoint.enabled ? 'confirmed' : 'cancelled'}`}>{t(endpoint.enabled ? 'adminWebhooks.state.enabled' : 'adminWebhooks.state.disabled')}</span>
      {!endpoint.enabled && withReason && <p><strong>{t('adminWebhooks.disabledReason', { reason: reasonOf(view, endpoint, zone) })}</strong></p>}
      {endpoint.enabled && endpoint.failingSince && <p class="error">{t('adminWebhooks.failingSince', { time: formatTime(view, endpoint.failingSince, zone), error: endpoint.lastError ?? '' })}</p>}
    </>
  );
}
