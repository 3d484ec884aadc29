import { DELIVERY_STATES } from '../../../modules/webhooks/webhooks.schemas.js';
import { ActionButton, Csrf, ErrorSummary, Field, Notice } from '../../components.js';
import { noErrors, type FormErrors } from '../../form-errors.js';
import type { FormValues } from '../../form-values.js';
import { Layout } from '../../layout.js';
import { formatTime, type View } from '../../view.js';
import {
  EndpointFields, EndpointState, endpointName, filtersInWords, kindName, kindsInWords, reasonOf, type Delivery, type DeliveryPage, type Reference, unitName, type Webhook, webhookHref,
} from './endpoint-form.js';

export type LogQuery = { state?: string; cursor?: string };

/** The endpoint's page at its log; `done` says what the form that led there did. */
export const logHref = (id: string, { state, cursor }: LogQuery, done?: string) => {
  const params = new URLSearchParams({ ...(done ? { done } : {}), ...(state ? { state } : {}), ...(cursor ? { cursor } : {}) });
  return `${webhookHref(id)}${params.size ? `?${params}` : ''}#deliveries`;
};

const deliveryBadge: Record<string, string> = { sent: 'confirmed', failed: 'cancelled', planned: 'waitlisted', sending: 'waitlisted', cancelled: '' };

export type DetailProps = {
  view: View; zone: string; now: Date; endpoint: Webhook; reference: Reference;
  /** The log's page, or the reason it could not be read (a bad filter or cursor). */
  log: DeliveryPage | FormErrors; query: LogQuery;
  /** The edit form as typed when it was refused; else the endpoint's own values. */
  form: FormValues; errors?: FormErrors;
  /** What the last action did, and a secret just made: on this answer only, never in an address. */
  done?: string; secret?: string; overlapHours?: string;
};

function SecretNotice({ view, zone, endpoint, secret }: { view: View; zone: string; endpoint: Webhook; secret: string }) {
  const { t } = view;
  return (
    <Notice kind="warning">
      <h2>{t('adminWebhooks.secret.title')}</h2>
      <p>{t('adminWebhooks.secret.once')}</p>
      <p><code class="secret" data-testid="webhook-secret">{secret}</code></p>
      <p>{t('adminWebhooks.secret.use')}</p>
      {endpoint.previousSecretExpiresAt && <p>{t('adminWebhooks.secret.overlap', { time: formatTime(view, endpoint.previousSecretExpiresAt, zone) })}</p>}
    </Notice>
  );
}

function Facts({ view, zone, now, endpoint, reference }: Pick<DetailProps, 'view' | 'zone' | 'now' | 'endpoint' | 'reference'>) {
  const { t } = view;
  const when = (iso: string) => formatTime(view, iso, zone);
  const oldSecretValid = endpoint.previousSecretExpiresAt !== null && new Date(endpoint.previousSecretExpiresAt) > now;
  return (
    <dl class="facts" data-testid="webhook-facts">
      <dt>{t('adminWebhooks.col.state')}</dt><dd><EndpointState view={view} endpoint={endpoint} zone={zone} withReason={false} /></dd>
      <dt>{t('adminWebhooks.col.url')}</dt><dd><code>{endpoint.url}</code></dd>
      <dt>{t('adminWebhooks.col.description')}</dt><dd>{endpoint.description ?? t('adminWebhooks.none')}</dd>
      <dt>{t('adminWebhooks.col.kinds')}</dt><dd>{kindsInWords(view, endpoint.kinds)}</dd>
      <dt>{t('adminWebhooks.col.unit')}</dt><dd>{unitName(view, reference, endpoint.unitId)}</dd>
      <dt>{t('adminWebhooks.form.filters')}</dt><dd>{filtersInWords(view, reference, endpoint.filters)}</dd>
      <dt>{t('adminWebhooks.detail.allowPrivateNetwork')}</dt><dd>{t(endpoint.allowPrivateNetwork ? 'adminWebhooks.yes' : 'adminWebhooks.no')}</dd>
      {oldSecretValid && <><dt>{t('adminWebhooks.detail.previousSecret')}</dt><dd>{when(endpoint.previousSecretExpiresAt!)}</dd></>}
      <dt>{t('adminWebhooks.detail.createdAt')}</dt><dd>{when(endpoint.createdAt)}</dd>
      <dt>{t('adminWebhooks.detail.updatedAt')}</dt><dd>{when(endpoint.updatedAt)}</dd>
    </dl>
  );
}

