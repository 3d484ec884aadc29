import type { Figures } from '../../../modules/reports/reports.schemas.js';
import type { MessageKey } from '../../i18n/index.js';
import { localized, type View } from '../../view.js';
import { changeOf, formatChange, formatFigure, type FigureFormat } from './format.js';
import type { Campaign, Report, ReportGroup } from './report-data.js';

/** Every figure, in the order of the national reporting form; the main ones also show last year's value in the table. */
export const FIGURES: { key: keyof Figures; format: FigureFormat; main?: boolean }[] = [
  { key: 'events', format: 'count', main: true },
  { key: 'sessions', format: 'count', main: true },
  { key: 'seatsOffered', format: 'count' },
  { key: 'registrationsIndividual', format: 'count' },
  { key: 'registrationsClass', format: 'count' },
  { key: 'peopleRegistered', format: 'count', main: true },
  { key: 'checkedIn', format: 'count' },
  { key: 'recordedAttendance', format: 'count' },
  { key: 'attended', format: 'count', main: true },
  { key: 'attendanceRate', format: 'percent', main: true },
  { key: 'noShowRate', format: 'percent' },
  { key: 'waitlistPeak', format: 'count' },
  { key: 'cancellations', format: 'count' },
  { key: 'scienceWorkers', format: 'count', main: true },
  { key: 'volunteers', format: 'count', main: true },
];

export const figureLabel = (view: View, key: keyof Figures) => view.t(`adminReports.figure.${key}` as MessageKey);
export const dimensionLabel = (view: View, dimension: string) => view.t(`adminReports.dimension.${dimension}` as MessageKey);
export const groupByLabel = (view: View, groupBy: string) => {
  const [first, second] = groupBy.split(',');
  return second ? view.t('adminReports.groupBy.pair', { first: dimensionLabel(view, first!), second: dimensionLabel(view, second) }) : dimensionLabel(view, first!);
};
export const campaignTitle = (view: View, c: Pick<Campaign, 'titleZh' | 'titleEn'>) => localized(view, c.titleZh, c.titleEn);
export const yearLabel = (view: View, year: number) => view.t('adminReports.year', { year });

/** All figures with last year's and the change: the numbers the year-end report opens with. */
export function TotalsTable({ view, report }: { view: View; report: Report }) {
  const { t } = view;
  const { figures, previous } = report.totals;
  const prior = report.previousCampaign;
  return (
    <section aria-labelledby="totals">
      <h2 id="totals">{t('adminReports.totals.title')}</h2>
      <p>{prior ? t('adminReports.compared', { previous: campaignTitle(view, prior) }) : t('adminReports.noPrevious')}</p>
      <div class="table-wrap">
        <table class="report-totals" data-testid="totals">
          <caption>{t('adminReports.totals.caption', { campaign: campaignTitle(view, report.campaign) })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('adminReports.totals.figure')}</th>
              <th scope="col">{yearLabel(view, report.campaign.year)}</th>
              {prior && <th scope="col">{yearLabel(view, prior.year)}</th>}
              {prior && <th scope="col">{t('adminReports.totals.change')}</th>}
            </tr>
          </thead>
          <tbody>
            {FIGURES.map((f) => (
              <tr data-figure={f.key}>
                <th scope="row">{figureLabel(view, f.key)}</th>
                <td class="num">{formatFigure(view, figures[f.key], f.format)}</td>
                {prior && <td class="num">{formatFigure(view, previous?.[f.key], f.format)}</td>}
                {prior && <td class="num">{formatChange(view, changeOf(figures[f.key], previous?.[f.key], f.format), f.format)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const keyLabel = (view: View, key: ReportGroup['keys'][number]) => localized(view, key.labelZh, key.labelEn);

/** One row per group, every figure; last year's beside the main ones. Wide: it scrolls sideways on a phone. */
export function GroupTable({ view, report, groupBy }: { view: View; report: Report; groupBy: string }) {
  const { t } = view;
  const withPrevious = report.previousCampaign !== null;
  if (report.groups.length === 0) return <p>{t('adminReports.table.empty')}</p>;
  // Wider than most screens: a keyboard reader scrolls it once it has the focus.
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-labelledby="table">
      <table class="report-table" data-testid="groups">
        <caption>{t('adminReports.table.caption', { groupBy: groupByLabel(view, groupBy), count: report.groups.length })}</caption>
        <thead>
          <tr>
            {report.groupBy.map((d) => <th scope="col">{dimensionLabel(view, d)}</th>)}
            {FIGURES.map((f) => <th scope="col">{figureLabel(view, f.key)}</th>)}
          </tr>
        </thead>
        <tbody>
          {report.groups.map((g) => (
            <tr data-group={g.keys.map((k) => k.id ?? '').join(',')}>
              {g.keys.map((k, i) => (i === 0 ? <th scope="row">{keyLabel(view, k)}</th> : <td class="key">{keyLabel(view, k)}</td>))}
              {FIGURES.map((f) => (
                <td class="num">
                  {formatFigure(view, g.figures[f.key], f.format)}
                  {withPrevious && f.main && g.previous && <span class="previous">{t('adminReports.table.previous', { value: formatFigure(view, g.previous[f.key], f.format) })}</span>}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
