import { Csrf, ErrorSummary, Notice } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { formatTime, type View } from '../../view.js';
import { listHref, STATUSES, type ListData, type ListFilters } from './list-data.js';
import { EventNav, eventTitle, mayChange, query, sessionLabel, StatusBadge, WhoCell, type EventJson, type Registration, type Totals } from './shared.js';

type Props = { view: View; data: ListData; filters: ListFilters; errors?: FormErrors; done?: string };

export function ListPage({ view, data, filters, errors = noErrors, done }: Props) {
  const { t } = view;
  const { event } = data;
  const notice = done ? view.lookup(`adminRegistrations.done.${done}`) : undefined;
  const title = t('adminRegistrations.list.title');
  return (
    <Layout view={view} title={`${title} · ${eventTitle(view, event)}`} admin>
      <EventNav view={view} event={event} current="registrations" />
      <h1>{title}</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      <ErrorSummary view={view} errors={errors} />
      <TotalsTable view={view} event={event} totals={data.totals} />
      <div class="actions">
        {mayChange(view) && (
          <a class="button secondary" href={`/api/v1/events/${event.id}/registrations.csv${query({ sessionId: filters.sessionId })}`} download data-testid="csv-link">
            {filters.sessionId ? t('adminRegistrations.list.csvSession') : t('adminRegistrations.list.csv')}
          </a>
        )}
        <a class="button secondary" href={`/admin/events/${event.id}/check-in`}>{t('adminRegistrations.nav.checkIn')}</a>
      </div>
      {data.waitlists.length > 0 && <WaitingLists view={view} data={data} filters={filters} />}
      <h2 id="list">{t('adminRegistrations.list.heading')}</h2>
      <Filters view={view} event={event} filters={filters} />
      {filters.q && <p role="status">{t('adminRegistrations.list.found', { count: data.items.length })}</p>}
      {data.items.length === 0
        ? <p>{t('adminRegistrations.list.empty')}</p>
        : <RegistrationTable view={view} event={event} items={data.items} filters={filters} />}
      {(data.nextCursor || filters.cursor) && (
        <nav aria-label={t('adminRegistrations.list.pages')} class="actions">
          {filters.cursor && <a href={listHref(event.id, { ...filters, cursor: '' })}>{t('adminRegistrations.list.firstPage')}</a>}
          {data.nextCursor && <a href={listHref(event.id, { ...filters, cursor: data.nextCursor })} rel="next">{t('adminRegistrations.list.nextPage')}</a>}
        </nav>
      )}
    </Layout>
  );
}

