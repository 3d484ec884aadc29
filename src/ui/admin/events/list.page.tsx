import type { FastifyPluginAsync } from 'fastify';
import { EVENT_STATUSES } from '../../../db/schema/index.js';
import type { EventResponse } from '../../../modules/events/events.schemas.js';
import type { ProblemBody } from '../../../lib/problems.js';
import { apiFor } from '../../api.js';
import { ErrorSummary, Field, Select } from '../../components.js';
import { fieldNameOf, formErrorsOf, noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, localized, viewOf, type View } from '../../view.js';
import { requireStaff } from '../guard.js';
import { DoneNotice, StatusBadge, eventHref, eventTitle, mayChange, statusLabel } from './bits.js';
import { todayIn } from '../../form-values.js';
import { loadObservances, loadUnits, type Named } from './reference.js';
import type { UnitResponse } from '../../../modules/units/units.schemas.js';

const FILTERS = ['status', 'unit', 'observance', 'q', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
type ListQuery = Filters & { cursor?: string; done?: string };
type EventPage = { items: EventResponse[]; nextCursor: string | null };

const PAGE_SIZE = 50;

/**
 * The filters as the API takes them. With no dates asked for, the list starts today, so the
 * coming events come first; drafts and submissions are listed whatever their dates (a draft
 * may have no session yet, and no date filter would ever show it).
 */
function apiQueryOf(query: ListQuery, today: string): URLSearchParams {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  for (const name of FILTERS) {
    const value = query[name]?.trim();
    if (value) params.set(name, value);
  }
  const reviewing = query.status === 'draft' || query.status === 'submitted';
  if (query.from === undefined && query.to === undefined && !reviewing) params.set('from', today);
  if (query.cursor) params.set('cursor', query.cursor);
  return params;
}

/** The list's query refused by the API: its message by the filter it names. */
function queryErrorsOf(view: View, problem: ProblemBody): FormErrors {
  const fields: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    if (error.in !== 'querystring') continue;
    const params = error.limit === undefined ? undefined : { limit: error.limit };
    fields[fieldNameOf(error.pointer)] = view.lookup(`field.${error.code ?? 'invalid'}`, params) ?? view.t('field.invalid');
  }
  return { summary: formErrorsOf(view, problem).summary, fields };
}

/** Seats over the event's live sessions: "12 of 40 left", "no limit", or "no sign-up". */
function seatsOf(view: View, event: EventResponse): string {
  if (event.registrationMode === 'none') return view.t('adminEvents.seats.noRegistration');
  const live = event.sessions.filter((s) => s.status === 'scheduled');
  if (live.length === 0) return '—';
  if (live.some((s) => s.effectiveCapacity === null)) return view.t('adminEvents.seats.unlimited');
  const capacity = live.reduce((sum, s) => sum + (s.effectiveCapacity ?? 0), 0);
  const left = live.reduce((sum, s) => sum + (s.seatsLeft ?? 0), 0);
  return view.t('adminEvents.seats.left', { left, capacity });
}

