import type { CreateEventBody } from '../events.schemas.js';
import { COLUMNS, COLUMN_KEYS, columnOfHeader, headerOf, splitList, type ColumnKey } from './columns.js';
import { textOf, type Cell, type Sheet } from './read-sheet.js';
import type { References, Resolved } from './references.js';
import { eventTypeOf, parseCapacity, parseTime, registrationModeOf, shownValue } from './values.js';

/** One problem of the file, where the user will look for it: the row as numbered on screen, the column by its Chinese header. */
export type ImportError = { row: number; column: string; code: string; detail: string; value?: string; limit?: number };
export type ParsedEvent = { row: number; sessionRows: number[]; body: CreateEventBody; valid: boolean };

const LIMITS = { title: 200, description: 20_000, coUnits: 50, audiences: 10, sessions: 200 };
const SESSION_MAX_MS = 366 * 24 * 3600_000;
/** Cells are quoted back in messages, never whole: a pasted essay stays in the file. */
const quoted = (text: string) => ([...text].length > 60 ? `${[...text].slice(0, 60).join('')}…` : text);

/** Which column each position holds; problems of the header are row 1's. */
export function mapHeader(header: Cell[]): { columnAt: (ColumnKey | undefined)[]; errors: ImportError[] } {
  const errors: ImportError[] = [];
  const columnAt: (ColumnKey | undefined)[] = [];
  const seen = new Set<ColumnKey>();
  header.forEach((cell, i) => {
    const text = quoted(textOf(cell));
    if (!text) return;
    const key = columnOfHeader(text);
    if (!key) errors.push({ row: 1, column: text, code: 'unknown_header', detail: 'is not a column of the template', value: text });
    else if (seen.has(key)) errors.push({ row: 1, column: headerOf(key), code: 'duplicate_header', detail: 'appears twice', value: text });
    else { seen.add(key); columnAt[i] = key; }
  });
  for (const key of COLUMN_KEYS) {
    if (COLUMNS[key].required && !seen.has(key)) errors.push({ row: 1, column: headerOf(key), code: 'missing_header', detail: 'is a required column' });
  }
  return { columnAt, errors };
}

type Context = { refs: References; zone: string; mayManageUnit: (unitId: string) => boolean };
type Values = Partial<Record<ColumnKey, Cell>>;

/**
 * Every row checked, every problem collected: the rows become event bodies (grouped by
 * 活动编号, one session a row) as the API's create takes them, with the rows they came from.
 */
export function parseRows(sheet: Sheet, columnAt: (ColumnKey | undefined)[], context: Context) {
  const errors: ImportError[] = [];
  const groups = new Map<string, { event: ParsedEvent; first: Values }>();
  for (const { row, cells } of sheet.rows) {
    const values: Values = {};
    cells.forEach((cell, i) => { const key = columnAt[i]; if (key && textOf(cell) !== '') values[key] = cell; });
    if (Object.keys(values).length === 0) continue;
    const fail = (key: ColumnKey, code: string, detail: string, extra: Partial<ImportError> = {}) => {
      errors.push({ row, column: headerOf(key), code, detail, ...extra, ...(extra.value === undefined ? {} : { value: quoted(extra.value) }) });
    };
    const before = errors.length;
    const group = textOf(values.group ?? null);
    if (!group) { fail('group', 'required', 'is required'); continue; }
    let entry = groups.get(group);
    if (!entry) {
      entry = { event: { row, sessionRows: [], body: eventBodyOf(values, fail, context), valid: true }, first: values };
      groups.set(group, entry);
    } else {
      for (const key of COLUMN_KEYS) {
        if (COLUMNS[key].perSession || values[key] === undefined) continue;
        if (shownValue(values[key]!, context.zone) !== shownValue(entry.first[key] ?? null, context.zone)) {
          fail(key, 'group_mismatch', `differs from row ${entry.event.row}, the first row of event ${group}`, { value: shownValue(values[key]!, context.zone) });
        }
      }
    }
    const session = sessionOf(values, fail, context.zone);
    if (entry.event.sessionRows.length >= LIMITS.sessions) fail('startsAt', 'too_many', `an event has at most ${LIMITS.sessions} sessions`, { limit: LIMITS.sessions });
    entry.event.sessionRows.push(row);
    entry.event.body.sessions!.push(session);
    if (errors.length > before) entry.event.valid = false;
  }
  return { events: [...groups.values()].map((g) => g.event), errors };
}

