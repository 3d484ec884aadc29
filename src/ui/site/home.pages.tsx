import type { FastifyPluginAsync } from 'fastify';
import type { DateTime } from 'luxon';
import { EventTypeSchema } from '../../modules/events/events.schemas.js';
import { publicApiFor } from '../api.js';
import { ErrorSummary, Notice } from '../components.js';
import { noErrors, type FormErrors } from '../form-errors.js';
import { Layout } from '../layout.js';
import { sendPage } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { viewOf, type View } from '../view.js';
import { MonthGrid, monthOf } from './month.js';
import { EventCard, FilterInput, FilterSelect } from './site-components.js';
import { labelOf, listAll, loadNames, queryErrorsOf, queryOf, todayIn, type EventList, type Names, type SiteEvent } from './site-data.js';

/** The event types the API knows, from its own schema (the pages never reach the tables). */
const EVENT_TYPES = (EventTypeSchema as unknown as { enum: string[] }).enum;

/** The filters of the list, named as the API's query parameters so a filtered page is a link to share. */
const FILTERS = ['q', 'observance', 'town', 'audience', 'type', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;
type HomeQuery = Filters & { cursor?: string; view?: string; month?: string; done?: string };

const filtersOf = (query: HomeQuery): Filters =>
  Object.fromEntries(FILTERS.map((name) => [name, typeof query[name] === 'string' ? query[name]!.trim() : undefined]).filter(([, v]) => v));

type HomeProps = {
  view: View; names: Names; filters: Filters; errors: FormErrors; now: Date; thisMonth: string; done?: string;
  list?: { events: SiteEvent[]; nextCursor: string | null; paged: boolean };
  month?: { start: DateTime; events: SiteEvent[] };
};

function HomePage({ view, names, filters, errors, now, thisMonth, done, list, month }: HomeProps) {
  const { t } = view;
  const monthQuery = month ? { view: 'month', month: month.start.toFormat('yyyy-MM') } : {};
  const events = list?.events ?? month?.events ?? [];
  const moreFilters = Boolean(errors.summary) || FILTERS.some((name) => name !== 'q' && filters[name]);
  return (
    <Layout view={view} title={t('site.home.title')}>
      <h1>{t('site.home.title')}</h1>
      {done === 'erased' && <Notice kind="success">{t('site.manage.erasedNotice')}</Notice>}
      <p>{t('site.home.intro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="get" action="/" class="filters-form" role="search" aria-label={t('site.filter.title')}>
        <h2>{t('site.filter.title')}</h2>
        {month && <input type="hidden" name="view" value="month" />}
        {month && <input type="hidden" name="month" value={monthQuery.month} />}
        <FilterInput view={view} name="q" label={t('site.filter.q')} type="search" errors={errors} value={filters.q} />
        {/* On a phone the list comes first: the other filters fold away unless one is in use. */}
        <details class="more-filters" open={moreFilters}>
          <summary>{t('site.filter.more')}</summary>
          <div class="filters">
            <FilterSelect view={view} name="observance" label={t('site.filter.observance')} errors={errors} value={filters.observance}
              options={names.observances.map((o) => ({ value: o.slug, label: view.lang === 'en' ? o.nameEn : o.nameZh }))} />
            <FilterSelect view={view} name="town" label={t('site.filter.town')} errors={errors} value={filters.town}
              options={names.towns.map((o) => ({ value: o.slug, label: view.lang === 'en' ? o.nameEn : o.nameZh }))} />
            <FilterSelect view={view} name="audience" label={t('site.filter.audience')} errors={errors} value={filters.audience}
              options={names.audiences.map((o) => ({ value: o.slug, label: view.lang === 'en' ? o.nameEn : o.nameZh }))} />
            <FilterSelect view={view} name="type" label={t('site.filter.type')} errors={errors} value={filters.type}
              options={EVENT_TYPES.map((type) => ({ value: type, label: labelOf(view, 'site.type', type) }))} />
            {!month && <FilterInput view={view} name="from" label={t('site.filter.from')} type="date" errors={errors} value={filters.from} />}
            {!month && <FilterInput view={view} name="to" label={t('site.filter.to')} type="date" errors={errors} value={filters.to} />}
          </div>
        </details>
        <div class="actions">
          <button type="submit">{t('site.filter.submit')}</button>
          <a href={month ? `/${queryOf(monthQuery)}` : '/'}>{t('site.filter.clear')}</a>
        </div>
      </form>

      <nav class="view-switch" aria-label={t('site.home.viewLabel')}>
        <ul>
          <li><a href={`/${queryOf(filters)}`} aria-current={month ? undefined : 'page'}>{t('site.home.asList')}</a></li>
          <li><a href={`/${queryOf({ ...filters, from: undefined, to: undefined, view: 'month', month: month?.start.toFormat('yyyy-MM') ?? thisMonth })}`} aria-current={month ? 'page' : undefined}>{t('site.home.asMonth')}</a></li>
        </ul>
      </nav>

      {month && <MonthNav view={view} filters={filters} month={month.start} />}
      <h2>{month ? t('site.home.monthResults', { count: events.length }) : t('site.home.results', { count: events.length })}</h2>
      {!errors.summary && events.length === 0 && <p>{t('site.home.none')}</p>}
      {month && events.length > 0 && <div class="table-wrap"><MonthGrid view={view} events={month.events} month={month.start} /></div>}
      {list && events.length > 0 && (
        <ul class="cards">{list.events.map((event) => <EventCard view={view} event={event} names={names} now={now} />)}</ul>
      )}
      {list && (list.nextCursor || list.paged) && (
        <nav class="pager" aria-label={t('site.pager.label')}>
          <ul>
            {list.paged && <li><a href={`/${queryOf(filters)}`}>{t('site.pager.first')}</a></li>}
            {list.nextCursor && <li><a href={`/${queryOf({ ...filters, cursor: list.nextCursor })}`} rel="next">{t('site.pager.next')}</a></li>}
          </ul>
        </nav>
      )}
    </Layout>
  );
}

function MonthNav({ view, filters, month }: { view: View; filters: Filters; month: DateTime }) {
  const link = (to: DateTime) => `/${queryOf({ ...filters, view: 'month', month: to.toFormat('yyyy-MM') })}`;
  const name = (to: DateTime) => (view.lang === 'zh' ? to.toFormat('yyyy年M月') : to.setLocale('en-GB').toFormat('LLLL yyyy'));
  return (
    <nav class="pager" aria-label={view.t('site.month.navLabel')}>
      <ul>
        <li><a href={link(month.minus({ months: 1 }))}>{view.t('site.month.previous', { month: name(month.minus({ months: 1 })) })}</a></li>
        <li><a href={link(month.plus({ months: 1 }))}>{view.t('site.month.next', { month: name(month.plus({ months: 1 })) })}</a></li>
      </ul>
    </nav>
  );
}

/** The home page: upcoming events as a list (paged) or a month, with filters in a GET form. */
export const homePages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock, config }) => {
  app.get<{ Querystring: HomeQuery }>('/', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const api = publicApiFor(inject, request);
    const query = request.query ?? {};
    const filters = filtersOf(query);
    const now = clock.now();
    const names = await loadNames(api);
    const today = todayIn(config.CALENDAR_TIMEZONE, now);
    const page = (props: Partial<HomeProps>, status = 200) =>
      sendPage(reply, <HomePage view={view} names={names} filters={filters} errors={noErrors} now={now} thisMonth={today.toFormat('yyyy-MM')} done={query.done} {...props} />, status);

    if (query.view === 'month') {
      const start = monthOf(query.month, today);
      const { from: _from, to: _to, ...rest } = filters;
      const answer = await listAll(api, { ...rest, from: start.toISODate()!, to: start.endOf('month').toISODate()! });
      if (!answer.ok) return page({ filters: rest, errors: queryErrorsOf(view, answer.problem), month: { start, events: [] } }, answer.status);
      return page({ filters: rest, month: { start, events: answer.items } });
    }

    const answer = await api<EventList>('GET', `/events${queryOf({ ...filters, cursor: query.cursor, limit: '20' })}`);
    if (!answer.ok) return page({ errors: queryErrorsOf(view, answer.problem), list: { events: [], nextCursor: null, paged: Boolean(query.cursor) } }, answer.status);
    return page({ list: { events: answer.body.items, nextCursor: answer.body.nextCursor, paged: Boolean(query.cursor) } });
  });
};
