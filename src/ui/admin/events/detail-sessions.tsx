import type { SessionResponse } from '../../../modules/events/events.schemas.js';
import { ActionButton, Csrf, Field } from '../../components.js';
import type { FormErrors } from '../../form-errors.js';
import { formatRange, type View } from '../../view.js';
import { eventHref, mayChange, zoneLabel } from './bits.js';
import type { Detail } from './detail-data.js';
import { textOf, type FormValues } from '../../form-values.js';

/** Sessions can change while the event is a draft or published (not under review, not cancelled). */
export const sessionsEditable = (status: string) => status === 'draft' || status === 'published';

export function capacityText(view: View, session: SessionResponse): string {
  if (session.effectiveCapacity === null) return view.t('adminEvents.seats.unlimitedShort');
  return session.capacity === null ? view.t('adminEvents.session.inherited', { n: session.effectiveCapacity }) : String(session.effectiveCapacity);
}

/** The event's sessions with their seats, and the form that adds one. */
export function SessionsSection({ view, detail, errors, values = {} }: { view: View; detail: Detail; errors: FormErrors; values?: FormValues }) {
  const { t } = view;
  const { event } = detail;
  const editable = mayChange(view, event) && sessionsEditable(event.status);
  const takesSignUps = event.registrationMode !== 'none';
  const totalsOf = (id: string) => detail.totals?.find((s) => s.sessionId === id);
  const sessions = [...event.sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">{t('adminEvents.form.sessions')}</h2>
      {sessions.length === 0 ? <p>{t('adminEvents.noSessions')}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('adminEvents.col.when')}</th>
                <th scope="col">{t('adminEvents.field.capacity')}</th>
                {takesSignUps && <th scope="col">{t('adminEvents.col.seatsLeft')}</th>}
                {takesSignUps && detail.totals && <th scope="col">{t('adminEvents.col.booked')}</th>}
                <th scope="col">{t('adminEvents.field.status')}</th>
                {editable && <th scope="col">{t('adminEvents.col.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => {
                const when = formatRange(view, s.startsAt, s.endsAt, event.timezone);
                const totals = totalsOf(s.id);
                return (
                  <tr data-session-id={s.id}>
                    <th scope="row">{when}</th>
                    <td>{capacityText(view, s)}</td>
                    {takesSignUps && <td>{s.seatsLeft === null ? t('adminEvents.seats.unlimitedShort') : s.seatsLeft}</td>}
                    {takesSignUps && detail.totals && <td>{totals ? t('adminEvents.session.booked', { confirmed: totals.confirmed.headcount, waitlisted: totals.waitlisted.headcount }) : '—'}</td>}
                    <td><span class={`badge ${s.status}`}>{view.lookup(`adminEvents.sessionStatus.${s.status}`) ?? s.status}</span></td>
                    {editable && (
                      <td>
                        {s.status === 'scheduled' && <>
                          <a href={eventHref(event.id, `/sessions/${s.id}`)} aria-label={`${t('adminEvents.session.edit')} ${when}`}>{t('adminEvents.session.edit')}</a>
                          {' · '}
                          <a href={eventHref(event.id, `/sessions/${s.id}/cancel`)} aria-label={`${t('adminEvents.session.cancel')} ${when}`}>{t('adminEvents.session.cancel')}</a>
                        </>}
                        {event.status === 'draft' && <>
                          {' '}
                          <ActionButton view={view} action={eventHref(event.id, `/sessions/${s.id}/delete`)} label={t('adminEvents.session.delete', { when })} />
                        </>}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {editable && (
        <form method="post" action={eventHref(event.id, '/sessions')} class="narrow">
          <Csrf view={view} />
          <h3>{t('adminEvents.session.addTitle')}</h3>
          <p class="hint">{t('adminEvents.hint.sessionTimes', { zone: zoneLabel(view, event.timezone) })}</p>
          <SessionFields view={view} values={values} errors={errors} />
          <button type="submit" class="secondary">{t('adminEvents.session.add')}</button>
        </form>
      )}
    </section>
  );
}

/** Start, end, seats and stream link of one session (the add form and the change page). */
export function SessionFields({ view, values, errors }: { view: View; values: FormValues; errors: FormErrors }) {
  const { t } = view;
  return (
    <>
      <Field view={view} name="startsAt" type="datetime-local" label={t('adminEvents.field.session.startsAt')} value={textOf(values, 'startsAt')} errors={errors} required />
      <Field view={view} name="endsAt" type="datetime-local" label={t('adminEvents.field.session.endsAt')} value={textOf(values, 'endsAt')} errors={errors} required />
      <Field view={view} name="capacity" type="number" inputMode="numeric" min={0} label={t('adminEvents.field.session.capacity')} hint={t('adminEvents.hint.sessionCapacity')}
        value={textOf(values, 'capacity')} errors={errors} />
      <Field view={view} name="streamUrl" type="url" label={t('adminEvents.field.session.streamUrl')} hint={t('adminEvents.hint.streamUrl')} value={textOf(values, 'streamUrl')} errors={errors} />
    </>
  );
}
