import type { Database, Transaction } from '../../../db/client.js';
import { Problem, unprocessable } from '../../../lib/problems.js';
import type { Principal } from '../../accounts/principal.js';
import { mayManageUnit } from '../../accounts/principal.js';
import type { Actor } from '../../audit/audit.js';
import type { ChangeRecorder } from '../../changes/change-recorder.js';
import { createEventIn } from '../event-create.js';
import { assertVenueFree } from '../venue-clash.js';
import { COLUMN_KEYS, headerOf, type ColumnKey } from './columns.js';
import { mapHeader, parseRows, type ImportError, type ParsedEvent } from './parse-rows.js';
import { readSheet } from './read-sheet.js';
import { loadReferences } from './references.js';

export const MAX_ROWS = 2000;
const MAX_ERRORS = 500;
/** A new event has no id yet to leave out of the venue check. */
const NO_EVENT = '00000000-0000-0000-0000-000000000000';

export type ImportOptions = { principal: Principal; actor: Actor; campaign?: string; dryRun: boolean };
export type ImportResult = { dryRun: boolean; created: number; events: { id: string | null; titleZh: string; row: number; sessions: number }[] };

class RollBack extends Error {}

const ORDER = new Map(COLUMN_KEYS.map((key, i) => [headerOf(key), i]));
const byPlace = (a: ImportError, b: ImportError) => a.row - b.row || (ORDER.get(a.column) ?? -1) - (ORDER.get(b.column) ?? -1);

/** Where an error of the event body (a JSON pointer) is in the file. */
const POINTER_COLUMNS: Record<string, ColumnKey> = {
  titleZh: 'titleZh', titleEn: 'titleEn', descriptionZh: 'descriptionZh', type: 'type', ownerUnitId: 'ownerUnit', coUnitIds: 'coUnits',
  observanceId: 'observance', taskId: 'task', venueId: 'venue', audiences: 'audiences', registrationMode: 'registrationMode',
};
function placeOf(event: ParsedEvent, pointer: string): { row: number; column: string } {
  const [, field = '', index, sub] = pointer.split('/');
  if (field === 'sessions') return { row: event.sessionRows[Number(index)] ?? event.row, column: headerOf(sub === 'endsAt' ? 'endsAt' : sub === 'capacity' ? 'capacity' : 'startsAt') };
  return { row: event.row, column: POINTER_COLUMNS[field] ? headerOf(POINTER_COLUMNS[field]) : '' };
}

/**
 * Imports a spreadsheet of events: every row checked first, then every event created as a
 * draft in one transaction, through the same creation as the API's. Any problem anywhere
 * (including a venue booked by another event, or by an earlier row of the same file) and
 * nothing is written; a dry run checks everything the same way and rolls back.
 */
export function createImportService({ db, changes, defaultTimezone }: { db: Database; changes: ChangeRecorder; defaultTimezone: string }) {
  async function createAll(tx: Transaction, events: ParsedEvent[], errors: ImportError[], actor: Actor) {
    const created: ImportResult['events'] = [];
    for (const event of events) {
      if (!event.valid) continue;
      const { body } = event;
      const clashes = await venueClashes(tx, event);
      if (clashes.length) { errors.push(...clashes); continue; }
      try {
        const id = await createEventIn(tx, body, { changes, defaultTimezone }, actor);
        created.push({ id, titleZh: body.titleZh, row: event.row, sessions: body.sessions!.length });
      } catch (error) {
        if (!(error instanceof Problem) || error.status >= 500) throw error;
        const problems = error.extra.errors?.length ? error.extra.errors : [{ pointer: '', detail: error.message, code: error.code }];
        for (const p of problems) errors.push({ ...placeOf(event, p.pointer), code: p.code ?? error.code, detail: p.detail });
      }
    }
    return created;
  }

  /** Each session's booking, checked against the events already there and those created from earlier rows. */
  async function venueClashes(tx: Transaction, event: ParsedEvent): Promise<ImportError[]> {
    const found: ImportError[] = [];
    for (const [i, session] of (event.body.sessions ?? []).entries()) {
      try {
        await assertVenueFree(tx, event.body.venueId ?? null, NO_EVENT, [{ startsAt: new Date(session.startsAt), endsAt: new Date(session.endsAt) }]);
      } catch (error) {
        if (!(error instanceof Problem) || error.code !== 'venue_in_use') throw error;
        const other = (error.extra.conflictingEvent as { titleZh: string } | undefined)?.titleZh ?? '';
        found.push({ row: event.sessionRows[i]!, column: headerOf('venue'), code: 'venue_in_use', detail: `is booked at that time by the event "${other}"`, value: other });
      }
    }
    return found;
  }

  return {
    async importFile(file: Buffer, { principal, actor, campaign, dryRun }: ImportOptions): Promise<ImportResult> {
      const sheet = await readSheet(file);
      if (sheet.header.length === 0 && sheet.rows.length === 0) throw new Problem(422, 'empty_file', 'The file holds no rows: fill in the template, keeping its header row.');
      if (sheet.rows.length > MAX_ROWS) throw new Problem(422, 'too_many_rows', `A file may hold at most ${MAX_ROWS} rows; split it.`, { limit: MAX_ROWS });
      const header = mapHeader(sheet.header);
      if (header.errors.length) throw invalid(header.errors);
      const refs = await loadReferences(db, campaign);
      const { events, errors } = parseRows(sheet, header.columnAt, { refs, zone: defaultTimezone, mayManageUnit: (unitId) => mayManageUnit(principal, unitId) });
      if (events.length === 0 && errors.length === 0) throw new Problem(422, 'empty_file', 'The file holds no events below its header row.');
      let created: ImportResult['events'] = [];
      try {
        await db.transaction(async (tx) => {
          created = await createAll(tx, events, errors, actor);
          if (errors.length || dryRun) throw new RollBack();
        });
      } catch (error) {
        if (!(error instanceof RollBack)) throw error;
      }
      if (errors.length) throw invalid(errors);
      if (dryRun) return { dryRun, created: 0, events: created.map((e) => ({ ...e, id: null })) };
      return { dryRun, created: created.length, events: created };
    },
  };
}

function invalid(errors: ImportError[]) {
  const sorted = [...errors].sort(byPlace);
  const listed = sorted.length > MAX_ERRORS ? ` The first ${MAX_ERRORS} are listed.` : ' Each is listed with its row and column.';
  const problem = unprocessable('invalid_import', `The file has ${sorted.length} problem(s); nothing was imported.${listed}`, []);
  Object.assign(problem.extra, { errors: sorted.slice(0, MAX_ERRORS), errorCount: sorted.length });
  return problem;
}
export type ImportService = ReturnType<typeof createImportService>;
