import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Transaction } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { Change, ChangeListener, SignUpParticipation } from '../changes/change-recorder.js';
import { cancelPlanned, enqueueSelected, enqueueStatement, forgetMessages } from '../outbox/outbox.js';
import { EMAIL_CHANNEL, MAIL_KINDS, type MailKind } from './kinds.js';

/*
 * When mail is planned. Every plan is written into the outbox in the transaction of the
 * change that causes it (the change recorder calls this listener inside it), so a committed
 * sign-up always gets its confirmation and a rolled-back one never does.
 *
 * - Signed up: confirmed (with its reminders) or on the waiting list; a walk-in gets nothing.
 * - Promoted from the waiting list: promoted (with its reminders).
 * - Cancelled: by the person, a short receipt; by an organizer (one registration, a session
 *   or the whole event), a notice with a calendar CANCEL. Its planned reminders are withdrawn.
 * - A booked session's start or end moved: a change notice with the new calendar, and its
 *   reminders planned again for the new time. The event's title, venue or time zone changed:
 *   a change notice for each upcoming booked session.
 * - The event's reminder times changed: its planned reminders are planned again.
 * - An organizer renewed the manage link: the new link (the old one no longer works).
 * - Erased: the registration's messages are forgotten (those still planned are never sent).
 *
 * Only registrations with an email address get mail (a school class: its teacher's). People
 * who gave only a phone number get none; the sign-up answer says so (`emailNotices`).
 * Each plan's dedupe key (kind, registration, and for change notices the session's calendar
 * sequence, for reminders the start and the offset) makes planning the same mail twice a no-op.
 */

type Plan = {
  /** Which registrations, as a condition on `r` (joined with their session `s` and event `e`). */
  where: SQL;
  notice?: MailKind;
  reminders?: boolean;
  now: Date;
  /** Makes the notice's dedupe key unique to this request (a link asked for again). */
  keyTail?: SQL;
  /** Where the registrations are read from: the table, or the CTE of a statement that makes them. */
  from?: SQL;
};

/** Plans a notice and/or reminders for the registrations `where` picks, in one statement. */
const plan = (tx: Transaction, what: Plan): Promise<number> => enqueueSelected(tx, planned(what));

/** The outbox rows of a plan, as a SELECT for `enqueueSelected` or `enqueueStatement`. */
function planned({ where, notice, reminders = false, now, keyTail: givenTail, from = sql`registrations` }: Plan): SQL {
  const at = now.toISOString();
  // A change notice is once per calendar sequence; every other notice once per registration.
  const keyTail = givenTail ?? (notice === MAIL_KINDS.changed ? sql`':' || (e.sequence + s.sequence)` : sql`''`);
  const parts: SQL[] = [];
  if (notice) {
    parts.push(sql`select ${notice}::text as kind,
        jsonb_build_object('registrationId', r.id, 'sessionId', r.session_id, 'sequence', e.sequence + s.sequence) as payload,
        ${notice}::text || ':' || r.id || ${keyTail} as dedupe_key, ${at}::timestamptz as due_at`);
  }
  if (reminders) {
    // Named like the notice's columns: a union takes its names from whichever part comes first.
    parts.push(sql`select ${MAIL_KINDS.reminder}::text as kind,
        jsonb_build_object('registrationId', r.id, 'sessionId', r.session_id, 'startsAt', s.starts_at, 'offsetMinutes', o.minutes) as payload,
        ${MAIL_KINDS.reminder}::text || ':' || r.id || ':' || (extract(epoch from s.starts_at) * 1000)::bigint || ':' || o.minutes as dedupe_key,
        s.starts_at - make_interval(mins => o.minutes) as due_at
      from unnest(e.reminder_offsets_minutes) as o(minutes)
      where s.starts_at - make_interval(mins => o.minutes) > ${at}::timestamptz`);
  }
  if (parts.length === 0) throw new Error('a mail plan needs a notice or reminders');
  return sql`select m.kind, ${EMAIL_CHANNEL}::text, m.payload, m.dedupe_key, m.due_at, r.event_id
    from ${from} r
    join sessions s on s.id = r.session_id
    join events e on e.id = r.event_id
    cross join lateral (${sql.join(parts, sql` union all `)}) as m
    where (${where}) and r.email is not null and r.anonymized_at is null`;
}

const withdraw = (tx: Transaction, kinds: MailKind[], payloadContains: Record<string, unknown>, reason: string, eventId?: string) =>
  cancelPlanned(tx, { kinds, payloadContains, reason, ...(eventId ? { eventId } : {}) });

