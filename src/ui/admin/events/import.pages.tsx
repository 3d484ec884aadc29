import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ProblemBody } from '../../../lib/problems.js';
import type { ImportResult } from '../../../modules/events/import/import.schemas.js';
import { XLSX_TYPE, looksLikeXlsx } from '../../../modules/events/import/read-sheet.js';
import { apiFor } from '../../api.js';
import { Checkbox, Csrf, ErrorSummary, Notice } from '../../components.js';
import { formErrorsOf, noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { viewOf, type View } from '../../view.js';
import { staffPage } from '../guard.js';

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const PATH = '/admin/events/import';
const TEMPLATE = '/api/v1/events/import/template';

type RowError = { row: number; column: string; code: string; detail: string; value?: string; limit?: number };
type Outcome = { errors?: FormErrors; rowErrors?: RowError[]; errorCount?: number; checked?: ImportResult; imported?: number; dryRun?: boolean };

const rowProblem = (view: View, e: RowError) => {
  const params = { value: e.value ?? '', ...(e.limit === undefined ? {} : { limit: e.limit }) };
  return view.lookup(`adminImport.error.${e.code}`, params) ?? view.t('adminImport.error.invalid');
};

function ImportPage({ view, outcome }: { view: View; outcome: Outcome }) {
  const { t } = view;
  const { rowErrors = [], checked } = outcome;
  return (
    <Layout view={view} title={t('adminImport.title')} admin>
      <h1>{t('adminImport.title')}</h1>
      {outcome.imported !== undefined && (
        <Notice kind="success">{t('adminImport.done', { count: outcome.imported })} <a href="/admin/events?status=draft">{t('adminImport.done.link')}</a></Notice>
      )}
      {checked && <Notice kind="success">{t('adminImport.checked', { count: checked.events.length })}</Notice>}
      {checked && checked.events.length > 0 && (
        <div class="table-wrap"><table>
          <thead><tr><th scope="col">{t('adminImport.col.row')}</th><th scope="col">{t('adminImport.col.event')}</th><th scope="col">{t('adminImport.col.sessions')}</th></tr></thead>
          <tbody>{checked.events.map((e) => <tr><td>{e.row}</td><th scope="row">{e.titleZh}</th><td>{e.sessions}</td></tr>)}</tbody>
        </table></div>
      )}
      <ErrorSummary view={view} errors={outcome.errors ?? noErrors} />
      {rowErrors.length > 0 && (
        <div class="table-wrap" id="import-errors">
          {(outcome.errorCount ?? 0) > rowErrors.length && <p>{t('adminImport.errors.more', { shown: rowErrors.length })}</p>}
          <table>
            <caption>{t('adminImport.errors.caption')}</caption>
            <thead><tr><th scope="col">{t('adminImport.col.row')}</th><th scope="col">{t('adminImport.col.column')}</th><th scope="col">{t('adminImport.col.problem')}</th></tr></thead>
            <tbody>{rowErrors.map((e) => <tr><td>{e.row}</td><td>{e.column}</td><td>{rowProblem(view, e)}</td></tr>)}</tbody>
          </table>
        </div>
      )}
      <p>{t('adminImport.intro')}</p>
      <p>{t('adminImport.template')} <a href={`${TEMPLATE}?format=xlsx`} download>{t('adminImport.template.xlsx')}</a>{' · '}<a href={`${TEMPLATE}?format=csv`} download>{t('adminImport.template.csv')}</a></p>
      <form method="post" action={PATH} enctype="multipart/form-data">
        <Csrf view={view} />
        <div class={`field${outcome.errors?.fields.file ? ' has-error' : ''}`}>
          <label for="f-file">{t('adminImport.file')}</label>
          {outcome.errors?.fields.file && <p class="error" id="f-file-error">{outcome.errors.fields.file}</p>}
          <input type="file" id="f-file" name="file" required accept=".xlsx,.csv,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" aria-describedby="f-file-hint" />
          <p class="hint" id="f-file-hint">{t('adminImport.file.hint')}</p>
        </div>
        <Checkbox name="dryRun" label={t('adminImport.dryRun')} hint={t('adminImport.dryRun.hint')} errors={noErrors} value={outcome.dryRun ?? false} />
        <p><button type="submit">{t('adminImport.submit')}</button></p>
      </form>
      <p><a href="/admin/events">{t('adminEvents.backToList')}</a></p>
    </Layout>
  );
}

/** The form's parts: its fields, and the file's bytes (empty when none was chosen). */
async function uploadOf(request: FastifyRequest) {
  const fields: Record<string, string> = {};
  let file: Buffer = Buffer.alloc(0);
  let tooLarge = false;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname === 'file') file = bytes;
      } else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
    }
  } catch (error) {
    if ((error as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw error;
    tooLarge = true;
  }
  return { fields, file, tooLarge };
}

/**
 * The import page: the template's links and an upload form. The file goes to the API as it
 * is (the same checks, rights and audit as any client's upload); its problems come back by
 * row and column and are shown as a table in the reader's language.
 */
export const eventImportPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  // Uploads are parsed in this page's scope only.
  await app.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 5, parts: 6 } });

  app.get<{ Querystring: { imported?: string } }>(PATH, staffPage, async (request, reply) => {
    const imported = Number(request.query.imported);
    return sendPage(reply, <ImportPage view={viewOf(request)} outcome={Number.isInteger(imported) && imported > 0 ? { imported } : {}} />);
  });

  app.post(PATH, staffPage, async (request, reply) => {
    const view = viewOf(request);
    const render = (outcome: Outcome, status: number) => sendPage(reply, <ImportPage view={view} outcome={outcome} />, status);
    const { fields, file, tooLarge } = request.isMultipart() ? await uploadOf(request) : { fields: {}, file: Buffer.alloc(0), tooLarge: false };
    const dryRun = fields.dryRun === 'on';
    const refused = (code: string, status: number) => render({ dryRun, errors: { summary: view.lookup(`adminImport.problem.${code}`) ?? view.t('adminImport.noFile'), fields: {} } }, status);
    if (tooLarge) return refused('file_too_large', 413);
    if (file.length === 0) return render({ dryRun, errors: { summary: view.t('adminImport.noFile'), fields: { file: view.t('adminImport.noFile') } } }, 422);

    const api = apiFor(inject, request, fields._csrf);
    const answer = await api<ImportResult>('POST', `/events/import${dryRun ? '?dryRun=true' : ''}`, file, looksLikeXlsx(file) ? XLSX_TYPE : 'text/csv');
    if (answer.ok) return dryRun ? render({ dryRun, checked: answer.body }, 200) : seeOther(reply, `${PATH}?imported=${answer.body.created}`);
    const problem = answer.problem as ProblemBody & { errors?: unknown; errorCount?: number };
    if (problem.code === 'invalid_import') {
      const rowErrors = (problem.errors ?? []) as unknown as RowError[];
      const count = problem.errorCount ?? rowErrors.length;
      return render({ dryRun, rowErrors, errorCount: count, errors: { summary: view.t('adminImport.errors.summary', { count }), fields: {} } }, answer.status);
    }
    const known = view.lookup(`adminImport.problem.${problem.code}`, typeof problem.limit === 'number' ? { limit: problem.limit } : undefined);
    return render({ dryRun, errors: known ? { summary: known, fields: {} } : formErrorsOf(view, { ...problem, errors: [] }) }, answer.status);
  });
};
