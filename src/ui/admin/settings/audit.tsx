import type { FastifyPluginAsync } from 'fastify';
import type { ObservanceResponse } from '../../../modules/observances/observances.schemas.js';
import { apiFor } from '../../api.js';
import { ErrorSummary, Field, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, viewOf, type View } from '../../view.js';
import type { Account } from './accounts.js';
import { bodyOf, queryErrorsOf, staffPage } from './shared.js';

type AuditEntry = {
  id: number; at: string; actorAccountId: string | null; actorTokenId: string | null; action: string;
  objectKind: string; objectId: string; unitId: string | null; changedFields: string[];
};
type AuditFilters = { objectKind?: string; objectId?: string; actor?: string; cursor?: string };

/** The kinds of object the API writes to the log (a filter offers them; others still show as their code). */
const OBJECT_KINDS = ['event', 'session', 'registration', 'question', 'message', 'venue', 'observance', 'campaign', 'unit', 'account', 'api_token'];

/** Where an entry's object has a page of its own in the admin UI. */
function objectHref(entry: AuditEntry, observanceSlugs: Map<string, string>): string | undefined {
  const id = encodeURIComponent(entry.objectId);
  switch (entry.objectKind) {
    case 'venue': return `/admin/venues/${id}/edit`;
    case 'campaign': return `/admin/campaigns/${id}`;
    case 'account': return `/admin/accounts/${id}/edit`;
    case 'event': return `/admin/events/${id}`;
    case 'observance': {
      const slug = observanceSlugs.get(entry.objectId);
      return slug ? `/admin/observances/${slug}` : undefined;
    }
    default: return undefined;
  }
}

type AuditPageProps = {
  view: View; zone: string; filters: AuditFilters; entries: AuditEntry[]; nextCursor: string | null; errors: FormErrors;
  accounts: Account[]; observanceSlugs: Map<string, string>;
};

function AuditPage({ view, zone, filters, entries, nextCursor, errors, accounts, observanceSlugs }: AuditPageProps) {
  const { t } = view;
  const names = new Map(accounts.map((a) => [a.id, a.displayName]));
  const kindName = (kind: string) => view.lookup(`adminSettings.objectKind.${kind}`) ?? kind;
  const next = new URLSearchParams(Object.entries({ ...filters, cursor: nextCursor ?? '' }).filter(([, v]) => v) as [string, string][]);
  const first = new URLSearchParams(Object.entries({ ...filters, cursor: '' }).filter(([, v]) => v) as [string, string][]);
  return (
    <Layout view={view} title={t('adminSettings.audit.title')} admin>
      <h1>{t('adminSettings.audit.title')}</h1>
      <p>{t('adminSettings.audit.intro')}</p>
      <ErrorSummary view={view} errors={errors} />
      <form method="get" action="/admin/audit" class="filters" aria-label={t('adminSettings.audit.filters')}>
        <Select view={view} name="objectKind" label={t('adminSettings.audit.objectKind')} value={filters.objectKind} errors={errors}
          options={OBJECT_KINDS.map((kind) => ({ value: kind, label: kindName(kind) }))} />
        <Field view={view} name="objectId" label={t('adminSettings.audit.objectId')} value={filters.objectId} errors={errors} maxLength={100} />
        <Select view={view} name="actor" label={t('adminSettings.audit.actor')} value={filters.actor} errors={errors}
          options={accounts.map((a) => ({ value: a.id, label: `${a.displayName}${t('adminSettings.inBrackets', { text: a.email })}` }))} />
        <div class="field"><button type="submit" class="secondary">{t('adminSettings.show')}</button></div>
      </form>
      {entries.length === 0 ? <p>{t('adminSettings.audit.none')}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.audit.time')}</th>
                <th scope="col">{t('adminSettings.audit.actor')}</th>
                <th scope="col">{t('adminSettings.audit.action')}</th>
                <th scope="col">{t('adminSettings.audit.object')}</th>
                <th scope="col">{t('adminSettings.audit.fields')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => {
                const href = objectHref(entry, observanceSlugs);
                const actor = entry.actorAccountId ? names.get(entry.actorAccountId) ?? entry.actorAccountId : t('adminSettings.audit.system');
                return (
                  <tr>
                    <th scope="row">{formatTime(view, entry.at, zone)}</th>
                    <td>{actor}{entry.actorTokenId && <><br /><span class="muted">{t('adminSettings.audit.viaToken')}</span></>}</td>
                    <td>{view.lookup(`adminSettings.action.${entry.action}`) ?? entry.action}</td>
                    <td>
                      {kindName(entry.objectKind)}{' '}
                      {href ? <a href={href}>{entry.objectId}</a> : <span class="muted">{entry.objectId}</span>}
                      <br /><a href={`/admin/audit?${new URLSearchParams({ objectKind: entry.objectKind, objectId: entry.objectId })}`}>{t('adminSettings.audit.historyOf')}</a>
                    </td>
                    <td>{entry.changedFields.length ? entry.changedFields.join(', ') : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p class="actions">
        {filters.cursor && <a href={`/admin/audit${first.size ? `?${first}` : ''}`}>{t('adminSettings.audit.newest')}</a>}
        {nextCursor && <a href={`/admin/audit?${next}`}>{t('adminSettings.audit.older')}</a>}
      </p>
    </Layout>
  );
}

/** The audit log, newest first, with the API's filters and pages. Administrators only (the API says). */
export const auditPages: FastifyPluginAsync<UiDeps> = async (app, { inject, config }) => {
  app.get<{ Querystring: AuditFilters }>('/admin/audit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const api = apiFor(inject, request);
    // Empty filter fields (a form sends them all) are no filter.
    const filters: AuditFilters = Object.fromEntries(
      (['objectKind', 'objectId', 'actor', 'cursor'] as const).flatMap((name) => {
        const value = request.query[name];
        return typeof value === 'string' && value.trim() ? [[name, value.trim()]] : [];
      }),
    );
    const answer = await api<{ items: AuditEntry[]; nextCursor: string | null }>('GET', `/audit?${new URLSearchParams({ ...filters, limit: '50' })}`);
    const errors = !answer.ok && answer.status === 400 ? queryErrorsOf(view, answer.problem) : noErrors;
    const log = errors === noErrors ? bodyOf(answer) : { items: [], nextCursor: null };
    const [accounts, observances] = await Promise.all([
      api<{ items: Account[] }>('GET', '/accounts').then(bodyOf),
      api<{ items: ObservanceResponse[] }>('GET', '/observances').then(bodyOf),
    ]);
    const observanceSlugs = new Map(observances.items.map((o) => [o.id, o.slug]));
    return sendPage(reply, (
      <AuditPage view={view} zone={config.CALENDAR_TIMEZONE} filters={filters} entries={log.items} nextCursor={log.nextCursor} errors={errors} accounts={accounts.items} observanceSlugs={observanceSlugs} />
    ), errors === noErrors ? 200 : 400);
  });
};
