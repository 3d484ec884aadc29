import type { ApiCall } from '../../api.js';
import { query, unwrap, type EventJson, type Registration, type RegistrationPage, type Totals } from './shared.js';
import { loadEvent } from './shared.js';

export const STATUSES = ['confirmed', 'waitlisted', 'attended', 'cancelled'] as const;

/** The list's filters, read from the query (or from the form that posted an action on the list). */
export type ListFilters = { sessionId: string; status: string; q: string; cursor: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function filtersOf(source: Record<string, unknown> | undefined): ListFilters {
  const text = (name: string) => (typeof source?.[name] === 'string' ? (source[name] as string).trim() : '');
  const sessionId = text('sessionId');
  const status = text('status');
  return {
    sessionId: UUID.test(sessionId) ? sessionId : '',
    status: (STATUSES as readonly string[]).includes(status) ? status : '',
    q: text('q').slice(0, 100),
    cursor: text('cursor').slice(0, 100),
  };
}

/** The list's address with these filters: where an action on a row returns to. */
export const listHref = (eventId: string, filters: Partial<ListFilters>, extra: Record<string, string> = {}) =>
  `/admin/events/${eventId}/registrations${query({ sessionId: filters.sessionId, status: filters.status, q: filters.q, cursor: filters.cursor, ...extra })}`;

export type ListData = {
  event: EventJson; items: Registration[]; nextCursor: string | null; totals: Totals[];
  /** The waiting list of each session, in the order it moves up. */
  waitlists: { sessionId: string; items: Registration[] }[];
  /** Set when a search stopped before reading every registration (see searchAll). */
  truncated: boolean;
};

const PAGE = 100;
const SEARCH_PAGE = 500;
const SEARCH_PAGES = 20;

/**
 * The API's list has no text search (GET …/registrations takes sessionId, status, limit,
 * cursor), so a search reads the event's registrations page by page and filters them here,
 * on the server; the matches are shown on one page. An event has hundreds of sign-ups, not
 * millions; past SEARCH_PAGES × 500 the page says the search was cut short. A `q` parameter
 * on the API would make this one query.
 */
async function searchAll(api: ApiCall, eventId: string, filters: ListFilters) {
  const needle = normalize(filters.q);
  const digits = /^[\d\s+-]{3,}$/.test(filters.q) ? filters.q.replace(/\D/g, '') : '';
  const matches: Registration[] = [];
  let cursor: string | null = null;
  let totals: Totals[] = [];
  let pages = 0;
  do {
    const page: RegistrationPage = unwrap(await api<RegistrationPage>('GET', `/events/${eventId}/registrations${query({ sessionId: filters.sessionId, status: filters.status, limit: SEARCH_PAGE, cursor })}`));
    if (pages === 0) totals = page.totals;
    for (const r of page.items) if (matchesSearch(r, needle, digits)) matches.push(r);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor && pages < SEARCH_PAGES);
  return { items: matches, totals, truncated: cursor !== null };
}

const normalize = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

export function matchesSearch(r: Registration, needle: string, digits: string): boolean {
  if (!needle) return true;
  if (digits && r.phone && r.phone.replace(/\D/g, '').includes(digits)) return true;
  return [r.name, r.email, r.school, r.gradeClass, r.checkInCode, r.phone].some((value) => value !== null && normalize(value).includes(needle));
}

export async function loadList(api: ApiCall, eventId: string, filters: ListFilters): Promise<ListData> {
  // The list first: it is what tells a caller without rights that they have none (403).
  const listed: Pick<ListData, 'items' | 'nextCursor' | 'totals' | 'truncated'> = filters.q
    ? { ...(await searchAll(api, eventId, filters)), nextCursor: null }
    : { ...unwrap(await api<RegistrationPage>('GET', `/events/${eventId}/registrations${query({ sessionId: filters.sessionId, status: filters.status, limit: PAGE, cursor: filters.cursor })}`)), truncated: false };
  const event = await loadEvent(api, eventId);
  const waiting = listed.totals.reduce((sum, t) => sum + t.waitlisted.registrations, 0);
  let waitlists: ListData['waitlists'] = [];
  if (waiting > 0) {
    const page = unwrap(await api<RegistrationPage>('GET', `/events/${eventId}/registrations${query({ sessionId: filters.sessionId, status: 'waitlisted', limit: SEARCH_PAGE })}`));
    waitlists = listed.totals
      .map((t) => ({ sessionId: t.sessionId, items: page.items.filter((r) => r.sessionId === t.sessionId).sort((a, b) => (a.waitlistPosition ?? 0) - (b.waitlistPosition ?? 0)) }))
      .filter((w) => w.items.length > 0);
  }
  return { ...listed, event, waitlists };
}
