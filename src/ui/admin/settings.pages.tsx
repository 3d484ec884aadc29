import type { FastifyPluginAsync } from 'fastify';
import type { UiDeps } from '../ui.routes.js';
import { accountPages } from './settings/accounts.js';
import { auditPages } from './settings/audit.js';
import { campaignPages } from './settings/campaigns.js';
import { observancePages } from './settings/observances.js';
import { tokenPages } from './settings/tokens.js';
import { unitPages } from './settings/units.js';
import { venuePages } from './settings/venues.js';

/**
 * The settings of the service, one file per area: venues, themed days, the year's plan,
 * accounts, your own tokens and password, the audit log. Each page reads and writes through
 * the JSON API, which decides who may do what.
 */
export const adminSettingsPages: FastifyPluginAsync<UiDeps> = async (app, deps) => {
  await app.register(venuePages, deps);
  await app.register(unitPages, deps);
  await app.register(observancePages, deps);
  await app.register(campaignPages, deps);
  await app.register(accountPages, deps);
  await app.register(tokenPages, deps);
  await app.register(auditPages, deps);
};
