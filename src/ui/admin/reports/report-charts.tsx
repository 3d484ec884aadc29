import { DateTime } from 'luxon';
import type { ApiAnswer } from '../../api.js';
import { Notice } from '../../components.js';
import { localized, type View } from '../../view.js';
import { ChartFigure, HorizontalBarChart, MonthChart, type Bar, type MonthMarker, type Series } from './charts.js';
import { dimensionLabel, yearLabel } from './figures.js';
import { CHARTS, type LoadedReport, type Report } from './report-data.js';

const monthName = (view: View, year: number, month: number) =>
  view.lang === 'zh' ? `${month}月` : DateTime.local(year, month, 1).setLocale('en-GB').toFormat('LLL');

/** Twelve months of the campaign's year, those without events at zero (the API lists only months that have some). */
export function monthBars(view: View, report: Report): Bar[] {
  const year = report.campaign.year;
  return Array.from({ length: 12 }, (_, i) => {
    const id = `${year}-${String(i + 1).padStart(2, '0')}`;
    const group = report.groups.find((g) => g.keys[0]?.id === id);
    return { key: id, label: monthName(view, year, i + 1), value: group?.figures.events ?? 0, previous: report.previousCampaign ? group?.previous?.events ?? 0 : undefined };
  });
}

/** Each themed day in every month of the year its dates touch (a week may straddle two months). */
export function monthMarkers(view: View, report: Report): MonthMarker[] {
  const year = report.campaign.year;
  const byMonth = new Map<number, string[]>();
  for (const day of report.observanceDays) {
    const start = DateTime.fromISO(day.startDate);
    const end = DateTime.fromISO(day.endDate);
    for (let m = start.startOf('month'); m <= end; m = m.plus({ months: 1 })) {
      if (m.year !== year) continue;
      const names = byMonth.get(m.month) ?? [];
      const name = localized(view, day.nameZh, day.nameEn);
      if (!names.includes(name)) byMonth.set(m.month, [...names, name]);
    }
  }
  return [...byMonth.entries()].sort(([a], [b]) => a - b).map(([month, names]) => ({ month, names }));
}

/** The groups of a one-dimension report as bars of one figure, largest first ("none" groups included, as the API names them). */
export function groupBars(view: View, report: Report, figure: 'attended' | 'attendanceRate'): Bar[] {
  const withPrevious = report.previousCampaign !== null;
  return report.groups
    .map((g) => ({
      key: g.keys[0]?.id ?? 'none',
      label: localized(view, g.keys[0]?.labelZh ?? '', g.keys[0]?.labelEn),
      value: g.figures[figure],
      previous: withPrevious ? g.previous?.[figure] ?? null : undefined,
    }))
    // A rate with nothing to divide in either year (a unit whose events took no sign-ups) is no bar at all.
    .filter((b) => figure !== 'attendanceRate' || b.value !== null || (b.previous !== null && b.previous !== undefined))
    .sort((a, b) => (b.value ?? -1) - (a.value ?? -1));
}

const drawable = (bars: Bar[]) => bars.some((b) => Boolean(b.value) || Boolean(b.previous));

const seriesOf = (view: View, report: Report): Series => ({
  current: yearLabel(view, report.campaign.year),
  previous: report.previousCampaign ? yearLabel(view, report.previousCampaign.year) : null,
});

function MarkerNotes({ view, year, markers }: { view: View; year: number; markers: MonthMarker[] }) {
  if (markers.length === 0) return null;
  return (
    <div class="chart-notes">
      <p>{view.t('adminReports.markers.title')}</p>
      <ul data-testid="markers">
        {markers.map((m) => <li>{view.t('adminReports.markers.month', { month: monthName(view, year, m.month), names: m.names.join(view.lang === 'zh' ? '、' : ', ') })}</li>)}
      </ul>
    </div>
  );
}

function OneChart({ view, chart, answer }: { view: View; chart: (typeof CHARTS)[number]; answer: ApiAnswer<Report> }) {
  const title = view.t(`adminReports.chart.${chart.name}`);
  const id = `chart-${chart.name}`;
  if (!answer.ok) {
    return <section class="chart-figure" id={id} aria-labelledby={`${id}-h`}><h3 id={`${id}-h`}>{title}</h3><Notice kind="warning">{view.t('adminReports.chart.unavailable')}</Notice></section>;
  }
  const report = answer.body;
  const series = seriesOf(view, report);
  const dimension = dimensionLabel(view, chart.groupBy);
  if (chart.name === 'month') {
    const bars = monthBars(view, report);
    const markers = monthMarkers(view, report);
    return (
      <ChartFigure view={view} id={id} title={title} bars={bars} series={series} dimension={dimension} notes={<MarkerNotes view={view} year={report.campaign.year} markers={markers} />}>
        <MonthChart view={view} id={`${id}-svg`} title={title} bars={bars} series={series} markers={markers} />
      </ChartFigure>
    );
  }
  const bars = groupBars(view, report, chart.figure as 'attended' | 'attendanceRate');
  if (!drawable(bars)) return <section class="chart-figure" id={id} aria-labelledby={`${id}-h`}><h3 id={`${id}-h`}>{title}</h3><p>{view.t('adminReports.chart.noData')}</p></section>;
  return (
    <ChartFigure view={view} id={id} title={title} bars={bars} series={series} format={chart.format} dimension={dimension}>
      <HorizontalBarChart view={view} id={`${id}-svg`} title={title} bars={bars} series={series} format={chart.format} />
    </ChartFigure>
  );
}

/** The four charts the district shows at the year-end meeting; each one stands alone if another's call failed. */
export function ReportCharts({ view, charts }: { view: View; charts: LoadedReport['charts'] }) {
  return (
    <section aria-labelledby="charts">
      <h2 id="charts">{view.t('adminReports.charts.title')}</h2>
      {CHARTS.map((chart) => <OneChart view={view} chart={chart} answer={charts[chart.name]} />)}
    </section>
  );
}