function TotalsTable({ view, event, totals }: { view: View; event: EventJson; totals: Totals[] }) {
  const { t } = view;
  const count = (c: { registrations: number; headcount: number }) => t('adminRegistrations.count', { people: c.headcount, registrations: c.registrations });
  return (
    <div class="table-wrap">
      <table data-testid="totals">
        <caption>{t('adminRegistrations.totals.caption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('adminRegistrations.totals.session')}</th>
            <th scope="col">{t('adminRegistrations.totals.capacity')}</th>
            <th scope="col">{t('adminRegistrations.totals.seatsLeft')}</th>
            <th scope="col">{t('adminRegistrations.status.confirmed')}</th>
            <th scope="col">{t('adminRegistrations.status.waitlisted')}</th>
            <th scope="col">{t('adminRegistrations.status.attended')}</th>
            <th scope="col">{t('adminRegistrations.status.cancelled')}</th>
          </tr>
        </thead>
        <tbody>
          {totals.map((row) => (
            <tr>
              <th scope="row">{sessionLabel(view, event, row.sessionId) || formatTime(view, row.startsAt, event.timezone)}</th>
              <td>{row.capacity ?? t('adminRegistrations.totals.unlimited')}</td>
              <td>{row.seatsLeft ?? t('adminRegistrations.totals.unlimited')}</td>
              <td>{count(row.confirmed)}</td>
              <td>{count(row.waitlisted)}</td>
              <td>{count(row.attended)}<br />{t('adminRegistrations.totals.came', { people: row.attended.checkedInHeadcount })}</td>
              <td>{count(row.cancelled)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Filters({ view, event, filters }: { view: View; event: EventJson; filters: ListFilters }) {
  const { t } = view;
  return (
    <form method="get" action={`/admin/events/${event.id}/registrations`} class="filters" role="search">
      <div class="field">
        <label for="f-q">{t('adminRegistrations.filter.q')}</label>
        <input id="f-q" name="q" type="search" value={filters.q} aria-describedby="f-q-hint" />
        <p class="hint" id="f-q-hint">{t('adminRegistrations.filter.qHint')}</p>
      </div>
      {event.sessions.length > 1 && (
        <div class="field">
          <label for="f-sessionId">{t('adminRegistrations.filter.session')}</label>
          <select id="f-sessionId" name="sessionId">
            <option value="">{t('adminRegistrations.filter.all')}</option>
            {event.sessions.map((s) => <option value={s.id} selected={s.id === filters.sessionId}>{sessionLabel(view, event, s.id)}</option>)}
          </select>
        </div>
      )}
      <div class="field">
        <label for="f-status">{t('adminRegistrations.filter.status')}</label>
        <select id="f-status" name="status">
          <option value="">{t('adminRegistrations.filter.all')}</option>
          {STATUSES.map((s) => <option value={s} selected={s === filters.status}>{t(`adminRegistrations.status.${s}`)}</option>)}
        </select>
      </div>
      <div class="field"><button type="submit">{t('adminRegistrations.filter.submit')}</button></div>
    </form>
  );
}

/** Each row's actions: POST forms that carry the list's filters back (`back`), so the reader stays where they were. */
function RowActions({ view, registration, filters }: { view: View; registration: Registration; filters: ListFilters }) {
  const { t } = view;
  const base = `/admin/events/${registration.eventId}/registrations/${registration.id}`;
  const back = listHref(registration.eventId, filters);
  const who = registration.name ?? registration.school ?? registration.checkInCode;
  const button = (action: string, label: string, danger = false) => (
    <form method="post" action={`${base}/${action}`} class="inline">
      <Csrf view={view} />
      <input type="hidden" name="back" value={back} />
      <button type="submit" class={danger ? 'danger' : 'secondary'} aria-label={`${label}：${who}`}>{label}</button>
    </form>
  );
  const organizer = mayChange(view);
  return (
    <div class="row-actions">
      {registration.status === 'confirmed' && (
        <form method="post" action={`${base}/check-in`} class="inline check-in-row">
          <Csrf view={view} />
          <input type="hidden" name="back" value={back} />
          <label for={`came-${registration.id}`}>{t('adminRegistrations.row.came')}</label>
          <input id={`came-${registration.id}`} name="headcount" type="number" inputMode="numeric" min={0} max={registration.headcount} value={registration.headcount} class="small" />
          <button type="submit" aria-label={`${t('adminRegistrations.row.checkIn')}：${who}`}>{t('adminRegistrations.row.checkIn')}</button>
        </form>
      )}
      {registration.status === 'attended' && button('undo-check-in', t('adminRegistrations.row.undo'))}
      {organizer && registration.status === 'waitlisted' && button('promote', t('adminRegistrations.row.promote'))}
      {organizer && !registration.anonymized && button('manage-link', t('adminRegistrations.row.manageLink'))}
      {organizer && (registration.status === 'confirmed' || registration.status === 'waitlisted') && button('cancel', t('adminRegistrations.row.cancel'), true)}
    </div>
  );
}

function RegistrationTable({ view, event, items, filters }: { view: View; event: EventJson; items: Registration[]; filters: ListFilters }) {
  const { t } = view;
  const several = event.sessions.length > 1;
  return (
    <div class="table-wrap">
      <table data-testid="registrations" aria-labelledby="list">
        <thead>
          <tr>
            <th scope="col">{t('adminRegistrations.col.who')}</th>
            <th scope="col">{t('adminRegistrations.col.contact')}</th>
            {several && <th scope="col">{t('adminRegistrations.col.session')}</th>}
            <th scope="col">{t('adminRegistrations.col.headcount')}</th>
            <th scope="col">{t('adminRegistrations.col.status')}</th>
            <th scope="col">{t('adminRegistrations.col.code')}</th>
            <th scope="col">{t('adminRegistrations.col.actions')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr data-registration={r.id}>
              <td><WhoCell view={view} registration={r} /><br /><span class="muted">{view.lookup(`adminRegistrations.source.${r.source}`) ?? r.source}</span></td>
              <td>{r.phone}{r.phone && r.email && <br />}{r.email}</td>
              {several && <td>{sessionLabel(view, event, r.sessionId, r.session)}</td>}
              <td>{r.headcount}</td>
              <td><StatusBadge view={view} registration={r} /></td>
              <td><span class="code-small">{r.checkInCode}</span></td>
              <td><RowActions view={view} registration={r} filters={filters} /></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The waiting list of each session in the order it moves up: who is next, and the button to confirm by hand. */
function WaitingLists({ view, data, filters }: { view: View; data: ListData; filters: ListFilters }) {
  const { t } = view;
  const { event } = data;
  return (
    <section aria-labelledby="waitlist-heading">
      <h2 id="waitlist-heading">{t('adminRegistrations.waitlist.heading')}</h2>
      <p class="hint">{t('adminRegistrations.waitlist.intro', { minutes: event.promotionCutoffMinutes })}</p>
      {data.waitlists.map((w) => (
        <div class="table-wrap">
          <table data-testid="waitlist">
            <caption>{sessionLabel(view, event, w.sessionId)}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminRegistrations.waitlist.position')}</th>
                <th scope="col">{t('adminRegistrations.col.who')}</th>
                <th scope="col">{t('adminRegistrations.col.headcount')}</th>
                <th scope="col">{t('adminRegistrations.waitlist.since')}</th>
                <th scope="col">{t('adminRegistrations.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {w.items.map((r) => (
                <tr>
                  <th scope="row">{r.waitlistPosition}</th>
                  <td><WhoCell view={view} registration={r} /></td>
                  <td>{r.headcount}</td>
                  <td>{formatTime(view, r.createdAt, event.timezone)}</td>
                  <td><RowActions view={view} registration={r} filters={filters} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}
