import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.js';
import type { Clock } from '../lib/clock.js';
import { Problem } from '../lib/problems.js';
import { Layout } from './layout.js';
import { sendPage } from './render.js';
import { rememberLang, viewOf } from './view.js';
import { authPages } from './admin/auth.pages.js';
import { sitePages } from './site/site.pages.js';
import { adminEventPages } from './admin/events.pages.js';
import { adminRegistrationPages } from './admin/registrations.pages.js';
import { adminSettingsPages } from './admin/settings.pages.js';
import { adminDashboardPages } from './admin/dashboard.pages.js';
import { adminMailPages } from './admin/mail.pages.js';
import { adminReportPages } from './admin/reports/report.pages.js';
import { adminWebhookPages } from './admin/webhooks/webhook.pages.js';

/** No database: the pages read and write only through the API (`inject`), with the caller's rights. */
export type UiDeps = { inject: FastifyInstance['inject']; clock: Clock; config: Config };

const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));

/**
 * The public site and the admin UI: pages rendered on the server (Preact to a string), forms
 * that work without JavaScript, and a few small scripts that only add to them (QR scanning,
 * more session rows). Every read and write goes through the JSON API in process (api.ts).
 */
export const uiRoutes: FastifyPluginAsync<UiDeps> = async (app, deps) => {
  // Form posts are parsed only here: the JSON API keeps taking JSON alone.
  await app.register(formbody);
  // The files are served by @fastify/static's sendFile from a route of ours, which declares
  // its access for the guard (the plugin's own routes cannot).
  await app.register(fastifyStatic, { root: ASSETS, serve: false, maxAge: 3600_000, index: false });
  app.get<{ Params: { '*': string } }>('/assets/*', { config: { access: 'public' }, schema: { hide: true } }, (request, reply) => reply.sendFile(request.params['*']));

  app.addHook('onRequest', async (request, reply) => rememberLang(request, reply));

  app.setErrorHandler(async (error, request, reply) => {
    const problem = error instanceof Problem ? error : null;
    const status = problem?.status ?? ((error as { statusCode?: number }).statusCode && (error as { statusCode: number }).statusCode < 500 ? (error as { statusCode: number }).statusCode : 500);
    if (status >= 500) request.log.error({ err: error }, 'page failed');
    const view = viewOf(request);
    const title = status === 404 ? view.t('page.notFound') : view.t('page.error');
    return sendPage(reply, (
      <Layout view={view} title={title} admin={request.url.startsWith('/admin')}>
        <h1>{title}</h1>
        <p>{status === 404 ? view.t('problem.not_found') : (problem && view.lookup(`problem.${problem.code}`)) || view.t('page.errorBody')}</p>
        <p><a href="/">{view.t('page.backHome')}</a></p>
      </Layout>
    ), status);
  });

  await app.register(sitePages, deps);
  await app.register(authPages, deps);
  await app.register(adminEventPages, deps);
  await app.register(adminRegistrationPages, deps);
  await app.register(adminSettingsPages, deps);
  await app.register(adminDashboardPages, deps);
  await app.register(adminMailPages, deps);
  await app.register(adminReportPages, deps);
  await app.register(adminWebhookPages, deps);
};
