import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OPENAPI_FILE, renderOpenApi } from '../openapi.js';

/** `npm run openapi`: writes the spec to openapi/openapi.json (a test fails when it is stale). */
writeFileSync(OPENAPI_FILE, await renderOpenApi());
console.log(`wrote ${fileURLToPath(OPENAPI_FILE)}`);
