import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, encodeCursor, invalidCursor } from '../../lib/cursor.js';
import { Nullable, problems } from '../../lib/schemas.js';
import { viewerOf, type Principal } from '../accounts/principal.js';
import { recentRegistrations, upcomingSessions, type OverviewScope } from './registrations.overview.queries.js';
import { RecentRegistrationSchema, RecentRegistrationsQuery, UpcomingSessionSchema, UpcomingSessionsQuery } from './registrations.overview.schemas.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 3600_000;

/** Admins see every event's; organizers and checkers their units' (the guard has let in only accounts). */
function scopeOf(principal: Principal): OverviewScope {
  const viewer = viewerOf(principal);
  return viewer.kind === 'units' ? viewer : { kind: 'all' };
}

/** A page's last (start, id); a tampered one must not reach the database, where it would fail as a 500. */
function afterOf(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const [start, id] = decodeCursor(cursor, 2);
  const startsAt = new Date(start ?? '');
  if (!id || !UUID.test(id) || Number.isNaN(startsAt.getTime())) throw invalidCursor();
  return { startsAt, id };
}

/** The staff's dashboard across events: the latest sign-ups, and the coming sessions with their seats. */
export const registrationOverviewRoutes: FastifyPluginAsyncTypebox<{ db: Database; clock: Clock }> = async (app, { db, clock }) => {
  const tags = ['registrations'];

  app.get('/registrations/recent', {
    config: { access: 'signed_in' },
    schema: {
      tags, operationId: 'listRecentRegistrations',
      summary: 'The latest sign-ups across the events the caller\'s units own (admins: all), newest first; no phone numbers or addresses',
      querystring: RecentRegistrationsQuery,
      response: { 200: Type.Object({ items: Type.Array(RecentRegistrationSchema) }), ...problems(400, 401) },
    },
  }, async (request) => ({ items: await recentRegistrations(db, { scope: scopeOf(request.principal), limit: request.query.limit }) }));

  app.get('/sessions/upcoming', {
    config: { access: 'signed_in' },
    schema: {
      tags, operationId: 'listUpcomingSessions',
      summary: 'Sessions under way or starting within `days`, of the events the caller\'s units own (admins: all), with seats taken and the waiting list',
      querystring: UpcomingSessionsQuery,
      response: { 200: Type.Object({ items: Type.Array(UpcomingSessionSchema), nextCursor: Nullable(Type.String()) }), ...problems(400, 401) },
    },
  }, async (request) => {
    const now = clock.now();
    const { days, limit, cursor } = request.query;
    const page = await upcomingSessions(db, { scope: scopeOf(request.principal), now, until: new Date(now.getTime() + days * DAY_MS), limit, after: afterOf(cursor) });
    return { items: page.items, nextCursor: page.last ? encodeCursor([page.last.startsAt.toISOString(), page.last.id]) : null };
  });
};
