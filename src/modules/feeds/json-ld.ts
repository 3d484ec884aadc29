import { DateTime } from 'luxon';
import type { EventResponse, SessionResponse } from '../events/events.schemas.js';

const SCHEMA = 'https://schema.org/';
type Thing = Record<string, unknown>;

const AVAILABILITY: Record<string, string> = { available: 'InStock', few_left: 'LimitedAvailability', waiting_list: 'SoldOut', full: 'SoldOut' };

/** An instant as the event's local time with its offset (2030-04-22T09:00:00+08:00), as schema.org readers expect. */
const local = (iso: string, zone: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).toISO({ suppressMilliseconds: true })!;

function location(event: EventResponse): Thing | undefined {
  const venue = event.venue;
  if (!venue) return undefined;
  if (venue.isOnline) return { '@type': 'VirtualLocation', name: venue.nameZh, url: event.publicUrl };
  return {
    '@type': 'Place',
    name: venue.nameZh,
    address: {
      '@type': 'PostalAddress', addressCountry: 'CN',
      ...(venue.addressZh ? { streetAddress: venue.addressZh } : {}),
      ...(venue.town ? { addressLocality: venue.town.nameZh } : {}),
    },
    ...(venue.latitude !== null && venue.longitude !== null ? { geo: { '@type': 'GeoCoordinates', latitude: venue.latitude, longitude: venue.longitude } } : {}),
  };
}

function statusOf(event: EventResponse, sessions: SessionResponse[]) {
  if (event.status === 'cancelled' || (sessions.length > 0 && sessions.every((s) => s.status === 'cancelled'))) return { eventStatus: `${SCHEMA}EventCancelled` };
  const moved = sessions.find((s) => s.status === 'scheduled' && s.previousStartsAt);
  return moved
    ? { eventStatus: `${SCHEMA}EventRescheduled`, previousStartDate: local(moved.previousStartsAt!, event.timezone) }
    : { eventStatus: `${SCHEMA}EventScheduled` };
}

function seats(event: EventResponse, session: SessionResponse): Thing {
  return {
    ...(session.effectiveCapacity !== null ? { maximumAttendeeCapacity: session.effectiveCapacity } : {}),
    ...(session.seatsLeft !== null ? { remainingAttendeeCapacity: session.seatsLeft } : {}),
    offers: {
      '@type': 'Offer', price: 0, priceCurrency: 'CNY', url: event.publicUrl,
      availability: `${SCHEMA}${AVAILABILITY[session.availability ?? 'available'] ?? 'InStock'}`,
      ...(event.registrationOpensAt ? { validFrom: local(event.registrationOpensAt, event.timezone) } : {}),
    },
  };
}

/**
 * The event as a schema.org Event for search engines and portals: one Event, and with several
 * sessions one subEvent each. Times carry the event's offset; seats, price (free) and
 * availability ride on each session's Offer. Public data only.
 */
export function eventJsonLd(event: EventResponse): Thing {
  const sessions = event.sessions;
  const live = sessions.filter((s) => s.status === 'scheduled');
  const span = live.length ? live : sessions;
  const mode = event.venue?.isOnline ? 'OnlineEventAttendanceMode'
    : sessions.some((s) => s.streamUrl) ? 'MixedEventAttendanceMode' : 'OfflineEventAttendanceMode';
  const place = location(event);
  const common = {
    name: event.titleZh,
    ...(event.descriptionZh ? { description: event.descriptionZh } : {}),
    url: event.publicUrl,
    inLanguage: 'zh-CN',
    isAccessibleForFree: true,
    eventAttendanceMode: `${SCHEMA}${mode}`,
    ...(place ? { location: place } : {}),
    organizer: [event.ownerUnit, ...event.coUnits].map((unit) => ({ '@type': 'Organization', name: unit.nameZh })),
    ...(event.audiences.length ? { audience: event.audiences.map((slug) => ({ '@type': 'Audience', audienceType: slug })) } : {}),
  };
  const one = (session: SessionResponse): Thing => ({
    '@type': 'Event', ...common,
    startDate: local(session.startsAt, event.timezone), endDate: local(session.endsAt, event.timezone),
    ...statusOf(event, [session]), ...seats(event, session),
  });
  if (sessions.length === 1) return { '@context': 'https://schema.org', ...one(sessions[0]!) };
  return {
    '@context': 'https://schema.org', '@type': 'Event', ...common,
    ...(span.length ? { startDate: local(span[0]!.startsAt, event.timezone), endDate: local(span.at(-1)!.endsAt, event.timezone) } : {}),
    ...statusOf(event, sessions),
    subEvent: sessions.map(one),
  };
}