/** Test, pause or enable, rotate the secret, delete (through a page that asks first). */
function Actions({ view, endpoint, errors, overlapHours }: { view: View; endpoint: Webhook; errors: FormErrors; overlapHours?: string }) {
  const { t } = view;
  const id = endpoint.id;
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">{t('adminWebhooks.actions.title')}</h2>
      {endpoint.enabled ? <p class="hint">{t('adminWebhooks.actions.testHint')}</p> : <p class="hint">{t('adminWebhooks.actions.testDisabled')}</p>}
      <div class="actions">
        {endpoint.enabled && <ActionButton view={view} action={webhookHref(id, '/test')} label={t('adminWebhooks.actions.test')} />}
        {endpoint.enabled
          ? <ActionButton view={view} action={webhookHref(id, '/enabled')} label={t('adminWebhooks.actions.pause')} fields={{ enabled: 'false' }} />
          : <ActionButton view={view} action={webhookHref(id, '/enabled')} label={t('adminWebhooks.actions.enable')} fields={{ enabled: 'true' }} />}
      </div>
      <h3>{t('adminWebhooks.rotate.title')}</h3>
      <form method="post" action={webhookHref(id, '/secret')} class="narrow">
        <Csrf view={view} />
        <Field view={view} name="overlapHours" type="number" label={t('adminWebhooks.rotate.overlapHours')} hint={t('adminWebhooks.rotate.overlapHint')}
          value={overlapHours ?? '24'} errors={errors} min={0} max={168} step={1} inputMode="numeric" required />
        <button type="submit" class="secondary">{t('adminWebhooks.rotate.submit')}</button>
      </form>
      <p><a href={webhookHref(id, '/delete')}>{t('adminWebhooks.delete.link')}</a></p>
    </section>
  );
}

function DeliveryRow({ view, zone, endpoint, delivery, query }: { view: View; zone: string; endpoint: Webhook; delivery: Delivery; query: LogQuery }) {
  const { t } = view;
  const none = t('adminWebhooks.none');
  const created = formatTime(view, delivery.createdAt, zone);
  const again = endpoint.enabled && (delivery.state === 'failed' || delivery.state === 'cancelled');
  return (
    <tr data-delivery={delivery.id}>
      <th scope="row">{kindName(view, delivery.kind)}</th>
      <td>{created}</td>
      <td><span class={`badge ${deliveryBadge[delivery.state] ?? ''}`}>{view.lookup(`adminWebhooks.delivery.${delivery.state}`) ?? delivery.state}</span></td>
      <td>{delivery.attempts}</td>
      <td>{delivery.lastStatus ?? none}</td>
      <td>{delivery.lastLatencyMs === null ? none : t('adminWebhooks.log.latencyMs', { ms: delivery.lastLatencyMs })}</td>
      <td>{delivery.lastError ?? none}</td>
      <td>{delivery.nextAttemptAt ? formatTime(view, delivery.nextAttemptAt, zone) : none}</td>
      <td>
        {again && (
          <form method="post" action={webhookHref(endpoint.id, `/deliveries/${encodeURIComponent(delivery.id)}/redeliver`)} class="inline">
            <Csrf view={view} />
            {query.state && <input type="hidden" name="state" value={query.state} />}
            <button type="submit" class="secondary" aria-label={t('adminWebhooks.log.redeliverLabel', { kind: kindName(view, delivery.kind), time: created })}>{t('adminWebhooks.log.redeliver')}</button>
          </form>
        )}
      </td>
    </tr>
  );
}

