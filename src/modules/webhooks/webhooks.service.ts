import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { observances, outboxMessages, PERSONAL_WEBHOOK_KINDS, PING_KIND, towns, units, webhookEndpoints, type WebhookKind } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor.js';
import { conflict, fieldError, notFound, Problem, unprocessable, type FieldProblem } from '../../lib/problems.js';
import { seal } from '../../lib/seal.js';
import { isAdmin, isSignedIn, type Principal } from '../accounts/principal.js';
import { actorOf, recordAudit } from '../audit/audit.js';
import { checkEndpointUrl, EndpointRefused, type Lookup } from './safe-request.js';
import { newSecret } from './signing.js';
import { deliveriesPage, deliveryOf, endpointById, endpointsOf, planDelivery, unknownIds, type EndpointRow } from './webhooks.queries.js';
import type { CreateWebhookBody, DeliveryListQuery, DeliveryResponse, UpdateWebhookBody, WebhookResponse } from './webhooks.schemas.js';

export const SECRET_PURPOSE = 'webhook-secret';

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function endpointResponse(row: EndpointRow): WebhookResponse {
  return {
    id: row.id, unitId: row.unitId, url: row.url, description: row.description, kinds: row.kinds as WebhookKind[],
    filters: { observanceIds: row.observanceIds, unitIds: row.unitIds, townIds: row.townIds },
    allowPrivateNetwork: row.allowPrivateNetwork, enabled: row.disabledAt === null,
    disabledAt: iso(row.disabledAt), disabledCause: row.disabledCause, disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince), lastError: row.lastError,
    previousSecretExpiresAt: iso(row.previousSecretExpiresAt), createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString(),
  };
}

const forbidden = (message: string) => new Problem(403, 'forbidden', message);

/**
 * Webhook endpoints and their deliveries. Administrators manage every endpoint, district-wide
 * ones (no unit) included; organizers those of their units, which only hear of events their
 * unit owns or co-organizes; checkers none. Only administrators may let an endpoint reach a
 * private network. The secret is returned when made (and when rotated), never again.
 */
