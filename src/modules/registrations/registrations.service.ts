import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql, type SQL } from 'drizzle-orm';
import { rowsOf, type Database, type Transaction } from '../../db/client.js';
import {
  eventQuestions, events, idempotencyKeys, registrationAnswers, registrationHistory, registrations, sessions,
  type Language, type RegistrationSource, type RegistrationStatus,
} from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { databaseError } from '../../lib/database-errors.js';
import { Problem, conflict, fieldError, notFound, unprocessable, type FieldProblem } from '../../lib/problems.js';
import type { Actor } from '../audit/audit.js';
import { secretHash } from '../accounts/secrets.js';
import { manageToken as deriveManageToken, manageUrl as manageUrlOf } from './manage-link.js';
import { planManageLinkMail } from '../mail/planner.js';
import type { ChangeRecorder, RegistrationAction } from '../changes/change-recorder.js';
import { checkAnswers } from './answers.js';
import { CONSENT } from './consent.js';
import { normalizeEmail, normalizePhone, normalizeText } from './contact.js';
import { claimIdempotencyKey, storeIdempotentAnswer } from './idempotency.js';
import { loadRegistration, loadRegistrations } from './registrations.queries.js';
import type { AssistedSignUpBody, ChangeRegistrationBody, CheckInBody, RegistrationResponse, SignUpBody } from './registrations.schemas.js';
import { lockSession, promoteWaitlisted, releaseSeats, seatsLeft, takeSeats } from './seats.js';

type Deps = { db: Database; clock: Clock; changes: ChangeRecorder; baseUrl: string; secretKey: string };
export type SignUpAnswer = { status: 201; body: { registration: RegistrationResponse; manageToken: string; manageUrl: string; emailNotices: boolean }; replayed?: boolean };
type RegistrationRow = typeof registrations.$inferSelect;

/** Unambiguous letters and digits (no 0/O, 1/I/L) for a code read aloud at the desk. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const newCheckInCode = () => [...randomBytes(8)].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');

const DUPLICATE_CONSTRAINTS: Record<string, string> = {
  registrations_phone_uq: '/phone', registrations_email_uq: '/email', registrations_class_uq: '/gradeClass',
};

/** What a sign-up stores, once its body has been checked and normalised. */
type Applicant = {
  kind: 'individual' | 'class'; sessionId: string; headcount: number; language: Language;
  contactName: string | null; phone: string | null; email: string | null; school: string | null; gradeClass: string | null;
  answers: { questionId: string; value: unknown }[];
  /** The separate consent to the organizer's own systems (CONSENT.transfer), or null. */
  transferConsentVersion: string | null;
};

