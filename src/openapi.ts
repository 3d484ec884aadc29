import { PGlite } from '@electric-sql/pglite';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { wrapPglite } from './db/client.js';

export const OPENAPI_FILE = new URL('../openapi/openapi.json', import.meta.url);

/** The spec as the server serves it; it depends only on the code, not on config or data. */
export async function renderOpenApi(): Promise<string> {
  const database = wrapPglite(new PGlite()); // never queried: building the app needs a handle, not data
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', SECRET_KEY: 'only-the-spec-is-written-here-no-links-are-made' }), database });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await database.close();
  }
}
