import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../db/client.js';
import { Problem } from '../lib/problems.js';
import { postgresRateLimitStore } from './rate-limit-store.js';

const READS = new Set(['GET', 'HEAD']);

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
 * Cross-origin reads of public data only: anything else a browser on another site may not
 * touch. A preflight cannot know the route's access, so it allows reads (GET, HEAD) with any
 * headers (If-None-Match, say) and nothing more; the answer to the read itself then says
 * whether that route is public. A few lines rather than @fastify/cors, whose per-request
 * options cost a twentieth of a 304's time.
 */
function registerCors(app: FastifyInstance) {
  app.addHook('onRequest', (request, reply, done) => {
    if (READS.has(request.method) && request.routeOptions.config?.access === 'public') reply.header('access-control-allow-origin', '*');
    done();
  });
  app.options('*', { config: { access: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const method = request.headers['access-control-request-method'];
    if (request.headers.origin && READS.has(String(method))) {
      reply.header('access-control-allow-origin', '*').header('access-control-allow-methods', 'GET, HEAD').header('access-control-max-age', '86400');
      const asked = request.headers['access-control-request-headers'];
      if (asked) reply.header('access-control-allow-headers', asked).header('vary', 'Access-Control-Request-Headers');
    }
    return reply.code(204).send();
  });
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
  registerCors(app);
  await app.register(rateLimit, {
    global: false,
    store: postgresRateLimitStore(db),
    errorResponseBuilder: (_request, context) => new Problem(429, 'rate_limited', `Too many requests; try again in ${context.after}.`),
  });
}
