import type { FastifyPluginAsync } from 'fastify';
import type { UiDeps } from '../ui.routes.js';

export const adminSettingsPages: FastifyPluginAsync<UiDeps> = async () => {};