type Fail = (key: ColumnKey, code: string, detail: string, extra?: Partial<ImportError>) => void;

function eventBodyOf(values: Values, fail: Fail, { refs, mayManageUnit }: Context): CreateEventBody {
  const text = (key: ColumnKey, max: number) => {
    const value = textOf(values[key] ?? null);
    if (!value && COLUMNS[key].required) fail(key, 'required', 'is required');
    if ([...value].length > max) fail(key, 'too_long', `is longer than ${max} characters`, { limit: max });
    return value || undefined;
  };
  const resolve = (key: ColumnKey, find: (text: string) => Resolved, item?: string): string | undefined => {
    const value = item ?? textOf(values[key] ?? null);
    if (!value) return undefined;
    const found = find(value);
    if (found.ok) return found.key;
    fail(key, found.code, found.code === 'ambiguous_reference' ? 'names several records: use the slug or id' : 'names nothing known', { value });
    return undefined;
  };
  const list = (key: ColumnKey, find: (text: string) => Resolved, max: number) => {
    const items = splitList(textOf(values[key] ?? null));
    if (items.length > max) fail(key, 'too_many', `lists more than ${max}`, { limit: max });
    return [...new Set(items.map((item) => resolve(key, find, item)).filter((k): k is string => k !== undefined))];
  };

  const titleZh = text('titleZh', LIMITS.title) ?? '';
  const titleEn = text('titleEn', LIMITS.title);
  const descriptionZh = text('descriptionZh', LIMITS.description);
  const typeText = text('type', 100);
  const type = typeText ? eventTypeOf(typeText) : undefined;
  if (typeText && !type) fail('type', 'unknown_value', 'is not an event type', { value: typeText });
  if (!textOf(values.ownerUnit ?? null)) fail('ownerUnit', 'required', 'is required');
  const ownerUnitId = resolve('ownerUnit', refs.unit);
  if (ownerUnitId && !mayManageUnit(ownerUnitId)) fail('ownerUnit', 'not_your_unit', 'is a unit you do not act for', { value: textOf(values.ownerUnit ?? null) });
  const coUnitIds = list('coUnits', refs.unit, LIMITS.coUnits);
  if (ownerUnitId && coUnitIds.includes(ownerUnitId)) fail('coUnits', 'owner_is_co_unit', 'names the owning unit');
  const modeText = textOf(values.registrationMode ?? null);
  const registrationMode = modeText ? registrationModeOf(modeText) : 'none';
  if (!registrationMode) fail('registrationMode', 'unknown_value', 'is not a registration mode', { value: modeText });
  return {
    titleZh, titleEn: titleEn ?? null, descriptionZh: descriptionZh ?? null, type: type ?? 'other', ownerUnitId: ownerUnitId ?? '',
    coUnitIds: coUnitIds.filter((id) => id !== ownerUnitId), audiences: list('audiences', refs.audience, LIMITS.audiences),
    observanceId: resolve('observance', refs.observance) ?? null, taskId: resolve('task', refs.task) ?? null, venueId: resolve('venue', refs.venue) ?? null,
    registrationMode: registrationMode ?? 'none', sessions: [],
  };
}

function sessionOf(values: Values, fail: Fail, zone: string) {
  const time = (key: 'startsAt' | 'endsAt') => {
    const cell = values[key];
    if (cell === undefined) { fail(key, 'required', 'is required'); return undefined; }
    const parsed = parseTime(cell, zone);
    if (!parsed.ok) { fail(key, parsed.code, parsed.detail, { value: shownValue(cell, zone) }); return undefined; }
    return parsed.value;
  };
  const startsAt = time('startsAt');
  const endsAt = time('endsAt');
  if (startsAt && endsAt && endsAt <= startsAt) fail('endsAt', 'end_before_start', 'must be after the start', { value: shownValue(values.endsAt!, zone) });
  else if (startsAt && endsAt && endsAt.toMillis() - startsAt.toMillis() > SESSION_MAX_MS) fail('endsAt', 'session_too_long', 'makes a session longer than a year');
  let capacity: number | null = null;
  if (values.capacity !== undefined) {
    const parsed = parseCapacity(values.capacity);
    if (parsed.ok) capacity = parsed.value;
    else fail('capacity', parsed.code, parsed.detail, { value: textOf(values.capacity) });
  }
  return { startsAt: startsAt?.toISO() ?? '', endsAt: endsAt?.toISO() ?? '', capacity };
}
