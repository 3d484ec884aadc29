import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { eq } from 'drizzle-orm';
import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import { audiences, observances, registrations as registrationsTable } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import type { HttpCache } from '../../lib/http-cache.js';
import { IdParams, StringEnum, problems } from '../../lib/schemas.js';
import { viewerOf } from '../accounts/principal.js';
import { EventListQuery } from '../events/events.schemas.js';
import { listEventIds } from '../events/events.list.js';
import { loadEvents } from '../events/events.queries.js';
import { loadRegistrations } from '../registrations/registrations.queries.js';
import { secretHash } from '../accounts/secrets.js';
import { ManageParams } from '../registrations/registrations.schemas.js';
import { renderCalendar, type CalendarOptions, type Language } from './ical.js';
import { renderRss } from './rss.js';
import { notFound } from '../../lib/problems.js';

type Deps = { db: Database; clock: Clock; config: Config; httpCache: HttpCache };

const ICAL_TYPE = 'text/calendar; charset=utf-8';
const Lang = Type.Optional(StringEnum(['zh', 'en'] as const, { description: 'Language of titles and the calendar name (default zh)' }));
const { limit: _limit, cursor: _cursor, from: _from, to: _to, status: _status, updatedSince: _updated, updated_since: _updatedAlias, ...feedFilters } = EventListQuery.properties;
const FeedQuery = Type.Object({ ...feedFilters, lang: Lang }, { additionalProperties: false });
const LangQuery = Type.Object({ lang: Lang }, { additionalProperties: false });
const RssQuery = Type.Object({
  ...feedFilters, lang: Lang,
  limit: Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Most items, soonest first' }),
}, { additionalProperties: false });
const RSS_TYPE = 'application/rss+xml; charset=utf-8';
const DAY_MS = 24 * 3600_000;
/** Every event a feed could show, however many: a district's year is a few thousand sessions. */
const FEED_LIMIT = 5000;
const icalResponse = { 200: Type.String({ description: 'text/calendar (RFC 5545, RFC 7986)' }) };

const CALENDAR_NAME = { zh: '科普日历', en: 'Kepu Calendar' };

const tags = ['feeds'];

/** What every calendar needs besides its events: links, audience names, the time. */
function calendarOptions({ db, clock, config }: Deps) {
  const links = { baseUrl: config.PUBLIC_BASE_URL, eventPage: (id: string) => `${config.PUBLIC_BASE_URL}/events/${id}` };
  return async (language: Language, name = CALENDAR_NAME): Promise<CalendarOptions> => ({
    name, language, links, now: clock.now(),
    audienceNames: new Map((await db.select().from(audiences)).map((a) => [a.slug, { zh: a.nameZh, en: a.nameEn }])),
  });
}

/**
 * The public feeds at /feeds: the iCal subscription and RSS, with the JSON list's filters.
 * Cached and answered with 304 to a matching ETag (lib/http-cache.ts).
 */
