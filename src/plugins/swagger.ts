import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export async function registerSwagger(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kepu Calendar API (科普日历)',
        version: '1.0.0',
        description: 'Themed days, plans, venues and events of a district\'s science-popularisation campaigns. Errors are RFC 9457 problem+json.',
      },
      // Relative, so the committed openapi/openapi.json does not depend on where a server runs.
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (POST /api/v1/auth/tokens)' },
          session: { type: 'apiKey', in: 'cookie', name: 'kepu_session', description: 'From POST /api/v1/auth/login; changes also need the x-csrf-token header' },
        },
      },
    },
    // Shared schemas keep their $id as the component name instead of def-N.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const access = (route.config as { access?: unknown } | undefined)?.access;
      const transformed = { ...(schema as object) } as Record<string, unknown>;
      if (access !== undefined && access !== 'public') transformed.security = [{ bearer: [] }, { session: [] }];
      return { schema: transformed as typeof schema, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
