import cors from '@fastify/cors';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
 * The headers helmet's middleware sets, taken once at start: they depend on nothing in the
 * request (no nonces), and @fastify/helmet rebuilt the middleware, policy parsing and all, on
 * every request.
 */
function headersOf(middleware: ReturnType<typeof helmet>): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value); },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()]; },
  };
  middleware({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * Headers, cross-origin rules and the rate limiter. Registered before the guard: their
 * own routes (the CORS preflight) are public by nature. Limits are counted in PostgreSQL
 * (or the embedded database), so they hold across processes.
 */
export async function registerSecurity(app: FastifyInstance, { db }: { db: Database }) {
  const securityHeaders = headersOf(helmet({
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
  }));
  // A 304 tells the client to reuse the answer it holds, with that answer's headers (RFC 9111
  // 4.3.4): repeating these on it would only make every polling client read 800 bytes more.
  app.addHook('onSend', async (_request, reply) => {
    if (reply.statusCode === 304) return;
    // A route's own choice (a page that needs another policy) stands.
    for (const name in securityHeaders) if (!reply.hasHeader(name)) reply.header(name, securityHeaders[name]);
  });
  await app.register(cors, { delegator: (request, callback) => callback(null, corsFor(request)) });
  await app.register(rateLimit, {
    global: false,
    store: postgresRateLimitStore(db),
    errorResponseBuilder: (_request, context) => new Problem(429, 'rate_limited', `Too many requests; try again in ${context.after}.`),
  });
}
