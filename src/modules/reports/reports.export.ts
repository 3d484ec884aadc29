import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { toCsv } from '../../lib/csv.js';
import type { Dimension, Figures, Report } from './reports.schemas.js';

export const DIMENSION_NAMES: Record<Dimension, string> = {
  task: '工作任务', unit: '责任单位', audience: '重点人群', town: '镇街', observance: '主题日', month: '月份', type: '活动类型',
};

type Column = { header: string; value: (f: Figures) => number | null; rate?: boolean };
const COLUMNS: Column[] = [
  { header: '活动数', value: (f) => f.events },
  { header: '场次', value: (f) => f.sessions },
  { header: '提供座位', value: (f) => f.seatsOffered },
  { header: '个人报名（份）', value: (f) => f.registrationsIndividual },
  { header: '班级报名（个）', value: (f) => f.registrationsClass },
  { header: '报名人数', value: (f) => f.peopleRegistered },
  { header: '签到人数', value: (f) => f.checkedIn },
  { header: '现场统计人数', value: (f) => f.recordedAttendance },
  { header: '参与人数', value: (f) => f.attended },
  { header: '到场率', value: (f) => f.attendanceRate, rate: true },
  { header: '爽约率', value: (f) => f.noShowRate, rate: true },
  { header: '候补高峰人数', value: (f) => f.waitlistPeak },
  { header: '取消报名（份）', value: (f) => f.cancellations },
  { header: '科普工作者', value: (f) => f.scienceWorkers },
  { header: '志愿者', value: (f) => f.volunteers },
];
/** The previous year beside the figures a year-end report compares. */
const COMPARED: Column[] = [
  { header: '上年活动数', value: (f) => f.events },
  { header: '上年场次', value: (f) => f.sessions },
  { header: '上年报名人数', value: (f) => f.peopleRegistered },
  { header: '上年参与人数', value: (f) => f.attended },
];

const TOTALS_NOTE = '合计按活动和场次各计一次：一项活动有多个责任单位或人群时，会出现在多行中，合计不等于各行相加。';

export function reportTitle(report: Report) {
  const by = report.groupBy.map((d) => DIMENSION_NAMES[d]).join('、');
  return `${report.campaign.titleZh}（${report.campaign.year}年）完成情况统计 · 按${by}`;
}

/** Rows of plain cells: the group's names, its figures, then last year's where there is one. */
function table(report: Report) {
  const compared = report.previousCampaign ? COMPARED : [];
  const header = [...report.groupBy.map((d) => DIMENSION_NAMES[d]), ...COLUMNS.map((c) => c.header), ...compared.map((c) => c.header)];
  const line = (names: string[], figures: Figures, previous: Figures | null) => [
    ...names, ...COLUMNS.map((c) => c.value(figures)), ...compared.map((c) => (previous ? c.value(previous) : null)),
  ];
  const rows = report.groups.map((g) => line(g.keys.map((k) => k.labelZh), g.figures, g.previous));
  const totals = line(['合计', ...report.groupBy.slice(1).map(() => '')], report.totals.figures, report.totals.previous);
  const rateColumns = new Set(COLUMNS.flatMap((c, i) => (c.rate ? [report.groupBy.length + i] : [])));
  return { header, rows, totals, rateColumns };
}

function subtitle(report: Report) {
  const range = report.filters.from || report.filters.to ? `，活动日期 ${report.filters.from ?? '…'} 至 ${report.filters.to ?? '…'}` : '';
  const compared = report.previousCampaign ? `，对比 ${report.previousCampaign.titleZh}（${report.previousCampaign.year}年）` : '';
  const at = DateTime.fromISO(report.generatedAt).setZone(report.timezone).toFormat('yyyy-MM-dd HH:mm');
  return `生成时间 ${at}${range}${compared}`;
}

const percent = (value: number | null) => (value === null ? '' : `${(value * 100).toFixed(1)}%`);

/** UTF-8 with a BOM, formulas neutralised (lib/csv.ts); rates written as percentages. */
export function reportCsv(report: Report): string {
  const { header, rows, totals, rateColumns } = table(report);
  const cells = (row: (string | number | null)[]) => row.map((cell, i) => (rateColumns.has(i) ? percent(cell as number | null) : cell));
  return toCsv([reportTitle(report)], [[subtitle(report)], [], header, ...[...rows, totals].map(cells), [], [TOTALS_NOTE]]);
}

/**
 * A workbook to paste into the year-end report: a title, the table with its header frozen
 * and rates as percentages, the totals, and the note on double counting. Text cells are
 * written as strings, never as formulas.
 */
export async function reportXlsx(report: Report): Promise<Buffer> {
  const { header, rows, totals, rateColumns } = table(report);
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Kepu Calendar';
  workbook.created = new Date(report.generatedAt);
  const sheet = workbook.addWorksheet(`按${report.groupBy.map((d) => DIMENSION_NAMES[d]).join('和')}`.slice(0, 31), { views: [{ state: 'frozen', ySplit: 4 }] });
  sheet.addRow([reportTitle(report)]).font = { bold: true, size: 14 };
  sheet.addRow([subtitle(report)]).font = { color: { argb: 'FF555555' } };
  sheet.addRow([]);
  const head = sheet.addRow(header);
  head.font = { bold: true };
  head.alignment = { wrapText: true, vertical: 'middle' };
  for (const row of rows) sheet.addRow(row);
  sheet.addRow(totals).font = { bold: true };
  sheet.addRow([]);
  sheet.addRow([TOTALS_NOTE]);
  header.forEach((_, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = i < report.groupBy.length ? 28 : 11;
    if (rateColumns.has(i)) column.numFmt = '0.0%';
  });
  sheet.mergeCells(1, 1, 1, header.length);
  sheet.mergeCells(2, 1, 2, header.length);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
