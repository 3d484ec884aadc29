import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../../config.js';
import type { Database } from '../../../db/client.js';
import type { Clock } from '../../../lib/clock.js';
import { Problem } from '../../../lib/problems.js';
import { problems } from '../../../lib/schemas.js';
import { isSignedIn } from '../../accounts/principal.js';
import { actorOf } from '../../audit/audit.js';
import type { ChangeRecorder } from '../../changes/change-recorder.js';
import { ImportProblemSchema, ImportQuery, ImportResultSchema, TemplateQuery } from './import.schemas.js';
import { createImportService } from './import.service.js';
import { XLSX_TYPE } from './read-sheet.js';
import { loadReferences } from './references.js';
import { templateCsv, templateXlsx } from './template.js';

type Deps = { db: Database; clock: Clock; changes: ChangeRecorder; config: Config };

export const MAX_FILE_BYTES = 5 * 1024 * 1024;
const TOO_LARGE = new Set(['FST_ERR_CTP_BODY_TOO_LARGE', 'FST_REQ_FILE_TOO_LARGE']);

/** The uploaded file: the `file` part of a form, or the whole body sent as CSV or XLSX. */
async function fileOf(request: FastifyRequest): Promise<Buffer> {
  if (request.isMultipart()) {
    let file: Buffer | undefined;
    // Every part is read to its end, so the upload is drained whatever it holds.
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      const buffer = await part.toBuffer();
      if (part.fieldname === 'file' && file === undefined) file = buffer;
    }
    if (file === undefined) throw new Problem(400, 'file_required', 'Send the spreadsheet in the form field "file".');
    return file;
  }
  if (Buffer.isBuffer(request.body)) return request.body;
  throw new Problem(415, 'unsupported_media_type', `Send the spreadsheet as multipart/form-data, text/csv or ${XLSX_TYPE}.`);
}

/**
 * Bulk import of events from a spreadsheet, and its template. The file parsers live in this
 * plugin's scope only: everywhere else the API keeps taking JSON alone.
 */
export const eventsImportRoutes: FastifyPluginAsyncTypebox<Deps> = async (app, { db, clock, changes, config }) => {
  const service = createImportService({ db, changes, defaultTimezone: config.CALENDAR_TIMEZONE });
  const tags = ['events'];
  await app.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: 2, fields: 10, parts: 12 } });
  app.addContentTypeParser(['text/csv', XLSX_TYPE], { parseAs: 'buffer', bodyLimit: MAX_FILE_BYTES }, (_request, body, done) => done(null, body));
  // Passed on to the app's handler, which makes the problem+json answer.
  app.setErrorHandler(async (error: { code?: string }) => {
    throw TOO_LARGE.has(error.code ?? '') ? new Problem(413, 'file_too_large', `The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB; split it.`, { limit: MAX_FILE_BYTES }) : error;
  });

  app.post('/events/import', {
    config: { access: 'signed_in' },
    bodyLimit: MAX_FILE_BYTES,
    schema: {
      tags, operationId: 'importEvents',
      summary: 'Create draft events and their sessions from a spreadsheet (XLSX or CSV, see the template): all rows or none',
      description: 'Organizers import events of their own units, admins of any. Every row is checked first; any problem and nothing is written, with a 422 listing each problem by row (the header is row 1) and column (its Chinese header).',
      consumes: ['multipart/form-data', 'text/csv', XLSX_TYPE],
      querystring: ImportQuery,
      // Documents the upload; any body passes (the file is read and checked by the handler).
      body: Type.Unsafe<unknown>({ description: 'The spreadsheet: as multipart/form-data, the file in the field "file"; or the file itself as the body, with its content type' }),
      response: { 200: ImportResultSchema, 201: ImportResultSchema, 422: ImportProblemSchema, ...problems(400, 401, 403, 404, 413, 415) },
    },
  }, async (request, reply) => {
    const principal = request.principal;
    if (!isSignedIn(principal) || (principal.role !== 'admin' && principal.role !== 'organizer')) throw new Problem(403, 'forbidden', 'Only organizers and administrators import events.');
    const file = await fileOf(request);
    const { dryRun = false, campaign } = request.query;
    const result = await service.importFile(file, { principal, actor: actorOf(principal), campaign, dryRun });
    return reply.code(dryRun ? 200 : 201).send(result);
  });

  app.get('/events/import/template', {
    config: { access: 'signed_in' },
    schema: {
      tags, operationId: 'getEventImportTemplate', summary: 'The import spreadsheet with its Chinese headers, an example event and (XLSX) a sheet 说明 of the allowed values',
      querystring: TemplateQuery, produces: [XLSX_TYPE, 'text/csv'], response: { 200: Type.Unsafe<string | Buffer>({ type: 'string', format: 'binary' }), ...problems(400, 401) },
    },
  }, async (request, reply) => {
    const principal = request.principal;
    const refs = await loadReferences(db);
    const mine = isSignedIn(principal) && principal.role !== 'admin' ? refs.lists.units.filter((u) => principal.unitIds.includes(u.id)) : refs.lists.units;
    const example = { unitName: mine[0]?.nameZh ?? null, now: clock.now(), zone: config.CALENDAR_TIMEZONE };
    const name = (ext: string) => `attachment; filename="events-import-template.${ext}"; filename*=UTF-8''${encodeURIComponent(`活动导入模板.${ext}`)}`;
    if (request.query.format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', name('csv')).send(templateCsv(refs, example));
    return reply.type(XLSX_TYPE).header('content-disposition', name('xlsx')).send(await templateXlsx(refs, example));
  });
};
