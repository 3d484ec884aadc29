import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { Problem } from '../../../lib/problems.js';

/** A cell as read: text, a number, or a date from a real Excel date cell (its wall time in UTC fields). */
export type Cell = string | number | Date | null;
/** Rows as the user sees them numbered: the header is row 1. */
export type Sheet = { header: Cell[]; rows: { row: number; cells: Cell[] }[] };

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The sheet the template explains its columns on; never read as data. */
export const HELP_SHEET = '说明';

const unreadable = (what: string) => new Problem(422, 'unreadable_file', `The file could not be read as ${what}: upload the template filled in, as .xlsx or as CSV.`);

/** An XLSX file is a zip archive; anything else is taken for CSV, whatever it was labelled. */
export const looksLikeXlsx = (file: Buffer) => file.length > 4 && file.readUInt32LE(0) === 0x04034b50;

/** The old binary .xls (an OLE compound file), which no maintained library reads well. */
const OLE_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');

export async function readSheet(file: Buffer): Promise<Sheet> {
  if (file.subarray(0, 8).equals(OLE_MAGIC)) throw new Problem(422, 'unreadable_file', 'This is an old .xls workbook: save it as .xlsx (Excel Workbook) and upload that.');
  return looksLikeXlsx(file) ? readXlsx(file) : readCsv(file);
}

/** Excel on a Chinese Windows saves "CSV (逗号分隔)" in GB18030 (GBK), its "CSV UTF-8" in UTF-8. */
function decode(file: Buffer, encoding: 'utf-8' | 'gb18030') {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(file);
  } catch {
    return undefined;
  }
}

function readCsv(file: Buffer): Sheet {
  const text = decode(file, 'utf-8') ?? decode(file, 'gb18030');
  if (text === undefined) throw unreadable('text in UTF-8 or GB18030');
  if (text.includes('\u0000')) throw unreadable('CSV');
  let records: string[][];
  try {
    records = parse(text, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as string[][];
  } catch {
    throw unreadable('CSV');
  }
  const [header = [], ...rest] = records;
  return { header, rows: rest.map((cells, i) => ({ row: i + 2, cells })) };
}

/** Rich text, hyperlinks and formulas carry the text the user sees somewhere inside. */
function cellOf(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || value instanceof Date) return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellOf((value.result ?? null) as ExcelJS.CellValue);
    if ('error' in value) return String(value.error);
  }
  return null;
}

async function readXlsx(file: Buffer): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(file as unknown as ArrayBuffer);
  } catch {
    throw unreadable('an Excel workbook');
  }
  const sheet = workbook.worksheets.find((s) => s.name !== HELP_SHEET && s.state === 'visible') ?? workbook.worksheets[0];
  if (!sheet) return { header: [], rows: [] };
  const lines: { row: number; cells: Cell[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: false }, (cell, column) => { cells[column - 1] = cellOf(cell.value); });
    lines.push({ row: number, cells: Array.from(cells, (c) => c ?? null) });
  });
  const header = lines[0]?.row === 1 ? lines.shift()!.cells : [];
  return { header, rows: lines };
}

/** A cell as trimmed text; numbers as Excel shows them (1, not 1.0). */
export function textOf(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (cell instanceof Date) return cell.toISOString();
  return String(cell).trim();
}
