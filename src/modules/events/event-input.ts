import { and, eq, inArray } from 'drizzle-orm';
import { IANAZone } from 'luxon';
import type { Executor } from '../../db/client.js';
import { audiences, campaignTasks, eventUnits, observances, units, venues } from '../../db/schema/index.js';
import { fieldError, unprocessable, type FieldProblem } from '../../lib/problems.js';
import type { CreateSessionBody, UpdateEventBody } from './events.schemas.js';

const MIN_YEAR = 2000;
const MAX_YEAR = 2200;

/** Parses an instant the schema already accepted, and keeps it in years a calendar can hold. */
export function toInstant(value: string, pointer: string, errors: FieldProblem[]): Date {
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < MIN_YEAR || year > MAX_YEAR) errors.push(fieldError(pointer, `must be a time between ${MIN_YEAR} and ${MAX_YEAR}`, 'time_out_of_range'));
  return date;
}

/** Start and end of a session, checked for meaning: the end comes after the start. */
export function sessionTimes(body: Pick<CreateSessionBody, 'startsAt' | 'endsAt'>, pointer: string, errors: FieldProblem[]) {
  const startsAt = toInstant(body.startsAt, `${pointer}/startsAt`, errors);
  const endsAt = toInstant(body.endsAt, `${pointer}/endsAt`, errors);
  if (endsAt.getTime() <= startsAt.getTime()) errors.push(fieldError(`${pointer}/endsAt`, 'must be after startsAt', 'end_before_start'));
  if (endsAt.getTime() - startsAt.getTime() > 366 * 24 * 3600_000) errors.push(fieldError(`${pointer}/endsAt`, 'makes a session longer than a year', 'too_long'));
  return { startsAt, endsAt };
}

export function throwIfAny(errors: FieldProblem[], message = 'Some values are not acceptable.') {
  if (errors.length) throw unprocessable('invalid_event', message, errors);
}

async function missing(db: Executor, table: typeof units | typeof observances | typeof campaignTasks | typeof venues, ids: string[]) {
  if (ids.length === 0) return new Set<string>();
  const found = new Set((await db.select({ id: table.id }).from(table).where(inArray(table.id, ids))).map((r) => r.id));
  return new Set(ids.filter((id) => !found.has(id)));
}

/** Every reference in an event body must name an existing record: one field error per bad one. */
export async function checkEventReferences(db: Executor, body: UpdateEventBody): Promise<FieldProblem[]> {
  const errors: FieldProblem[] = [];
  const unitIds = [...(body.ownerUnitId ? [body.ownerUnitId] : []), ...(body.coUnitIds ?? [])];
  const [badUnits, badObservance, badTask, badVenue] = await Promise.all([
    missing(db, units, unitIds),
    missing(db, observances, body.observanceId ? [body.observanceId] : []),
    missing(db, campaignTasks, body.taskId ? [body.taskId] : []),
    missing(db, venues, body.venueId ? [body.venueId] : []),
  ]);
  if (body.ownerUnitId && badUnits.has(body.ownerUnitId)) errors.push(fieldError('/ownerUnitId', 'no such unit', 'unknown_reference'));
  body.coUnitIds?.forEach((id, i) => {
    if (badUnits.has(id)) errors.push(fieldError(`/coUnitIds/${i}`, 'no such unit', 'unknown_reference'));
    if (id === body.ownerUnitId) errors.push(fieldError(`/coUnitIds/${i}`, 'is the owning unit already'));
  });
  if (badObservance.size) errors.push(fieldError('/observanceId', 'no such observance', 'unknown_reference'));
  if (badTask.size) errors.push(fieldError('/taskId', 'no such plan task', 'unknown_reference'));
  if (badVenue.size) errors.push(fieldError('/venueId', 'no such venue', 'unknown_reference'));
  if (body.audiences?.length) {
    const known = new Set((await db.select({ slug: audiences.slug }).from(audiences)).map((a) => a.slug));
    body.audiences.forEach((slug, i) => { if (!known.has(slug)) errors.push(fieldError(`/audiences/${i}`, `unknown audience (one of ${[...known].join(', ')})`, 'unknown_reference')); });
  }
  if (body.timezone !== undefined && !IANAZone.isValidZone(body.timezone)) errors.push(fieldError('/timezone', 'is not an IANA time zone'));
  return errors;
}

/** The registration window, as stored after a change: the opening comes before the closing. */
export function registrationWindow(body: UpdateEventBody, current: { opensAt: Date | null; closesAt: Date | null }, errors: FieldProblem[]) {
  const opensAt = body.registrationOpensAt === undefined ? current.opensAt
    : body.registrationOpensAt === null ? null : toInstant(body.registrationOpensAt, '/registrationOpensAt', errors);
  const closesAt = body.registrationClosesAt === undefined ? current.closesAt
    : body.registrationClosesAt === null ? null : toInstant(body.registrationClosesAt, '/registrationClosesAt', errors);
  if (opensAt && closesAt && opensAt >= closesAt) errors.push(fieldError('/registrationClosesAt', 'must be after registrationOpensAt', 'end_before_start'));
  return { opensAt, closesAt };
}

/**
 * The owner is never also a co-organizer. A body naming both is checked with the body
 * (checkEventReferences); a PATCH naming one of them is checked against what is stored.
 */
export async function ownerApartFromCoUnits(tx: Executor, eventId: string, body: UpdateEventBody, storedOwnerId: string): Promise<FieldProblem[]> {
  if (body.coUnitIds && !body.ownerUnitId) {
    return body.coUnitIds.flatMap((id, i) => (id === storedOwnerId ? [fieldError(`/coUnitIds/${i}`, 'is the owning unit already')] : []));
  }
  if (body.ownerUnitId && !body.coUnitIds) {
    const [row] = await tx.select({ unitId: eventUnits.unitId }).from(eventUnits)
      .where(and(eq(eventUnits.eventId, eventId), eq(eventUnits.unitId, body.ownerUnitId)));
    if (row) return [fieldError('/ownerUnitId', 'is a co-organizing unit; leave it out of coUnitIds in the same request')];
  }
  return [];
}
