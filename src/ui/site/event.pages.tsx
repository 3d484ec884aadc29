import type { FastifyPluginAsync } from 'fastify';
import { eventJsonLd } from '../../modules/feeds/json-ld.js';
import type { VenueResponse } from '../../modules/venues/venues.schemas.js';
import { Problem, type ProblemBody } from '../../lib/problems.js';
import { publicApiFor, type ApiCall } from '../api.js';
import { ErrorSummary, Notice } from '../components.js';
import { noErrors, type FormErrors } from '../form-errors.js';
import { Layout } from '../layout.js';
import { sendPage, seeOther } from '../render.js';
import type { UiDeps } from '../ui.routes.js';
import { formatRange, localized, viewOf, type View } from '../view.js';
import { AvailabilityBadge, Paragraphs, venueLine } from './site-components.js';
import { googleCalendarUrl, labelOf, loadNames, nameOf, outlookCalendarUrl, queryOf, siteErrorsOf, textOf, type Names, type SiteEvent } from './site-data.js';
import { NoSignUp, SendLinkForm, SignUpForm, signUpBodyOf, signUpStateOf, type Consent, type SignUpValues } from './signup-form.js';

type EventData = { event: SiteEvent; venue: VenueResponse | null; consent: Consent | null; names: Names };

/** The event as the public sees it (drafts are a 404 there), its venue's accessibility notes, the consent text. */
async function loadEvent(api: ApiCall, id: string): Promise<EventData> {
  const [event, consent, names] = await Promise.all([
    api<SiteEvent>('GET', `/events/${encodeURIComponent(id)}`),
    api<Consent>('GET', '/consent'),
    loadNames(api),
  ]);
  if (!event.ok) throw new Problem(event.status === 400 ? 404 : event.status, 'not_found', event.problem.detail);
  const venue = event.body.venue ? await api<VenueResponse>('GET', `/venues/${event.body.venue.id}`) : null;
  return { event: event.body, venue: venue?.ok ? venue.body : null, consent: consent.ok ? consent.body : null, names };
}

/** JSON-LD inside a script element: `<` escaped so no text in it can close the element. */
const jsonLdOf = (event: SiteEvent) => JSON.stringify(eventJsonLd(event)).replace(/</g, '\\u003c');

type PageState = {
  form: SignUpValues; errors: FormErrors; problem?: ProblemBody;
  linkEmail?: string; linkErrors: FormErrors; notice?: 'link-sent';
};
const freshState: PageState = { form: {}, errors: noErrors, linkErrors: noErrors };

