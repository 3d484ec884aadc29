import type { FigureSums } from './reports.queries.js';
import type { Figures } from './reports.schemas.js';

/** A share rounded to four places (0.1234 = 12.34 %); null when there is nothing to divide by. */
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : null);

/**
 * The figures a group shows. The attendance rate is checked-in headcount over registered
 * headcount, both of sessions that have begun (a coming session is no one's absence); the
 * no-show rate is the headcount confirmed when its session began and never checked in, over
 * all headcount confirmed then. A party checked in with fewer people than it booked lowers
 * the attendance rate but is not a no-show.
 */
export function figuresOf(sums: FigureSums): Figures {
  return {
    events: sums.events, sessions: sums.sessions, seatsOffered: sums.seatsOffered,
    registrationsIndividual: sums.registrationsIndividual, registrationsClass: sums.registrationsClass,
    peopleRegistered: sums.peopleRegistered, checkedIn: sums.checkedIn, recordedAttendance: sums.recordedAttendance,
    attended: sums.checkedIn + sums.recordedAttendance,
    attendanceRate: share(sums.checkedInStarted, sums.peopleStarted),
    noShowRate: share(sums.noShow, sums.confirmedAtStart),
    waitlistPeak: sums.waitlistPeak, cancellations: sums.cancellations,
    scienceWorkers: sums.scienceWorkers, volunteers: sums.volunteers,
  };
}

export const NO_SUMS: FigureSums = {
  events: 0, sessions: 0, seatsOffered: 0, registrationsIndividual: 0, registrationsClass: 0, peopleRegistered: 0,
  checkedIn: 0, recordedAttendance: 0, peopleStarted: 0, checkedInStarted: 0, confirmedAtStart: 0, noShow: 0,
  waitlistPeak: 0, cancellations: 0, scienceWorkers: 0, volunteers: 0,
};