/** The delivery log: newest first, filtered by state, paged by the API's cursor. */
function DeliveryLog({ view, zone, endpoint, log, query }: Pick<DetailProps, 'view' | 'zone' | 'endpoint' | 'log' | 'query'>) {
  const { t } = view;
  const page = 'items' in log ? log : null;
  return (
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">{t('adminWebhooks.log.title')}</h2>
      <p>{t('adminWebhooks.log.intro')}</p>
      {!page && <ErrorSummary view={view} errors={log as FormErrors} />}
      <form method="get" action={`${webhookHref(endpoint.id)}#deliveries`} class="filters" role="search">
        <div class="field">
          <label for="f-log-state">{t('adminWebhooks.log.state')}</label>
          <select id="f-log-state" name="state">
            <option value="">{t('adminWebhooks.log.all')}</option>
            {DELIVERY_STATES.map((state) => <option value={state} selected={query.state === state}>{t(`adminWebhooks.delivery.${state}`)}</option>)}
          </select>
        </div>
        <div class="field"><button type="submit" class="secondary">{t('adminWebhooks.log.filter')}</button></div>
      </form>
      {page && (page.items.length === 0 ? <p>{t('adminWebhooks.log.empty')}</p> : (
        <div class="table-wrap">
          <table data-testid="deliveries">
            <caption class="muted">{t('adminWebhooks.log.caption', { count: page.items.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('adminWebhooks.log.kind')}</th>
                <th scope="col">{t('adminWebhooks.log.createdAt')}</th>
                <th scope="col">{t('adminWebhooks.log.state')}</th>
                <th scope="col">{t('adminWebhooks.log.attempts')}</th>
                <th scope="col">{t('adminWebhooks.log.lastStatus')}</th>
                <th scope="col">{t('adminWebhooks.log.latency')}</th>
                <th scope="col">{t('adminWebhooks.log.lastError')}</th>
                <th scope="col">{t('adminWebhooks.log.nextAttempt')}</th>
                <th scope="col">{t('adminWebhooks.log.actions')}</th>
              </tr>
            </thead>
            <tbody>{page.items.map((delivery) => <DeliveryRow view={view} zone={zone} endpoint={endpoint} delivery={delivery} query={query} />)}</tbody>
          </table>
        </div>
      ))}
      {page && (query.cursor || page.nextCursor) && (
        <nav aria-label={t('adminWebhooks.log.pages')} class="actions">
          {query.cursor && <a href={logHref(endpoint.id, { state: query.state })}>{t('adminWebhooks.log.firstPage')}</a>}
          {page.nextCursor && <a href={logHref(endpoint.id, { state: query.state, cursor: page.nextCursor })} rel="next">{t('adminWebhooks.log.more')}</a>}
        </nav>
      )}
    </section>
  );
}

/** One endpoint: what it is, a secret just made, its actions, its settings, its delivery log. */
export function WebhookDetailPage(props: DetailProps) {
  const { view, zone, now, endpoint, reference, log, query, form, errors = noErrors, done, secret, overlapHours } = props;
  const { t } = view;
  const title = t('adminWebhooks.detail.title', { name: endpointName(endpoint) });
  const notice = done ? view.lookup(`adminWebhooks.done.${done}`) : undefined;
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p><a href="/admin/webhooks">{t('adminWebhooks.detail.back')}</a></p>
      {notice && <Notice kind="success">{notice}</Notice>}
      {secret && <SecretNotice view={view} zone={zone} endpoint={endpoint} secret={secret} />}
      <ErrorSummary view={view} errors={errors} />
      {!endpoint.enabled && (
        <Notice kind="warning">
          <h2>{t('adminWebhooks.disabled.title')}</h2>
          <p><strong>{t('adminWebhooks.disabledReason', { reason: reasonOf(view, endpoint, zone) })}</strong></p>
          {endpoint.disabledAt && <p>{t('adminWebhooks.disabled.at', { time: formatTime(view, endpoint.disabledAt, zone) })}</p>}
          <p>{t('adminWebhooks.disabled.hint')}</p>
        </Notice>
      )}
      <h2>{t('adminWebhooks.detail.facts')}</h2>
      <Facts view={view} zone={zone} now={now} endpoint={endpoint} reference={reference} />
      <Actions view={view} endpoint={endpoint} errors={errors} overlapHours={overlapHours} />
      <DeliveryLog view={view} zone={zone} endpoint={endpoint} log={log} query={query} />
      <section aria-labelledby="edit">
        <h2 id="edit">{t('adminWebhooks.edit.title')}</h2>
        <p class="hint">{t('adminWebhooks.edit.unitFixed')}</p>
        <form method="post" action={webhookHref(endpoint.id, '/edit')} class="narrow">
          <Csrf view={view} />
          <EndpointFields view={view} form={form} errors={errors} reference={reference} />
          <button type="submit">{t('adminWebhooks.edit.submit')}</button>
        </form>
      </section>
    </Layout>
  );
}

/** The step before deleting: what goes with it, one button, and a way back. */
export function DeletePage({ view, endpoint }: { view: View; endpoint: Webhook }) {
  const { t } = view;
  const title = t('adminWebhooks.delete.title', { name: endpointName(endpoint) });
  return (
    <Layout view={view} title={title} admin>
      <h1>{title}</h1>
      <p>{t('adminWebhooks.delete.body')}</p>
      <p><code>{endpoint.url}</code></p>
      <form method="post" action={webhookHref(endpoint.id, '/delete')} class="actions">
        <Csrf view={view} />
        <button type="submit" class="danger">{t('adminWebhooks.delete.confirm')}</button>
        <a href={webhookHref(endpoint.id)}>{t('adminWebhooks.delete.back')}</a>
      </form>
    </Layout>
  );
}
