import { Csrf, ErrorSummary, Notice } from '../../components.js';
import type { FormErrors } from '../../form-errors.js';
import type { FormValues } from '../../form-values.js';
import { Layout } from '../../layout.js';
import type { View } from '../../view.js';
import { EndpointFields, EndpointState, kindsInWords, type Reference, UnitChoice, unitName, type Webhook, webhookHref } from './endpoint-form.js';

type ListProps = {
  view: View; zone: string; endpoints: Webhook[] | null; reference: Reference | null; form: FormValues; errors: FormErrors; done?: string; forbidden?: boolean;
};

/** The endpoints the reader may manage, and the form for a new one. A checker gets only the reason they see nothing. */
export function WebhookListPage({ view, zone, endpoints, reference, form, errors, done, forbidden = false }: ListProps) {
  const { t } = view;
  const notice = done ? view.lookup(`adminWebhooks.done.${done}`) : undefined;
  const disabled = endpoints?.filter((e) => !e.enabled).length ?? 0;
  return (
    <Layout view={view} title={t('adminWebhooks.title')} admin>
      <h1>{t('adminWebhooks.title')}</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      {forbidden || !endpoints || !reference ? <Notice kind="warning">{t('adminWebhooks.forbidden')}</Notice> : (
        <>
          <p>{t('adminWebhooks.intro')}</p>
          <p>{t(view.staff?.role === 'admin' ? 'adminWebhooks.scope.admin' : 'adminWebhooks.scope.organizer')}</p>
          {disabled > 0 && <Notice kind="warning">{t('adminWebhooks.list.someDisabled', { count: disabled })}</Notice>}
          <h2>{t('adminWebhooks.list.title')}</h2>
          {endpoints.length === 0 ? <p>{t('adminWebhooks.list.empty')}</p> : (
            <div class="table-wrap">
              <table data-testid="webhooks">
                <caption class="muted">{t('adminWebhooks.list.caption', { count: endpoints.length })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('adminWebhooks.col.url')}</th>
                    <th scope="col">{t('adminWebhooks.col.description')}</th>
                    <th scope="col">{t('adminWebhooks.col.kinds')}</th>
                    <th scope="col">{t('adminWebhooks.col.unit')}</th>
                    <th scope="col">{t('adminWebhooks.col.state')}</th>
                  </tr>
                </thead>
                <tbody>
                  {endpoints.map((endpoint) => (
                    <tr data-webhook={endpoint.id}>
                      <th scope="row"><a href={webhookHref(endpoint.id)}>{endpoint.url}</a></th>
                      <td>{endpoint.description ?? t('adminWebhooks.none')}</td>
                      <td>{kindsInWords(view, endpoint.kinds)}</td>
                      <td>{unitName(view, reference, endpoint.unitId)}</td>
                      <td><EndpointState view={view} endpoint={endpoint} zone={zone} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2 id="new-webhook">{t('adminWebhooks.new.title')}</h2>
          <ErrorSummary view={view} errors={errors} />
          <form method="post" action="/admin/webhooks" class="narrow">
            <Csrf view={view} />
            <EndpointFields view={view} form={form} errors={errors} reference={reference}
              unit={<UnitChoice view={view} form={form} errors={errors} reference={reference} />} />
            <button type="submit">{t('adminWebhooks.new.submit')}</button>
          </form>
        </>
      )}
    </Layout>
  );
}
