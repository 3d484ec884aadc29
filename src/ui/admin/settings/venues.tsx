import type { FastifyPluginAsync } from 'fastify';
import { VenueKindSchema, type VenueResponse } from '../../../modules/venues/venues.schemas.js';
import { apiFor, type ApiCall } from '../../api.js';
import { Choices, Csrf, ErrorSummary, Field, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import {
  Checkbox, DoneNotice, TextArea, bodyOf, enumOf, checked, formOf, intOrRaw, numberOrRaw, optional, refusal, staffPage, str, type FormValues, type TownItem,
} from './shared.js';

const VENUE_KINDS = enumOf(VenueKindSchema);

type VenuePage = { items: VenueResponse[]; nextCursor: string | null };

/** The form's own words for the venue: every field of the API, named by its JSON pointer. */
function formFromVenue(venue: VenueResponse): FormValues {
  return {
    slug: venue.slug, kind: venue.kind, nameZh: venue.nameZh, nameEn: venue.nameEn ?? '', addressZh: venue.addressZh ?? '', addressEn: venue.addressEn ?? '',
    townId: venue.town?.id ?? '', capacity: venue.capacity === null ? '' : String(venue.capacity),
    'coordinates.latitude': venue.coordinates ? String(venue.coordinates.wgs84.latitude) : '',
    'coordinates.longitude': venue.coordinates ? String(venue.coordinates.wgs84.longitude) : '',
    'coordinates.system': 'wgs84',
    accessibilityZh: venue.accessibilityZh ?? '', accessibilityEn: venue.accessibilityEn ?? '',
    isOnline: venue.isOnline ? 'on' : undefined, allowsSharedUse: venue.allowsSharedUse ? 'on' : undefined,
  };
}

/**
 * The API's body from the form. A new venue leaves empty optional fields out; an edit sends
 * them as null, which is how the API clears a value. Both coordinates empty means none.
 */
function venueBody(form: FormValues, { editing }: { editing: boolean }) {
  const absent = editing ? null : undefined;
  const latitude = optional(form['coordinates.latitude']);
  const longitude = optional(form['coordinates.longitude']);
  const coordinates = latitude === undefined && longitude === undefined ? absent : {
    ...(latitude === undefined ? {} : { latitude: numberOrRaw(latitude) }),
    ...(longitude === undefined ? {} : { longitude: numberOrRaw(longitude) }),
    system: optional(form['coordinates.system']) ?? 'wgs84',
  };
  const capacity = optional(form.capacity);
  return {
    slug: str(form.slug).trim(),
    kind: str(form.kind),
    nameZh: str(form.nameZh).trim(),
    nameEn: optional(form.nameEn) ?? absent,
    addressZh: optional(form.addressZh) ?? absent,
    addressEn: optional(form.addressEn) ?? absent,
    townId: optional(form.townId) ?? absent,
    capacity: capacity === undefined ? absent : intOrRaw(capacity),
    coordinates,
    accessibilityZh: optional(form.accessibilityZh) ?? absent,
    accessibilityEn: optional(form.accessibilityEn) ?? absent,
    isOnline: checked(form.isOnline),
    allowsSharedUse: checked(form.allowsSharedUse),
  };
}

/** A duplicate slug comes back without a field: it can only be the slug. */
function venueErrors(view: View, problem: Parameters<typeof refusal>[1]): FormErrors {
  const errors = refusal(view, problem);
  if (problem.code === 'duplicate') errors.fields.slug = view.t('adminSettings.slugTaken');
  return errors;
}

const mayEditVenues = (view: View) => view.staff?.role === 'admin' || (view.staff?.role === 'organizer' && view.staff.grants.includes('venues'));

function VenueListPage({ view, page, done, cursor }: { view: View; page: VenuePage; done?: string; cursor?: string }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('adminSettings.venues.title')} admin>
      <h1>{t('adminSettings.venues.title')}</h1>
      <DoneNotice view={view} done={done} />
      {mayEditVenues(view) && <p class="actions"><a class="button" href="/admin/venues/new">{t('adminSettings.venues.new')}</a></p>}
      {page.items.length === 0 ? <p>{t('adminSettings.venues.none')}</p> : (
        <div class="table-wrap">
          <table>
            <caption class="muted">{t('adminSettings.venues.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.venues.name')}</th>
                <th scope="col">{t('adminSettings.venues.kind')}</th>
                <th scope="col">{t('adminSettings.venues.town')}</th>
                <th scope="col">{t('adminSettings.venues.capacity')}</th>
                <th scope="col">{t('adminSettings.venues.online')}</th>
                {mayEditVenues(view) && <th scope="col">{t('adminSettings.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {page.items.map((venue) => (
                <tr>
                  <th scope="row">{localized(view, venue.nameZh, venue.nameEn)}<br /><span class="muted">{venue.slug}</span></th>
                  <td>{view.lookup(`adminSettings.venueKind.${venue.kind}`) ?? venue.kind}</td>
                  <td>{venue.town ? localized(view, venue.town.nameZh, venue.town.nameEn) : '—'}</td>
                  <td>{venue.capacity ?? t('adminSettings.venues.noLimit')}</td>
                  <td>{venue.isOnline ? t('adminSettings.yes') : t('adminSettings.no')}</td>
                  {mayEditVenues(view) && <td><a href={`/admin/venues/${venue.id}/edit`} aria-label={t('adminSettings.editNamed', { name: localized(view, venue.nameZh, venue.nameEn) })}>{t('adminSettings.edit')}</a></td>}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p class="actions">
        {cursor && <a href="/admin/venues">{t('adminSettings.firstPage')}</a>}
        {page.nextCursor && <a href={`/admin/venues?cursor=${encodeURIComponent(page.nextCursor)}`}>{t('adminSettings.nextPage')}</a>}
      </p>
    </Layout>
  );
}

function VenueFormPage({ view, form, errors, towns, venueId }: { view: View; form: FormValues; errors: FormErrors; towns: TownItem[]; venueId?: string }) {
  const { t } = view;
  const title = venueId ? t('adminSettings.venues.editTitle') : t('adminSettings.venues.newTitle');
  const value = (name: string) => str(form[name]);
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href="/admin/venues">{t('adminSettings.venues.back')}</a></p>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={venueId ? `/admin/venues/${venueId}/edit` : '/admin/venues/new'}>
        <Csrf view={view} />
        <Field view={view} name="nameZh" label={t('adminSettings.venues.nameZh')} value={value('nameZh')} errors={errors} maxLength={200} required />
        <Field view={view} name="nameEn" label={t('adminSettings.venues.nameEn')} value={value('nameEn')} errors={errors} maxLength={200} />
        <Field view={view} name="slug" label={t('adminSettings.slug')} hint={t('adminSettings.slugHint')} value={value('slug')} errors={errors} maxLength={64} required />
        <Select view={view} name="kind" label={t('adminSettings.venues.kind')} value={value('kind')} errors={errors} required
          options={VENUE_KINDS.map((kind) => ({ value: kind, label: view.lookup(`adminSettings.venueKind.${kind}`) ?? kind }))} />
        <Select view={view} name="townId" label={t('adminSettings.venues.town')} value={value('townId')} errors={errors}
          options={towns.map((town) => ({ value: town.id, label: localized(view, town.nameZh, town.nameEn) }))} />
        <Field view={view} name="addressZh" label={t('adminSettings.venues.addressZh')} value={value('addressZh')} errors={errors} maxLength={500} />
        <Field view={view} name="addressEn" label={t('adminSettings.venues.addressEn')} value={value('addressEn')} errors={errors} maxLength={500} />
        <Field view={view} name="capacity" label={t('adminSettings.venues.capacity')} hint={t('adminSettings.venues.capacityHint')} type="number" inputMode="numeric" min={0} value={value('capacity')} errors={errors} />
        <fieldset class="field">
          <legend>{t('adminSettings.venues.coordinates')} <span class="marker">{t('adminSettings.inBrackets', { text: t('form.optional') })}</span></legend>
          <p class="hint">{t('adminSettings.venues.coordinatesHint')}</p>
          {errors.fields.coordinates && <p class="error">{errors.fields.coordinates}</p>}
          <Field view={view} name="coordinates.latitude" label={t('adminSettings.venues.latitude')} value={value('coordinates.latitude')} errors={errors} />
          <Field view={view} name="coordinates.longitude" label={t('adminSettings.venues.longitude')} value={value('coordinates.longitude')} errors={errors} />
          <Choices view={view} name="coordinates.system" legend={t('adminSettings.venues.system')} type="radio" errors={errors} values={[value('coordinates.system') || 'wgs84']}
            options={[{ value: 'wgs84', label: t('adminSettings.venues.wgs84') }, { value: 'gcj02', label: t('adminSettings.venues.gcj02') }]} />
        </fieldset>
        <TextArea view={view} name="accessibilityZh" label={t('adminSettings.venues.accessibilityZh')} hint={t('adminSettings.venues.accessibilityHint')} value={value('accessibilityZh')} errors={errors} maxLength={2000} />
        <TextArea view={view} name="accessibilityEn" label={t('adminSettings.venues.accessibilityEn')} value={value('accessibilityEn')} errors={errors} maxLength={2000} />
        <Checkbox name="isOnline" label={t('adminSettings.venues.isOnline')} value={checked(form.isOnline)} errors={errors} />
        <Checkbox name="allowsSharedUse" label={t('adminSettings.venues.allowsSharedUse')} hint={t('adminSettings.venues.allowsSharedUseHint')} value={checked(form.allowsSharedUse)} errors={errors} />
        <button type="submit">{t('form.save')}</button>
      </form>
    </Layout>
  );
}

const townsOf = async (api: ApiCall) => bodyOf(await api<{ items: TownItem[] }>('GET', '/towns')).items;

/** Venues: the list, a new one, an edit. Admins and organizers granted venues may change them (the API says). */
export const venuePages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  app.get<{ Querystring: { cursor?: string; done?: string } }>('/admin/venues', staffPage, async (request, reply) => {
    const api = apiFor(inject, request);
    const query = new URLSearchParams({ limit: '100', ...(request.query.cursor ? { cursor: request.query.cursor } : {}) });
    const page = bodyOf(await api<VenuePage>('GET', `/venues?${query}`));
    return sendPage(reply, <VenueListPage view={viewOf(request)} page={page} done={request.query.done} cursor={request.query.cursor} />);
  });

  app.get('/admin/venues/new', staffPage, async (request, reply) => {
    const towns = await townsOf(apiFor(inject, request));
    return sendPage(reply, <VenueFormPage view={viewOf(request)} form={{ 'coordinates.system': 'wgs84' }} errors={noErrors} towns={towns} />);
  });

  app.post('/admin/venues/new', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api('POST', '/venues', venueBody(form, { editing: false }));
    if (answer.ok) return seeOther(reply, '/admin/venues?done=venueCreated');
    const errors = venueErrors(view, answer.problem);
    return sendPage(reply, <VenueFormPage view={view} form={form} errors={errors} towns={await townsOf(api)} />, answer.status);
  });

  app.get<{ Params: { id: string } }>('/admin/venues/:id/edit', staffPage, async (request, reply) => {
    const api = apiFor(inject, request);
    const venue = bodyOf(await api<VenueResponse>('GET', `/venues/${encodeURIComponent(request.params.id)}`));
    return sendPage(reply, <VenueFormPage view={viewOf(request)} form={formFromVenue(venue)} errors={noErrors} towns={await townsOf(api)} venueId={venue.id} />);
  });

  app.post<{ Params: { id: string } }>('/admin/venues/:id/edit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const answer = await api('PATCH', `/venues/${encodeURIComponent(request.params.id)}`, venueBody(form, { editing: true }));
    if (answer.ok) return seeOther(reply, '/admin/venues?done=venueSaved');
    const errors = venueErrors(view, answer.problem);
    return sendPage(reply, <VenueFormPage view={view} form={form} errors={errors} towns={await townsOf(api)} venueId={request.params.id} />, answer.status);
  });
};