const EVENT_FIELDS_IN_MAIL = ['titleZh', 'titleEn', 'venueId', 'timezone'];
const SESSION_FIELDS_IN_MAIL = ['startsAt', 'endsAt'];

/** What a sign-up plans: the confirmation with its reminders, or the waiting-list notice. */
const signedUp = {
  confirmed: (where: SQL, now: Date, from?: SQL): Plan => ({ where, notice: MAIL_KINDS.confirmed, reminders: true, now, from }),
  waitlisted: (where: SQL, now: Date, from?: SQL): Plan => ({ where, notice: MAIL_KINDS.waitlisted, now, from }),
};

async function onRegistration(tx: Transaction, change: Extract<Change, { entity: 'registration' }>, now: Date) {
  const where = sql`r.id = ${change.registrationId}::uuid`;
  const registration = { registrationId: change.registrationId };
  switch (change.action) {
    case 'created':
      if (change.status === 'confirmed') await plan(tx, signedUp.confirmed(where, now));
      if (change.status === 'waitlisted') await plan(tx, signedUp.waitlisted(where, now));
      return;
    case 'promoted':
      await plan(tx, { where, notice: MAIL_KINDS.promoted, reminders: true, now });
      return;
    case 'cancelled':
      await withdraw(tx, [MAIL_KINDS.reminder], registration, 'the registration was cancelled', change.eventId);
      await plan(tx, { where, notice: change.actor ? MAIL_KINDS.cancelledByOrganizer : MAIL_KINDS.cancelledByRegistrant, now });
      return;
    case 'link_renewed':
      // Once per link: renewed again, the person gets the newer one too.
      await plan(tx, { where, notice: MAIL_KINDS.manageLinkRenewed, now, keyTail: sql`':' || r.manage_link_version` });
      return;
    case 'erased':
      await forgetMessages(tx, [registration]);
      return;
    default:
  }
}

/** The booked, upcoming registrations of an event or one of its sessions. */
const booked = (scope: SQL, now: Date) => sql`${scope} and r.status = 'confirmed' and s.status = 'scheduled' and s.starts_at > ${now.toISOString()}::timestamptz`;

/**
 * A sign-up made in one statement (change-recorder.ts, SignUpParticipation): the same plans,
 * read from the statement's new row, whose status is decided in the statement.
 */
export function mailPlannerInSignUp(clock: Clock): SignUpParticipation {
  return {
    cte: (registration) => {
      const now = clock.now();
      return enqueueStatement(sql`${planned(signedUp.confirmed(sql`r.status = 'confirmed'`, now, registration))}
        union all ${planned(signedUp.waitlisted(sql`r.status = 'waitlisted'`, now, registration))}`);
    },
  };
}

export function createMailPlanner(clock: Clock): ChangeListener {
  return async (tx, change) => {
    const now = clock.now();
    if (change.entity === 'registration') return onRegistration(tx, change, now);
    if (change.action !== 'updated') return;
    if (change.entity === 'session' && change.changedFields.some((f) => SESSION_FIELDS_IN_MAIL.includes(f))) {
      await withdraw(tx, [MAIL_KINDS.reminder], { sessionId: change.sessionId }, 'the session was moved', change.eventId);
      await plan(tx, { where: booked(sql`r.session_id = ${change.sessionId}::uuid`, now), notice: MAIL_KINDS.changed, reminders: true, now });
      return;
    }
    if (change.entity !== 'event') return;
    const inEvent = sql`r.event_id = ${change.eventId}::uuid`;
    if (change.changedFields.some((f) => EVENT_FIELDS_IN_MAIL.includes(f))) {
      await plan(tx, { where: booked(inEvent, now), notice: MAIL_KINDS.changed, now });
    }
    if (change.changedFields.includes('reminderOffsetsMinutes')) {
      await cancelPlanned(tx, { kinds: [MAIL_KINDS.reminder], payloadContains: {}, eventId: change.eventId, reason: 'the event\'s reminder times changed' });
      await plan(tx, { where: booked(inEvent, now), reminders: true, now });
    }
  };
}

/**
 * "Send my link again": the manage link of each live registration for the event with this
 * address (a person's or a teacher's), mailed to that address. Answers how many were planned;
 * the caller must not tell the asker (it would say who is registered).
 */
export async function planManageLinkMail(tx: Transaction, { eventId, email, now }: { eventId: string; email: string; now: Date }): Promise<number> {
  return plan(tx, {
    where: sql`r.event_id = ${eventId}::uuid and r.email = ${email} and r.status in ('confirmed', 'waitlisted')`,
    notice: MAIL_KINDS.manageLink, now, keyTail: sql`':' || ${randomUUID()}::text`, // each request is its own mail (rate-limited by the route)
  });
}
