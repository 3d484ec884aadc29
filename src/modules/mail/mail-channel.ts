import { inArray, sql } from 'drizzle-orm';
import { rowsOf, type Executor } from '../../db/client.js';
import { accounts, audiences } from '../../db/schema/index.js';
import { unseal } from '../../lib/seal.js';
import { passwordLinkUrl } from '../accounts/accounts.service.js';
import type { Clock } from '../../lib/clock.js';
import type { EventResponse } from '../events/events.schemas.js';
import { loadEvents } from '../events/events.queries.js';
import { renderCalendar } from '../feeds/ical.js';
import type { OutboxMessage } from '../outbox/outbox.js';
import { NotAttempted, Undeliverable, type Channel } from '../outbox/worker.js';
import { manageToken, manageUrl } from '../registrations/manage-link.js';
import { ACCOUNT_LINK_SEAL, MAIL_KINDS, isAccountMail, type AccountMailPayload, type MailPayload, type RegistrationMailKind } from './kinds.js';
import { renderAccountMail, renderMail, type MailFacts } from './templates.js';
import type { MailTransport, OutgoingMail } from './transport.js';

type ComposerDeps = {
  db: Executor;
  /** CALENDAR_TIMEZONE: staff mails give expiry times in it. */
  zone: string;
  baseUrl: string; secretKey: string;
  /** MAIL_FROM, named as the organizer of the calendar invitations. */
  from: string;
};
type Deps = ComposerDeps & { transport: MailTransport; clock: Clock };

type RegistrationFacts = {
  id: string; event_id: string; session_id: string; kind: 'individual' | 'class'; status: string; language: 'zh' | 'en';
  contact_name: string | null; email: string | null; school: string | null; grade_class: string | null; headcount: number;
  check_in_code: string; manage_link_version: number; anonymized: boolean; waitlist_position: number | null; had_seat: boolean;
};

/** Deliberately plain: the address was normalised at sign-up; this refuses only what no server would take. */
const SENDABLE_ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

const CALENDAR_METHOD: Partial<Record<RegistrationMailKind, 'REQUEST' | 'CANCEL'>> = {
  [MAIL_KINDS.confirmed]: 'REQUEST', [MAIL_KINDS.promoted]: 'REQUEST', [MAIL_KINDS.changed]: 'REQUEST',
  [MAIL_KINDS.cancelledByOrganizer]: 'CANCEL',
};

/**
 * Turns a batch of mail messages into mails: reads the registrations and events they are
 * about (a few queries for the whole batch) and decides each one afresh against the state at
 * sending time. Each answer is the mail, or the Undeliverable saying why it will not go.
 */