export function createRegistrationsService({ db, clock, changes, baseUrl, secretKey }: Deps) {
  const manageUrl = (token: string) => manageUrlOf(baseUrl, token);

  /** The event with its sessions and visible questions, in one round trip: every sign-up starts here. */
  async function loadSignUpContext(eventId: string) {
    // Outer columns named by hand inside the subqueries (Drizzle may write selected columns unqualified).
    const [found] = await db.select({
      event: events,
      sessions: sql<{ id: string; status: string; startsAt: string; endsAt: string; effectiveCapacity: number | null }[]>`coalesce((select json_agg(json_build_object(
          'id', s.id, 'status', s.status, 'startsAt', s.starts_at, 'endsAt', s.ends_at, 'effectiveCapacity', s.effective_capacity) order by s.starts_at)
        from sessions s where s.event_id = events.id), '[]'::json)`,
      questions: sql<(Omit<typeof eventQuestions.$inferSelect, 'createdAt'>)[]>`coalesce((select json_agg(json_build_object(
          'id', q.id, 'eventId', q.event_id, 'position', q.position, 'kind', q.kind, 'labelZh', q.label_zh, 'labelEn', q.label_en,
          'options', q.options, 'required', q.required, 'hidden', q.hidden) order by q.position)
        from event_questions q where q.event_id = events.id and not q.hidden), '[]'::json)`,
    }).from(events).where(eq(events.id, eventId));
    if (!found) throw notFound('event', eventId);
    const eventSessions = found.sessions.map((s) => ({ ...s, startsAt: new Date(s.startsAt), endsAt: new Date(s.endsAt) }));
    return { event: found.event, eventSessions, questions: found.questions };
  }

  /**
   * A popular event gets many sign-ups a second: its context is kept for a second, and
   * dropped at once when this process changes the event, its sessions or its questions.
   * Another process's change reaches the cache within that second; nothing depends on it
   * being fresher, because the sign-up statement itself re-checks what matters (the event
   * still published, the session still scheduled, the seats, see insertRegistration).
   */
  type SignUpContext = Awaited<ReturnType<typeof loadSignUpContext>>;
  const contexts = new Map<string, { until: number; context: Promise<SignUpContext> }>();
  const CONTEXT_TTL_MS = 1000;
  const forgetEvent = (eventId: string) => { contexts.delete(eventId); };
  changes.onChange(async (_tx, change) => {
    if (change.entity !== 'registration') forgetEvent(change.eventId); // sign-ups do not change the context
  }, {});
  function signUpContext(eventId: string): Promise<SignUpContext> {
    const now = performance.now();
    const cached = contexts.get(eventId);
    if (cached && cached.until > now) return cached.context;
    if (contexts.size > 1000) for (const [id, entry] of contexts) if (entry.until <= now) contexts.delete(id);
    const context = loadSignUpContext(eventId);
    contexts.set(eventId, { until: now + CONTEXT_TTL_MS, context });
    context.catch(() => forgetEvent(eventId));
    return context;
  }

  /** Checks a sign-up against its event and normalises it; every fault at once, as 409 or 422. */
  function checkSignUp(context: Awaited<ReturnType<typeof signUpContext>>, body: AssistedSignUpBody, source: RegistrationSource, now: Date): Applicant {
    const { event, eventSessions, questions } = context;
    // The public never learns of drafts; organizers are told plainly.
    if (event.status === 'draft' || event.status === 'submitted') {
      if (source === 'online') throw notFound('event', event.id);
      throw conflict('event_not_published', 'The event is not published yet: nobody can be registered for it.');
    }
    if (event.status === 'cancelled') throw conflict('event_cancelled', 'The event is cancelled.');
    if (event.registrationMode === 'none') throw conflict('registration_not_offered', 'This event is open to all without registration.');
    const errors: FieldProblem[] = [];
    if (event.registrationMode !== 'both' && event.registrationMode !== body.kind) {
      errors.push(fieldError('/kind', `this event takes ${event.registrationMode === 'class' ? 'school classes' : 'individual'} registrations only`, 'kind_not_offered'));
    }
    if (source === 'online') {
      if (event.registrationOpensAt && now < event.registrationOpensAt) {
        throw conflict('registration_not_open', `Registration opens at ${event.registrationOpensAt.toISOString()}.`, { opensAt: event.registrationOpensAt.toISOString() });
      }
      if (event.registrationClosesAt && now >= event.registrationClosesAt) throw conflict('registration_closed', 'Registration for this event has closed.');
    }

    const live = eventSessions.filter((s) => s.status === 'scheduled');
    let session = body.sessionId ? eventSessions.find((s) => s.id === body.sessionId) : live.length === 1 ? live[0] : undefined;
    if (body.sessionId && !session) errors.push(fieldError('/sessionId', 'is not a session of this event', 'unknown_reference'));
    else if (!body.sessionId && live.length > 1) errors.push(fieldError('/sessionId', 'is required: the event has several sessions', 'required'));
    else if (!session) throw conflict('no_sessions', 'The event has no session left to register for.');
    if (session && session.status !== 'scheduled') throw conflict('session_cancelled', 'That session is cancelled.');
    if (session && source !== 'walk_in' && session.startsAt <= now) throw conflict('session_started', 'That session has already started.');

    const walkIn = source === 'walk_in';
    let headcount: number;
    let contact: Pick<Applicant, 'contactName' | 'phone' | 'email' | 'school' | 'gradeClass'>;
    if (body.kind === 'individual') {
      headcount = body.partySize ?? 1;
      if (headcount > event.partySizeLimit) errors.push(fieldError('/partySize', `must be at most ${event.partySizeLimit} for this event`, 'maximum', event.partySizeLimit));
      for (const field of ['school', 'gradeClass', 'headcount', 'teacherName', 'teacherPhone', 'teacherEmail'] as const) {
        if (body[field] !== undefined) errors.push(fieldError(`/${field}`, 'belongs to a school class registration'));
      }
      if (!body.name && !walkIn) errors.push(fieldError('/name', 'is required', 'required'));
      if (!body.phone && !body.email && !walkIn) {
        errors.push(fieldError('/phone', 'give a mobile number or an email address', 'contact_required'), fieldError('/email', 'give a mobile number or an email address', 'contact_required'));
      }
      contact = {
        contactName: body.name ? normalizeText(body.name) : null, phone: body.phone ? normalizePhone(body.phone, '/phone', errors) : null,
        email: body.email ? normalizeEmail(body.email) : null, school: null, gradeClass: null,
      };
    } else {
      headcount = body.headcount ?? 0;
      for (const field of ['name', 'phone', 'email', 'partySize'] as const) {
        if (body[field] !== undefined) errors.push(fieldError(`/${field}`, 'belongs to an individual registration'));
      }
      for (const field of ['school', 'gradeClass', 'headcount', 'teacherName'] as const) {
        if (body[field] === undefined) errors.push(fieldError(`/${field}`, 'is required for a school class', 'required'));
      }
      if (!body.teacherPhone && !body.teacherEmail) {
        errors.push(fieldError('/teacherPhone', 'give the teacher\'s mobile number or email address', 'contact_required'), fieldError('/teacherEmail', 'give the teacher\'s mobile number or email address', 'contact_required'));
      }
      contact = {
        contactName: body.teacherName ? normalizeText(body.teacherName) : null,
        phone: body.teacherPhone ? normalizePhone(body.teacherPhone, '/teacherPhone', errors) : null,
        email: body.teacherEmail ? normalizeEmail(body.teacherEmail) : null,
        school: body.school ? normalizeText(body.school) : null, gradeClass: body.gradeClass ? normalizeText(body.gradeClass) : null,
      };
    }
    if (session && session.effectiveCapacity !== null && headcount > session.effectiveCapacity) {
      errors.push(fieldError(body.kind === 'individual' ? '/partySize' : '/headcount', `is more than the session's ${session.effectiveCapacity} seats`, 'exceeds_capacity', session.effectiveCapacity));
    }
    if (body.consentVersion === undefined) errors.push(fieldError('/consentVersion', 'is required: the consent text must be agreed to', 'required'));
    else if (body.consentVersion !== CONSENT.version) errors.push(fieldError('/consentVersion', `must be the current consent text's version, ${CONSENT.version} (GET /api/v1/consent)`, 'consent_outdated'));
    if (body.transferConsentVersion !== undefined && body.transferConsentVersion !== CONSENT.transfer.version) {
      errors.push(fieldError('/transferConsentVersion', `must be the current transfer consent's version, ${CONSENT.transfer.version} (GET /api/v1/consent), or left out`, 'consent_outdated'));
    }
    const answers = checkAnswers(questions, body.answers ?? {}, errors);
    if (errors.length) throw unprocessable('invalid_registration', 'Some answers on the form are not acceptable.', errors);
    return { kind: body.kind, sessionId: session!.id, headcount, language: body.language ?? 'zh', ...contact, answers, transferConsentVersion: body.transferConsentVersion ?? null };
  }

  async function history(tx: Transaction, row: { id: string; sessionId: string; status: RegistrationStatus; headcount: number }, reason: string, actor: Actor, now: Date) {
    await tx.insert(registrationHistory).values({ registrationId: row.id, sessionId: row.sessionId, status: row.status, headcount: row.headcount, reason, actorAccountId: actor?.accountId ?? null, changedAt: now });
  }

  async function record(tx: Transaction, row: { id: string; eventId: string; sessionId: string; status: string }, ownerUnitId: string, action: RegistrationAction, changedFields: string[], actor: Actor) {
    await changes.record(tx, { entity: 'registration', action, registrationId: row.id, eventId: row.eventId, sessionId: row.sessionId, ownerUnitId, status: row.status, changedFields, actor });
  }

  type InsertOptions = { source: RegistrationSource; status: RegistrationStatus; consentVersion: string; reason: string; actor: Actor; now: Date };
  type Inserted = { row: RegistrationRow; manageToken: string };

  /**
   * The CTEs `registration` (the new row, every column), `history` (its first history row) and
   * `answers`, for one row of `session` (a relation whose `id` is the session's). `status` may
   * be decided in the statement. The event must still be published when the statement runs:
   * otherwise its id is null and the NOT NULL refusal undoes the whole statement, seats included.
   */
  function registrationCtes(eventId: string, applicant: Applicant, session: SQL, status: SQL, options: InsertOptions & { id: string; manageToken: string; checkInCode: string }) {
    const { source, consentVersion, reason, actor, id, manageToken, checkInCode } = options;
    const now = options.now.toISOString();
    const attended = options.status === 'attended';
    const answers = applicant.answers.length
      ? sql`, answers as (insert into registration_answers (registration_id, question_id, value)
          select registration.id, a.question_id, a.value from registration, jsonb_to_recordset(${JSON.stringify(applicant.answers.map((a) => ({ question_id: a.questionId, value: a.value })))}::jsonb) as a(question_id uuid, value jsonb))`
      : sql``;
    return sql`registration as (
        insert into registrations (id, event_id, session_id, kind, status, source, headcount, language, contact_name, phone, email, school, grade_class,
          consent_version, transfer_consent_version, manage_token_hash, check_in_code, checked_in_headcount, checked_in_at, status_changed_at, created_at, updated_at)
        select ${id}::uuid, (select e.id from events e where e.id = ${eventId}::uuid and e.status = 'published'), session.id, ${applicant.kind}::text, ${status},
          ${source}::text, ${applicant.headcount}::int, ${applicant.language}::text, ${applicant.contactName}::text, ${applicant.phone}::text,
          ${applicant.email}::text, ${applicant.school}::text, ${applicant.gradeClass}::text, ${consentVersion}::text, ${applicant.transferConsentVersion}::text, ${secretHash(manageToken)}::text,
          ${checkInCode}::text, ${attended ? applicant.headcount : null}::int, ${attended ? now : null}::timestamptz,
          ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz
        from ${session} as session
        returning *),
      history as (
        insert into registration_history (registration_id, session_id, status, headcount, reason, actor_account_id, changed_at)
        select id, session_id, status, headcount, ${reason}::text, ${actor?.accountId ?? null}::uuid, ${now}::timestamptz from registration)
      ${answers}`;
  }

  /** The row as stored, without reading it back (the caller holds the session's lock, or answers at once). */
  function storedRow(id: string, eventId: string, applicant: Applicant, status: RegistrationStatus, options: InsertOptions & { checkInCode: string }): RegistrationRow {
    const created = new Date(options.now.toISOString());
    const attended = status === 'attended';
    return {
      id, seq: 0, eventId, sessionId: applicant.sessionId, kind: applicant.kind, status, source: options.source, headcount: applicant.headcount, language: applicant.language,
      contactName: applicant.contactName, phone: applicant.phone, email: applicant.email, school: applicant.school, gradeClass: applicant.gradeClass,
      consentVersion: options.consentVersion, transferConsentVersion: applicant.transferConsentVersion, manageTokenHash: '', manageLinkVersion: 1,
      checkInCode: options.checkInCode, checkedInHeadcount: attended ? applicant.headcount : null, checkedInAt: attended ? created : null,
      statusChangedAt: created, anonymizedAt: null, createdAt: created, updatedAt: created,
    };
  }

  const newRegistration = (options: InsertOptions) => {
    const id = randomUUID();
    return { ...options, id, manageToken: deriveManageToken(secretKey, id, 1), checkInCode: newCheckInCode() };
  };

  /**
   * The registration, its first history row and its answers in one statement inside the
   * caller's transaction, and with `takeSeat` the seats too: the statement adds nothing unless
   * the seats fit (the session row's conditional UPDATE, see seats.ts), so a full session
   * gives no row. One round trip under the session's lock, where separate statements would
   * hold it for three.
   */
  async function insertRegistration(tx: Transaction, eventId: string, applicant: Applicant, options: InsertOptions & { takeSeat: boolean }): Promise<Inserted | undefined> {
    const made = newRegistration(options);
    const seat = options.takeSeat
      ? sql`update sessions set seats_taken = seats_taken + ${applicant.headcount}::int
          where id = ${applicant.sessionId}::uuid and status = 'scheduled'
            and (effective_capacity is null or seats_taken + ${applicant.headcount}::int <= effective_capacity)
          returning id`
      : sql`select ${applicant.sessionId}::uuid as id`;
    const result = await tx.execute(sql`with seat as (${seat}),
      ${registrationCtes(eventId, applicant, sql`seat`, sql`${options.status}::text`, made)}
      select id from registration`);
    const [row] = rowsOf<{ id: string }>(result);
    if (!row) return undefined;
    return { row: storedRow(row.id, eventId, applicant, options.status, made), manageToken: made.manageToken };
  }

  /**
   * A resident's sign-up as one statement outside any transaction, with everything the change
   * recorder's listeners add to it (the mail it plans): it locks the session's row, takes the
   * seats if they fit and otherwise puts the registration on the waiting list (or, with the
   * waiting list off, adds nothing), and commits, all in one round trip. The lock is held for
   * the statement and its commit only, so a popular session's sign-ups queue on it briefly;
   * and as in a transaction, a seat freed concurrently is either seen here or frees after this
   * commits and then promotes the new entry (seats.ts). Null when a listener cannot take part.
   */
  async function signUpInOneStatement(eventId: string, ownerUnitId: string, applicant: Applicant, options: InsertOptions & { waitlist: boolean }) {
    const inStatement = changes.signUpInStatement(sql`registration`);
    if (!inStatement) return null;
    const made = newRegistration(options);
    const h = applicant.headcount;
    const result = await db.execute(sql`with locked as (
        select id, status, effective_capacity, seats_taken from sessions where id = ${applicant.sessionId}::uuid for no key update),
      seat as (
        update sessions set seats_taken = sessions.seats_taken + ${h}::int from locked
        where sessions.id = locked.id and locked.status = 'scheduled'
          and (locked.effective_capacity is null or locked.seats_taken + ${h}::int <= locked.effective_capacity)
        returning sessions.id),
      waiting as (
        select locked.id from locked where locked.status = 'scheduled' and ${options.waitlist}::boolean and not exists (select from seat)),
      ${registrationCtes(eventId, applicant, sql`(select id from seat union all select id from waiting)`,
        sql`case when exists (select from seat) then ${options.status}::text else 'waitlisted' end`, made)}
      ${sql.join(inStatement.ctes.map((cte, i) => sql`, listener_${sql.raw(String(i))} as (${cte})`), sql``)}
      select locked.status as "sessionStatus", locked.effective_capacity as "effectiveCapacity", locked.seats_taken as "seatsTaken",
        registration.id, registration.status
      from locked left join registration on true`);
    const [outcome] = rowsOf<{ sessionStatus: string; effectiveCapacity: number | null; seatsTaken: number; id: string | null; status: RegistrationStatus | null }>(result);
    if (!outcome || outcome.sessionStatus !== 'scheduled') throw conflict('session_cancelled', 'That session is cancelled.');
    if (!outcome.id || !outcome.status) throw conflict('full', 'The session is full.', { seatsLeft: Math.max(0, seatsLeft(outcome)) });
    const row = storedRow(outcome.id, eventId, applicant, outcome.status, made);
    inStatement.committed({ entity: 'registration', action: 'created', registrationId: row.id, eventId, sessionId: row.sessionId, ownerUnitId, status: row.status, changedFields: [], actor: null });
    return { row, manageToken: made.manageToken };
  }

  async function signUp(eventId: string, body: AssistedSignUpBody, { source, actor = null, idempotencyKey }: { source: RegistrationSource; actor?: Actor; idempotencyKey?: string }): Promise<SignUpAnswer> {
    const now = clock.now();
    const context = await signUpContext(eventId);
    const applicant = checkSignUp(context, body, source, now);
    const { event } = context;
    const answerWith = (row: RegistrationRow, manageToken: string, registration: RegistrationResponse): SignUpAnswer =>
      ({ status: 201, body: { registration, manageToken, manageUrl: manageUrl(manageToken), emailNotices: row.email !== null && row.status !== 'attended' } });
    const options = { source, status: source === 'walk_in' ? 'attended' as const : 'confirmed' as const, consentVersion: CONSENT.version /* checked equal to the body's */, reason: source === 'walk_in' ? 'walked_in' : 'signed_up', actor, now };
    for (let attempt = 1; ; attempt++) {
      try {
        // A resident's plain sign-up needs no transaction; staff actions are audited, and a
        // replayable one stores its answer: those take the transaction below.
        const inOneStatement = source === 'online' && !idempotencyKey ? await signUpInOneStatement(eventId, event.ownerUnitId, applicant, { ...options, waitlist: event.waitlistEnabled }) : null;
        if (inOneStatement) {
          const { row, manageToken } = inOneStatement;
          return answerWith(row, manageToken, row.status === 'waitlisted' ? (await loadRegistration(db, row.id))! : viewOf(row, context, applicant.answers));
        }
        return await db.transaction(async (tx) => {
          const claim = idempotencyKey ? await claimIdempotencyKey(tx, idempotencyKey, { eventId, source, body }, now) : undefined;
          if (claim?.kind === 'replay') return { ...(claim.answer as SignUpAnswer), replayed: true };

          let inserted = await insertRegistration(tx, eventId, applicant, { ...options, takeSeat: true });
          if (!inserted) {
            // Full, or cancelled: decide under the session's lock, so a seat freed meanwhile is seen (see seats.ts).
            const session = await lockSession(tx, applicant.sessionId);
            if (!session || session.status !== 'scheduled') throw conflict('session_cancelled', 'That session is cancelled.');
            if (seatsLeft(session) >= applicant.headcount) {
              inserted = await insertRegistration(tx, eventId, applicant, { ...options, takeSeat: true });
            } else if (source === 'walk_in' || !event.waitlistEnabled) {
              throw conflict('full', 'The session is full.', { seatsLeft: Math.max(0, seatsLeft(session)) });
            } else {
              inserted = await insertRegistration(tx, eventId, applicant, { ...options, status: 'waitlisted', takeSeat: false });
            }
          }
          const { row, manageToken } = inserted!;
          await record(tx, row, event.ownerUnitId, 'created', [], actor);
          const answer = answerWith(row, manageToken, row.status === 'waitlisted' ? (await loadRegistration(tx, row.id))! : viewOf(row, context, applicant.answers));
          if (claim) await storeIdempotentAnswer(tx, claim, row.id, answer);
          return answer;
        });
      } catch (error) {
        const fault = databaseError(error);
        if (fault?.code === '23505' && fault.constraint && DUPLICATE_CONSTRAINTS[fault.constraint]) {
          const pointer = applicant.kind === 'class' ? '/gradeClass' : DUPLICATE_CONSTRAINTS[fault.constraint]!.replace(/^\/(phone|email)$/, (_, f: string) => `/${f}`);
          throw new Problem(409, 'already_registered', applicant.kind === 'class'
            ? 'This class is already registered for this session.'
            : 'Someone with this phone number or email is already registered for this session. Use the manage link from the confirmation to change or cancel it: we can mail it to the address on file again (sendLink), or an organizer of the event can issue a new one.',
          { errors: [{ in: 'body', pointer, detail: 'is already registered for this session' }], sendLink: { method: 'POST', href: `/api/v1/events/${eventId}/registrations/send-link`, body: { email: 'the address given at sign-up' } } });
        }
        if (fault?.code === '23502' && fault.column === 'event_id') throw conflict('event_cancelled', 'The event was cancelled or withdrawn while you signed up.');
        // Check-in codes are random; on the rare clash within an event, draw again.
        if (fault?.code === '23505' && fault.constraint === 'registrations_check_in_code_uq' && attempt < 3) continue;
        throw error;
      }
    }
  }

  /** The sign-up's answer without reading it back while the session's lock is held. */
  function viewOf(row: RegistrationRow, context: Awaited<ReturnType<typeof signUpContext>>, answers: Applicant['answers']): RegistrationResponse {
    const session = context.eventSessions.find((s) => s.id === row.sessionId)!;
    const { event } = context;
    return {
      id: row.id, eventId: row.eventId, sessionId: row.sessionId, kind: row.kind, status: row.status, source: row.source, headcount: row.headcount,
      waitlistPosition: null, language: row.language, name: row.contactName, phone: row.phone, email: row.email, school: row.school, gradeClass: row.gradeClass,
      checkInCode: row.checkInCode, checkedInHeadcount: row.checkedInHeadcount, checkedInAt: row.checkedInAt?.toISOString() ?? null,
      consentVersion: row.consentVersion, transferConsentVersion: row.transferConsentVersion, answers: answers.map((a) => ({ questionId: a.questionId, value: a.value as never })),
      session: { startsAt: session.startsAt.toISOString(), endsAt: session.endsAt.toISOString(), status: 'scheduled' },
      event: { id: event.id, titleZh: event.titleZh, titleEn: event.titleEn, status: event.status },
      anonymized: false, createdAt: row.createdAt.toISOString(), statusChangedAt: row.statusChangedAt.toISOString(),
    };
  }

  /**
   * Runs a change of one registration: the session's lock first, then the registration's
   * row (the order sign-ups take them in), so concurrent changes never deadlock.
   */
  async function withRegistration<T>(find: { token: string } | { eventId: string; id: string }, change: (tx: Transaction, row: RegistrationRow, ownerUnitId: string, now: Date) => Promise<T>): Promise<T> {
    const where = 'token' in find ? eq(registrations.manageTokenHash, secretHash(find.token)) : and(eq(registrations.id, find.id), eq(registrations.eventId, find.eventId));
    const now = clock.now();
    return db.transaction(async (tx) => {
      const [located] = await tx.select({ id: registrations.id, sessionId: registrations.sessionId }).from(registrations).where(where);
      if (!located) throw notFound('registration');
      const session = await lockSession(tx, located.sessionId);
      const [row] = await tx.select().from(registrations).where(eq(registrations.id, located.id)).for('no key update');
      return change(tx, row!, session!.ownerUnitId, now);
    });
  }

  async function setStatus(tx: Transaction, row: RegistrationRow, status: RegistrationStatus, now: Date, extra: Partial<typeof registrations.$inferInsert> = {}) {
    await tx.update(registrations).set({ status, statusChangedAt: now, updatedAt: now, ...extra }).where(eq(registrations.id, row.id));
    return { ...row, status, ...extra } as RegistrationRow;
  }

  async function cancelLocked(tx: Transaction, row: RegistrationRow, ownerUnitId: string, now: Date, actor: Actor, reason: string) {
    if (row.status === 'cancelled') throw conflict('already_cancelled', 'The registration is already cancelled.');
    if (row.status === 'attended') throw conflict('already_checked_in', 'The registration is checked in; undo the check-in first.');
    const wasConfirmed = row.status === 'confirmed';
    const cancelled = await setStatus(tx, row, 'cancelled', now);
    await history(tx, cancelled, reason, actor, now);
    await record(tx, cancelled, ownerUnitId, 'cancelled', ['status'], actor);
    if (wasConfirmed) {
      await releaseSeats(tx, row.sessionId, row.headcount);
      await promoteWaitlisted(tx, row.sessionId, { now, actor, changes });
    }
  }

  async function changeHeadcount(tx: Transaction, row: RegistrationRow, ownerUnitId: string, body: ChangeRegistrationBody, now: Date, actor: Actor) {
    const errors: FieldProblem[] = [];
    const field = row.kind === 'individual' ? 'partySize' : 'headcount';
    const other = row.kind === 'individual' ? 'headcount' : 'partySize';
    if (body[other] !== undefined) errors.push(fieldError(`/${other}`, `is not used for ${row.kind === 'individual' ? 'an individual' : 'a class'} registration; send ${field}`));
    const wanted = body[field];
    const [event] = await tx.select({ partySizeLimit: events.partySizeLimit }).from(events).where(eq(events.id, row.eventId));
    const [session] = await tx.select({ effectiveCapacity: sessions.effectiveCapacity }).from(sessions).where(eq(sessions.id, row.sessionId));
    if (wanted !== undefined && row.kind === 'individual' && wanted > event!.partySizeLimit) errors.push(fieldError('/partySize', `must be at most ${event!.partySizeLimit} for this event`, 'maximum', event!.partySizeLimit));
    if (wanted !== undefined && session!.effectiveCapacity !== null && wanted > session!.effectiveCapacity) errors.push(fieldError(`/${field}`, `is more than the session's ${session!.effectiveCapacity} seats`, 'exceeds_capacity', session!.effectiveCapacity));
    if (errors.length) throw unprocessable('invalid_registration', 'The change is not acceptable.', errors);
    if (row.status === 'cancelled') throw conflict('already_cancelled', 'The registration is cancelled.');
    if (row.status === 'attended' && wanted !== undefined && wanted !== row.headcount) throw conflict('already_checked_in', 'The registration is checked in; its headcount was recorded at the door.');

    const changed: string[] = [];
    let updated = row;
    if (body.language && body.language !== row.language) changed.push('language');
    if (wanted !== undefined && wanted !== row.headcount) {
      const delta = wanted - row.headcount;
      if (row.status === 'confirmed') {
        if (delta > 0 && !(await takeSeats(tx, row.sessionId, delta))) {
          throw conflict('not_enough_seats', `There are not ${delta} more seats left in this session.`);
        }
        if (delta < 0) await releaseSeats(tx, row.sessionId, -delta);
      }
      changed.push(field);
    }
    if (changed.length === 0) return;
    await tx.update(registrations).set({ headcount: wanted ?? row.headcount, language: body.language ?? row.language, updatedAt: now }).where(eq(registrations.id, row.id));
    updated = { ...row, headcount: wanted ?? row.headcount, language: body.language ?? row.language };
    if (changed.includes(field)) await history(tx, updated, 'headcount_changed', actor, now);
    await record(tx, updated, ownerUnitId, 'updated', changed, actor);
    // Fewer seats taken, or a smaller party that now fits: the waiting list may move.
    if (changed.includes(field)) await promoteWaitlisted(tx, row.sessionId, { now, actor, changes });
  }

  /** Removes a person's data from one registration; the counts stay. */
  async function anonymizeLocked(tx: Transaction, row: RegistrationRow, now: Date) {
    await tx.update(registrations).set({
      contactName: null, phone: null, email: null, manageTokenHash: `erased:${row.id}`, anonymizedAt: now, updatedAt: now,
    }).where(eq(registrations.id, row.id));
    await tx.delete(registrationAnswers).where(eq(registrationAnswers.registrationId, row.id));
    await tx.delete(idempotencyKeys).where(eq(idempotencyKeys.registrationId, row.id));
  }

  async function checkIn(eventId: string, body: CheckInBody, actor: Actor) {
    if (!body.code && !body.registrationId) {
      throw unprocessable('invalid_check_in', 'Say whom to check in.', [fieldError('/code', 'give the check-in code or the registrationId', 'required')]);
    }
    const [target] = await db.select({ id: registrations.id }).from(registrations)
      .where(and(eq(registrations.eventId, eventId), body.registrationId ? eq(registrations.id, body.registrationId) : eq(registrations.checkInCode, (body.code ?? '').trim().toUpperCase())));
    if (!target) throw notFound('registration');
    return withRegistration({ eventId, id: target.id }, async (tx, row, ownerUnitId, now) => {
      if (row.status === 'attended') throw conflict('already_checked_in', `Already checked in at ${row.checkedInAt?.toISOString()}.`, { checkedInAt: row.checkedInAt?.toISOString() });
      if (row.status === 'waitlisted') throw conflict('not_confirmed', 'The registration is on the waiting list: promote it first.');
      if (row.status === 'cancelled') throw conflict('already_cancelled', 'The registration is cancelled.');
      const came = body.headcount ?? row.headcount;
      if (came > row.headcount) throw unprocessable('invalid_check_in', 'More people came than registered: record the others as walk-ins.', [fieldError('/headcount', `must be at most the registered ${row.headcount}`, 'maximum', row.headcount)]);
      const attended = await setStatus(tx, row, 'attended', now, { checkedInHeadcount: came, checkedInAt: now });
      await history(tx, attended, 'checked_in', actor, now);
      await record(tx, attended, ownerUnitId, 'checked_in', ['status', 'checkedInHeadcount'], actor);
      return (await loadRegistration(tx, row.id))!;
    });
  }

  return {
    forgetEvent,

    signUp: (eventId: string, body: SignUpBody, options: { idempotencyKey?: string }) => signUp(eventId, body, { source: 'online', ...options }),

    assisted: (eventId: string, body: AssistedSignUpBody, actor: Actor, idempotencyKey?: string) => {
      const { walkIn, ...rest } = body;
      return signUp(eventId, rest, { source: walkIn ? 'walk_in' : 'assisted', actor, idempotencyKey });
    },

    async view(token: string) {
      const [row] = await loadRegistrations(db, eq(registrations.manageTokenHash, secretHash(token)));
      if (!row) throw notFound('registration');
      return row;
    },

    async change(find: { token: string } | { eventId: string; id: string }, body: ChangeRegistrationBody, actor: Actor = null) {
      const id = await withRegistration(find, async (tx, row, ownerUnitId, now) => {
        await changeHeadcount(tx, row, ownerUnitId, body, now, actor);
        return row.id;
      });
      return (await loadRegistration(db, id))!;
    },

    async cancel(find: { token: string } | { eventId: string; id: string }, actor: Actor = null) {
      const id = await withRegistration(find, async (tx, row, ownerUnitId, now) => {
        await cancelLocked(tx, row, ownerUnitId, now, actor, actor ? 'cancelled_by_organizer' : 'cancelled_by_registrant');
        return row.id;
      });
      return (await loadRegistration(db, id))!;
    },

    /** The person's right to erasure: cancelled if still live, then stripped of personal data; the link stops working. */
    async erase(token: string) {
      await withRegistration({ token }, async (tx, row, ownerUnitId, now) => {
        if (row.status === 'confirmed' || row.status === 'waitlisted') await cancelLocked(tx, row, ownerUnitId, now, null, 'erased');
        await anonymizeLocked(tx, row, now);
        await record(tx, row, ownerUnitId, 'erased', ['name', 'phone', 'email', 'answers'], null);
      });
    },

    /** By hand, also within the cut-off before the start; never past capacity. */
    async promote(eventId: string, id: string, actor: Actor) {
      await withRegistration({ eventId, id }, async (tx, row, ownerUnitId, now) => {
        if (row.status !== 'waitlisted') throw conflict('not_waitlisted', `The registration is ${row.status}, not on the waiting list.`);
        if (!(await takeSeats(tx, row.sessionId, row.headcount))) throw conflict('not_enough_seats', `The session has fewer than ${row.headcount} seats left.`);
        const confirmed = await setStatus(tx, row, 'confirmed', now);
        await history(tx, confirmed, 'promoted_by_organizer', actor, now);
        await record(tx, confirmed, ownerUnitId, 'promoted', ['status'], actor);
      });
      return (await loadRegistration(db, id))!;
    },

    /**
     * "Send my link again": mails the manage link of the live registrations for the event with
     * this address. Says nothing about whether there were any (that would tell who is registered).
     */
    async sendLinkAgain(eventId: string, email: string): Promise<void> {
      const [event] = await db.select({ status: events.status }).from(events).where(eq(events.id, eventId));
      if (!event || event.status === 'draft' || event.status === 'submitted') throw notFound('event', eventId);
      await db.transaction((tx) => planManageLinkMail(tx, { eventId, email: normalizeEmail(email), now: clock.now() }));
    },

    /** A new manage link for someone who lost theirs; the old one stops working. */
    async renewManageLink(eventId: string, id: string, actor: Actor) {
      const manageToken = await withRegistration({ eventId, id }, async (tx, row, ownerUnitId, now) => {
        if (row.anonymizedAt) throw conflict('anonymized', 'The registration\'s personal data was erased; it has no manage link any more.');
        const version = row.manageLinkVersion + 1;
        const token = deriveManageToken(secretKey, row.id, version);
        await tx.update(registrations).set({ manageTokenHash: secretHash(token), manageLinkVersion: version, updatedAt: now }).where(eq(registrations.id, row.id));
        await record(tx, row, ownerUnitId, 'link_renewed', ['manageToken'], actor);
        return token;
      });
      const registration = (await loadRegistration(db, id))!;
      return { registration, manageToken, manageUrl: manageUrl(manageToken), emailNotices: registration.email !== null };
    },

    checkIn,

    async undoCheckIn(eventId: string, id: string, actor: Actor) {
      await withRegistration({ eventId, id }, async (tx, row, ownerUnitId, now) => {
        if (row.status !== 'attended') throw conflict('not_checked_in', 'The registration is not checked in.');
      // Undone on a cancelled event or session, it would be a live registration nobody was told about.
      const [session] = await tx.select({ status: sessions.status }).from(sessions).where(eq(sessions.id, row.sessionId));
      if (session?.status !== 'scheduled') throw conflict('session_cancelled', 'The session or its event is cancelled: the check-in stays as recorded.');
        const confirmed = await setStatus(tx, row, 'confirmed', now, { checkedInHeadcount: null, checkedInAt: null });
        await history(tx, confirmed, 'check_in_undone', actor, now);
        await record(tx, confirmed, ownerUnitId, 'check_in_undone', ['status', 'checkedInHeadcount'], actor);
      });
      return (await loadRegistration(db, id))!;
    },

  };
}
export type RegistrationsService = ReturnType<typeof createRegistrationsService>;
