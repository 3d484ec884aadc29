import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Problem } from '../lib/problems.js';

/**
 * Who is calling. Until accounts and scoped roles exist (the security issue), the
 * only credential is the configured ADMIN_TOKEN; everyone else is anonymous.
 */
export type Principal = { kind: 'anonymous' } | { kind: 'admin'; via: 'admin_token' };

/** Every route declares its access; the guard refuses to register one that does not. */
export type RouteAccess = 'public' | 'admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every guarded route with its declared access, for the test that walks them all. */
    guardedRoutes: { method: string; url: string; access: RouteAccess }[];
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

export function isStaff(principal: Principal): boolean {
  return principal.kind !== 'anonymous';
}

export const authPlugin = fp(async (app: FastifyInstance, options: { adminToken?: string }) => {
  const adminDigest = options.adminToken ? digest(options.adminToken) : undefined;

  const guardedRoutes: { method: string; url: string; access: RouteAccess }[] = [];
  app.decorate('guardedRoutes', guardedRoutes);
  app.addHook('onRoute', (route) => {
    const access = (route.config as { access?: RouteAccess } | undefined)?.access;
    if (access !== 'public' && access !== 'admin') {
      throw new Error(`Route ${String(route.method)} ${route.url} declares no access ('public' or 'admin'): refusing to register it unguarded.`);
    }
    for (const method of [route.method].flat()) if (method !== 'HEAD') guardedRoutes.push({ method, url: route.url, access });
  });

  app.decorateRequest('principal', null as never);

  app.addHook('onRequest', async (request: FastifyRequest) => {
    request.principal = { kind: 'anonymous' };
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      // Comparing digests keeps the comparison constant-time whatever the token's length.
      if (!match || !adminDigest || !timingSafeEqual(digest(match[1]!), adminDigest)) {
        throw new Problem(401, 'invalid_credentials', 'The bearer token is not valid.');
      }
      request.principal = { kind: 'admin', via: 'admin_token' };
    }
    const access = request.routeOptions.config.access;
    if (access === 'admin' && request.principal.kind !== 'admin') {
      throw new Problem(401, 'authentication_required', 'This route needs an organizer\'s credentials (Authorization: Bearer …).');
    }
  });
}, { name: 'auth' });
