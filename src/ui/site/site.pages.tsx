import type { FastifyPluginAsync } from 'fastify';
import type { UiDeps } from '../ui.routes.js';
import { eventPages } from './event.pages.js';
import { homePages } from './home.pages.js';
import { managePages } from './manage.pages.js';
import { observancePages } from './observances.pages.js';

/**
 * The public site, for residents and teachers: upcoming events (a list or a month), the
 * themed days of a year, an event's page with its sign-up form, and the registrant's own
 * manage page behind the private link. Reads and writes go through the public JSON API.
 */
export const sitePages: FastifyPluginAsync<UiDeps> = async (app, deps) => {
  await app.register(homePages, deps);
  await app.register(observancePages, deps);
  await app.register(eventPages, deps);
  await app.register(managePages, deps);
};
