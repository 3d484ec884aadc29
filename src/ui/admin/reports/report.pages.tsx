import type { FastifyPluginAsync } from 'fastify';
import { DateTime } from 'luxon';
import { apiFor } from '../../api.js';
import { ErrorSummary, Field, Notice, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, localized, viewOf, type View } from '../../view.js';
import { staffPage } from '../guard.js';
import { campaignTitle, GroupTable, groupByLabel, TotalsTable } from './figures.js';
import { ReportCharts } from './report-charts.js';
import {
  chosenCampaign, exportHref, filtersOf, GROUP_BY_CHOICES, loadReport, queryErrorsOf,
  type Campaign, type LoadedReport, type ReportFilters, type Unit,
} from './report-data.js';

type FormProps = { view: View; campaigns: Campaign[]; units: Unit[] | null; filters: ReportFilters; campaignId: string; errors: FormErrors };

/** A GET form: the report's address is the report, to bookmark or send to a colleague. */
function ReportForm({ view, campaigns, units, filters, campaignId, errors }: FormProps) {
  const { t } = view;
  return (
    <form method="get" action="/admin/reports" class="report-form" aria-labelledby="conditions">
      <h2 id="conditions">{t('adminReports.form.title')}</h2>
      <div class="filters">
        <Select view={view} name="campaign" label={t('adminReports.form.campaign')} errors={errors} value={campaignId} required marker={false}
          options={[...campaigns].sort((a, b) => b.year - a.year).map((c) => ({ value: c.id, label: campaignTitle(view, c) }))} />
        <Select view={view} name="groupBy" label={t('adminReports.form.groupBy')} errors={errors} value={filters.groupBy} required marker={false}
          options={GROUP_BY_CHOICES.map((g) => ({ value: g, label: groupByLabel(view, g) }))} />
        <Field view={view} name="from" type="date" label={t('adminReports.form.from')} errors={errors} value={filters.from} marker={false} />
        <Field view={view} name="to" type="date" label={t('adminReports.form.to')} errors={errors} value={filters.to} marker={false} />
        {units && units.length > 1 && (
          <Select view={view} name="unit" label={t('adminReports.form.unit')} errors={errors} value={filters.unit} marker={false} emptyLabel={t('adminReports.form.allUnits')}
            options={units.map((u) => ({ value: u.id, label: localized(view, u.nameZh, u.nameEn) }))} />
        )}
      </div>
      <p class="hint">{t('adminReports.form.dateHint')}</p>
      {view.lang === 'en' && <input type="hidden" name="lang" value="en" />}
      <button type="submit">{t('adminReports.form.submit')}</button>
    </form>
  );
}

function Downloads({ view, campaignId, filters }: { view: View; campaignId: string; filters: ReportFilters }) {
  const { t } = view;
  return (
    <section aria-labelledby="downloads">
      <h2 id="downloads">{t('adminReports.download.title')}</h2>
      <p>{t('adminReports.download.hint')}</p>
      <div class="actions">
        <a class="button secondary" href={exportHref(campaignId, filters, 'csv')} download data-testid="csv-link">{t('adminReports.download.csv')}</a>
        <a class="button secondary" href={exportHref(campaignId, filters, 'xlsx')} download data-testid="xlsx-link">{t('adminReports.download.xlsx')}</a>
      </div>
    </section>
  );
}

function ReportBody({ view, loaded, filters, campaignId }: { view: View; loaded: LoadedReport; filters: ReportFilters; campaignId: string }) {
  const { t } = view;
  if (!loaded.table.ok) return null; // the form's error summary says why
  const report = loaded.table.body;
  const empty = report.totals.figures.events === 0;
  return (
    <>
      <p class="muted">
        {t(view.staff?.role === 'admin' ? 'adminReports.scope.admin' : 'adminReports.scope.organizer')}
        {' '}{t('adminReports.generatedAt', { time: formatTime(view, report.generatedAt, report.timezone) })}
      </p>
      {empty && <Notice kind="info">{t('adminReports.empty')}</Notice>}
      <TotalsTable view={view} report={report} />
      {!empty && <ReportCharts view={view} charts={loaded.charts} />}
      <section aria-labelledby="table">
        <h2 id="table">{t('adminReports.table.title')}</h2>
        <GroupTable view={view} report={report} groupBy={filters.groupBy} />
      </section>
      {!empty && <Downloads view={view} campaignId={campaignId} filters={filters} />}
    </>
  );
}

/**
 * The year's report (/admin/reports): totals against last year, four charts, a table by the
 * grouping asked for, and the spreadsheet downloads. The API decides what the reader may
 * count (an organizer gets their units' figures); the page shows what it answers.
 */
export const adminReportPages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock, config }) => {
  app.get('/admin/reports', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request);
    const filters = filtersOf(request.query);
    const admin = view.staff?.role === 'admin';
    const [campaignsAnswer, unitsAnswer] = await Promise.all([
      api<{ items: Campaign[] }>('GET', '/campaigns'),
      api<{ items: Unit[] }>('GET', '/units'),
    ]);
    // Admins may narrow to any unit; an organizer with several units to one of theirs.
    const units = unitsAnswer.ok ? unitsAnswer.body.items.filter((u) => admin || view.staff?.unitIds.includes(u.id)) : null;
    const campaigns = campaignsAnswer.ok ? campaignsAnswer.body.items : [];
    const campaign = chosenCampaign(campaigns, filters.campaign, DateTime.fromJSDate(clock.now()).setZone(config.CALENDAR_TIMEZONE).year);
    const loaded = campaign ? await loadReport(api, campaign.id, filters) : null;
    const errors = loaded && !loaded.table.ok ? queryErrorsOf(view, loaded.table.problem) : noErrors;
    const title = view.t('adminReports.title');
    return sendPage(reply, (
      <Layout view={view} title={campaign ? `${title} · ${campaignTitle(view, campaign)}` : title} admin>
        <h1>{campaign ? `${title} · ${campaignTitle(view, campaign)}` : title}</h1>
        <ErrorSummary view={view} errors={errors} />
        {!campaignsAnswer.ok && <Notice kind="warning">{view.t('adminReports.failed', { reason: campaignsAnswer.problem.detail ?? campaignsAnswer.problem.code })}</Notice>}
        {campaignsAnswer.ok && !campaign && <Notice kind="info">{view.t('adminReports.noCampaigns')}</Notice>}
        {campaign && <ReportForm view={view} campaigns={campaigns} units={units} filters={filters} campaignId={campaign.id} errors={errors} />}
        {campaign && loaded && <ReportBody view={view} loaded={loaded} filters={filters} campaignId={campaign.id} />}
      </Layout>
    ), loaded && !loaded.table.ok && loaded.table.status < 500 ? loaded.table.status : 200);
  });
};
