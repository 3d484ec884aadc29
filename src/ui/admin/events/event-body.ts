import type { EventResponse } from '../../../modules/events/events.schemas.js';
import type { ProblemBody } from '../../../lib/problems.js';
import { formErrorsOf, type FormErrors } from '../../form-errors.js';
import type { View } from '../../view.js';
import { instantIn, listOf, localInputOf, integerOrRaw, tagsOf, textOf, type FormValues } from '../../form-values.js';

/** Session rows the create form shows at first, and adds per "more rows". */
export const SESSION_ROWS_STEP = 3;
/** The API's own limit; it also bounds the page a crafted `_rows` could ask for. */
export const MAX_SESSION_ROWS = 200;
export const SESSION_FIELDS = ['startsAt', 'endsAt', 'capacity'] as const;

/** Reminder choices offered as checkboxes, in minutes before a session (the API's default is a day and two hours). */
export const REMINDER_CHOICES = [10080, 4320, 1440, 240, 120, 60] as const;
export const DEFAULT_REMINDERS = ['1440', '120'];

/** Lists the API points into item by item (`/coUnitIds/2`) are shown by their one group of checkboxes. */
const LIST_FIELDS = ['coUnitIds', 'audiences', 'reminderOffsetsMinutes', 'tags'];

export const sessionRowsOf = (form: FormValues): number => {
  const posted = Number(textOf(form, '_rows'));
  const named = Object.keys(form).map((k) => /^sessions\.(\d+)\./.exec(k)?.[1]).filter((n) => n !== undefined).map(Number);
  const rows = Math.max(Number.isInteger(posted) ? posted : 0, ...named.map((n) => n + 1), SESSION_ROWS_STEP);
  return Math.min(rows, MAX_SESSION_ROWS);
};

type Mode = 'create' | 'update';

/**
 * The API body from the event form. On create an empty optional field is left out (the API's
 * default applies); on update it clears the value (null) where the API allows that, and is
 * left out where it does not (a field without a "none").
 */
function eventFieldsOf(form: FormValues, zone: string, mode: Mode): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const clear = mode === 'update' ? null : undefined;
  const text = (name: string, empty: unknown) => {
    const value = textOf(form, name).trim();
    body[name] = value === '' ? empty : value;
  };
  // Required ones: left out on create (the API says "required"), sent empty on update (it says so too).
  for (const name of ['titleZh', 'type', 'ownerUnitId', 'registrationMode']) text(name, mode === 'update' ? '' : undefined);
  for (const name of ['titleEn', 'observanceId', 'taskId', 'venueId']) text(name, clear);
  for (const name of ['descriptionZh', 'descriptionEn']) {
    // Paragraphs keep their own spacing; only the ends are trimmed.
    const value = textOf(form, name).replace(/\r\n/g, '\n').trim();
    body[name] = value === '' ? clear : value;
  }
  for (const name of ['capacity', 'scienceWorkers', 'volunteers']) {
    const value = textOf(form, name);
    body[name] = value.trim() === '' ? clear : integerOrRaw(value);
  }
  for (const name of ['partySizeLimit', 'promotionCutoffMinutes']) {
    const value = textOf(form, name);
    if (value.trim() !== '') body[name] = integerOrRaw(value);
  }
  for (const name of ['registrationOpensAt', 'registrationClosesAt']) {
    const value = textOf(form, name);
    body[name] = value.trim() === '' ? clear : instantIn(value, zone);
  }
  const waitlist = textOf(form, 'waitlistEnabled');
  if (waitlist === 'true' || waitlist === 'false') body.waitlistEnabled = waitlist === 'true';
  body.coUnitIds = listOf(form, 'coUnitIds');
  body.audiences = listOf(form, 'audiences');
  // Unchecked checkboxes send nothing: no box ticked means no reminders.
  body.reminderOffsetsMinutes = listOf(form, 'reminderOffsetsMinutes').map(integerOrRaw);
  const tags = tagsOf(textOf(form, 'tags'));
  if (mode === 'update' || tags.length) body.tags = tags;
  if (mode === 'create' && (body.coUnitIds as string[]).length === 0) delete body.coUnitIds;
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

/**
 * The create body, and for each session the API receives, the form row it came from: empty
 * rows are left out, so the API's `/sessions/1` may be the form's third row.
 */
