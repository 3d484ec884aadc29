import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { TokenSchema } from '../../../modules/accounts/accounts.schemas.js';
import { apiFor, setCookiesOf, type ApiCall } from '../../api.js';
import { ActionButton, Choices, Csrf, ErrorSummary, Field, Notice, Select } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { formatTime, localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import { DoneNotice, bodyOf, enumOf, formOf, namesById, optional, refusal, staffPage, str, type FormValues, type UnitItem } from './shared.js';

const TOKEN_SCOPES = enumOf(TokenSchema.properties.scope);

type Token = {
  id: string; name: string; prefix: string; scope: (typeof TOKEN_SCOPES)[number]; unitId: string | null;
  expiresAt: string | null; revokedAt: string | null; lastUsedAt: string | null; createdAt: string;
};

type TokensProps = { view: View; zone: string; now: Date; tokens: Token[]; units: UnitItem[]; form: FormValues; errors: FormErrors; secret?: string; done?: string };

function TokensPage({ view, zone, now, tokens, units, form, errors, secret, done }: TokensProps) {
  const { t } = view;
  const unitNames = namesById(view, units);
  const when = (iso: string | null) => (iso ? formatTime(view, iso, zone) : '—');
  // A token can narrow to one of its owner's units; administrators act for all of them.
  const ownUnits = view.staff?.role === 'admin' ? units : units.filter((u) => view.staff?.unitIds.includes(u.id));
  return (
    <Layout view={view} title={t('adminSettings.tokens.title')} admin>
      <h1>{t('adminSettings.tokens.title')}</h1>
      <p>{t('adminSettings.tokens.intro')}</p>
      <DoneNotice view={view} done={done} />
      {secret && (
        <Notice kind="warning">
          <h2>{t('adminSettings.tokens.secretTitle')}</h2>
          <p>{t('adminSettings.tokens.secretOnce')}</p>
          <p><code class="secret" data-testid="token-secret">{secret}</code></p>
          <p>{t('adminSettings.tokens.secretUse')}</p>
        </Notice>
      )}
      <h2>{t('adminSettings.tokens.yours')}</h2>
      {tokens.length === 0 ? <p>{t('adminSettings.tokens.none')}</p> : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('adminSettings.tokens.name')}</th>
                <th scope="col">{t('adminSettings.tokens.prefix')}</th>
                <th scope="col">{t('adminSettings.tokens.scope')}</th>
                <th scope="col">{t('adminSettings.tokens.unit')}</th>
                <th scope="col">{t('adminSettings.tokens.expires')}</th>
                <th scope="col">{t('adminSettings.tokens.lastUsed')}</th>
                <th scope="col">{t('adminSettings.tokens.status')}</th>
                <th scope="col">{t('adminSettings.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => {
                const expired = token.expiresAt !== null && new Date(token.expiresAt) <= now;
                return (
                  <tr>
                    <th scope="row">{token.name}</th>
                    <td><code>{token.prefix}…</code></td>
                    <td>{t(`adminSettings.tokens.scope.${token.scope}`)}</td>
                    <td>{token.unitId ? unitNames.get(token.unitId) ?? token.unitId : t('adminSettings.tokens.allUnits')}</td>
                    <td>{token.expiresAt ? when(token.expiresAt) : t('adminSettings.tokens.never')}</td>
                    <td>{when(token.lastUsedAt)}</td>
                    <td>{token.revokedAt ? t('adminSettings.tokens.revoked') : expired ? t('adminSettings.tokens.expired') : t('adminSettings.tokens.active')}</td>
                    <td>{!token.revokedAt && <ActionButton view={view} action={`/admin/tokens/${token.id}/revoke`} label={t('adminSettings.tokens.revoke', { name: token.name })} danger />}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <h2 id="new-token">{t('adminSettings.tokens.newTitle')}</h2>
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action="/admin/tokens" class="narrow">
        <Csrf view={view} />
        <Field view={view} name="name" label={t('adminSettings.tokens.name')} hint={t('adminSettings.tokens.nameHint')} value={str(form.name)} errors={errors} maxLength={100} required />
        <Choices view={view} name="scope" legend={t('adminSettings.tokens.scope')} type="radio" errors={errors} values={[str(form.scope) || 'read']} required
          options={TOKEN_SCOPES.map((scope) => ({ value: scope, label: t(`adminSettings.tokens.scopeHint.${scope}`) }))} />
        <Select view={view} name="unitId" label={t('adminSettings.tokens.unit')} hint={t('adminSettings.tokens.unitHint')} value={str(form.unitId)} errors={errors}
          options={ownUnits.map((unit) => ({ value: unit.id, label: localized(view, unit.nameZh, unit.nameEn) }))} />
        <Field view={view} name="expiresAt" label={t('adminSettings.tokens.expiresOn')} hint={t('adminSettings.tokens.expiresHint')} type="date" value={str(form.expiresAt)} errors={errors} />
        <button type="submit">{t('adminSettings.tokens.create')}</button>
      </form>
      <p><a href="/admin/password-change">{t('adminSettings.password.title')}</a></p>
    </Layout>
  );
}

function PasswordPage({ view, errors, changed = false }: { view: View; errors: FormErrors; changed?: boolean }) {
  const { t } = view;
  return (
    <Layout view={view} title={t('adminSettings.password.title')} admin>
      <h1>{t('adminSettings.password.title')}</h1>
      {changed ? (
        <>
          <Notice kind="success">{t('adminSettings.password.changed')}</Notice>
          <p><a class="button" href="/admin/login">{t('auth.submit')}</a></p>
        </>
      ) : (
        <>
          <p>{t('adminSettings.password.intro')}</p>
          <ErrorSummary view={view} errors={errors} />
          <form method="post" action="/admin/password-change" class="narrow">
            <Csrf view={view} />
            <Field view={view} name="currentPassword" label={t('adminSettings.password.current')} type="password" autocomplete="current-password" errors={errors} required />
            <Field view={view} name="newPassword" label={t('auth.newPassword')} hint={t('adminSettings.password.newHint')} type="password" autocomplete="new-password" minLength={10} maxLength={200} errors={errors} required />
            <button type="submit">{t('adminSettings.password.submit')}</button>
          </form>
        </>
      )}
    </Layout>
  );
}

/**
 * Your own API tokens, and your password. Any signed-in staff member. A new token's secret is
 * on the answer to the form alone (no redirect, no flag in an address, a no-store page): the
 * API keeps only its hash, so it can never be shown again.
 */
export const tokenPages: FastifyPluginAsync<UiDeps> = async (app, { inject, clock, config }) => {
  const zone = config.CALENDAR_TIMEZONE;

  /** A date field means "valid through that day" in the district's zone: the token ends with its last millisecond. */
  function expiryOf(value: string | undefined): string | undefined {
    if (value === undefined) return undefined;
    const day = DateTime.fromISO(value, { zone });
    return day.isValid && /^\d{4}-\d{2}-\d{2}$/.test(value) ? day.endOf('day').toISO()! : value;
  }

  async function page(request: FastifyRequest, api: ApiCall, props: Pick<TokensProps, 'form' | 'errors' | 'secret' | 'done'>) {
    const [tokens, units] = await Promise.all([
      api<{ items: Token[] }>('GET', '/auth/tokens').then(bodyOf),
      api<{ items: UnitItem[] }>('GET', '/units').then(bodyOf),
    ]);
    return <TokensPage view={viewOf(request)} zone={zone} now={clock.now()} tokens={tokens.items} units={units.items} {...props} />;
  }

  app.get<{ Querystring: { done?: string } }>('/admin/tokens', staffPage, async (request, reply) =>
    sendPage(reply, await page(request, apiFor(inject, request), { form: {}, errors: noErrors, done: request.query.done })));

  app.post('/admin/tokens', staffPage, async (request, reply) => {
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    const unitId = optional(form.unitId);
    const expiresAt = expiryOf(optional(form.expiresAt));
    const answer = await api<{ secret: string }>('POST', '/auth/tokens', {
      name: str(form.name).trim(), scope: str(form.scope), ...(unitId ? { unitId } : {}), ...(expiresAt ? { expiresAt } : {}),
    });
    if (answer.ok) return sendPage(reply, await page(request, api, { form: {}, errors: noErrors, secret: answer.body.secret }), 201);
    return sendPage(reply, await page(request, api, { form, errors: refusal(viewOf(request), answer.problem) }), answer.status);
  });

  app.post<{ Params: { id: string } }>('/admin/tokens/:id/revoke', staffPage, async (request, reply) => {
    const api = apiFor(inject, request, csrfOf(request.body));
    const answer = await api('POST', `/auth/tokens/${encodeURIComponent(request.params.id)}/revoke`);
    if (answer.ok) return seeOther(reply, '/admin/tokens?done=tokenRevoked');
    return sendPage(reply, await page(request, api, { form: {}, errors: refusal(viewOf(request), answer.problem) }), answer.status);
  });

  app.get('/admin/password-change', staffPage, async (request, reply) => sendPage(reply, <PasswordPage view={viewOf(request)} errors={noErrors} />));

  app.post('/admin/password-change', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const answer = await apiFor(inject, request, csrfOf(form))('POST', '/auth/password', { currentPassword: str(form.currentPassword), newPassword: str(form.newPassword) });
    // Every session ends with the old password, this one too: the API's Set-Cookie clears it here.
    for (const cookie of setCookiesOf(answer)) reply.header('set-cookie', cookie);
    if (answer.ok) return sendPage(reply, <PasswordPage view={view} errors={noErrors} changed />);
    const errors = refusal(view, answer.problem);
    if (answer.problem.code === 'invalid_login') errors.fields.currentPassword = view.t('adminSettings.password.wrongCurrent');
    return sendPage(reply, <PasswordPage view={view} errors={errors} />, answer.status);
  });
};
