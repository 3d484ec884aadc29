import { and, asc, eq, gt, ilike, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { events, registrationAnswers, registrations, sessions } from '../../db/schema/index.js';
import type { RegistrationResponse } from './registrations.schemas.js';

// Outer columns named by hand: Drizzle may write selected columns unqualified, and inside
// the subquery an unqualified name would mean the subquery's own row.
const waitlistPosition = sql<number | null>`case when registrations.status = 'waitlisted' then (
  select count(*)::int from registrations w where w.session_id = registrations.session_id and w.status = 'waitlisted' and w.seq <= registrations.seq) end`;

/** Registrations as their owner and the event's organizers see them, in queue order. */
export async function loadRegistrations(db: Executor, where: SQL | undefined, { limit }: { limit?: number } = {}): Promise<(RegistrationResponse & { seq: number })[]> {
  const query = db.select({
    registration: registrations, waitlistPosition,
    session: { startsAt: sessions.startsAt, endsAt: sessions.endsAt, status: sessions.status },
    event: { id: events.id, titleZh: events.titleZh, titleEn: events.titleEn, status: events.status },
  }).from(registrations)
    .innerJoin(sessions, eq(sessions.id, registrations.sessionId))
    .innerJoin(events, eq(events.id, registrations.eventId))
    .where(where).orderBy(asc(registrations.seq));
  const rows = limit ? await query.limit(limit) : await query;
  const answers = rows.length ? await db.select().from(registrationAnswers).where(inArray(registrationAnswers.registrationId, rows.map((r) => r.registration.id))) : [];
  return rows.map(({ registration: r, waitlistPosition: position, session, event }) => ({
    seq: r.seq,
    id: r.id, eventId: r.eventId, sessionId: r.sessionId, kind: r.kind, status: r.status, source: r.source, headcount: r.headcount,
    waitlistPosition: position, language: r.language, name: r.contactName, phone: r.phone, email: r.email, school: r.school, gradeClass: r.gradeClass,
    checkInCode: r.checkInCode, checkedInHeadcount: r.checkedInHeadcount, checkedInAt: r.checkedInAt?.toISOString() ?? null,
    consentVersion: r.consentVersion, transferConsentVersion: r.transferConsentVersion,
    answers: answers.filter((a) => a.registrationId === r.id).map((a) => ({ questionId: a.questionId, value: a.value })),
    session: { startsAt: session.startsAt.toISOString(), endsAt: session.endsAt.toISOString(), status: session.status },
    event, anonymized: r.anonymizedAt !== null, createdAt: r.createdAt.toISOString(), statusChangedAt: r.statusChangedAt.toISOString(),
  }));
}

export async function loadRegistration(db: Executor, id: string) {
  const [row] = await loadRegistrations(db, eq(registrations.id, id));
  return row;
}

export const registrationPageWhere = (eventId: string, { sessionId, status, q, afterSeq }: { sessionId?: string; status?: string; q?: string; afterSeq?: number }) =>
  and(eq(registrations.eventId, eventId), sessionId ? eq(registrations.sessionId, sessionId) : undefined,
    status ? sql`${registrations.status} = ${status}` : undefined, q ? searchMatches(q) : undefined, afterSeq !== undefined ? gt(registrations.seq, afterSeq) : undefined);

/**
 * A search at the desk: part of a name, email, school, class or check-in code (any case), or
 * of a phone number however it is typed (phones are stored as digits). A scan of one event's
 * rows, which the event index already narrows to hundreds.
 */
function searchMatches(q: string): SQL {
  const pattern = `%${q.trim().replace(/[\\%_]/g, '\\$&')}%`;
  const digits = q.replace(/[\s()-]/g, '').replace(/^\+?86(?=1)/, '');
  return or(
    ilike(registrations.contactName, pattern), ilike(registrations.email, pattern), ilike(registrations.school, pattern),
    ilike(registrations.gradeClass, pattern), ilike(registrations.checkInCode, pattern),
    /^\d{3,}$/.test(digits) ? like(registrations.phone, `%${digits}%`) : undefined,
  )!;
}

/** Per session of the event: seats, and registrations and headcount by status. */
export async function sessionTotals(db: Executor, eventId: string) {
  const counted = (status: string) => ({
    registrations: sql<number>`count(${registrations.id}) filter (where ${registrations.status} = ${status})::int`,
    headcount: sql<number>`coalesce(sum(${registrations.headcount}) filter (where ${registrations.status} = ${status}), 0)::int`,
  });
  const rows = await db.select({
    sessionId: sessions.id, startsAt: sessions.startsAt, capacity: sessions.effectiveCapacity, seatsTaken: sessions.seatsTaken,
    confirmed: counted('confirmed'), waitlisted: counted('waitlisted'), cancelled: counted('cancelled'),
    attended: { ...counted('attended'), checkedInHeadcount: sql<number>`coalesce(sum(${registrations.checkedInHeadcount}) filter (where ${registrations.status} = 'attended'), 0)::int` },
    recordedAttendance: sql<number>`coalesce((select sum(a.headcount) from session_attendance a where a.session_id = sessions.id), 0)::int`,
  }).from(sessions).leftJoin(registrations, eq(registrations.sessionId, sessions.id))
    .where(eq(sessions.eventId, eventId)).groupBy(sessions.id).orderBy(asc(sessions.startsAt), asc(sessions.id));
  return rows.map(({ seatsTaken, startsAt, ...row }) => ({
    ...row, startsAt: startsAt.toISOString(), seatsLeft: row.capacity === null ? null : row.capacity - seatsTaken,
  }));
}
