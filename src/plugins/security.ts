import cors from '@fastify/cors';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../db/client.js';
import { Problem } from '../lib/problems.js';
import { postgresRateLimitStore } from './rate-limit-store.js';

const READS = new Set(['GET', 'HEAD']);

/** Cross-origin reads of public data only: anything else a browser on another site may not touch. */
function corsFor(request: FastifyRequest) {
  const preflightFor = request.headers['access-control-request-method'];
  const read = request.method === 'OPTIONS' ? READS.has(String(preflightFor)) : READS.has(request.method);
  const publicRoute = request.method === 'OPTIONS' || request.routeOptions.config?.access === 'public';
  return { origin: read && publicRoute ? '*' : false, methods: ['GET', 'HEAD'] };
}

/**
 * Headers, cross-origin rules and the rate limiter. Registered before the guard: their
 * own routes (the CORS preflight) are public by nature. Limits are counted in PostgreSQL
 * (or the embedded database), so they hold across processes.
 */
export async function registerSecurity(app: FastifyInstance, { db }: { db: Database }) {
  // helmet's middleware built once: @fastify/helmet rebuilt it (parsing the policy) on every
  // request, a tenth of the time of a 304 from the cache.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    // The public JSON is meant to be read from other sites (see corsFor).
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  app.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error instanceof Error ? error : undefined));
  });
  await app.register(cors, { delegator: (request, callback) => callback(null, corsFor(request)) });
  await app.register(rateLimit, {
    global: false,
    store: postgresRateLimitStore(db),
    errorResponseBuilder: (_request, context) => new Problem(429, 'rate_limited', `Too many requests; try again in ${context.after}.`),
  });
}
