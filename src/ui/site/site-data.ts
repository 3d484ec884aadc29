import { integerOrRaw } from '../form-values.js';
import { DateTime } from 'luxon';
import type { EventResponse, SessionResponse } from '../../modules/events/events.schemas.js';
import type { ProblemBody } from '../../lib/problems.js';
import type { ApiCall } from '../api.js';
import { formErrorsOf, type FormErrors } from '../form-errors.js';
import type { View } from '../view.js';

/** What the site reads from the API, as the API's own types say. */
export type SiteEvent = EventResponse;
export type SiteSession = SessionResponse;
export type EventList = { items: SiteEvent[]; nextCursor: string | null };
export type Named = { slug: string; nameZh: string; nameEn: string };

/** The names the filters offer and the cards show: themed days, towns and audiences. */
export type Names = { observances: Named[]; towns: Named[]; audiences: Named[] };

export async function loadNames(api: ApiCall): Promise<Names> {
  const [observances, towns, audiences] = await Promise.all(['/observances', '/towns', '/audiences'].map((path) => api<{ items: Named[] }>('GET', path)));
  const items = (answer: typeof observances) => (answer?.ok ? answer.body.items : []);
  return { observances: items(observances), towns: items(towns), audiences: items(audiences) };
}

export const nameOf = (view: View, names: Named[], slug: string) => {
  const found = names.find((n) => n.slug === slug);
  return found ? (view.lang === 'en' ? found.nameEn : found.nameZh) : slug;
};

/** A catalogue entry for a code the API sends (event type, availability, status); the code itself if none. */
export const labelOf = (view: View, prefix: string, code: string) => view.lookup(`${prefix}.${code}`) ?? code;

/** A query string from the values that are set, in a stable order: `?a=1&b=2`, or '' when none. */
export function queryOf(params: Record<string, string | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * formErrorsOf, with the site's own words for the problems a resident meets: the same code
 * can mean something else to an organizer (`event_cancelled` when editing, not signing up),
 * so the site's sentence (`site.problem.<code>`) wins where there is one.
 */
export function siteErrorsOf(view: View, problem: ProblemBody, rename?: (field: string) => string): FormErrors {
  const errors = formErrorsOf(view, problem, rename);
  return { ...errors, summary: view.lookup(`site.problem.${problem.code}`) ?? errors.summary };
}

/**
 * The API's complaints about a query string (a list's filters) said by the filter fields,
 * as formErrorsOf says a body's: the filters are named after the query parameters.
 */
export function queryErrorsOf(view: View, problem: ProblemBody): FormErrors {
  const errors = (problem.errors ?? []).map((e) => (e.in === 'querystring' ? { ...e, in: 'body' as const } : e));
  return formErrorsOf(view, { ...problem, errors });
}

/**
 * Every page of a listing, up to `pages` of them: the month view and the themed-day calendar
 * show one bounded stretch of time whole, not a page of it.
 */
export async function listAll(api: ApiCall, params: Record<string, string | undefined>, pages = 5) {
  const items: SiteEvent[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < pages; i++) {
    const answer = await api<EventList>('GET', `/events${queryOf({ ...params, limit: '200', cursor })}`);
    if (!answer.ok) return answer;
    items.push(...answer.body.items);
    if (!answer.body.nextCursor) break;
    cursor = answer.body.nextCursor;
  }
  return { ok: true as const, items };
}

const AVAILABILITY_ORDER = ['available', 'few_left', 'waiting_list', 'full'] as const;
export type Availability = (typeof AVAILABILITY_ORDER)[number];

/** Sessions still to come and not cancelled: the ones a resident can go to or sign up for. */
export const comingSessions = (event: SiteEvent, now: Date) =>
  event.sessions.filter((s) => s.status === 'scheduled' && new Date(s.endsAt) > now);

/** The best a card can say of an event's seats: any session with seats makes it available. Null without registration. */
export function availabilityOf(event: SiteEvent, now: Date): Availability | null {
  const words = comingSessions(event, now).map((s) => s.availability).filter((a): a is Availability => a !== null);
  if (words.length === 0) return null;
  return AVAILABILITY_ORDER.find((a) => words.includes(a)) ?? null;
}

/** A calendar date (2026-04-22) as a reader writes it, without the weekday. */
export function formatDay(view: Pick<View, 'lang'>, date: string): string {
  const day = DateTime.fromISO(date).setLocale(view.lang === 'zh' ? 'zh-CN' : 'en-GB');
  return view.lang === 'zh' ? day.toFormat('yyyy年M月d日') : day.toFormat('d LLLL yyyy');
}

export const formatDays = (view: Pick<View, 'lang'>, start: string, end: string) =>
  (start === end ? formatDay(view, start) : `${formatDay(view, start)} – ${formatDay(view, end)}`);

/** Today in the calendar's zone, for the default month and year. */
export const todayIn = (zone: string, now: Date) => DateTime.fromJSDate(now, { zone });

const utcStamp = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toFormat("yyyyMMdd'T'HHmmss'Z'");
const utcIso = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).toFormat("yyyy-MM-dd'T'HH:mm:ss'Z'");

