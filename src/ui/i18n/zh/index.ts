import { adminDashboard } from './admin-dashboard.js';
import { adminEvents } from './admin-events.js';
import { adminImport } from './admin-import.js';
import { adminRegistrations } from './admin-registrations.js';
import { adminReports } from './admin-reports.js';
import { adminSettings } from './admin-settings.js';
import { adminWebhooks } from './admin-webhooks.js';
import { common } from './common.js';
import { site } from './site.js';

/** The Chinese catalogue: every word the site and the admin UI show, by key. The reference language. */
export const zh = { ...common, ...site, ...adminEvents, ...adminImport, ...adminRegistrations, ...adminSettings, ...adminDashboard, ...adminReports, ...adminWebhooks } as const;
export type MessageKey = keyof typeof zh;