export const feedRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  const { db, clock, config, httpCache } = deps;
  const options = calendarOptions(deps);
  /** A themed day's feed is named after it. */
  const feedName = async (observance: string | undefined) => {
    if (!observance) return CALENDAR_NAME;
    const [day] = await db.select({ zh: observances.nameZh, en: observances.nameEn }).from(observances).where(eq(observances.slug, observance));
    return day ? { zh: `${CALENDAR_NAME.zh}·${day.zh}`, en: `${CALENDAR_NAME.en}: ${day.en}` } : CALENDAR_NAME;
  };
  app.get('/feeds/events.ics', {
    config: { access: 'public' },
    schema: {
      tags, operationId: 'eventsFeed', summary: 'Published sessions, upcoming and of the past 30 days, as an iCal subscription; the JSON list\'s filters apply',
      querystring: FeedQuery, produces: ['text/calendar'], response: { ...icalResponse, ...problems(400) },
    },
  }, async (request, reply) => httpCache.send(request, reply, async () => {
    const { lang, ...filters } = request.query;
    const now = clock.now();
    const { ids } = await listEventIds(db, { ...filters, from: new Date(now.getTime() - 30 * DAY_MS).toISOString(), limit: FEED_LIMIT }, { kind: 'public' }, config.CALENDAR_TIMEZONE, now);
    const events = await loadEvents(db, ids, { publicView: true, baseUrl: config.PUBLIC_BASE_URL });
    return { body: renderCalendar(events, await options(lang ?? 'zh', await feedName(filters.observance))), contentType: ICAL_TYPE, tracksCatalogue: true };
  }));

  app.get('/feeds/events.rss', {
    config: { access: 'public' },
    schema: {
      tags, operationId: 'eventsRss', summary: 'Upcoming published events as RSS 2.0, soonest first, for news widgets; the JSON list\'s filters apply',
      querystring: RssQuery, produces: ['application/rss+xml'], response: { 200: Type.String({ description: 'application/rss+xml (RSS 2.0)' }), ...problems(400) },
    },
  }, async (request, reply) => httpCache.send(request, reply, async () => {
    const { lang, limit, ...filters } = request.query;
    const { ids } = await listEventIds(db, { ...filters, limit }, { kind: 'public' }, config.CALENDAR_TIMEZONE, clock.now());
    const events = await loadEvents(db, ids, { publicView: true, baseUrl: config.PUBLIC_BASE_URL });
    const { name, audienceNames } = await options(lang ?? 'zh', await feedName(filters.observance));
    const body = renderRss(events, { title: name, language: lang ?? 'zh', baseUrl: config.PUBLIC_BASE_URL, selfUrl: `${config.PUBLIC_BASE_URL}${request.url}`, audienceNames });
    return { body, contentType: RSS_TYPE, tracksCatalogue: true };
  }));
};

/** Under /api/v1: one event's calendar (cached like the feed), and a registrant's own booking (private). */
export const calendarRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, deps) => {
  const { db, config, httpCache } = deps;
  const options = calendarOptions(deps);

  app.get('/events/:id.ics', {
    config: { access: 'public' },
    schema: { tags, operationId: 'eventCalendar', summary: 'One event\'s sessions as an iCal calendar', params: IdParams, querystring: LangQuery, produces: ['text/calendar'], response: { ...icalResponse, ...problems(404) } },
  }, async (request, reply) => httpCache.send(request, reply, async () => {
    const viewer = viewerOf(request.principal);
    const [event] = await loadEvents(db, [request.params.id], { publicView: viewer.kind === 'public', baseUrl: config.PUBLIC_BASE_URL });
    // Drafts are for their organizers; the public calendar shows what was published.
    if (!event || event.publishedAt === null) throw notFound('event', request.params.id);
    return { body: renderCalendar([event], await options(request.query.lang ?? 'zh', { zh: event.titleZh, en: event.titleEn ?? event.titleZh })), contentType: ICAL_TYPE, tracksCatalogue: true };
  }));

  app.get('/registrations/:token.ics', {
    config: { access: 'public' },
    schema: { tags, operationId: 'myRegistrationCalendar', summary: 'My booked session as an iCal event (private: the manage link\'s token)', params: ManageParams, querystring: LangQuery, produces: ['text/calendar'], response: { ...icalResponse, ...problems(404) } },
  }, async (request, reply) => {
    const [registration] = await loadRegistrations(db, eq(registrationsTable.manageTokenHash, secretHash(request.params.token)));
    if (!registration) throw notFound('registration');
    const [event] = await loadEvents(db, [registration.eventId], { publicView: true, baseUrl: config.PUBLIC_BASE_URL });
    const language = request.query.lang ?? registration.language;
    const calendar = renderCalendar([event!], { ...(await options(language, { zh: event!.titleZh, en: event!.titleEn ?? event!.titleZh })), sessionIds: new Set([registration.sessionId]) });
    // Private: it belongs to whoever holds the link, and is never kept by shared caches.
    return reply.header('cache-control', 'private, no-store').type(ICAL_TYPE).send(calendar);
  });
};
