import type { Static } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { bodyOf, type ApiCall } from '../../api.js';
import type { ProblemBody } from '../../../lib/problems.js';
import { Problem } from '../../../lib/problems.js';
import { asId } from '../../../plugins/auth.js';
import type { EventResponse } from '../../../modules/events/events.schemas.js';
import type { RegistrationResponse, SessionTotals } from '../../../modules/registrations/registrations.schemas.js';
import { formErrorsOf, type FormErrors } from '../../form-errors.js';
import { formatRange, formatTime, localized, type View } from '../../view.js';

export type Registration = RegistrationResponse;
export type Totals = Static<typeof SessionTotals>;
export type EventJson = EventResponse;
export type RegistrationPage = { items: Registration[]; nextCursor: string | null; totals: Totals[] };

/** Every page here: hidden from the API docs, open to the guard, staff sessions only. */
export { staffPage } from '../guard.js';

export type EventParams = { id: string };
export type RegistrationParams = { id: string; registrationId: string };

/** The event id of the path; anything that cannot be one is a page that does not exist. */
export function eventIdOf(request: FastifyRequest): string {
  const id = asId((request.params as { id?: unknown }).id);
  if (!id) throw new Problem(404, 'not_found', 'No such page.');
  return id;
}

export function registrationIdOf(request: FastifyRequest): string {
  const id = asId((request.params as { registrationId?: unknown }).registrationId);
  if (!id) throw new Problem(404, 'not_found', 'No such page.');
  return id;
}

export { bodyOf };

export const loadEvent = async (api: ApiCall, eventId: string) => bodyOf(await api<EventJson>('GET', `/events/${eventId}`));

/**
 * A problem in the reader's language. These pages say some codes in their own words first
 * (`adminRegistrations.problem.<code>`: the desk needs "this code is on the waiting list",
 * not a generic conflict), then fall back to the shared catalogue.
 */
export function errorsOf(view: View, problem: ProblemBody, params: Record<string, string | number> = {}): FormErrors {
  const errors = formErrorsOf(view, problem);
  const own = view.lookup(`adminRegistrations.problem.${problem.code}`, params);
  return own ? { ...errors, summary: own } : errors;
}

/** `already_checked_in` says when: the time, in the event's zone, for the message. */
export function timeParams(view: View, event: Pick<EventJson, 'timezone'>, problem: Record<string, unknown>) {
  return { time: typeof problem.checkedInAt === 'string' ? formatTime(view, problem.checkedInAt, event.timezone, 'time') : '' };
}

/** Form values arrive as a string, or a list when a name repeats; the first one counts. */
export const stringOf = (value: unknown): string => (typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : '');

/** "12" → 12; anything else goes to the API as typed, so the API names the fault. */

export const query = (params: Record<string, string | number | undefined | null>) => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const eventTitle = (view: View, event: Pick<EventJson, 'titleZh' | 'titleEn'>) => localized(view, event.titleZh, event.titleEn);

/** A session as staff recognise it: its date and time in the event's zone. */
export function sessionLabel(view: View, event: EventJson, sessionId: string, fallback?: { startsAt: string; endsAt: string }) {
  const session = event.sessions.find((s) => s.id === sessionId) ?? fallback;
  return session ? formatRange(view, session.startsAt, session.endsAt, event.timezone) : '';
}

/** Organizers and admins change registrations; checkers only list and check in (the API decides, the page only hides what would be refused). */
export const mayChange = (view: View) => view.staff !== null && view.staff.role !== 'checker';

/** The title of the event and the way between its registration pages. */
export function EventNav({ view, event, current }: { view: View; event: EventJson; current: 'registrations' | 'check-in' | 'messages' | 'new' | 'attendance' }) {
  const { t } = view;
  const base = `/admin/events/${event.id}`;
  const links = [
    { key: 'registrations', href: `${base}/registrations`, label: t('adminRegistrations.nav.list') },
    { key: 'check-in', href: `${base}/check-in`, label: t('adminRegistrations.nav.checkIn') },
    ...(mayChange(view) ? [
      { key: 'new', href: `${base}/registrations/new`, label: t('adminRegistrations.nav.assisted') },
      { key: 'messages', href: `${base}/messages`, label: t('adminRegistrations.nav.messages') },
      { key: 'attendance', href: `${base}/attendance`, label: t('adminRegistrations.attendance.nav') },
    ] : []),
  ];
  return (
    <nav aria-label={t('adminRegistrations.nav.label')} class="subnav">
      <p class="muted">{eventTitle(view, event)}</p>
      <ul class="tags">
        {mayChange(view) && <li><a href={base}>{t('adminRegistrations.nav.event')}</a></li>}
        {links.map((l) => <li><a href={l.href} aria-current={l.key === current ? 'page' : undefined}>{l.label}</a></li>)}
      </ul>
    </nav>
  );
}

/** Who a registration is: the person, or the class with its teacher. Personal data: staff pages only. */
export function WhoCell({ view, registration }: { view: View; registration: Registration }) {
  const { t } = view;
  if (registration.anonymized) return <span class="muted">{t('adminRegistrations.anonymized')}</span>;
  if (registration.kind === 'class') {
    return (
      <>
        <strong>{registration.school} {registration.gradeClass}</strong>
        {registration.name && <><br />{t('adminRegistrations.teacher', { name: registration.name })}</>}
      </>
    );
  }
  return <strong>{registration.name ?? t('adminRegistrations.noName')}</strong>;
}

export function StatusBadge({ view, registration }: { view: View; registration: Registration }) {
  const { t } = view;
  return (
    <>
      <span class={`badge ${registration.status}`}>{view.lookup(`adminRegistrations.status.${registration.status}`) ?? registration.status}</span>
      {registration.status === 'waitlisted' && registration.waitlistPosition !== null && (
        <><br />{t('adminRegistrations.waitlistPosition', { position: registration.waitlistPosition })}</>
      )}
      {registration.status === 'attended' && registration.checkedInHeadcount !== null && (
        <><br />{t('adminRegistrations.cameOf', { came: registration.checkedInHeadcount, registered: registration.headcount })}</>
      )}
    </>
  );
}
