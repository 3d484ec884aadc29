import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { EVENT_TYPES } from '../../../db/schema/index.js';
import { toCsv } from '../../../lib/csv.js';
import { COLUMNS, COLUMN_KEYS, MODE_TEMPLATE_WORDS, type ColumnKey } from './columns.js';
import { HELP_SHEET } from './read-sheet.js';
import type { References } from './references.js';
import { typeLabelZh } from './values.js';

type Example = { unitName: string | null; now: Date; zone: string };

/**
 * One event with two sessions, filled in with records that exist (a unit the caller acts for,
 * a themed day, audiences), a month ahead: the template imports as it is.
 */
function exampleRows(refs: References, { unitName, now, zone }: Example): string[][] {
  const day = DateTime.fromJSDate(now, { zone }).plus({ days: 30 }).toFormat('yyyy-MM-dd');
  const audienceNames = refs.lists.audiences.slice(0, 2).map((a) => a.nameZh).join('、');
  const observance = refs.lists.observances[0]?.nameZh;
  const first: Partial<Record<ColumnKey, string>> = {
    titleZh: observance ? `“${observance}”科普讲座（示例）` : '科普讲座（示例）',
    type: typeLabelZh('lecture'), ownerUnit: unitName ?? '', observance: observance ?? '', audiences: audienceNames,
    startsAt: `${day} 09:00`, endsAt: `${day} 11:00`,
  };
  const second: Partial<Record<ColumnKey, string>> = { startsAt: `${day} 14:00`, endsAt: `${day} 16:00` };
  return [first, second].map((fixed, i) => COLUMN_KEYS.map((key) => fixed[key] ?? COLUMNS[key].example[i] ?? ''));
}

const headers = () => COLUMN_KEYS.map((key) => COLUMNS[key].header);

export function templateCsv(refs: References, example: Example): string {
  return toCsv(headers(), exampleRows(refs, example));
}

/** The allowed values, listed on the help sheet under each column they fit. */
function allowedValues(refs: References): [string, string[]][] {
  return [
    ['活动类型', EVENT_TYPES.map((t) => `${typeLabelZh(t)}（${t}）`)],
    ['报名方式', MODE_TEMPLATE_WORDS],
    ['受众', refs.lists.audiences.map((a) => a.nameZh)],
    ['主办单位 / 协办单位', refs.lists.units.map((u) => `${u.nameZh}（${u.slug}）`)],
    ['主题日', refs.lists.observances.map((o) => `${o.nameZh}（${o.slug}）`)],
    ['场地', refs.lists.venues.map((v) => `${v.nameZh}（${v.slug}）`)],
  ];
}

export async function templateXlsx(refs: References, example: Example): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = '科普日历';
  const sheet = workbook.addWorksheet('活动', { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = COLUMN_KEYS.map((key) => ({ header: COLUMNS[key].header, key, width: key === 'descriptionZh' || key === 'titleZh' ? 30 : 18 }));
  sheet.getRow(1).font = { bold: true };
  // Text cells: Excel would otherwise turn the times into dates of the reader's machine zone.
  for (const row of exampleRows(refs, example)) sheet.addRow(row);
  for (const key of ['group', 'startsAt', 'endsAt'] as const) sheet.getColumn(key).numFmt = '@';

  const help = workbook.addWorksheet(HELP_SHEET);
  help.columns = [{ header: '列名', width: 14 }, { header: '是否必填', width: 10 }, { header: '说明', width: 90 }];
  help.getRow(1).font = { bold: true };
  for (const key of COLUMN_KEYS) help.addRow([COLUMNS[key].header, COLUMNS[key].required ? '必填' : '选填', COLUMNS[key].help]);
  help.addRow([]);
  help.addRow(['可填写的值']).font = { bold: true };
  for (const [column, values] of allowedValues(refs)) {
    help.addRow([column, '', values.length ? values.join('、') : '（暂无）']);
  }
  help.getColumn(3).alignment = { wrapText: true, vertical: 'top' };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
