import type { MessageKey } from '../zh/index.js';
import { adminDashboard } from './admin-dashboard.js';
import { adminEvents } from './admin-events.js';
import { adminImport } from './admin-import.js';
import { adminRegistrations } from './admin-registrations.js';
import { adminReports } from './admin-reports.js';
import { adminSettings } from './admin-settings.js';
import { adminWebhooks } from './admin-webhooks.js';
import { common } from './common.js';
import { site } from './site.js';

/** The English catalogue: the compiler holds it to exactly the Chinese one's keys. */
export const en: Record<MessageKey, string> = { ...common, ...site, ...adminEvents, ...adminImport, ...adminRegistrations, ...adminSettings, ...adminDashboard, ...adminReports, ...adminWebhooks };
