import { Feed } from 'feed';
import { DateTime } from 'luxon';
import type { EventResponse } from '../events/events.schemas.js';
import { pick, type AudienceNames, type Language } from './language.js';

export type RssOptions = {
  title: { zh: string; en: string };
  language: Language;
  baseUrl: string;
  /** This feed's own address (atom:link rel=self), filters included. */
  selfUrl: string;
  audienceNames: AudienceNames;
};

/** How long a reader may keep the channel, in minutes (RSS <ttl>): as long as the HTTP max-age allows, rounded up. */
const TTL_MINUTES = 1;
/** The description's excerpt of the event's own text: a widget shows a few lines. */
const EXCERPT_CHARS = 200;

/** XML 1.0 has no room for most control characters, nor for lone surrogates; a title pasted from a document may hold them. */
const xmlSafe = (text: string) => text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
const escapeHtml = (text: string) => xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** When and how often, in the event's own zone: "2024年4月22日 09:00–11:00 (另有2场)". */
function when(event: EventResponse, language: Language): string | null {
  const live = event.sessions.filter((s) => s.status === 'scheduled');
  const first = live[0] ?? event.sessions[0];
  if (!first) return null;
  const locale = language === 'en' ? 'en' : 'zh-CN';
  const start = DateTime.fromISO(first.startsAt, { zone: event.timezone }).setLocale(locale);
  const end = DateTime.fromISO(first.endsAt, { zone: event.timezone }).setLocale(locale);
  const day = language === 'en' ? start.toFormat('d LLL yyyy') : start.toFormat('yyyy年M月d日');
  const more = live.length - 1;
  const others = more <= 0 ? '' : language === 'en' ? ` (and ${more} more session${more > 1 ? 's' : ''})` : `（另有${more}场）`;
  return `${day} ${start.toFormat('HH:mm')}–${end.toFormat('HH:mm')}${others}`;
}

/**
 * RSS 2.0 for news widgets: one item per event, in the list's order (soonest first). The guid
 * is the event's page, so a reader shows each event once; pubDate is when it was published.
 * Written by the `feed` library, which escapes and wraps text in CDATA; the HTML inside the
 * description is escaped here.
 */
export function renderRss(events: EventResponse[], options: RssOptions): string {
  const { language } = options;
  const cancelledMark = language === 'en' ? '[Cancelled] ' : '【已取消】';
  // The last change shown, not the render time: the same events give the same bytes (and ETag).
  const updated = events.reduce((latest, e) => (e.updatedAt > latest ? e.updatedAt : latest), '1970-01-01T00:00:00.000Z');
  const feed = new Feed({
    title: xmlSafe(pick(language, options.title.zh, options.title.en)),
    description: language === 'en' ? 'Science popularisation events: talks, open days, workshops' : '科普活动：讲座、开放日、体验活动',
    id: `${options.baseUrl}/`,
    link: `${options.baseUrl}/`,
    language: language === 'en' ? 'en' : 'zh-cn',
    updated: new Date(updated),
    generator: false,
    ttl: TTL_MINUTES,
    feedLinks: { rss: options.selfUrl },
  });
  for (const event of events) {
    const title = pick(language, event.titleZh, event.titleEn);
    const text = pick(language, event.descriptionZh ?? '', event.descriptionEn);
    const characters = [...text];
    const excerpt = characters.length > EXCERPT_CHARS ? `${characters.slice(0, EXCERPT_CHARS).join('')}…` : text;
    const venue = event.venue ? [pick(language, event.venue.nameZh, event.venue.nameEn), pick(language, event.venue.addressZh ?? '', event.venue.addressEn)].filter(Boolean).join(language === 'en' ? ', ' : '，') : null;
    const time = when(event, language);
    const paragraphs = [time, venue, excerpt].filter((p): p is string => Boolean(p)).map((p) => `<p>${escapeHtml(p)}</p>`);
    feed.addItem({
      title: xmlSafe(`${event.status === 'cancelled' ? cancelledMark : ''}${title}`),
      id: event.publicUrl,
      link: event.publicUrl,
      date: new Date(event.publishedAt ?? event.createdAt),
      description: paragraphs.join(''),
      category: [
        ...(event.observance ? [pick(language, event.observance.nameZh, event.observance.nameEn)] : []),
        ...event.audiences.map((slug) => { const name = options.audienceNames.get(slug); return name ? pick(language, name.zh, name.en) : slug; }),
      ].map((name) => ({ name: xmlSafe(name) })),
    });
  }
  return feed.rss2();
}
