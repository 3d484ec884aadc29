import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import type { Config } from '../../config.js';
import { IdParams, problems } from '../../lib/schemas.js';
import { reportCsv, reportXlsx } from './reports.export.js';
import { ExportQuery, ReportQuery, ReportSchema } from './reports.schemas.js';
import { createReportsService } from './reports.service.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** A file: CSV text or XLSX bytes, sent as they are. */
const Spreadsheet = Type.Unsafe<string | Buffer>({ type: 'string', format: 'binary' });

/** The year-end figures of a plan (绩效考评): as JSON for the admin UI and bots, and as spreadsheets. */
export const reportsRoutes: FastifyPluginAsyncTypebox<{ db: Database; clock: Clock; config: Config }> = async (app, { db, clock, config }) => {
  const reports = createReportsService({ db, clock, timezone: config.CALENDAR_TIMEZONE });
  const tags = ['reports'];

  app.get('/reports/campaigns/:id', {
    config: { access: 'signed_in' },
    schema: {
      tags, operationId: 'getCampaignReport',
      summary: 'A plan\'s figures per task, unit, audience, town, themed day, month or event type (one or two of them), with the previous year\'s beside them; organizers see their own units\' events only; no personal data',
      params: IdParams, querystring: ReportQuery, response: { 200: Type.Ref(ReportSchema), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => reports.report(request.params.id, request.query, request.principal));

  app.get('/reports/campaigns/:id/export', {
    config: { access: 'signed_in' },
    schema: {
      tags, operationId: 'exportCampaignReport',
      summary: 'The same report as a spreadsheet titled in Chinese: CSV (UTF-8 with BOM, formulas neutralised) or XLSX',
      params: IdParams, querystring: ExportQuery, produces: ['text/csv', XLSX], response: { 200: Spreadsheet, ...problems(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    const { format, ...query } = request.query;
    const report = await reports.report(request.params.id, query, request.principal);
    const filename = `${report.campaign.titleZh}-统计-${report.groupBy.join('-')}.${format}`;
    const disposition = `attachment; filename="report.${format}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
    reply.header('content-disposition', disposition).header('cache-control', 'private, no-store');
    return format === 'csv'
      ? reply.type('text/csv; charset=utf-8').send(reportCsv(report))
      : reply.type(XLSX).send(await reportXlsx(report));
  });
};