function EventPage({ view, data, now, state }: { view: View; data: EventData; now: Date; state: PageState }) {
  const { t } = view;
  const { event, venue, consent, names } = data;
  const title = localized(view, event.titleZh, event.titleEn);
  const signUp = signUpStateOf(event, now);
  const alreadyRegistered = state.problem?.code === 'already_registered';
  return (
    <Layout view={view} title={title} scripts={['/assets/site-signup.js']}>
      <script type="application/ld+json" dangerouslySetInnerHTML={{ __html: jsonLdOf(event) }} />
      <h1>{title}</h1>
      {event.status === 'cancelled' && <Notice kind="warning">{t('site.event.cancelledNotice')}</Notice>}
      {state.notice === 'link-sent' && <Notice kind="success">{t('site.sendLink.sent')}</Notice>}
      <ErrorSummary view={view} errors={state.errors} />
      <ErrorSummary view={view} errors={state.linkErrors} />

      <dl class="facts">
        <dt>{t('site.event.type')}</dt><dd>{labelOf(view, 'site.type', event.type)}</dd>
        {event.observance && (
          <><dt>{t('site.event.observance')}</dt><dd><a href={`/observances/${event.observance.slug}`}>{localized(view, event.observance.nameZh, event.observance.nameEn)}</a></dd></>
        )}
        {event.venue && <><dt>{t('site.event.venue')}</dt><dd>{venueLine(view, event)}</dd></>}
        {event.venue && (event.venue.addressZh || event.venue.addressEn) && (
          <><dt>{t('site.event.address')}</dt><dd>{localized(view, event.venue.addressZh ?? '', event.venue.addressEn)}</dd></>
        )}
        {venue && (venue.accessibilityZh || venue.accessibilityEn) && (
          <><dt>{t('site.event.accessibility')}</dt><dd>{localized(view, venue.accessibilityZh ?? '', venue.accessibilityEn)}</dd></>
        )}
        <dt>{t('site.event.organizers')}</dt>
        <dd>{[event.ownerUnit, ...event.coUnits].map((u) => localized(view, u.nameZh, u.nameEn)).join(view.lang === 'zh' ? '、' : ', ')}</dd>
        {event.audiences.length > 0 && (
          <><dt>{t('site.event.audiences')}</dt><dd>{event.audiences.map((slug) => nameOf(view, names.audiences, slug)).join(view.lang === 'zh' ? '、' : ', ')}</dd></>
        )}
      </dl>
      <Paragraphs text={localized(view, event.descriptionZh ?? '', event.descriptionEn) || null} />

      <h2>{t('site.event.sessions')}</h2>
      {event.sessions.length === 0 ? <p>{t('site.event.noSessions')}</p> : (
        <ul class="sessions">
          {event.sessions.map((session) => (
            <li class="card">
              <p class="session-time">
                <strong>{formatRange(view, session.startsAt, session.endsAt, event.timezone)}</strong>{' '}
                {session.status === 'cancelled' ? <span class="badge cancelled">{t('site.session.cancelled')}</span> : <AvailabilityBadge view={view} availability={session.availability} />}
              </p>
              {session.seatsLeft !== null && session.status === 'scheduled' && <p>{t('site.session.seatsLeft', { count: session.seatsLeft })}</p>}
              {session.streamUrl && <p><a href={session.streamUrl}>{t('site.session.stream')}</a></p>}
              {session.status === 'scheduled' && (
                <p class="calendar-links">
                  <a href={googleCalendarUrl(view, event, session, title)}>{t('site.calendar.google')}</a>{' · '}
                  <a href={outlookCalendarUrl(view, event, session, title)}>{t('site.calendar.outlook')}</a>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}

      <h2>{t('site.event.subscribe')}</h2>
      <ul class="feed-links">
        <li><a href={event.webcalUrl}>{t('site.event.webcal')}</a></li>
        <li><a href={`${event.icalUrl}${queryOf({ lang: view.lang === 'en' ? 'en' : undefined })}`} download>{t('site.event.ics')}</a></li>
      </ul>

      <h2 id="sign-up">{t('site.signup.title')}</h2>
      {alreadyRegistered && <p>{t('site.signup.alreadyRegistered')}</p>}
      {signUp.kind === 'open' && consent
        ? <SignUpForm view={view} event={event} sessions={signUp.sessions} consent={consent} form={state.form} errors={state.errors} />
        : signUp.kind === 'open' ? <p>{t('page.errorBody')}</p> : <NoSignUp view={view} event={event} state={signUp} />}
      {event.registrationMode !== 'none' && (
        <SendLinkForm view={view} event={event} email={state.linkEmail} errors={state.linkErrors} open={alreadyRegistered || Boolean(state.linkErrors.summary) || state.notice === 'link-sent'} />
      )}
    </Layout>
  );
}

/** Field messages for the sign-up: the duplicate's field says so, and an unticked consent asks to tick it. */
function signUpErrorsOf(view: View, problem: ProblemBody): FormErrors {
  const coded = problem.code === 'already_registered'
    ? { ...problem, errors: (problem.errors ?? []).map((e) => ({ ...e, code: e.code ?? 'already_registered' })) }
    : problem;
  const errors = siteErrorsOf(view, coded);
  const consent = (problem.errors ?? []).find((e) => e.pointer === '/consentVersion');
  if (consent && consent.code === 'required') errors.fields.consentVersion = view.t('site.signup.consentRequired');
  return errors;
}

/** The event page, its sign-up form and "send my link again". */
export const eventPages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock }) => {
  const access = { access: 'public' } as const;
  type Params = { id: string };

  app.get<{ Params: Params; Querystring: { done?: string } }>('/events/:id', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const data = await loadEvent(publicApiFor(inject, request), request.params.id);
    const notice = request.query.done === 'link-sent' ? 'link-sent' as const : undefined;
    return sendPage(reply, <EventPage view={view} data={data} now={clock.now()} state={{ ...freshState, notice }} />);
  });

  // The language switch of a refused form's page links to the form's address: back to the event page.
  app.get<{ Params: Params }>('/events/:id/sign-up', { config: access, schema: { hide: true } }, async (request, reply) => seeOther(reply, `/events/${encodeURIComponent(request.params.id)}#sign-up`));
  app.get<{ Params: Params }>('/events/:id/send-link', { config: access, schema: { hide: true } }, async (request, reply) => seeOther(reply, `/events/${encodeURIComponent(request.params.id)}#send-link`));

  app.post<{ Params: Params; Body: SignUpValues }>('/events/:id/sign-up', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const api = publicApiFor(inject, request);
    const data = await loadEvent(api, request.params.id);
    const form = request.body ?? {};
    const answer = await api<{ manageToken: string; emailNotices: boolean }>('POST', `/events/${data.event.id}/registrations`, signUpBodyOf(data.event, form));
    if (answer.ok) {
      return seeOther(reply, `/manage/${answer.body.manageToken}${queryOf({ done: 'signed-up', mail: answer.body.emailNotices ? '1' : '0' })}`);
    }
    // The seats may have changed meanwhile: show the event as it is now.
    const fresh = answer.status === 409 ? await loadEvent(api, request.params.id) : data;
    const email = textOf(form.kind === 'class' ? form.teacherEmail : form.email);
    const state: PageState = { form, errors: signUpErrorsOf(view, answer.problem), problem: answer.problem, linkEmail: email, linkErrors: noErrors };
    return sendPage(reply, <EventPage view={view} data={fresh} now={clock.now()} state={state} />, answer.status);
  });

  app.post<{ Params: Params; Body: { linkEmail?: string } }>('/events/:id/send-link', { config: access, schema: { hide: true } }, async (request, reply) => {
    const view = viewOf(request);
    const api = publicApiFor(inject, request);
    const data = await loadEvent(api, request.params.id);
    const email = typeof request.body?.linkEmail === 'string' ? request.body.linkEmail.trim() : '';
    const answer = await api('POST', `/events/${data.event.id}/registrations/send-link`, { email });
    if (answer.ok) return seeOther(reply, `/events/${data.event.id}?done=link-sent#send-link`);
    const linkErrors = siteErrorsOf(view, answer.problem, (field) => (field === 'email' ? 'linkEmail' : field));
    return sendPage(reply, <EventPage view={view} data={data} now={clock.now()} state={{ ...freshState, linkEmail: email, linkErrors }} />, answer.status);
  });
};
