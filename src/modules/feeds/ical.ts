import icalGenerator, { ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus, type ICalCalendarData, type ICalEventData } from 'ical-generator';
import { DateTime } from 'luxon';
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { EventResponse } from '../events/events.schemas.js';

import { pick, type AudienceNames, type Language } from './language.js';

export type { Language } from './language.js';

/** Where things live, for the links written into calendars. */
export type Links = { baseUrl: string; eventPage(eventId: string): string };

const DAY_MS = 24 * 3600_000;
/** A cancelled session stays in feeds this long with STATUS:CANCELLED, so subscribed calendars drop it. */
export const CANCELLED_KEPT_MS = 30 * DAY_MS;

/** The VTIMEZONE of a zone, written into every calendar that uses it (ical-generator writes none by itself). */
const vtimezone = (zone: string) => {
  const block = tzlib_get_ical_block(zone);
  return Array.isArray(block) && block[0] ? block[0] : null;
};

/** RFC 5545 TEXT escaping, for the calendar name, which ical-generator writes as given. */
const escapeText = (text: string) => text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** Seconds of the calendar's suggested refresh: feeds change when events do, an hour is plenty. */
const REFRESH_SECONDS = 3600;

export type CalendarOptions = {
  name: { zh: string; en: string };
  language: Language;
  links: Links;
  /** PUBLISH for feeds; REQUEST and CANCEL belong to mail. */
  method?: 'PUBLISH' | 'REQUEST' | 'CANCEL';
  audienceNames: AudienceNames;
  now: Date;
  /** Only these sessions (a registrant's own booking). */
  sessionIds?: Set<string>;
  /**
   * A mailed invitation (REQUEST or CANCEL): who sends it and to whom, as iTIP (RFC 5546)
   * wants, so mail clients offer to add, update or remove the entry. The attendee is the
   * recipient, already accepted (they signed up), asked for no reply.
   */
  invite?: { organizer: { name: string; email: string }; attendee: { name: string | null; email: string } };
};

/** Which sessions a feed shows: live ones, and cancelled ones for 30 days after their cancellation. */
export function sessionsShown(event: EventResponse, now: Date) {
  const eventCancelled = event.status === 'cancelled';
  return event.sessions.filter((s) => {
    const cancelled = eventCancelled || s.status === 'cancelled';
    if (!cancelled) return true;
    const cancelledAt = Date.parse(eventCancelled && event.cancelledAt ? event.cancelledAt : s.updatedAt);
    return now.getTime() - cancelledAt < CANCELLED_KEPT_MS;
  });
}

/**
 * An RFC 5545 calendar with one VEVENT per session. The UID is the session's id at the
 * service's host, so it never changes; SEQUENCE is the session's (it rises on every change a
 * calendar shows); times carry the event's TZID with its VTIMEZONE in the calendar.
 */
export function renderCalendar(events: EventResponse[], options: CalendarOptions): string {
  const calendar = icalGenerator(calendarData(options));
  for (const data of calendarEvents(events, options)) calendar.createEvent(data);
  // RFC 5545 ends every content line with CRLF, the last one too; ical-generator leaves it off.
  const text = calendar.toString();
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

/** The calendar's own properties. */
export function calendarData(options: CalendarOptions): ICalCalendarData {
  const { language } = options;
  return {
    prodId: { company: 'Kepu Calendar', product: 'kepu-calendar', language: language.toUpperCase() },
    name: escapeText(language === 'en' ? options.name.en : options.name.zh),
    ttl: REFRESH_SECONDS,
    // No zone of its own (each event has one), but the generator writes a VTIMEZONE for every zone used.
    timezone: { name: '', generator: vtimezone },
    method: options.method ? ICalCalendarMethod[options.method] : null,
  };
}

/** What ical-generator is given for each session shown (bench/feeds times the library on exactly this). */
export function calendarEvents(events: EventResponse[], options: CalendarOptions): ICalEventData[] {
  const { language, links, now } = options;
  const host = new URL(links.baseUrl).host;
  const data: ICalEventData[] = [];
  for (const event of events) {
    const cancelledEvent = event.status === 'cancelled';
    const url = links.eventPage(event.id);
    const title = pick(language, event.titleZh, event.titleEn);
    const description = pick(language, event.descriptionZh ?? '', event.descriptionEn);
    const howToRegister = event.registrationMode === 'none'
      ? (language === 'en' ? 'Open to all, no registration needed.' : '无需报名，欢迎参加。')
      : (language === 'en' ? `Registration: ${url}` : `报名：${url}`);
    const venue = event.venue;
    const categories = [
      ...(event.observance ? [pick(language, event.observance.nameZh, event.observance.nameEn)] : []),
      ...event.audiences.map((slug) => { const name = options.audienceNames.get(slug); return name ? pick(language, name.zh, name.en) : slug; }),
    ];
    // Feeds drop a cancelled session after a while; a mailed invitation or cancellation names its session whatever its age.
    const shown = options.method === 'REQUEST' || options.method === 'CANCEL' ? event.sessions : sessionsShown(event, now);
    for (const session of shown) {
      if (options.sessionIds && !options.sessionIds.has(session.id)) continue;
      // A CANCEL removes the entry from the recipient's calendar whatever the session's state.
      const cancelled = cancelledEvent || session.status === 'cancelled' || options.method === 'CANCEL';
      const modified = DateTime.fromISO([session.updatedAt, event.updatedAt].sort().at(-1)!, { zone: 'utc' });
      data.push({
        id: `${session.id}@${host}`,
        start: DateTime.fromISO(session.startsAt, { zone: event.timezone }),
        end: DateTime.fromISO(session.endsAt, { zone: event.timezone }),
        timezone: event.timezone,
        // The instance's last change, not the render time: the same data gives the same bytes (and ETag).
        stamp: modified,
        lastModified: modified,
        summary: title,
        description: [description, url, howToRegister].filter(Boolean).join('\n\n'),
        location: venue ? {
          title: pick(language, venue.nameZh, venue.nameEn),
          address: pick(language, venue.addressZh ?? '', venue.addressEn) || undefined,
          ...(venue.latitude !== null && venue.longitude !== null ? { geo: { lat: venue.latitude, lon: venue.longitude } } : {}),
        } : null,
        url,
        categories: categories.map((name) => ({ name })),
        sequence: session.sequence,
        status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
        ...(options.invite ? {
          organizer: options.invite.organizer,
          attendees: [{ email: options.invite.attendee.email, name: options.invite.attendee.name, rsvp: false, status: ICalAttendeeStatus.ACCEPTED }],
        } : {}),
      });
    }
  }
  return data;
}
