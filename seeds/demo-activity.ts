import { createHash, randomBytes } from 'node:crypto';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import { eventAudiences, events, registrationHistory, registrations, sessionAttendance, sessions } from '../src/db/schema/index.js';

/**
 * A year of activity for the demo's past events, so the year's report has something to
 * show: sign-ups (individuals and classes, some cancelled, a waiting list where a session
 * filled), check-ins with the usual no-shows, people counted at the door of events held
 * without registration, and the science workers and volunteers involved. The people are
 * invented (演示报名人, phone numbers 190…); the numbers come from a hash of the session, so
 * every run of the demo shows the same report.
 */
export async function seedDemoActivity(db: Database, eventIds: string[], now: Date): Promise<number> {
  if (eventIds.length === 0) return 0;
  const held = await db.select({
    sessionId: sessions.id, eventId: sessions.eventId, startsAt: sessions.startsAt, capacity: sessions.effectiveCapacity, mode: events.registrationMode,
  }).from(sessions).innerJoin(events, eq(events.id, sessions.eventId))
    .where(and(inArray(sessions.eventId, eventIds), eq(sessions.status, 'scheduled'), lt(sessions.startsAt, now)));
  const audiencesOf = new Map<string, string[]>();
  for (const row of await db.select().from(eventAudiences).where(inArray(eventAudiences.eventId, eventIds))) {
    audiencesOf.set(row.eventId, [...(audiencesOf.get(row.eventId) ?? []), row.audienceSlug]);
  }
  let people = 0;
  let phone = 0;
  await db.transaction(async (tx) => {
    for (const session of held) {
      const roll = (salt: string, below: number) => createHash('sha256').update(session.sessionId + salt).digest().readUInt32BE(0) % below;
      const day = (offset: number) => new Date(session.startsAt.getTime() + offset * 24 * 3600_000);
      if (session.mode === 'none') {
        const counts = (audiencesOf.get(session.eventId) ?? ['public']).map((audienceSlug) => ({ sessionId: session.sessionId, audienceSlug, headcount: 30 + roll(audienceSlug, 150), recordedAt: day(0) }));
        await tx.insert(sessionAttendance).values(counts);
        people += counts.reduce((sum, c) => sum + c.headcount, 0);
        continue;
      }
      // Sign-ups until 60 % to 109 % of the seats are asked for: a full session gets a short waiting list.
      const capacity = session.capacity ?? 60;
      const target = Math.round(capacity * (0.6 + roll('fill', 50) / 100));
      const rows: (typeof registrations.$inferInsert)[] = [];
      let seated = 0;
      let waiting = 0;
      for (let n = 0; seated < target && waiting < 3 && n < 400; n++) {
        const isClass = session.mode !== 'individual' && n % 7 === 3;
        const headcount = isClass ? 25 + roll(`class${n}`, 15) : 1 + roll(`party${n}`, 3);
        const fits = seated + headcount <= capacity;
        if (!fits) waiting += 1;
        const cancelled = fits && roll(`cancel${n}`, 12) === 0;
        const status = !fits ? 'waitlisted' : cancelled ? 'cancelled' : roll(`show${n}`, 100) < 82 ? 'attended' : 'confirmed';
        if (status === 'attended' || status === 'confirmed') seated += headcount;
        const signedUpAt = day(-10 + (n % 9));
        rows.push({
          eventId: session.eventId, sessionId: session.sessionId, kind: isClass ? 'class' : 'individual', status, headcount,
          contactName: isClass ? '演示教师' : `演示报名人${n + 1}`, phone: `190${String(++phone).padStart(8, '0')}`,
          school: isClass ? '演示小学' : null, gradeClass: isClass ? `${n + 1}班` : null, consentVersion: 'demo',
          manageTokenHash: randomBytes(16).toString('hex'), checkInCode: `D${String(phone).padStart(6, '0')}`,
          checkedInHeadcount: status === 'attended' ? headcount - (roll(`less${n}`, 5) === 0 && headcount > 1 ? 1 : 0) : null,
          checkedInAt: status === 'attended' ? day(0) : null,
          createdAt: signedUpAt, updatedAt: signedUpAt, statusChangedAt: status === 'attended' ? day(0) : status === 'cancelled' ? day(-1) : signedUpAt,
        });
      }
      const inserted = await tx.insert(registrations).values(rows).returning({ id: registrations.id, status: registrations.status, headcount: registrations.headcount, checkedIn: registrations.checkedInHeadcount, createdAt: registrations.createdAt, statusChangedAt: registrations.statusChangedAt });
      await tx.insert(registrationHistory).values(inserted.flatMap((r) => [
        { registrationId: r.id, sessionId: session.sessionId, status: r.status === 'waitlisted' ? 'waitlisted' as const : 'confirmed' as const, headcount: r.headcount, reason: 'signed_up', changedAt: r.createdAt },
        ...(r.status === 'cancelled' || r.status === 'attended'
          ? [{ registrationId: r.id, sessionId: session.sessionId, status: r.status, headcount: r.headcount, reason: r.status === 'cancelled' ? 'cancelled' : 'checked_in', changedAt: r.statusChangedAt }]
          : []),
      ]));
      await tx.update(sessions).set({ seatsTaken: sql`(select coalesce(sum(headcount), 0)::int from registrations where session_id = ${session.sessionId} and status in ('confirmed', 'attended'))` })
        .where(eq(sessions.id, session.sessionId));
      people += inserted.reduce((sum, r) => sum + (r.checkedIn ?? 0), 0);
    }
    for (const eventId of new Set(held.map((s) => s.eventId))) {
      const roll = createHash('sha256').update(eventId).digest();
      await tx.update(events).set({ scienceWorkers: 2 + (roll[0]! % 12), volunteers: 3 + (roll[1]! % 25) }).where(eq(events.id, eventId));
    }
  });
  return people;
}