export function createWebhooksService({ db, clock, secretKey, lookup }: { db: Database; clock: Clock; secretKey: string; lookup: Lookup }) {
  function mayManage(principal: Principal, row: Pick<EndpointRow, 'unitId'>) {
    if (isAdmin(principal)) return true;
    return isSignedIn(principal) && principal.role === 'organizer' && row.unitId !== null && principal.unitIds.includes(row.unitId);
  }

  async function endpointFor(principal: Principal, id: string): Promise<EndpointRow> {
    const row = await endpointById(db, id);
    if (!row) throw notFound('webhook', id);
    if (!mayManage(principal, row)) throw forbidden('This endpoint belongs to a unit you do not act for.');
    return row;
  }

  /** The URL's and the filters' problems, each at its field. */
  async function check(body: Partial<CreateWebhookBody>, allowPrivateNetwork: boolean): Promise<FieldProblem[]> {
    const errors: FieldProblem[] = [];
    if (body.url !== undefined) {
      try {
        await checkEndpointUrl(body.url, { allowPrivateNetwork, lookup });
      } catch (error) {
        if (!(error instanceof EndpointRefused)) throw error;
        errors.push(fieldError('/url', error.message, `url_${error.code}`));
      }
    }
    const filters = body.filters ?? {};
    for (const [field, table] of [['observanceIds', observances], ['unitIds', units], ['townIds', towns]] as const) {
      for (const id of await unknownIds(db, table, filters[field] ?? [])) {
        errors.push(fieldError(`/filters/${field}/${filters[field]!.indexOf(id)}`, `No ${field.replace('Ids', '')} with id ${id}.`, 'unknown_reference'));
      }
    }
    return errors;
  }

  /** A person's registration goes only to a unit's own systems, never district-wide. */
  function personalKindsNeedUnit(kinds: string[] | undefined, unitId: string | null, errors: FieldProblem[]) {
    const personal = (kinds ?? []).findIndex((kind) => PERSONAL_WEBHOOK_KINDS.includes(kind as WebhookKind));
    if (personal >= 0 && unitId === null) {
      errors.push(fieldError(`/kinds/${personal}`, 'registrations carry personal data: only an endpoint of a unit (its own systems) may receive them', 'personal_kind_needs_unit'));
    }
  }

  function mayAllowPrivate(principal: Principal, wanted: boolean | undefined) {
    if (wanted && !isAdmin(principal)) throw forbidden('Only administrators may let an endpoint reach a private network.');
  }

  return {
    async list(principal: Principal): Promise<WebhookResponse[]> {
      if (!isSignedIn(principal) || principal.role === 'checker') throw forbidden('Checkers do not manage webhooks.');
      return (await endpointsOf(db, isAdmin(principal) ? null : principal.unitIds)).map(endpointResponse);
    },

    async get(principal: Principal, id: string) {
      return endpointResponse(await endpointFor(principal, id));
    },

    async create(principal: Principal, body: CreateWebhookBody): Promise<WebhookResponse & { secret: string }> {
      if (!isSignedIn(principal) || principal.role === 'checker') throw forbidden('Checkers do not manage webhooks.');
      mayAllowPrivate(principal, body.allowPrivateNetwork);
      // An organizer's endpoint is always one of their units'; with one unit, that one.
      let unitId = body.unitId ?? null;
      if (!isAdmin(principal)) {
        if (unitId === null && principal.unitIds.length === 1) unitId = principal.unitIds[0]!;
        if (unitId === null) throw unprocessable('invalid_webhook', 'Say which of your units the endpoint is for.', [fieldError('/unitId', 'Required: the unit whose events it hears of.', 'required')]);
        if (!principal.unitIds.includes(unitId)) throw forbidden('This unit is not one you act for.');
      }
      const allowPrivateNetwork = body.allowPrivateNetwork ?? false;
      const errors = await check(body, allowPrivateNetwork);
      if (unitId && (await unknownIds(db, units, [unitId])).length) errors.push(fieldError('/unitId', `No unit with id ${unitId}.`, 'unknown_reference'));
      personalKindsNeedUnit(body.kinds, unitId, errors);
      if (errors.length) throw unprocessable('invalid_webhook', 'The endpoint cannot be registered as it is.', errors);
      const secret = newSecret();
      const row = await db.transaction(async (tx) => {
        const [created] = await tx.insert(webhookEndpoints).values({
          unitId, createdBy: principal.accountId, url: body.url, description: body.description ?? null, kinds: body.kinds,
          observanceIds: body.filters?.observanceIds ?? null, unitIds: body.filters?.unitIds ?? null, townIds: body.filters?.townIds ?? null,
          allowPrivateNetwork, secretSealed: seal(secretKey, SECRET_PURPOSE, secret),
        }).returning();
        await recordAudit(tx, actorOf(principal), { action: 'created', objectKind: 'webhook', objectId: created!.id, unitId });
        return created!;
      });
      return { ...endpointResponse(row), secret };
    },

    async update(principal: Principal, id: string, body: UpdateWebhookBody): Promise<WebhookResponse> {
      const current = await endpointFor(principal, id);
      mayAllowPrivate(principal, body.allowPrivateNetwork);
      // An administrator allowed the private network for one URL: an organizer who changes the
      // URL does not take that permission along to another address.
      const allowPrivateNetwork = body.allowPrivateNetwork ?? (body.url !== undefined && body.url !== current.url && !isAdmin(principal) ? false : current.allowPrivateNetwork);
      // A URL allowed onto the private network stays checked against it when that is withdrawn.
      const errors = await check({ ...body, url: body.url ?? (body.allowPrivateNetwork === false ? current.url : undefined) }, allowPrivateNetwork);
      personalKindsNeedUnit(body.kinds, current.unitId, errors);
      if (errors.length) throw unprocessable('invalid_webhook', 'The endpoint cannot be changed so.', errors);
      const now = clock.now();
      const row = await db.transaction(async (tx) => {
        const [updated] = await tx.update(webhookEndpoints).set({
          ...(body.url !== undefined ? { url: body.url } : {}),
          ...(body.description !== undefined ? { description: body.description } : {}),
          ...(body.kinds !== undefined ? { kinds: body.kinds } : {}),
          ...(body.filters?.observanceIds !== undefined ? { observanceIds: body.filters.observanceIds } : {}),
          ...(body.filters?.unitIds !== undefined ? { unitIds: body.filters.unitIds } : {}),
          ...(body.filters?.townIds !== undefined ? { townIds: body.filters.townIds } : {}),
          allowPrivateNetwork,
          ...(body.enabled === true ? { disabledAt: null, disabledCause: null, disabledReason: null, failingSince: null, lastError: null } : {}),
          ...(body.enabled === false && current.disabledAt === null ? { disabledAt: now, disabledCause: 'paused' as const, disabledReason: 'Paused by hand.' } : {}),
          updatedAt: sql`now()`,
        }).where(eq(webhookEndpoints.id, id)).returning();
        await recordAudit(tx, actorOf(principal), { action: 'updated', objectKind: 'webhook', objectId: id, unitId: current.unitId, changedFields: Object.keys(body) });
        return updated!;
      });
      return endpointResponse(row);
    },

    async remove(principal: Principal, id: string): Promise<void> {
      const current = await endpointFor(principal, id);
      await db.transaction(async (tx) => {
        // Its messages not yet sent are withdrawn with it (its deliveries go by cascade).
        await tx.update(outboxMessages).set({ state: 'cancelled', lastError: 'The endpoint was deleted.', updatedAt: sql`now()` })
          .where(and(eq(outboxMessages.state, 'planned'), sql`${outboxMessages.orderingKey} like ${`webhook:${id}:%`}`));
        await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id));
        await recordAudit(tx, actorOf(principal), { action: 'deleted', objectKind: 'webhook', objectId: id, unitId: current.unitId });
      });
    },

    /** A new secret; the old one keeps signing beside it for `overlapHours`, so receivers can switch without losing a delivery. */
    async rotateSecret(principal: Principal, id: string, overlapHours: number) {
      const current = await endpointFor(principal, id);
      const secret = newSecret();
      const expires = overlapHours > 0 ? new Date(clock.now().getTime() + overlapHours * 3600_000) : null;
      const row = await db.transaction(async (tx) => {
        const [updated] = await tx.update(webhookEndpoints).set({
          secretSealed: seal(secretKey, SECRET_PURPOSE, secret),
          previousSecretSealed: expires ? current.secretSealed : null, previousSecretExpiresAt: expires, updatedAt: sql`now()`,
        }).where(eq(webhookEndpoints.id, id)).returning();
        await recordAudit(tx, actorOf(principal), { action: 'secret_rotated', objectKind: 'webhook', objectId: id, unitId: current.unitId });
        return updated!;
      });
      return { ...endpointResponse(row), secret };
    },

    /** A ping, planned like any delivery (so it waits behind nothing and shows in the log). */
    async sendTest(principal: Principal, id: string) {
      const endpoint = await endpointFor(principal, id);
      if (endpoint.disabledAt) throw conflict('endpoint_disabled', `The endpoint is disabled (${endpoint.disabledReason ?? 'no reason given'}): enable it first.`);
      const deliveryId = randomUUID();
      const now = clock.now();
      const body = JSON.stringify({ id: deliveryId, kind: PING_KIND, occurredAt: now.toISOString(), endpointId: id, event: null });
      await db.transaction((tx) => planDelivery(tx, { deliveryId, endpointId: id, kind: PING_KIND, eventId: null, sessionId: null, body, now }));
      return { deliveryId };
    },

    async deliveries(principal: Principal, id: string, query: DeliveryListQuery) {
      await endpointFor(principal, id);
      let before: { createdAt: Date; id: string } | undefined;
      if (query.cursor) {
        const [at, last] = decodeCursor(query.cursor, 2);
        const createdAt = new Date(at ?? '');
        if (!last || Number.isNaN(createdAt.getTime())) throw invalidCursor();
        before = { createdAt, id: last };
      }
      const page = await deliveriesPage(db, { endpointId: id, limit: query.limit, ...(query.state ? { state: query.state } : {}), ...(before ? { before } : {}) });
      const last = page.items.at(-1);
      return {
        items: page.items.map(deliveryResponse),
        nextCursor: page.hasMore && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
      };
    },

    /** A failed or withdrawn delivery sent again, now, with a fresh day of retries, the same body and delivery id. */
    async redeliver(principal: Principal, id: string, deliveryId: string) {
      const endpoint = await endpointFor(principal, id);
      const delivery = await deliveryOf(db, id, deliveryId);
      if (!delivery) throw notFound('delivery', deliveryId);
      if (endpoint.disabledAt) throw conflict('endpoint_disabled', 'The endpoint is disabled: enable it first.');
      if (delivery.state !== 'failed' && delivery.state !== 'cancelled') throw conflict('not_failed', `Only a failed or withdrawn delivery is sent again; this one is ${delivery.state}.`);
      const now = clock.now();
      await db.transaction(async (tx) => {
        await planDelivery(tx, { deliveryId, endpointId: id, kind: delivery.kind, eventId: delivery.eventId, sessionId: delivery.sessionId, body: null, now });
        await recordAudit(tx, actorOf(principal), { action: 'redelivered', objectKind: 'webhook_delivery', objectId: deliveryId, unitId: endpoint.unitId });
      });
      return deliveryResponse((await deliveryOf(db, id, deliveryId))!);
    },
  };
}
export type WebhooksService = ReturnType<typeof createWebhooksService>;

function deliveryResponse(row: NonNullable<Awaited<ReturnType<typeof deliveryOf>>>): DeliveryResponse {
  return {
    id: row.id, kind: row.kind, eventId: row.eventId, sessionId: row.sessionId, registrationId: row.registrationId, state: row.state as DeliveryResponse['state'],
    attempts: row.attempts, lastStatus: row.lastStatus, lastLatencyMs: row.lastLatencyMs, lastError: row.lastError, responsePrefix: row.responsePrefix,
    nextAttemptAt: row.nextAttemptAt ? new Date(row.nextAttemptAt).toISOString() : null, lastAttemptAt: iso(row.lastAttemptAt),
    deliveredAt: iso(row.deliveredAt), createdAt: row.createdAt.toISOString(),
  };
}
