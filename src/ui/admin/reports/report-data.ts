import type { ProblemBody } from '../../../lib/problems.js';
import type { Dimension, Report } from '../../../modules/reports/reports.schemas.js';
import type { ApiAnswer, ApiCall } from '../../api.js';
import type { FormErrors } from '../../form-errors.js';
import type { View } from '../../view.js';

export type { Dimension, Report };
export type ReportGroup = Report['groups'][number];
export type Campaign = { id: string; slug: string; year: number; titleZh: string; titleEn: string | null };
export type Unit = { id: string; nameZh: string; nameEn: string };

const SINGLE: Dimension[] = ['task', 'unit', 'audience', 'town', 'observance', 'month', 'type'];
/** The pairs a year-end report asks for: what each task did for each of the five groups, and so on. */
const PAIRS = ['task,audience', 'task,unit', 'unit,audience', 'town,audience', 'month,audience', 'type,audience', 'observance,unit'];
export const GROUP_BY_CHOICES = [...SINGLE, ...PAIRS];

/** The charts' own groupings (one API call each), with the figure each draws. */
export const CHARTS = [
  { name: 'month', groupBy: 'month', figure: 'events', format: 'count' },
  { name: 'audience', groupBy: 'audience', figure: 'attended', format: 'count' },
  { name: 'town', groupBy: 'town', figure: 'attended', format: 'count' },
  { name: 'unit', groupBy: 'unit', figure: 'attendanceRate', format: 'percent' },
] as const;

/** What the form asks; text as typed (the API judges the dates and answers with the field at fault). */
export type ReportFilters = { campaign: string; groupBy: string; from: string; to: string; unit: string };

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

export function filtersOf(query: unknown): ReportFilters {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const groupBy = text(q.groupBy);
  return {
    campaign: text(q.campaign),
    groupBy: GROUP_BY_CHOICES.includes(groupBy) ? groupBy : 'task',
    from: text(q.from),
    to: text(q.to),
    unit: text(q.unit),
  };
}

/** The API's query for one grouping: the filters the reader set, nothing empty. */
export function apiQuery(filters: ReportFilters, groupBy: string, extra: Record<string, string> = {}) {
  const params = new URLSearchParams({ ...extra, groupBy });
  for (const name of ['from', 'to', 'unit'] as const) if (filters[name]) params.set(name, filters[name]);
  return `?${params.toString()}`;
}

export const reportPath = (campaignId: string, filters: ReportFilters, groupBy: string) => `/reports/campaigns/${campaignId}${apiQuery(filters, groupBy)}`;

/** The download goes straight to the API: a GET with the staff session's cookie is the same reader, with the same rights. */
export const exportHref = (campaignId: string, filters: ReportFilters, format: 'csv' | 'xlsx') =>
  `/api/v1/reports/campaigns/${campaignId}/export${apiQuery(filters, filters.groupBy, { format })}`;

/**
 * The campaign asked for, else the latest one whose year has begun: in December next year's
 * plan often exists already, but the year-end report is about this one. None begun: the nearest.
 */
export function chosenCampaign(campaigns: Campaign[], id: string, currentYear: number): Campaign | undefined {
  const asked = campaigns.find((c) => c.id === id);
  if (asked) return asked;
  const byYear = [...campaigns].sort((a, b) => b.year - a.year);
  return byYear.find((c) => c.year <= currentYear) ?? byYear.at(-1);
}

export type LoadedReport = {
  table: ApiAnswer<Report>;
  charts: Record<(typeof CHARTS)[number]['name'], ApiAnswer<Report>>;
};

/** One call per grouping, in parallel; the table's grouping reuses a chart's answer when they match. */
export async function loadReport(api: ApiCall, campaignId: string, filters: ReportFilters): Promise<LoadedReport> {
  const wanted = [...new Set([filters.groupBy, ...CHARTS.map((c) => c.groupBy)])];
  const answers = await Promise.all(wanted.map((groupBy) => api<Report>('GET', reportPath(campaignId, filters, groupBy))));
  const of = (groupBy: string) => answers[wanted.indexOf(groupBy)]!;
  return {
    table: of(filters.groupBy),
    charts: Object.fromEntries(CHARTS.map((c) => [c.name, of(c.groupBy)])) as LoadedReport['charts'],
  };
}

/** A refused query: the reason on top, and a message by each field of the form the API named. */
export function queryErrorsOf(view: View, problem: ProblemBody): FormErrors {
  const fields: Record<string, string> = {};
  for (const error of problem.errors ?? []) {
    if (error.in !== 'querystring') continue;
    const field = error.pointer.replace(/^\//, '');
    const params = error.limit === undefined ? undefined : { limit: error.limit };
    // A rule of the report's own (the range ends before it starts) has its words here, not in the shared field codes.
    fields[field] ??= (error.code && view.lookup(`field.${error.code}`, params)) || view.lookup(`adminReports.problem.${problem.code}`) || view.t('field.invalid');
  }
  const reason = view.lookup(`problem.${problem.code}`) ?? view.lookup(`adminReports.problem.${problem.code}`) ?? problem.detail ?? problem.code;
  return { summary: view.t('adminReports.failed', { reason }), fields };
}
