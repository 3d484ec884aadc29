import Fastify, { type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { sql } from 'drizzle-orm';
import { pendingMigrations } from './db/migrate.js';
import type { Config } from './config.js';
import type { DatabaseHandle } from './db/client.js';
import { systemClock, type Clock } from './lib/clock.js';
import { Problem } from './lib/problems.js';
import { redactSecrets } from './lib/redact.js';
import { ProblemSchema } from './lib/schemas.js';
import cookie from '@fastify/cookie';
import { SAFE_METHODS, authPlugin } from './plugins/auth.js';
import { clientErrorResponse, errorsPlugin } from './plugins/errors.js';
import { registerSwagger } from './plugins/swagger.js';
import { validatorCompiler } from './plugins/validation.js';
import { registerSecurity } from './plugins/security.js';
import { createChangeRecorder, type Change, type ChangeRecorder } from './modules/changes/change-recorder.js';
import { AudienceSchema, TownSchema, UnitSchema } from './modules/units/units.schemas.js';
import { unitsRoutes } from './modules/units/units.routes.js';
import { VenueSchema } from './modules/venues/venues.schemas.js';
import { venuesRoutes } from './modules/venues/venues.routes.js';
import { observancesRoutes } from './modules/observances/observances.routes.js';
import { ObservanceSchema, OccurrenceSchema } from './modules/observances/observances.schemas.js';
import { campaignsRoutes } from './modules/campaigns/campaigns.routes.js';
import { CampaignSchema } from './modules/campaigns/campaigns.schemas.js';
import { eventsRoutes } from './modules/events/events.routes.js';
import { eventsImportRoutes } from './modules/events/import/import.routes.js';
import { deletionsRoutes } from './modules/changes/deletions.routes.js';
import { catalogueMarks } from './modules/changes/sync.js';
import { outboxRoutes } from './modules/outbox/outbox.routes.js';
import { createMailPlanner, mailPlannerInSignUp } from './modules/mail/planner.js';
import { accountsRoutes } from './modules/accounts/accounts.routes.js';
import { auditRoutes } from './modules/audit/audit.routes.js';
import { AccountSchema, TokenSchema } from './modules/accounts/accounts.schemas.js';
import { EventSchema, SessionSchema } from './modules/events/events.schemas.js';
import { registrationsRoutes } from './modules/registrations/registrations.routes.js';
import { calendarRoutes, feedRoutes } from './modules/feeds/feeds.routes.js';
import { createHttpCache } from './lib/http-cache.js';
import { QuestionSchema, RegistrationSchema } from './modules/registrations/registrations.schemas.js';
import { uiRoutes } from './ui/ui.routes.js';
import { reportsRoutes } from './modules/reports/reports.routes.js';
import { ReportSchema } from './modules/reports/reports.schemas.js';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes.js';
import { WebhookSchema } from './modules/webhooks/webhooks.schemas.js';
import { createWebhookFanOut } from './modules/webhooks/fan-out.js';
import type { Lookup } from './modules/webhooks/safe-request.js';

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  clock?: Clock;
  /** Lets later features (mail, feeds, webhooks) and tests hook into every change. */
  changes?: ChangeRecorder;
  /** Where log lines go (default stdout); false: no logging at all. */
  logStream?: { write(line: string): void } | false;
  /** How webhook URLs are resolved when registered (default: the system's DNS); tests name their own hosts. */
  webhookLookup?: Lookup;
  /** Set `draining` when the process begins to stop: /readyz then tells the load balancer to send no more. */
  lifecycle?: { draining: boolean };
}

function loggerOptions(config: Config, stream: AppOptions['logStream']): FastifyServerOptions['logger'] {
  if (stream === false) return false;
  return {
    level: config.LOG_LEVEL,
    ...(stream ? { stream } : {}),
    // Request lines carry no bodies, no credentials, and no secrets from the path.
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    serializers: {
      req: (request: { method: string; url: string; hostname?: string; ip?: string }) => ({
        method: request.method, url: redactSecrets(request.url), host: request.hostname, remoteAddress: request.ip,
      }),
    },
  };
}

const MAX_URL_LENGTH = 4096;

