import type { FastifyReply, FastifyRequest } from 'fastify';
import { isSignedIn } from '../../modules/accounts/principal.js';

/**
 * Admin pages are open routes to the guard (a browser gets a sign-in page, not a 401
 * problem); this sends whoever has no staff session there, and back afterwards. What each
 * page may show or change is still decided by the API it calls.
 */
export async function requireStaff(request: FastifyRequest, reply: FastifyReply) {
  if (isSignedIn(request.principal) && request.principal.via === 'session') return;
  return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
}

/** Only back into the admin UI after sign-in: never to another site. */
export const safeNext = (next: unknown) => (typeof next === 'string' && /^\/admin(\/|$|\?)/.test(next) && !next.startsWith('//') ? next : '/admin');

/** The CSRF token a form sent back, to pass to the API as its header. */
export const csrfOf = (body: unknown) => (body && typeof body === 'object' && typeof (body as { _csrf?: unknown })._csrf === 'string' ? (body as { _csrf: string })._csrf : undefined);

/** The route options of every admin page: open to the guard (a browser gets the sign-in page), staff only here. */
export const staffPage = { config: { access: 'public' as const }, schema: { hide: true }, preHandler: requireStaff };
