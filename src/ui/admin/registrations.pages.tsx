import type { FastifyPluginAsync } from 'fastify';
import type { UiDeps } from '../ui.routes.js';
import { assistedRoutes } from './registrations/assisted.page.js';
import { attendanceRoutes } from './registrations/attendance.page.js';
import { checkInRoutes } from './registrations/check-in.page.js';
import { listRoutes } from './registrations/list.routes.js';
import { messageRoutes } from './registrations/messages.page.js';

/**
 * An event's registrations for its staff: the list with totals and the waiting list, the
 * check-in desk (organizers and the unit's checkers), assisted sign-ups and the mail log.
 * Names, phones and addresses appear on these pages only, and nothing here logs them.
 */
export const adminRegistrationPages: FastifyPluginAsync<UiDeps> = async (app, deps) => {
  await app.register(listRoutes, deps);
  await app.register(assistedRoutes, deps);
  await app.register(checkInRoutes, deps);
  await app.register(messageRoutes, deps);
  await app.register(attendanceRoutes, deps);
};
