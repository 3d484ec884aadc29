import { stringify } from 'csv-stringify/sync';

/** Excel runs a cell that starts with one of these as a formula (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;
const neutralise = (value: string) => (FORMULA_START.test(value) ? `'${value}` : value);

/**
 * CSV that Excel opens correctly with Chinese text: UTF-8 with a byte-order mark, CRLF
 * lines, every text cell that could start a formula prefixed with an apostrophe.
 */
export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => (typeof cell === 'string' ? neutralise(cell) : cell ?? '')));
  return `\uFEFF${stringify(cells, { record_delimiter: 'windows' })}`;
}