export function createBodyOf(form: FormValues, zone: string): { body: Record<string, unknown>; rowOf: number[] } {
  const body = eventFieldsOf(form, zone, 'create');
  const sessions: Record<string, unknown>[] = [];
  const rowOf: number[] = [];
  for (let row = 0; row < sessionRowsOf(form); row++) {
    const [startsAt, endsAt, capacity] = SESSION_FIELDS.map((f) => textOf(form, `sessions.${row}.${f}`).trim());
    if (!startsAt && !endsAt && !capacity) continue;
    sessions.push({
      ...(startsAt ? { startsAt: instantIn(startsAt, zone) } : {}),
      ...(endsAt ? { endsAt: instantIn(endsAt, zone) } : {}),
      ...(capacity ? { capacity: integerOrRaw(capacity) } : {}),
    });
    rowOf.push(row);
  }
  if (sessions.length) body.sessions = sessions;
  return { body, rowOf };
}

/**
 * The PATCH body: only the fields whose value differs from the stored one, so the audit log
 * and the change feed name what the organizer changed, not every field of the form.
 */
export function updateBodyOf(form: FormValues, event: EventResponse): Record<string, unknown> {
  const typed = eventFieldsOf(form, event.timezone, 'update');
  const stored = eventFieldsOf(valuesOfEvent(event), event.timezone, 'update');
  const same = (a: unknown, b: unknown) => JSON.stringify(Array.isArray(a) ? [...a].sort() : a) === JSON.stringify(Array.isArray(b) ? [...b].sort() : b);
  return Object.fromEntries(Object.entries(typed).filter(([name, value]) => !same(value, stored[name])));
}

/** The API's field names back to the form's: list items to their list, sessions to their form row. */
export function formFieldOf(rowOf: number[] = []) {
  return (field: string) => {
    const [head, index, ...rest] = field.split('.');
    if (head && LIST_FIELDS.includes(head)) return head;
    if (head === 'sessions' && index !== undefined && rest.length) return `sessions.${rowOf[Number(index)] ?? index}.${rest.join('.')}`;
    return field;
  };
}

/** The API's refusal for the event form, with the clashing event named when the venue is taken. */
export function eventFormErrors(view: View, problem: ProblemBody, rowOf?: number[]): FormErrors {
  const errors = formErrorsOf(view, problem, formFieldOf(rowOf));
  const clash = problem.code === 'venue_in_use' ? (problem as { conflictingEvent?: { titleZh?: string; titleEn?: string | null } }).conflictingEvent : undefined;
  if (clash?.titleZh) errors.summary = view.t('adminEvents.problem.venueInUseBy', { title: view.lang === 'en' && clash.titleEn ? clash.titleEn : clash.titleZh });
  return errors;
}

/** The form's values for an event as stored (the edit page). */
export function valuesOfEvent(event: EventResponse): FormValues {
  const zone = event.timezone;
  return {
    titleZh: event.titleZh, titleEn: event.titleEn ?? '', descriptionZh: event.descriptionZh ?? '', descriptionEn: event.descriptionEn ?? '',
    type: event.type, ownerUnitId: event.ownerUnit.id, coUnitIds: event.coUnits.map((u) => u.id),
    observanceId: event.observance?.id ?? '', taskId: event.task?.id ?? '', venueId: event.venue?.id ?? '',
    audiences: event.audiences, capacity: event.capacity === null ? '' : String(event.capacity), registrationMode: event.registrationMode,
    registrationOpensAt: localInputOf(event.registrationOpensAt, zone), registrationClosesAt: localInputOf(event.registrationClosesAt, zone),
    partySizeLimit: String(event.partySizeLimit), waitlistEnabled: String(event.waitlistEnabled),
    promotionCutoffMinutes: String(event.promotionCutoffMinutes), reminderOffsetsMinutes: event.reminderOffsetsMinutes.map(String),
    tags: event.tags.join(', '),
    scienceWorkers: event.scienceWorkers === null ? '' : String(event.scienceWorkers),
    volunteers: event.volunteers === null ? '' : String(event.volunteers),
  };
}

/** The new-event form before anything is typed. */
export const blankValues = (ownerUnitId = ''): FormValues => ({
  registrationMode: 'none', waitlistEnabled: 'true', reminderOffsetsMinutes: DEFAULT_REMINDERS, ownerUnitId, _rows: String(SESSION_ROWS_STEP),
});
