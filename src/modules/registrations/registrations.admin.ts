import { and, asc, eq, inArray } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Database } from '../../db/client.js';
import { audiences, eventQuestions, events, sessionAttendance, sessions } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { toCsv } from '../../lib/csv.js';
import { decodeSerialCursor, encodeSerialCursor } from '../../lib/cursor.js';
import { fieldError, notFound, unprocessable } from '../../lib/problems.js';
import { recordAudit, type Actor } from '../audit/audit.js';
import { loadRegistrations, registrationPageWhere, sessionTotals } from './registrations.queries.js';
import type { AttendanceBody, RegistrationListQuery } from './registrations.schemas.js';

const STATUS_ZH: Record<string, string> = { confirmed: '已确认', waitlisted: '候补', cancelled: '已取消', attended: '已签到' };
const KIND_ZH: Record<string, string> = { individual: '个人', class: '班级' };
const SOURCE_ZH: Record<string, string> = { online: '网上报名', assisted: '代报名', walk_in: '现场' };

/** The organizer's side of registrations: the list with totals, the export, attendance counts. */
export function createRegistrationAdminService({ db, clock }: { db: Database; clock: Clock }) {
  async function eventOf(eventId: string) {
    const [event] = await db.select().from(events).where(eq(events.id, eventId));
    if (!event) throw notFound('event', eventId);
    return event;
  }

  return {
    async list(eventId: string, query: RegistrationListQuery) {
      await eventOf(eventId);
      const afterSeq = decodeSerialCursor(query.cursor);
      const [rows, totals] = await Promise.all([
        loadRegistrations(db, registrationPageWhere(eventId, { sessionId: query.sessionId, status: query.status, q: query.q, afterSeq }), { limit: query.limit + 1 }),
        sessionTotals(db, eventId),
      ]);
      const page = rows.slice(0, query.limit);
      return {
        items: page.map(({ seq: _seq, ...r }) => r),
        nextCursor: rows.length > query.limit ? encodeSerialCursor(page.at(-1)!.seq) : null,
        totals: query.sessionId ? totals.filter((t) => t.sessionId === query.sessionId) : totals,
      };
    },

    /** Everything the organizers hold about the event's registrants: the export itself is audited. */
    async exportCsv(eventId: string, query: { sessionId?: string }, actor: Actor) {
      const event = await eventOf(eventId);
      const questions = await db.select().from(eventQuestions).where(eq(eventQuestions.eventId, eventId)).orderBy(asc(eventQuestions.position), asc(eventQuestions.createdAt));
      const rows = await loadRegistrations(db, registrationPageWhere(eventId, { sessionId: query.sessionId }));
      const local = (iso: string | null) => (iso ? DateTime.fromISO(iso).setZone(event.timezone).toFormat('yyyy-MM-dd HH:mm') : '');
      const header = ['序号', '场次开始', '类型', '状态', '来源', '人数', '签到人数', '签到时间', '姓名/带队教师', '手机', '邮箱', '学校', '年级班级', '语言', '签到码', '报名时间',
        ...questions.map((q) => q.labelZh)];
      const lines = rows.map((r, i) => {
        const answers = new Map(r.answers.map((a) => [a.questionId, a.value]));
        return [
          i + 1, local(r.session.startsAt), KIND_ZH[r.kind], STATUS_ZH[r.status], SOURCE_ZH[r.source], r.headcount, r.checkedInHeadcount, local(r.checkedInAt),
          r.name, r.phone, r.email, r.school, r.gradeClass, r.language, r.checkInCode, local(r.createdAt),
          ...questions.map((q) => {
            const value = answers.get(q.id);
            if (value === undefined) return '';
            if (typeof value === 'boolean') return value ? '是' : '否';
            const label = (v: string) => q.options.find((o) => o.value === v)?.labelZh ?? v;
            return Array.isArray(value) ? value.map(label).join('；') : q.kind === 'choice' ? label(value) : value;
          }),
        ];
      });
      await db.transaction((tx) => recordAudit(tx, actor, {
        action: 'exported', objectKind: 'event', objectId: eventId, unitId: event.ownerUnitId, changedFields: ['registrations'],
      }));
      const day = DateTime.fromJSDate(clock.now()).setZone(event.timezone).toFormat('yyyyMMdd');
      return { csv: toCsv(header, lines), filename: `${event.titleZh}-报名名单-${day}.csv` };
    },

    /** The headcounts recorded per session and audience, every session of the event listed (none: empty counts). */
    async attendanceOf(eventId: string) {
      await eventOf(eventId);
      const rows = await db.select({ sessionId: sessions.id, audienceSlug: sessionAttendance.audienceSlug, headcount: sessionAttendance.headcount })
        .from(sessions).leftJoin(sessionAttendance, eq(sessionAttendance.sessionId, sessions.id))
        .where(eq(sessions.eventId, eventId)).orderBy(asc(sessions.startsAt), asc(sessions.id));
      const bySession = new Map<string, Record<string, number>>();
      for (const row of rows) {
        const counts = bySession.get(row.sessionId) ?? {};
        if (row.audienceSlug !== null && row.headcount !== null) counts[row.audienceSlug] = row.headcount;
        bySession.set(row.sessionId, counts);
      }
      return { items: [...bySession].map(([sessionId, counts]) => ({ sessionId, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) })) };
    },

    /** Replaces the headcounts recorded for a session, per audience. */
    async recordAttendance(eventId: string, sessionId: string, body: AttendanceBody, actor: Actor) {
      const event = await eventOf(eventId);
      const [session] = await db.select({ id: sessions.id }).from(sessions).where(and(eq(sessions.id, sessionId), eq(sessions.eventId, eventId)));
      if (!session) throw notFound('session', sessionId);
      const slugs = Object.keys(body.counts);
      const known = new Set(slugs.length ? (await db.select({ slug: audiences.slug }).from(audiences).where(inArray(audiences.slug, slugs))).map((a) => a.slug) : []);
      const unknown = slugs.filter((s) => !known.has(s));
      if (unknown.length) throw unprocessable('invalid_attendance', 'Unknown audiences.', unknown.map((s) => fieldError(`/counts/${s}`, 'is not an audience (GET /api/v1/audiences)')));
      const now = clock.now();
      await db.transaction(async (tx) => {
        await tx.delete(sessionAttendance).where(eq(sessionAttendance.sessionId, sessionId));
        const rows = Object.entries(body.counts).filter(([, n]) => n > 0).map(([audienceSlug, headcount]) => ({ sessionId, audienceSlug, headcount, recordedAt: now }));
        if (rows.length) await tx.insert(sessionAttendance).values(rows);
        await recordAudit(tx, actor, { action: 'attendance_recorded', objectKind: 'session', objectId: sessionId, unitId: event.ownerUnitId, changedFields: ['attendance'] });
      });
      const counts = Object.fromEntries(Object.entries(body.counts).filter(([, n]) => n > 0));
      return { sessionId, counts, total: Object.values(counts).reduce((a, b) => a + b, 0) };
    },
  };
}
