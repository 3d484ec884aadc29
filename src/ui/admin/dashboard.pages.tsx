import type { FastifyPluginAsync } from 'fastify';
import { DateTime } from 'luxon';
import { apiFor } from '../api.js';
import { Notice } from '../components.js';
import { Layout } from '../layout.js';
import { sendPage } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { formatRange, formatTime, localized, viewOf, type View } from '../view.js';
import { requireStaff } from './guard.js';
import { mailKind, mailZone, type MailPage } from './mail.pages.js';

type EventRef = { id: string; titleZh: string; titleEn: string | null; timezone: string };
type Me = { account: { displayName: string; role: 'admin' | 'organizer' | 'checker'; unitIds: string[] } };
type Unit = { id: string; nameZh: string; nameEn: string };
type Upcoming = {
  id: string; startsAt: string; endsAt: string; capacity: number | null; seatsTaken: number; waitlisted: { registrations: number; headcount: number };
  event: EventRef & { status: string; registrationMode: string };
};
type Recent = {
  id: string; kind: string; status: string; headcount: number; name: string | null; school: string | null; createdAt: string;
  session: { startsAt: string; endsAt: string }; event: EventRef;
};

const SESSIONS_SHOWN = 20;
const RECENT_SHOWN = 10;
const FAILED_SHOWN = 5;

/** The event pages the dashboard links to (built with the events and registrations pages). */
const eventHref = (id: string, page: '' | '/registrations' | '/check-in' = '') => `/admin/events/${id}${page}`;
const eventTitle = (view: View, event: EventRef) => localized(view, event.titleZh, event.titleEn);

function Greeting({ view, me, units }: { view: View; me: Me['account']; units: Unit[] }) {
  const { t } = view;
  const names = units.filter((u) => me.unitIds.includes(u.id)).map((u) => localized(view, u.nameZh, u.nameEn));
  const sentences = [
    t('adminDashboard.greeting', { name: me.displayName }),
    t('adminDashboard.role', { role: t(`adminDashboard.role.${me.role}`) }),
    me.role === 'admin' ? t('adminDashboard.adminScope') : names.length ? t('adminDashboard.units', { units: names.join(view.lang === 'zh' ? '、' : ', ') }) : t('adminDashboard.noUnits'),
  ];
  // Chinese sentences follow each other without a space; English ones with one.
  return <p data-testid="greeting">{sentences.join(view.lang === 'zh' ? '' : ' ')}</p>;
}

/** Sessions under way or starting today in their own zone: where check-in happens now. */
const isToday = (session: Upcoming, now: Date) =>
  DateTime.fromISO(session.startsAt, { zone: session.event.timezone }).hasSame(DateTime.fromJSDate(now).setZone(session.event.timezone), 'day')
  || new Date(session.startsAt) <= now;

function QuickLinks({ view, role, today }: { view: View; role: Me['account']['role']; today: Upcoming[] }) {
  const { t } = view;
  return (
    <section aria-labelledby="quick">
      <h2 id="quick">{t('adminDashboard.quick.title')}</h2>
      <div class="actions">
        {role !== 'checker' && <a class="button" href="/admin/events/new">{t('adminDashboard.quick.newEvent')}</a>}
        <a class="button secondary" href="/admin/events">{t('adminDashboard.quick.events')}</a>
        {role !== 'checker' && <a class="button secondary" href="/admin/mail">{t('adminDashboard.quick.mail')}</a>}
        {today.filter((s) => s.event.registrationMode !== 'none' && s.event.status === 'published').map((s) => (
          <a class="button secondary" href={eventHref(s.event.id, '/check-in')}>
            {t('adminDashboard.quick.checkIn', { event: eventTitle(view, s.event), time: formatTime(view, s.startsAt, s.event.timezone, 'time') })}
          </a>
        ))}
      </div>
    </section>
  );
}

function Seats({ view, session }: { view: View; session: Upcoming }) {
  const { t } = view;
  if (session.event.registrationMode === 'none') return <>{t('adminDashboard.noRegistration')}</>;
  return <>{session.capacity === null ? t('adminDashboard.seatsUnlimited', { taken: session.seatsTaken }) : t('adminDashboard.seats', { taken: session.seatsTaken, capacity: session.capacity })}</>;
}

