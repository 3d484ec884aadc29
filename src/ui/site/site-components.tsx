import type { FormErrors } from '../form-errors.js';
import { Field, Select } from '../components.js';
import { formatRange, formatTime, localized, type View } from '../view.js';
import { availabilityOf, comingSessions, feedLinksOf, labelOf, nameOf, type Names, type SiteEvent } from './site-data.js';

/** The seats word of a session or an event, in words and not only colour. */
export function AvailabilityBadge({ view, availability }: { view: View; availability: string | null }) {
  if (!availability) return null;
  return <span class={`badge ${availability}`}>{labelOf(view, 'site.availability', availability)}</span>;
}

/** When an event takes place: one session's time, or the span of several. */
export function EventWhen({ view, event, now }: { view: View; event: SiteEvent; now: Date }) {
  const coming = comingSessions(event, now);
  const shown = coming.length ? coming : event.sessions;
  const first = shown[0];
  const last = shown.at(-1);
  if (!first || !last) return <p class="muted">{view.t('site.event.noSessions')}</p>;
  if (shown.length === 1) return <p>{formatRange(view, first.startsAt, first.endsAt, event.timezone)}</p>;
  return (
    <p>
      {view.t('site.event.sessionSpan', {
        first: formatTime(view, first.startsAt, event.timezone, 'date'),
        last: formatTime(view, last.startsAt, event.timezone, 'date'),
        count: shown.length,
      })}
    </p>
  );
}

/** The venue in one line: name, and town when it has one; "online" for streamed events. */
export function venueLine(view: View, event: SiteEvent): string | null {
  const venue = event.venue;
  if (!venue) return null;
  const name = localized(view, venue.nameZh, venue.nameEn);
  const town = venue.town ? localized(view, venue.town.nameZh, venue.town.nameEn) : null;
  return [venue.isOnline ? `${view.t('site.event.online')} · ${name}` : name, town].filter(Boolean).join(' · ');
}

/** An event in a list: title linking to its page, when, where, themed day, type, seats. */
export function EventCard({ view, event, names, now, heading = 'h3' }: { view: View; event: SiteEvent; names: Names; now: Date; heading?: 'h2' | 'h3' }) {
  const Heading = heading;
  const place = venueLine(view, event);
  const availability = availabilityOf(event, now);
  return (
    <li class="card">
      <Heading><a href={`/events/${event.id}`}>{localized(view, event.titleZh, event.titleEn)}</a></Heading>
      <EventWhen view={view} event={event} now={now} />
      {place && <p>{place}</p>}
      <ul class="tags" aria-label={view.t('site.event.tagsLabel')}>
        <li class="tag">{labelOf(view, 'site.type', event.type)}</li>
        {event.observance && <li class="tag">{localized(view, event.observance.nameZh, event.observance.nameEn)}</li>}
        {event.audiences.map((slug) => <li class="tag">{nameOf(view, names.audiences, slug)}</li>)}
      </ul>
      <p>
        {event.status === 'cancelled'
          ? <span class="badge cancelled">{view.t('site.event.cancelled')}</span>
          : event.registrationMode === 'none'
            ? <span class="muted">{view.t('site.event.noRegistration')}</span>
            : <AvailabilityBadge view={view} availability={availability} />}
      </p>
    </li>
  );
}

/** A text kept with its line breaks, as paragraphs: descriptions are typed by organizers as plain text. */
export function Paragraphs({ text }: { text: string | null }) {
  if (!text) return null;
  return (
    <>
      {text.split(/\n\s*\n/).map((paragraph) => {
        const lines = paragraph.split('\n');
        return <p>{lines.map((line, i) => (i === 0 ? line : <><br />{line}</>))}</p>;
      })}
    </>
  );
}

type FilterProps = { name: string; label: string; errors: FormErrors; value?: string };

/** A filter's select: "all" first, no required/optional marker (every filter is optional). */
export function FilterSelect({ view, name, label, errors, value, options }: FilterProps & { view: View; options: { value: string; label: string }[] }) {
  return <Select view={view} name={name} label={label} errors={errors} value={value} options={options} emptyLabel={view.t('site.filter.all')} marker={false} />;
}

export function FilterInput({ view, name, label, errors, value, type = 'text' }: FilterProps & { view: View; type?: 'text' | 'date' | 'search' }) {
  return <Field view={view} name={name} label={label} errors={errors} value={value} type={type} marker={false} />;
}

/** Subscribe to a themed day: the iCal feed (webcal:// opens the calendar app; https to copy), RSS and JSON. */
export function FeedLinks({ view, baseUrl, observance }: { view: View; baseUrl: string; observance: string }) {
  const links = feedLinksOf(baseUrl, observance, view.lang);
  const { t } = view;
  return (
    <ul class="feed-links">
      <li><a href={links.webcal}>{t('site.feeds.webcal')}</a></li>
      <li><a href={links.ical}>{t('site.feeds.ical')}</a> <span class="muted">{t('site.feeds.icalHint')}</span></li>
      <li><a href={links.rss}>{t('site.feeds.rss')}</a></li>
      <li><a href={links.json}>{t('site.feeds.json')}</a></li>
    </ul>
  );
}
