import type { FastifyPluginAsync } from 'fastify';
import type { OccurrenceResponse, ObservanceResponse } from '../../modules/observances/observances.schemas.js';
import { Problem } from '../../lib/problems.js';
import { publicApiFor } from '../api.js';
import { Layout } from '../layout.js';
import { sendPage } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { localized, viewOf, type View } from '../view.js';
import { EventCard, FeedLinks, Paragraphs } from './site-components.js';
import { formatDays, listAll, loadNames, queryOf, todayIn, type EventList, type Names, type SiteEvent } from './site-data.js';

type CalendarEntry = {
  observance: { id: string; slug: string; kind: string; nameZh: string; nameEn: string };
  occurrence: OccurrenceResponse;
  publishedEvents: number;
};
type Calendar = { year: number; timezone: string; items: CalendarEntry[] };

/** Events shown under each themed day of the year page; the rest are one link away. */
const EVENTS_PER_DAY = 5;

/** A themed day's dates in a year, or why there are none. */
export function OccurrenceText({ view, occurrence }: { view: View; occurrence: OccurrenceResponse }) {
  const { t } = view;
  if (occurrence.status === 'not_observed') return <>{t('site.observance.notObserved')}</>;
  if (occurrence.status === 'to_be_announced' || !occurrence.startDate || !occurrence.endDate) return <>{t('site.observance.toBeAnnounced')}</>;
  return <>{formatDays(view, occurrence.startDate, occurrence.endDate)}{occurrence.provisional && ` ${t('site.observance.provisional')}`}</>;
}

/** The year asked for, as typed (the API says what is wrong with it), else this year. */
const yearOf = (asked: string | undefined, fallback: number) => asked?.trim() || String(fallback);
const byDate = (a: CalendarEntry, b: CalendarEntry) =>
  (a.occurrence.startDate ?? '9999').localeCompare(b.occurrence.startDate ?? '9999') || a.observance.nameZh.localeCompare(b.observance.nameZh);

function CalendarPage({ view, calendar, events }: { view: View; calendar: Calendar; events: SiteEvent[] }) {
  const { t } = view;
  const year = calendar.year;
  const range = { from: `${year}-01-01`, to: `${year}-12-31` };
  return (
    <Layout view={view} title={t('site.observances.title', { year })}>
      <h1>{t('site.observances.title', { year })}</h1>
      <p>{t('site.observances.intro')}</p>
      <nav class="pager" aria-label={t('site.observances.yearNav')}>
        <ul>
          <li><a href={`/observances?year=${year - 1}`}>{t('site.observances.year', { year: year - 1 })}</a></li>
          <li><a href={`/observances?year=${year + 1}`}>{t('site.observances.year', { year: year + 1 })}</a></li>
        </ul>
      </nav>
      <ul class="cards">
        {[...calendar.items].sort(byDate).map((entry) => {
          const own = events.filter((e) => e.observance?.slug === entry.observance.slug);
          return (
            <li class="card">
              <h2><a href={`/observances/${entry.observance.slug}${queryOf({ year: String(year) })}`}>{localized(view, entry.observance.nameZh, entry.observance.nameEn)}</a></h2>
              <p><OccurrenceText view={view} occurrence={entry.occurrence} /></p>
              {entry.publishedEvents === 0 ? <p class="muted">{t('site.observances.noEvents')}</p> : (
                <>
                  <ul>
                    {own.slice(0, EVENTS_PER_DAY).map((event) => <li><a href={`/events/${event.id}`}>{localized(view, event.titleZh, event.titleEn)}</a></li>)}
                  </ul>
                  <p><a href={`/${queryOf({ observance: entry.observance.slug, ...range })}`}>{t('site.observances.allEvents', { count: entry.publishedEvents })}</a></p>
                </>
              )}
            </li>
          );
        })}
      </ul>
      {calendar.items.length === 0 && <p>{t('site.observances.none')}</p>}
    </Layout>
  );
}

function ObservancePage({ view, observance, occurrence, events, names, now, baseUrl, nextCursor }: {
  view: View; observance: ObservanceResponse; occurrence: OccurrenceResponse | null; events: SiteEvent[]; names: Names; now: Date; baseUrl: string; nextCursor: string | null;
}) {
  const { t } = view;
  const name = localized(view, observance.nameZh, observance.nameEn);
  return (
    <Layout view={view} title={name}>
      <h1>{name}</h1>
      {occurrence && <p class="lead">{t('site.observance.datesIn', { year: occurrence.year })}<OccurrenceText view={view} occurrence={occurrence} /></p>}
      <Paragraphs text={localized(view, observance.descriptionZh ?? '', observance.descriptionEn) || null} />
      <h2>{t('site.observance.upcoming')}</h2>
      {events.length === 0 ? <p>{t('site.observance.noUpcoming')}</p> : (
        <ul class="cards">{events.map((event) => <EventCard view={view} event={event} names={names} now={now} />)}</ul>
      )}
      {nextCursor && <p><a href={`/${queryOf({ observance: observance.slug })}`}>{t('site.observance.moreEvents')}</a></p>}
      <h2>{t('site.observance.subscribe')}</h2>
      <p>{t('site.observance.subscribeIntro', { name })}</p>
      <FeedLinks view={view} baseUrl={baseUrl} observance={observance.slug} />
      <p><a href={`/observances${queryOf({ year: occurrence ? String(occurrence.year) : undefined })}`}>{t('site.observance.backToCalendar')}</a></p>
    </Layout>
  );
}

/** The themed-day calendar of a year, and a page per themed day with its events and feeds. */
export const observancePages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock, config }) => {
  const access = { access: 'public' } as const;

  app.get<{ Querystring: { year?: string } }>('/observances', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const api = publicApiFor(inject, request);
    const now = clock.now();
    const year = yearOf(request.query.year, todayIn(config.CALENDAR_TIMEZONE, now).year);
    const calendar = await api<Calendar>('GET', `/calendar${queryOf({ year })}`);
    if (!calendar.ok) throw new Problem(calendar.status, calendar.status === 400 ? 'invalid_year' : calendar.problem.code, calendar.problem.detail);
    const events = await listAll(api, { from: `${calendar.body.year}-01-01`, to: `${calendar.body.year}-12-31` });
    return sendPage(reply, <CalendarPage view={view} calendar={calendar.body} events={events.ok ? events.items : []} />);
  });

  app.get<{ Params: { slug: string }; Querystring: { year?: string } }>('/observances/:slug', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const api = publicApiFor(inject, request);
    const now = clock.now();
    const slug = request.params.slug;
    const observance = await api<ObservanceResponse>('GET', `/observances/${encodeURIComponent(slug)}`);
    if (!observance.ok) throw new Problem(observance.status === 400 ? 404 : observance.status, 'not_found', observance.problem.detail);
    const year = yearOf(request.query.year, todayIn(config.CALENDAR_TIMEZONE, now).year);
    const [occurrence, events, names] = await Promise.all([
      api<OccurrenceResponse>('GET', `/observances/${encodeURIComponent(slug)}/occurrences${queryOf({ year })}`),
      api<EventList>('GET', `/events${queryOf({ observance: slug, limit: '20' })}`),
      loadNames(api),
    ]);
    return sendPage(reply, (
      <ObservancePage view={view} observance={observance.body} occurrence={occurrence.ok ? occurrence.body : null}
        events={events.ok ? events.body.items : []} nextCursor={events.ok ? events.body.nextCursor : null} names={names} now={now} baseUrl={config.PUBLIC_BASE_URL} />
    ));
  });
};