function Sessions({ view, admin, sessions, more }: { view: View; admin: boolean; sessions: Upcoming[] | null; more: boolean }) {
  const { t } = view;
  return (
    <section aria-labelledby="sessions">
      <h2 id="sessions">{admin ? t('adminDashboard.sessions.titleAll') : t('adminDashboard.sessions.title')}</h2>
      {sessions === null ? <Notice kind="warning">{t('adminDashboard.unavailable')}</Notice> : sessions.length === 0 ? <p>{t('adminDashboard.sessions.empty')}</p> : (
        <div class="table-wrap">
          <table data-testid="sessions">
            <caption>{t('adminDashboard.sessions.caption', { count: sessions.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminDashboard.col.event')}</th>
                <th scope="col">{t('adminDashboard.col.time')}</th>
                <th scope="col">{t('adminDashboard.col.seats')}</th>
                <th scope="col">{t('adminDashboard.col.waitlist')}</th>
                <th scope="col">{t('adminDashboard.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr data-session={s.id}>
                  <th scope="row">
                    <a href={eventHref(s.event.id)}>{eventTitle(view, s.event)}</a>
                    {s.event.status !== 'published' && <> <span class="badge">{view.lookup(`adminDashboard.eventStatus.${s.event.status}`) ?? s.event.status}</span></>}
                  </th>
                  <td>{formatRange(view, s.startsAt, s.endsAt, s.event.timezone)}</td>
                  <td><Seats view={view} session={s} /></td>
                  <td>{s.waitlisted.registrations ? t('adminDashboard.waitlist', { count: s.waitlisted.registrations, headcount: s.waitlisted.headcount }) : t('adminDashboard.none')}</td>
                  <td>
                    {s.event.registrationMode !== 'none' && (
                      <a href={eventHref(s.event.id, '/registrations')} aria-label={t('adminDashboard.linkLabel', { action: t('adminDashboard.link.registrations'), event: eventTitle(view, s.event) })}>
                        {t('adminDashboard.link.registrations')}
                      </a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {more && <p>{t('adminDashboard.sessions.more', { count: SESSIONS_SHOWN })} <a href="/admin/events">{t('adminDashboard.sessions.allEvents')}</a></p>}
    </section>
  );
}

function whoOf(view: View, r: Recent) {
  if (r.kind === 'class' && r.school) return view.t('adminDashboard.recent.class', { school: r.school });
  return r.name ?? view.t('adminDashboard.recent.anonymized');
}

function RecentSignUps({ view, items }: { view: View; items: Recent[] | null }) {
  const { t } = view;
  return (
    <section aria-labelledby="recent">
      <h2 id="recent">{t('adminDashboard.recent.title')}</h2>
      {items === null ? <Notice kind="warning">{t('adminDashboard.unavailable')}</Notice> : items.length === 0 ? <p>{t('adminDashboard.recent.empty')}</p> : (
        <div class="table-wrap">
          <table data-testid="recent">
            <caption>{t('adminDashboard.recent.caption', { count: items.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminDashboard.col.signedUpAt')}</th>
                <th scope="col">{t('adminDashboard.col.who')}</th>
                <th scope="col">{t('adminDashboard.col.event')}</th>
                <th scope="col">{t('adminDashboard.col.session')}</th>
                <th scope="col">{t('adminDashboard.col.headcount')}</th>
                <th scope="col">{t('adminDashboard.col.status')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => (
                <tr data-registration={r.id}>
                  <td>{formatTime(view, r.createdAt, r.event.timezone)}</td>
                  <th scope="row">{whoOf(view, r)}</th>
                  <td><a href={eventHref(r.event.id, '/registrations')}>{eventTitle(view, r.event)}</a></td>
                  <td>{formatRange(view, r.session.startsAt, r.session.endsAt, r.event.timezone)}</td>
                  <td>{r.headcount}</td>
                  <td><span class={`badge ${r.status}`}>{view.lookup(`adminDashboard.status.${r.status}`) ?? r.status}</span></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function FailedMail({ view, mail, calendarZone }: { view: View; mail: MailPage | null; calendarZone: string }) {
  const { t } = view;
  return (
    <section aria-labelledby="failed-mail">
      <h2 id="failed-mail">{t('adminDashboard.mail.title')}</h2>
      {mail === null ? <Notice kind="warning">{t('adminDashboard.unavailable')}</Notice> : mail.counts.failed === 0 ? <p>{t('adminDashboard.mail.none')}</p> : (
        <>
          <Notice kind="warning">{t('adminDashboard.mail.count', { count: mail.counts.failed })}</Notice>
          <p>{t('adminDashboard.mail.latest')}</p>
          <ul data-testid="failed-mail">
            {mail.items.map((m) => (
              <li>{t('adminDashboard.mail.item', {
                kind: mailKind(view, m.kind), event: m.event ? localized(view, m.event.titleZh, m.event.titleEn) : t('adminMail.staffMail'),
                time: formatTime(view, m.updatedAt, mailZone(m, calendarZone)),
              })}</li>
            ))}
          </ul>
          <p><a href="/admin/mail?state=failed">{t('adminDashboard.mail.open')}</a></p>
        </>
      )}
    </section>
  );
}

/**
 * The first page after sign-in: who you are, your units' coming sessions with their seats,
 * the latest sign-ups, and mail that failed. Each part is one API call, limited by the API
 * to what the reader may see; a part whose call fails says so and the rest still shows.
 */
export const adminDashboardPages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock, config }) => {
  app.get('/admin', { config: { access: 'public' }, schema: { hide: true }, preHandler: requireStaff }, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request);
    const role = view.staff?.role;
    const [me, units, sessions, recent, mail] = await Promise.all([
      api<Me>('GET', '/auth/me'),
      api<{ items: Unit[] }>('GET', '/units'),
      api<{ items: Upcoming[]; nextCursor: string | null }>('GET', `/sessions/upcoming?days=30&limit=${SESSIONS_SHOWN}`),
      api<{ items: Recent[] }>('GET', `/registrations/recent?limit=${RECENT_SHOWN}`),
      // Checkers do not see the mail: no call, no section.
      role === 'checker' ? null : api<MailPage>('GET', `/messages?state=failed&limit=${FAILED_SHOWN}`),
    ]);
    if (!me.ok) throw new Error(`the dashboard could not read the account: ${me.status}`);
    const upcoming = sessions.ok ? sessions.body.items : null;
    const title = view.t('adminDashboard.title');
    return sendPage(reply, (
      <Layout view={view} title={title} admin>
        <h1>{title}</h1>
        <Greeting view={view} me={me.body.account} units={units.ok ? units.body.items : []} />
        <QuickLinks view={view} role={me.body.account.role} today={(upcoming ?? []).filter((s) => isToday(s, clock.now()))} />
        <Sessions view={view} admin={me.body.account.role === 'admin'} sessions={upcoming} more={sessions.ok && sessions.body.nextCursor !== null} />
        <RecentSignUps view={view} items={recent.ok ? recent.body.items : null} />
        {mail && <FailedMail view={view} mail={mail.ok ? mail.body : null} calendarZone={config.CALENDAR_TIMEZONE} />}
      </Layout>
    ));
  });
};