/** Builds the app with its plugins and modules registered explicitly, in order. */
export async function buildApp({ config, database, clock = systemClock, changes = createChangeRecorder(), logStream, webhookLookup, lifecycle = { draining: false } }: AppOptions) {
  if (!config.SECRET_KEY) throw new Error('buildApp needs config.SECRET_KEY: resolve it first (resolveSecretKey in config.ts)');
  const app = Fastify({
    logger: loggerOptions(config, logStream),
    bodyLimit: 256 * 1024,
    clientErrorHandler: (error, socket) => {
      if (socket.writable) socket.end(clientErrorResponse(error as NodeJS.ErrnoException));
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ...(config.TRUST_PROXY ? { trustProxy: config.TRUST_PROXY.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler());
  app.decorate('config', config);
  for (const schema of [ProblemSchema, TownSchema, AudienceSchema, UnitSchema, VenueSchema, ObservanceSchema, OccurrenceSchema, CampaignSchema, SessionSchema, EventSchema, AccountSchema, TokenSchema, RegistrationSchema, QuestionSchema, ReportSchema, WebhookSchema]) {
    app.addSchema(schema);
  }

  await app.register(errorsPlugin);
  app.addHook('onRequest', async (request) => {
    if (request.url.length > MAX_URL_LENGTH) throw new Problem(414, 'uri_too_long', `The URL is longer than ${MAX_URL_LENGTH} characters.`);
  });
  // Registered before the guard, which refuses any route without declared access: the docs
  // and the CORS preflight are public by nature.
  await registerSecurity(app, { db: database.db });
  await registerSwagger(app);
  await app.register(cookie);
  await app.register(authPlugin, { db: database.db, clock });

  const db = database.db;
  app.get('/healthz', {
    config: { access: 'public' },
    schema: { tags: ['health'], operationId: 'health', response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.String() }), 503: Type.Ref(ProblemSchema) } },
  }, async () => {
    try {
      await db.execute(sql`select 1`);
    } catch {
      throw new Problem(503, 'database_unavailable', 'The database does not answer.');
    }
    return { status: 'ok' as const, database: database.kind };
  });

  // While stopping, every answer closes its connection: a client's keep-alive connection
  // would otherwise hold the server open until its keep-alive timeout (72 s), long after the
  // last request in flight was answered.
  app.addHook('onSend', async (_request, reply) => {
    if (lifecycle.draining) reply.header('connection', 'close');
  });

  // For a load balancer: this process should get requests. Not while it stops, not without the
  // database, not on a schema older than its code (a deploy whose migrations have not run).
  app.get('/readyz', {
    config: { access: 'public' },
    schema: { tags: ['health'], operationId: 'ready', response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: Type.Ref(ProblemSchema) } },
  }, async () => {
    if (lifecycle.draining) throw new Problem(503, 'shutting_down', 'This process is stopping; send requests to another.');
    let pending: number;
    try {
      pending = await pendingMigrations(db);
    } catch {
      throw new Problem(503, 'database_unavailable', 'The database does not answer.');
    }
    if (pending > 0) throw new Problem(503, 'migrations_pending', `${pending} migration(s) are not applied to the database yet.`);
    return { status: 'ready' as const };
  });

  app.get('/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  // Public answers are cached in the process. A successful change by staff (any write on a
  // route that is not public) drops them all once it has committed and answered; a resident's
  // sign-up or change drops the answers showing that event's seats, at most once per
  // PUBLIC_SEATS_REFRESH_MS each (invalidateSoon: in a storm of sign-ups every poll would
  // otherwise render the list again), in its transaction (an answer rendered just before the
  // commit may then be served for the cache's few seconds), or, for a sign-up made in one
  // statement, once that has committed.
  const httpCache = createHttpCache({ freshness: catalogueMarks(database.db), coalesceMs: config.PUBLIC_SEATS_REFRESH_MS });
  app.addHook('onResponse', async (request, reply) => {
    if (!SAFE_METHODS.has(request.method) && reply.statusCode < 400 && request.routeOptions.config?.access !== 'public') httpCache.invalidate();
  });
  const seatsShown = (change: Change) => { if (change.entity === 'registration') httpCache.invalidateSoon(`event:${change.eventId}`); };
  changes.onChange(async (_tx, change) => seatsShown(change), { afterCommit: seatsShown });
  // Mail is planned by every API process, in the change's transaction; it is sent by whichever worker claims it.
  changes.onChange(createMailPlanner(clock), mailPlannerInSignUp(clock));
  // Webhook deliveries likewise; a session filling up or freeing seats plans its own (a trigger),
  // and so do sign-ups: nothing to add to a sign-up's statement.
  changes.onChange(createWebhookFanOut(clock, config.PUBLIC_BASE_URL), {});
  const deps = { db, clock, changes, config, httpCache };
  // The feeds phones poll and the public event may come from a read replica, behind the primary
  // by its replication delay. Anything personal (manage links), every write, and the event list
  // (its sync watermark, events.routes.ts) use `db`.
  const publicReads = database.publicReads ?? db;
  await app.register(feedRoutes, { ...deps, db: publicReads });
  await app.register(async (api) => {
    await api.register(accountsRoutes, deps);
    await api.register(unitsRoutes, deps);
    await api.register(venuesRoutes, deps);
    await api.register(observancesRoutes, deps);
    await api.register(campaignsRoutes, deps);
    await api.register(eventsRoutes, { ...deps, publicReads });
    await api.register(eventsImportRoutes, deps);
    await api.register(registrationsRoutes, deps);
    await api.register(calendarRoutes, deps);
    await api.register(outboxRoutes, deps);
    await api.register(deletionsRoutes, deps);
    await api.register(auditRoutes, deps);
    await api.register(reportsRoutes, deps);
    await api.register(webhooksRoutes, { ...deps, ...(webhookLookup ? { webhookLookup } : {}) });
  }, { prefix: '/api/v1' });
  // The public site and the admin UI, which read and write through the API above.
  await app.register(uiRoutes, { inject: app.inject.bind(app), clock, config });

  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}
