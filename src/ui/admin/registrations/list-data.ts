import type { ApiCall } from '../../api.js';
import { query, bodyOf, type EventJson, type Registration, type RegistrationPage, type Totals } from './shared.js';
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
};

const PAGE = 100;
const WAITLIST_PAGE = 500;

export async function loadList(api: ApiCall, eventId: string, filters: ListFilters): Promise<ListData> {
  // The list first: it is what tells a caller without rights that they have none (403).
  const listed = bodyOf(await api<RegistrationPage>('GET', `/events/${eventId}/registrations${query({ sessionId: filters.sessionId, status: filters.status, q: filters.q, limit: PAGE, cursor: filters.cursor })}`));
  const event = await loadEvent(api, eventId);
  const waiting = listed.totals.reduce((sum, t) => sum + t.waitlisted.registrations, 0);
  let waitlists: ListData['waitlists'] = [];
  if (waiting > 0) {
    const page = bodyOf(await api<RegistrationPage>('GET', `/events/${eventId}/registrations${query({ sessionId: filters.sessionId, status: 'waitlisted', limit: WAITLIST_PAGE })}`));
    waitlists = listed.totals
      .map((t) => ({ sessionId: t.sessionId, items: page.items.filter((r) => r.sessionId === t.sessionId).sort((a, b) => (a.waitlistPosition ?? 0) - (b.waitlistPosition ?? 0)) }))
      .filter((w) => w.items.length > 0);
  }
  return { ...listed, event, waitlists };
}