/** Where the event takes place, in one line for a calendar entry. */
export function placeOf(view: View, event: SiteEvent): string {
  const venue = event.venue;
  if (!venue) return '';
  const name = view.lang === 'en' && venue.nameEn ? venue.nameEn : venue.nameZh;
  const address = view.lang === 'en' && venue.addressEn ? venue.addressEn : venue.addressZh;
  return [name, address].filter(Boolean).join(', ');
}

/** "Add to Google Calendar": its documented event template link, for one session. */
export function googleCalendarUrl(view: View, event: SiteEvent, session: SiteSession, title: string): string {
  const url = new URL('https://calendar.google.com/calendar/render');
  url.searchParams.set('action', 'TEMPLATE');
  url.searchParams.set('text', title);
  url.searchParams.set('dates', `${utcStamp(session.startsAt)}/${utcStamp(session.endsAt)}`);
  url.searchParams.set('details', event.publicUrl);
  const place = placeOf(view, event);
  if (place) url.searchParams.set('location', place);
  url.searchParams.set('ctz', event.timezone);
  return url.toString();
}

/** "Add to Outlook.com": the compose deeplink of Outlook on the web, for one session. */
export function outlookCalendarUrl(view: View, event: SiteEvent, session: SiteSession, title: string): string {
  const url = new URL('https://outlook.live.com/calendar/0/deeplink/compose');
  url.searchParams.set('path', '/calendar/action/compose');
  url.searchParams.set('rru', 'addevent');
  url.searchParams.set('subject', title);
  url.searchParams.set('startdt', utcIso(session.startsAt));
  url.searchParams.set('enddt', utcIso(session.endsAt));
  url.searchParams.set('body', event.publicUrl);
  const place = placeOf(view, event);
  if (place) url.searchParams.set('location', place);
  return url.toString();
}

/** The themed day's feeds at the service's public address: iCal (https and webcal://), RSS and the JSON list. */
export function feedLinksOf(baseUrl: string, observance: string, lang: View['lang']) {
  const filter = queryOf({ observance, lang: lang === 'en' ? 'en' : undefined });
  const ical = `${baseUrl}/feeds/events.ics${filter}`;
  return {
    ical,
    webcal: ical.replace(/^https?:/, 'webcal:'),
    rss: `${baseUrl}/feeds/events.rss${filter}`,
    json: `${baseUrl}/api/v1/events${queryOf({ observance })}`,
  };
}

/** A form value as the API's integer when it is one; else as typed, so the API names the fault. */
export function integerOf(value: string | undefined): number | string | undefined {
  return value?.trim() ? integerOrRaw(value) : undefined;
}

/** A text field as sent: trimmed, and left out when empty. */
export const textOf = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