export function createMailComposer({ db, baseUrl, secretKey, from, zone }: ComposerDeps) {
  // The host without the port: a Message-ID's right side is a domain (RFC 5322).
  const host = new URL(baseUrl).hostname;
  const fromAddress = /<([^>]+)>/.exec(from)?.[1] ?? from;
  const fromName = from.replace(/<[^>]+>/, '').trim() || 'Kepu Calendar';

  async function readFacts(messages: OutboxMessage[]) {
    const accountIds = [...new Set(messages.filter((m) => isAccountMail(m.kind)).map((m) => (m.payload as AccountMailPayload).accountId))];
    const staff = new Map((accountIds.length
      ? await db.select({ id: accounts.id, email: accounts.email, displayName: accounts.displayName, disabledAt: accounts.disabledAt }).from(accounts).where(inArray(accounts.id, accountIds))
      : []).map((a) => [a.id, a]));
    const ids = [...new Set(messages.filter((m) => !isAccountMail(m.kind)).map((m) => (m.payload as MailPayload).registrationId))];
    const result = await db.execute(sql`select r.id, r.event_id, r.session_id, r.kind, r.status, r.language, r.contact_name, r.email,
        r.school, r.grade_class, r.headcount, r.check_in_code, r.manage_link_version, r.anonymized_at is not null as anonymized,
        case when r.status = 'waitlisted' then (select count(*)::int from registrations w
          where w.session_id = r.session_id and w.status = 'waitlisted' and w.seq <= r.seq) end as waitlist_position,
        exists (select 1 from registration_history h where h.registration_id = r.id and h.status in ('confirmed', 'attended')) as had_seat
      from registrations r where r.id = any(${sql.param(ids)}::uuid[])`);
    const registrations = new Map(rowsOf<RegistrationFacts>(result).map((r) => [r.id, r]));
    const eventIds = [...new Set([...registrations.values()].map((r) => r.event_id))];
    // Not the public view: a registrant is told the stream link that the public page keeps back.
    const events = new Map((await loadEvents(db, eventIds, { publicView: false, baseUrl })).map((e) => [e.id, e]));
    const audienceNames = new Map((await db.select().from(audiences)).map((a) => [a.slug, { zh: a.nameZh, en: a.nameEn }]));
    return { registrations, events, audienceNames, staff };
  }
  type Facts = Awaited<ReturnType<typeof readFacts>>;

  /** An invitation or reset link to a staff account: its one-time secret unsealed only now. */
  function composeAccountMail(message: OutboxMessage, facts: Facts, now: Date): OutgoingMail {
    const payload = message.payload as AccountMailPayload;
    const account = facts.staff.get(payload.accountId);
    if (!account || account.disabledAt) throw new Undeliverable('the account no longer exists or is disabled');
    if (Date.parse(payload.expiresAt) <= now.getTime()) throw new Undeliverable('the link expired before it could be sent');
    const rendered = renderAccountMail({
      kind: message.kind as 'mail.account_invite' | 'mail.password_reset', name: account.displayName,
      url: passwordLinkUrl(baseUrl, unseal(secretKey, ACCOUNT_LINK_SEAL, payload.sealedSecret)), expiresAt: payload.expiresAt, zone,
    });
    return {
      to: { name: account.displayName, address: account.email }, ...rendered,
      messageId: `<kepu-${message.id}@${host}>`, headers: { 'X-Kepu-Mail-Kind': message.kind },
    };
  }

  /** The mail to send now, or why it will never be sent. */
  function compose(message: OutboxMessage, facts: Facts, now: Date): OutgoingMail {
    if (isAccountMail(message.kind)) return composeAccountMail(message, facts, now);
    const kind = message.kind as RegistrationMailKind;
    const payload = message.payload as MailPayload;
    const registration = facts.registrations.get(payload.registrationId);
    if (!registration) throw new Undeliverable('the registration no longer exists');
    if (registration.anonymized || !registration.email) throw new Undeliverable('the registration has no email address');
    if (!SENDABLE_ADDRESS.test(registration.email)) throw new Undeliverable('the email address is not valid');
    const event = facts.events.get(registration.event_id);
    const session = event?.sessions.find((s) => s.id === registration.session_id);
    if (!event || !session) throw new Undeliverable('the event or session no longer exists');
    refuseIfOutdated(kind, payload, registration, event, session, now);

    const rendered = renderMail(factsFor(kind, payload, registration, event, session));
    // Someone who only ever waited was never sent the calendar entry a CANCEL would remove.
    const method = kind === MAIL_KINDS.cancelledByOrganizer && !registration.had_seat ? undefined : CALENDAR_METHOD[kind];
    const recipient = { name: registration.contact_name ?? '', address: registration.email };
    const calendar = method ? renderCalendar([event], {
      name: { zh: event.titleZh, en: event.titleEn ?? event.titleZh }, language: registration.language, method,
      links: { baseUrl, eventPage: () => event.publicUrl }, audienceNames: facts.audienceNames, now,
      sessionIds: new Set([session.id]),
      invite: { organizer: { name: fromName, email: fromAddress }, attendee: { name: registration.contact_name, email: registration.email } },
    }) : undefined;
    // An invitation without its entry would leave the person's calendar wrong: better retried and seen failed.
    if (calendar !== undefined && !calendar.includes('BEGIN:VEVENT')) throw new Error(`the ${method} calendar has no entry for session ${session.id}`);
    return {
      to: recipient, subject: rendered.subject, text: rendered.text, html: rendered.html,
      messageId: `<kepu-${message.id}@${host}>`,
      headers: { 'X-Kepu-Mail-Kind': kind },
      ...(calendar && method ? { calendar: { method, content: calendar } } : {}),
    };
  }

  function factsFor(kind: RegistrationMailKind, payload: MailPayload, registration: RegistrationFacts, event: EventResponse, session: EventResponse['sessions'][number]): MailFacts {
    const token = manageToken(secretKey, registration.id, registration.manage_link_version);
    return {
      kind, language: registration.language, recipientName: registration.contact_name,
      registration: {
        kind: registration.kind, headcount: registration.headcount, checkInCode: registration.check_in_code,
        school: registration.school, gradeClass: registration.grade_class, waitlistPosition: registration.waitlist_position,
        hadSeat: registration.had_seat,
      },
      called: event.status === 'cancelled' || session.status === 'cancelled',
      event: { titleZh: event.titleZh, titleEn: event.titleEn, timezone: event.timezone, publicUrl: event.publicUrl },
      session: { startsAt: session.startsAt, endsAt: session.endsAt, streamUrl: session.streamUrl ?? null },
      venue: event.venue ? { nameZh: event.venue.nameZh, nameEn: event.venue.nameEn, addressZh: event.venue.addressZh, addressEn: event.venue.addressEn, isOnline: event.venue.isOnline } : null,
      manageUrl: manageUrl(baseUrl, token),
      ...(payload.offsetMinutes !== undefined ? { offsetMinutes: payload.offsetMinutes } : {}),
    };
  }

  return async function composeAll(messages: OutboxMessage[], now: Date): Promise<(OutgoingMail | Error)[]> {
    const facts = await readFacts(messages);
    return messages.map((message) => {
      try {
        return compose(message, facts, now);
      } catch (error) {
        return error instanceof Error ? error : new Error(String(error));
      }
    });
  };
}