function ListPage({ view, query, effectiveFrom, page, errors, units, observances }: {
  view: View; query: ListQuery; effectiveFrom: string; page: EventPage; errors: FormErrors; units: UnitResponse[]; observances: Named[];
}) {
  const { t } = view;
  const next = new URLSearchParams(Object.entries(query).filter(([k, v]) => FILTERS.includes(k as never) && v !== undefined) as [string, string][]);
  if (page.nextCursor) next.set('cursor', page.nextCursor);
  return (
    <Layout view={view} title={t('adminEvents.list.title')} admin>
      <h1>{t('adminEvents.list.title')}</h1>
      <DoneNotice view={view} done={query.done} />
      <p class="actions"><a class="button" href="/admin/events/new">{t('adminEvents.list.new')}</a> <a class="button secondary" href="/admin/events/import">{t('adminImport.link')}</a></p>
      <ErrorSummary view={view} errors={errors} />
      <form method="get" action="/admin/events" class="filters" role="search" aria-label={t('adminEvents.list.filters')}>
        <Select view={view} name="status" label={t('adminEvents.field.status')} value={query.status} errors={errors}
          options={EVENT_STATUSES.map((s) => ({ value: s, label: statusLabel(view, s) }))} />
        <Select view={view} name="unit" label={t('adminEvents.filter.unit')} value={query.unit} errors={errors}
          options={units.map((u) => ({ value: u.slug, label: localized(view, u.nameZh, u.nameEn) }))} />
        <Select view={view} name="observance" label={t('adminEvents.field.observance')} value={query.observance} errors={errors}
          options={observances.map((o) => ({ value: o.slug, label: localized(view, o.nameZh, o.nameEn) }))} />
        <Field view={view} name="q" type="search" label={t('adminEvents.filter.q')} value={query.q} errors={errors} maxLength={100} />
        <Field view={view} name="from" type="date" label={t('adminEvents.filter.from')} value={effectiveFrom} errors={errors} />
        <Field view={view} name="to" type="date" label={t('adminEvents.filter.to')} value={query.to} errors={errors} />
        <div class="field"><button type="submit">{t('adminEvents.filter.submit')}</button></div>
      </form>
      <p class="hint">{t('adminEvents.list.hint')}</p>
      {page.items.length === 0 ? <p>{t('adminEvents.list.empty')}</p> : (
        <div class="table-wrap">
          <table>
            <caption class="muted">{t('adminEvents.list.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminEvents.col.event')}</th>
                <th scope="col">{t('adminEvents.field.status')}</th>
                <th scope="col">{t('adminEvents.col.firstSession')}</th>
                <th scope="col">{t('adminEvents.col.sessions')}</th>
                <th scope="col">{t('adminEvents.col.seats')}</th>
                <th scope="col">{t('adminEvents.field.ownerUnit')}</th>
                <th scope="col">{t('adminEvents.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((event) => (
                <tr data-event-id={event.id}>
                  <th scope="row"><a href={eventHref(event.id)}>{eventTitle(view, event)}</a></th>
                  <td><StatusBadge view={view} status={event.status} /></td>
                  <td>{event.firstStartAt ? formatTime(view, event.firstStartAt, event.timezone) : t('adminEvents.noSessions')}</td>
                  <td>{event.sessions.filter((s) => s.status === 'scheduled').length}</td>
                  <td>{seatsOf(view, event)}</td>
                  <td>{localized(view, event.ownerUnit.nameZh, event.ownerUnit.nameEn)}</td>
                  <td>
                    <a href={eventHref(event.id)} aria-label={t('adminEvents.list.viewLabel', { title: eventTitle(view, event) })}>{t('adminEvents.list.view')}</a>
                    {mayChange(view, event) && event.status !== 'cancelled' && <>
                      {' · '}<a href={eventHref(event.id, '/edit')} aria-label={t('adminEvents.list.editLabel', { title: eventTitle(view, event) })}>{t('adminEvents.list.edit')}</a>
                    </>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.nextCursor && <p><a href={`/admin/events?${next}`}>{t('adminEvents.list.next')}</a></p>}
    </Layout>
  );
}

export const eventListPage: FastifyPluginAsync<UiDeps> = async (app, { inject, config, clock }) => {
  app.get<{ Querystring: Record<string, string | string[]> }>('/admin/events', { config: { access: 'public' }, schema: { hide: true }, preHandler: requireStaff }, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request);
    // A name given twice (?status=a&status=b) counts once, as a form would send it.
    const query = Object.fromEntries(Object.entries(request.query).map(([k, v]) => [k, [v].flat()[0]]).filter(([, v]) => typeof v === 'string')) as ListQuery;
    const params = apiQueryOf(query, todayIn(clock.now(), config.CALENDAR_TIMEZONE));
    const [answer, units, observances] = await Promise.all([
      api<EventPage>('GET', `/events?${params}`), loadUnits(api), loadObservances(api),
    ]);
    const page = answer.ok ? answer.body : { items: [], nextCursor: null };
    const errors = answer.ok ? noErrors : queryErrorsOf(view, answer.problem);
    return sendPage(reply, <ListPage view={view} query={query} effectiveFrom={params.get('from') ?? ''} page={page} errors={errors} units={units} observances={observances} />, answer.ok ? 200 : answer.status);
  });
};
