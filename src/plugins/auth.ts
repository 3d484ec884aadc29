import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Database } from '../db/client.js';
import type { Grant } from '../db/schema/index.js';
import type { Clock } from '../lib/clock.js';
import { Problem } from '../lib/problems.js';
import { principalForSession, principalForToken } from '../modules/accounts/accounts.queries.js';
import { isSignedIn, mayManage, mayManageUnit, type Principal } from '../modules/accounts/principal.js';
import { secretHash } from '../modules/accounts/secrets.js';

/**
 * The units that own what a request touches, read from its raw params and body (the
 * guard runs before validation, so that a caller without rights learns nothing from
 * validation errors). Undefined entries (an unknown id) are left to the handler's 404.
 */
export type UnitsOf = (request: FastifyRequest) => Promise<(string | undefined)[]>;

/**
 * Every route declares who may call it; the guard refuses to register one that does not.
 * - 'public': anyone; 'signed_in': any account, for its own things; 'admin': admins only;
 * - { units }: organizers of every unit the request touches (admins always); with
 *   `checkIn: true`, that unit's checkers too (check-in and the registration list);
 * - { grant }: admins, and organizers granted that kind of record.
 */
export type RouteAccess = 'public' | 'signed_in' | 'admin' | { units: UnitsOf; checkIn?: boolean } | { grant: Grant };

export const SESSION_COOKIE = 'kepu_session';
export const CSRF_HEADER = 'x-csrf-token';
/** Methods that change nothing: no CSRF token, no write scope needed. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
    /** Set when the caller came in with a session cookie. */
    authSession?: { id: string; csrfToken: string };
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every route with its declared access, for the test that walks them all. */
    guardedRoutes: { method: string; url: string; access: RouteAccess }[];
  }
}

const isDeclared = (access: unknown): access is RouteAccess =>
  access === 'public' || access === 'signed_in' || access === 'admin'
  || (typeof access === 'object' && access !== null && ('units' in access || 'grant' in access));

const forbidden = (detail: string) => new Problem(403, 'forbidden', detail);
const uuidLike = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A raw value that can be an id, for resolvers reading unvalidated input. */
export const asId = (value: unknown) => (typeof value === 'string' && uuidLike.test(value) ? value : undefined);

export const authPlugin = fp(async (app: FastifyInstance, { db, clock }: { db: Database; clock: Clock }) => {
  const guardedRoutes: FastifyInstance['guardedRoutes'] = [];
  app.decorate('guardedRoutes', guardedRoutes);
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: unknown } | undefined)?.access;
    if (!isDeclared(access)) {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no access: refusing to register it unguarded.`);
    }
    for (const method of [route.method].flat()) if (method !== 'HEAD') guardedRoutes.push({ method, url: route.url, access });
  });

  app.decorateRequest('principal', null as never);
  app.decorateRequest('authSession', undefined);

  /** Who is calling: a bearer token wins over a session cookie. */
  app.addHook('onRequest', async (request) => {
    request.principal = { kind: 'anonymous' };
    const now = clock.now();
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const principal = match ? await principalForToken(db, secretHash(match[1]!), now) : undefined;
      if (!principal) throw new Problem(401, 'invalid_credentials', 'The bearer token is not valid, has expired or was revoked.');
      request.principal = principal;
    } else {
      const cookie = request.cookies[SESSION_COOKIE];
      const found = cookie ? await principalForSession(db, secretHash(cookie), now) : undefined;
      if (found) {
        request.principal = found.principal;
        request.authSession = { id: found.sessionId, csrfToken: found.csrfToken };
      }
    }

    const access = request.routeOptions.config.access;
    if (access === undefined || access === 'public') return;
    const principal = request.principal;
    if (!isSignedIn(principal)) throw new Problem(401, 'authentication_required', 'Sign in, or send an API token (Authorization: Bearer …).');
    if (!SAFE_METHODS.has(request.method)) {
      if (principal.scope === 'read') throw forbidden('This token is read-only.');
      // A cookie rides along with any cross-site form post; the CSRF token does not.
      if (request.authSession && request.headers[CSRF_HEADER] !== request.authSession.csrfToken) {
        throw new Problem(403, 'csrf_failed', `A signed-in change needs the ${CSRF_HEADER} header from the login answer.`);
      }
    }
    if (access === 'admin' && principal.role !== 'admin') throw forbidden('Only administrators may do this.');
    if (typeof access === 'object' && 'grant' in access && !mayManage(principal, access.grant)) {
      throw forbidden(`Only administrators, or organizers granted ${access.grant}, may change these.`);
    }
  });

  /** Rights that depend on the object: after the body is parsed, before it is validated. */
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config.access;
    if (typeof access !== 'object' || !('units' in access)) return;
    const unitIds = await access.units(request);
    for (const unitId of unitIds) {
      if (unitId !== undefined && !mayManageUnit(request.principal, unitId, { checkIn: access.checkIn === true })) {
        throw forbidden('This belongs to a unit you do not act for.');
      }
    }
  });
}, { name: 'auth', dependencies: ['@fastify/cookie'] });
