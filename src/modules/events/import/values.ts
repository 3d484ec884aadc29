import { DateTime } from 'luxon';
import { EVENT_TYPES, REGISTRATION_MODES, type EventType, type RegistrationMode } from '../../../db/schema/index.js';
import { adminEvents as zhEvents } from '../../../ui/i18n/zh/admin-events.js';
import { adminEvents as enEvents } from '../../../ui/i18n/en/admin-events.js';
import { MODE_WORDS } from './columns.js';
import { candidates } from './references.js';
import { textOf, type Cell } from './read-sheet.js';

/** The Chinese label of an event type, from the admin UI's catalogue (one list of words). */
export const typeLabelZh = (type: EventType) => zhEvents[`adminEvents.type.${type}`];

const fold = (s: string) => s.replace(/\s+/g, '').toLowerCase();
const TYPE_WORDS = new Map<string, EventType>(EVENT_TYPES.flatMap((type) => [
  [fold(type), type], [fold(typeLabelZh(type)), type], [fold(enEvents[`adminEvents.type.${type}`]), type],
]));
const MODES = new Map<string, RegistrationMode>([
  ...REGISTRATION_MODES.map((m) => [m, m] as const),
  ...Object.entries(MODE_WORDS).map(([word, mode]) => [fold(word), mode] as const),
]);

export const eventTypeOf = (text: string) => candidates(text).map((c) => TYPE_WORDS.get(fold(c))).find(Boolean);
export const registrationModeOf = (text: string) => MODES.get(fold(text));

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: string; detail: string };

const TIME = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:(?:\s*T\s*|\s+|(?<=日)\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})分?(?:\s*[:：]\s*(\d{1,2})秒?)?)?\s*$/;
/** Days between Excel's epoch (1899-12-30, counting its fictitious 1900-02-29) and 1970-01-01. */
const EXCEL_EPOCH_DAYS = 25569;

/**
 * A session's start or end: `YYYY-MM-DD HH:mm` in the district's zone, or an Excel date cell,
 * whose wall time exceljs hands over in the UTC fields of a Date (or as a serial number when
 * the cell has no date format).
 */
export function parseTime(cell: Cell, zone: string): Parsed<DateTime> {
  let local: DateTime;
  if (cell instanceof Date || typeof cell === 'number') {
    const date = cell instanceof Date ? cell : new Date(Math.round((cell - EXCEL_EPOCH_DAYS) * 86_400_000));
    local = DateTime.fromObject({
      year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(),
      hour: date.getUTCHours(), minute: date.getUTCMinutes(), second: date.getUTCSeconds(),
    }, { zone });
  } else {
    const match = TIME.exec(textOf(cell));
    if (!match || match[4] === undefined) return { ok: false, code: 'invalid_time', detail: 'must be a date and time as YYYY-MM-DD HH:mm' };
    const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
    local = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone });
    if (!local.isValid || local.hour !== hour || local.minute !== minute) return { ok: false, code: 'invalid_time', detail: 'is not a time that exists' };
  }
  if (!local.isValid) return { ok: false, code: 'invalid_time', detail: 'is not a time that exists' };
  if (local.year < 2000 || local.year > 2200) return { ok: false, code: 'time_out_of_range', detail: 'must be a time between 2000 and 2200' };
  return { ok: true, value: local };
}

export const MAX_CAPACITY = 1_000_000;

export function parseCapacity(cell: Cell): Parsed<number> {
  const text = textOf(cell);
  const value = typeof cell === 'number' ? cell : /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(value)) return { ok: false, code: 'invalid_integer', detail: 'must be a whole number' };
  if (value < 0 || value > MAX_CAPACITY) return { ok: false, code: 'out_of_range', detail: `must be between 0 and ${MAX_CAPACITY}` };
  return { ok: true, value };
}

/** A cell as the user typed it, for messages (a date cell as its wall time). */
export function shownValue(cell: Cell, zone: string): string {
  if (cell instanceof Date) {
    const parsed = parseTime(cell, zone);
    return parsed.ok ? parsed.value.toFormat('yyyy-MM-dd HH:mm') : cell.toISOString();
  }
  return textOf(cell);
}