/**
 * The `email` channel: a batch's mails composed together, then handed to the transport.
 * Mails to different people go side by side (the transport's pool); one person's mails go in
 * order, so a CANCEL never overtakes its REQUEST.
 */
export function createMailChannel({ transport, clock, ...deps }: Deps): Channel {
  const composeAll = createMailComposer(deps);
  return {
    // Composed while the previous batch is still being sent (see the worker).
    prepare: (messages) => composeAll(messages, clock.now()),
    async send(messages, signal, prepared) {
      const mails = (prepared as Awaited<ReturnType<typeof composeAll>> | undefined) ?? await composeAll(messages, clock.now());
      const outcomes: PromiseSettledResult<void>[] = messages.map(() => ({ status: 'fulfilled', value: undefined }));
      const queues = new Map<string, number[]>();
      messages.forEach((message, i) => {
        const payload = message.payload as MailPayload | AccountMailPayload;
        const key = 'accountId' in payload ? payload.accountId : payload.registrationId;
        queues.set(key, [...(queues.get(key) ?? []), i]);
      });
      await Promise.all([...queues.values()].map(async (indexes) => {
        for (const i of indexes) {
          if (signal.aborted) { outcomes[i] = { status: 'rejected', reason: new NotAttempted('the worker is stopping') }; continue; }
          try {
            const mail = mails[i]!;
            if (mail instanceof Error) throw mail;
            await transport.send(mail);
          } catch (reason) {
            outcomes[i] = { status: 'rejected', reason };
          }
        }
      }));
      return outcomes;
    },
  };
}

/**
 * A mail is checked against the state when it goes, not only when it was planned: a
 * reminder for a session that moved, started or was cancelled, or for a registration that
 * was cancelled, is withdrawn rather than sent.
 */
function refuseIfOutdated(kind: RegistrationMailKind, payload: MailPayload, registration: RegistrationFacts, event: EventResponse, session: EventResponse['sessions'][number], now: Date) {
  const live = event.status === 'published' && session.status === 'scheduled';
  const started = Date.parse(session.startsAt) <= now.getTime();
  switch (kind) {
    case MAIL_KINDS.confirmed:
    case MAIL_KINDS.promoted:
      if (registration.status === 'cancelled') throw new Undeliverable('the registration was cancelled before its confirmation went');
      return;
    case MAIL_KINDS.waitlisted:
    case MAIL_KINDS.manageLink:
      if (registration.status === 'cancelled') throw new Undeliverable('the registration was cancelled before the notice went');
      return;
    case MAIL_KINDS.manageLinkRenewed:
      return; // whatever its status, the link shows the registration and can erase it
    case MAIL_KINDS.changed:
      if (registration.status !== 'confirmed' || !live || started) throw new Undeliverable('the change no longer concerns a booked, upcoming session');
      return;
    case MAIL_KINDS.reminder: {
      if (registration.status !== 'confirmed' || !live) throw new Undeliverable('the registration or the session is no longer live');
      if (started) throw new Undeliverable('the session has started');
      if (payload.startsAt && Date.parse(payload.startsAt) !== Date.parse(session.startsAt)) throw new Undeliverable('the session moved; its reminders were planned again');
      const offsets = event.reminderOffsetsMinutes;
      if (payload.offsetMinutes === undefined || !offsets.includes(payload.offsetMinutes)) throw new Undeliverable('the event no longer sends this reminder');
      // Late (the workers were down): when a closer reminder is due too, that one is sent instead.
      const startsAt = Date.parse(session.startsAt);
      if (offsets.some((o) => o < payload.offsetMinutes! && startsAt - o * 60_000 <= now.getTime())) throw new Undeliverable('a later reminder is due already');
      return;
    }
    default:
  }
}
