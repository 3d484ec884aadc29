import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AccountSchema } from '../../../modules/accounts/accounts.schemas.js';
import { Problem } from '../../../lib/problems.js';
import { apiFor, type ApiCall } from '../../api.js';
import { ActionButton, Choices, Csrf, ErrorSummary, Field } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import { Layout } from '../../layout.js';
import { sendPage, seeOther } from '../../render.js';
import type { UiDeps } from '../../ui.routes.js';
import { localized, viewOf, type View } from '../../view.js';
import { csrfOf } from '../guard.js';
import { DoneNotice, bodyOf, enumOf, formOf, listOf, namesById, refusal, staffPage, str, type FormValues, type UnitItem } from './shared.js';

const ROLES = enumOf(AccountSchema.properties.role);
const GRANTS = enumOf(AccountSchema.properties.grants.items);

export type Account = {
  id: string; email: string; displayName: string; role: (typeof ROLES)[number]; grants: (typeof GRANTS)[number][];
  unitIds: string[]; hasPassword: boolean; disabledAt: string | null;
};

const roleName = (view: View, role: string) => view.lookup(`adminSettings.role.${role}`) ?? role;
const grantName = (view: View, grant: string) => view.lookup(`adminSettings.grant.${grant}`) ?? grant;

function AccountListPage({ view, accounts, units, done, errors = noErrors }: { view: View; accounts: Account[]; units: UnitItem[]; done?: string; errors?: FormErrors }) {
  const { t } = view;
  const unitNames = namesById(view, units);
  return (
    <Layout view={view} title={t('adminSettings.accounts.title')} admin>
      <h1>{t('adminSettings.accounts.title')}</h1>
      <DoneNotice view={view} done={done} />
      <ErrorSummary view={view} errors={errors} />
      <p class="actions"><a class="button" href="/admin/accounts/new">{t('adminSettings.accounts.invite')}</a></p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('adminSettings.accounts.name')}</th>
              <th scope="col">{t('adminSettings.accounts.role')}</th>
              <th scope="col">{t('adminSettings.accounts.units')}</th>
              <th scope="col">{t('adminSettings.accounts.grants')}</th>
              <th scope="col">{t('adminSettings.accounts.status')}</th>
              <th scope="col">{t('adminSettings.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <tr>
                <th scope="row">{account.displayName}<br /><span class="muted">{account.email}</span></th>
                <td>{roleName(view, account.role)}</td>
                <td>{account.unitIds.length === 0 ? '—' : account.unitIds.map((id) => unitNames.get(id) ?? id).join(t('adminSettings.listSeparator'))}</td>
                <td>{account.grants.length === 0 ? '—' : account.grants.map((g) => grantName(view, g)).join(t('adminSettings.listSeparator'))}</td>
                <td>
                  {account.disabledAt ? <span class="badge cancelled">{t('adminSettings.accounts.disabled')}</span> : <span class="badge published">{t('adminSettings.accounts.active')}</span>}
                  <br />{account.hasPassword ? t('adminSettings.accounts.hasPassword') : t('adminSettings.accounts.invitePending')}
                </td>
                <td>
                  <a href={`/admin/accounts/${account.id}/edit`} aria-label={t('adminSettings.editNamed', { name: account.displayName })}>{t('adminSettings.edit')}</a>{' '}
                  {account.id !== view.staff?.accountId && (account.disabledAt
                    ? <ActionButton view={view} action={`/admin/accounts/${account.id}/enable`} label={t('adminSettings.accounts.enable', { name: account.displayName })} />
                    : <ActionButton view={view} action={`/admin/accounts/${account.id}/disable`} label={t('adminSettings.accounts.disable', { name: account.displayName })} danger />)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Layout>
  );
}

/** The invitation form, or the edit form of an account (whose address does not change). */
function AccountFormPage({ view, form, errors, units, account }: { view: View; form: FormValues; errors: FormErrors; units: UnitItem[]; account?: Account }) {
  const { t } = view;
  const title = account ? t('adminSettings.accounts.editTitle', { name: account.displayName }) : t('adminSettings.accounts.inviteTitle');
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href="/admin/accounts">{t('adminSettings.accounts.back')}</a></p>
      {!account && <p>{t('adminSettings.accounts.inviteIntro')}</p>}
      <ErrorSummary view={view} errors={errors} />
      <form method="post" action={account ? `/admin/accounts/${account.id}/edit` : '/admin/accounts/new'}>
        <Csrf view={view} />
        {account
          ? <dl class="facts"><dt>{t('auth.email')}</dt><dd>{account.email}</dd></dl>
          : <Field view={view} name="email" label={t('auth.email')} type="email" autocomplete="off" value={str(form.email)} errors={errors} maxLength={200} required />}
        <Field view={view} name="displayName" label={t('adminSettings.accounts.name')} value={str(form.displayName)} errors={errors} maxLength={100} required />
        <Choices view={view} name="role" legend={t('adminSettings.accounts.role')} type="radio" errors={errors} values={[str(form.role)]} required
          options={ROLES.map((role) => ({ value: role, label: t('adminSettings.withHint', { label: roleName(view, role), hint: t(`adminSettings.roleHint.${role}`) }) }))} />
        <Choices view={view} name="unitIds" legend={t('adminSettings.accounts.units')} type="checkbox" errors={errors} values={listOf(form.unitIds)}
          options={units.map((unit) => ({ value: unit.id, label: localized(view, unit.nameZh, unit.nameEn) }))} />
        <Choices view={view} name="grants" legend={t('adminSettings.accounts.grants')} type="checkbox" errors={errors} values={listOf(form.grants)}
          options={GRANTS.map((grant) => ({ value: grant, label: t('adminSettings.withHint', { label: grantName(view, grant), hint: t(`adminSettings.grantHint.${grant}`) }) }))} />
        <button type="submit">{account ? t('form.save') : t('adminSettings.accounts.inviteSubmit')}</button>
      </form>
    </Layout>
  );
}

/** A unit named by its place (`/unitIds/1`) is shown by the whole list. */
const renameUnits = (field: string) => field.replace(/^(unitIds|grants)\.\d+$/, '$1');

const accountBody = (form: FormValues) => ({
  displayName: str(form.displayName).trim(), role: str(form.role), unitIds: listOf(form.unitIds), grants: listOf(form.grants),
});

const unitsOf = async (api: ApiCall) => bodyOf(await api<{ items: UnitItem[] }>('GET', '/units')).items;
const accountsOf = async (api: ApiCall) => bodyOf(await api<{ items: Account[] }>('GET', '/accounts')).items;

/** Accounts: list, invite, edit, disable. Administrators only (the API refuses anyone else). */
export const accountPages: FastifyPluginAsync<UiDeps> = async (app, { inject }) => {
  app.get<{ Querystring: { done?: string } }>('/admin/accounts', staffPage, async (request, reply) => {
    const api = apiFor(inject, request);
    const accounts = await accountsOf(api);
    return sendPage(reply, <AccountListPage view={viewOf(request)} accounts={accounts} units={await unitsOf(api)} done={request.query.done} />);
  });

  app.get('/admin/accounts/new', staffPage, async (request, reply) => {
    const api = apiFor(inject, request);
    await accountsOf(api); // only administrators may invite: anyone else sees the API's refusal now, not after filling the form
    return sendPage(reply, <AccountFormPage view={viewOf(request)} form={{ role: 'organizer' }} errors={noErrors} units={await unitsOf(api)} />);
  });

  app.post('/admin/accounts/new', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const api = apiFor(inject, request, csrfOf(form));
    // The answer holds the invitation link: it goes to the person by mail, never onto this page.
    const answer = await api('POST', '/accounts', { email: str(form.email).trim(), ...accountBody(form) });
    if (answer.ok) return seeOther(reply, '/admin/accounts?done=invited');
    const errors = refusal(view, answer.problem, { rename: renameUnits });
    if (answer.problem.code === 'duplicate') errors.fields.email = view.t('adminSettings.accounts.emailTaken');
    return sendPage(reply, <AccountFormPage view={view} form={form} errors={errors} units={await unitsOf(api)} />, answer.status);
  });

  async function accountById(request: FastifyRequest, id: string) {
    const api = apiFor(inject, request);
    const [accounts, units] = await Promise.all([accountsOf(api), unitsOf(api)]);
    const account = accounts.find((a) => a.id === id);
    if (!account) throw new Problem(404, 'account_not_found', 'No such account.');
    return { account, units };
  }

  app.get<{ Params: { id: string } }>('/admin/accounts/:id/edit', staffPage, async (request, reply) => {
    const { account, units } = await accountById(request, request.params.id);
    const form = { displayName: account.displayName, role: account.role, unitIds: account.unitIds, grants: account.grants };
    return sendPage(reply, <AccountFormPage view={viewOf(request)} form={form} errors={noErrors} units={units} account={account} />);
  });

  app.post<{ Params: { id: string } }>('/admin/accounts/:id/edit', staffPage, async (request, reply) => {
    const view = viewOf(request);
    const form = formOf(request);
    const answer = await apiFor(inject, request, csrfOf(form))('PATCH', `/accounts/${encodeURIComponent(request.params.id)}`, accountBody(form));
    if (answer.ok) return seeOther(reply, '/admin/accounts?done=accountSaved');
    const errors = refusal(view, answer.problem, { rename: renameUnits });
    const { account, units } = await accountById(request, request.params.id);
    return sendPage(reply, <AccountFormPage view={view} form={form} errors={errors} units={units} account={account} />, answer.status);
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post<{ Params: { id: string } }>(`/admin/accounts/:id/${action}`, staffPage, async (request, reply) => {
      const api = apiFor(inject, request, csrfOf(request.body));
      const answer = await api('PATCH', `/accounts/${encodeURIComponent(request.params.id)}`, { disabled });
      if (answer.ok) return seeOther(reply, `/admin/accounts?done=${disabled ? 'accountDisabled' : 'accountEnabled'}`);
      const view = viewOf(request);
      const errors = refusal(view, answer.problem);
      return sendPage(reply, <AccountListPage view={view} accounts={await accountsOf(api)} units={await unitsOf(api)} errors={errors} />, answer.status);
    });
  }
};
