import { DateTime } from 'luxon';
import { formatTime, localized, type View } from '../view.js';
import type { SiteEvent } from './site-data.js';

/** `2030-04` when it is a month; otherwise the current one (a hand-edited link still shows a calendar). */
export function monthOf(asked: string | undefined, today: DateTime): DateTime {
  const parsed = asked && /^\d{4}-\d{2}$/.test(asked) ? DateTime.fromFormat(asked, 'yyyy-MM', { zone: today.zone }) : null;
  return parsed?.isValid && parsed.year >= 1900 && parsed.year <= 2200 ? parsed.startOf('month') : today.startOf('month');
}

type Entry = { event: SiteEvent; startsAt: string; cancelled: boolean };

/** Each session of the month on the day it starts, in its event's zone. */
function entriesByDay(events: SiteEvent[], month: DateTime) {
  const days = new Map<string, Entry[]>();
  for (const event of events) {
    for (const session of event.sessions) {
      const start = DateTime.fromISO(session.startsAt, { zone: event.timezone });
      if (!start.hasSame(month, 'month')) continue;
      const key = start.toISODate()!;
      days.set(key, [...(days.get(key) ?? []), { event, startsAt: session.startsAt, cancelled: session.status === 'cancelled' || event.status === 'cancelled' }]);
    }
  }
  for (const list of days.values()) list.sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return days;
}

/**
 * The month as a table of weeks (Monday first, as calendars in China are printed). On a
 * phone the stylesheet turns it into a list of the days that have events; so each day names
 * its full date, not only its number.
 */
export function MonthGrid({ view, events, month }: { view: View; events: SiteEvent[]; month: DateTime }) {
  const locale = view.lang === 'zh' ? 'zh-CN' : 'en-GB';
  const days = entriesByDay(events, month);
  const first = month.startOf('week');
  const last = month.endOf('month').endOf('week');
  const weeks: DateTime[][] = [];
  for (let day = first; day <= last; day = day.plus({ days: 1 })) {
    if (day.weekday === 1) weeks.push([]);
    weeks.at(-1)!.push(day);
  }
  const caption = view.lang === 'zh' ? month.toFormat('yyyy年M月') : month.setLocale(locale).toFormat('LLLL yyyy');
  return (
    <table class="month">
      <caption>{caption}</caption>
      <thead>
        <tr>{weeks[0]!.map((day) => <th scope="col">{day.setLocale(locale).toFormat('cccc')}</th>)}</tr>
      </thead>
      <tbody>
        {weeks.map((week) => (
          <tr>
            {week.map((day) => {
              const inMonth = day.hasSame(month, 'month');
              const entries = inMonth ? days.get(day.toISODate()!) ?? [] : [];
              const label = view.lang === 'zh' ? day.setLocale(locale).toFormat('M月d日 ccc') : day.setLocale(locale).toFormat('ccc d LLL');
              return (
                <td class={!inMonth ? 'other-month' : entries.length === 0 ? 'empty-day' : undefined}>
                  {inMonth && <span class="day-number">{label}</span>}
                  {entries.length > 0 && (
                    <ul class="day-events">
                      {entries.map((entry) => (
                        <li>
                          {formatTime(view, entry.startsAt, entry.event.timezone, 'time')}{' '}
                          <a href={`/events/${entry.event.id}`}>{localized(view, entry.event.titleZh, entry.event.titleEn)}</a>
                          {entry.cancelled && <> <span class="badge cancelled">{view.t('site.event.cancelled')}</span></>}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
