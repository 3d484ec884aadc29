import { readFileSync } from 'node:fs';
import t from 'tap';
import { PUBLIC_WRITES } from './helpers/public-writes.js';
import { OPENAPI_FILE, renderOpenApi } from '../src/openapi.js';
import { build } from './helpers/build.js';

t.test('the committed openapi/openapi.json is what the server serves (run `npm run openapi` after an API change)', async (t) => {
  const committed = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  t.same(JSON.parse(await renderOpenApi()), committed, 'openapi/openapi.json is stale: run `npm run openapi`');

  const { app } = await build(t);
  const served = await app.inject({ url: '/openapi.json' });
  t.equal(served.statusCode, 200);
  t.same(served.json(), committed);
});

t.test('every route has an operationId, tags and a response schema; guarded routes declare their security', async (t) => {
  const spec = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'));
  const { app } = await build(t);
  await app.ready();
  const accessOf = new Map(app.guardedRoutes.map((r) => [`${r.method.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`, r.access]));
  const operationIds = new Set<string>();
  for (const [path, methods] of Object.entries<Record<string, any>>(spec.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      t.ok(op.operationId, `${method} ${path} has an operationId`);
      t.notOk(operationIds.has(op.operationId), `${op.operationId} is unique`);
      operationIds.add(op.operationId);
      t.ok(op.tags?.length, `${method} ${path} has tags`);
      t.ok(Object.keys(op.responses ?? {}).some((s) => s.startsWith('2')), `${method} ${path} documents its success response`);
      const access = accessOf.get(`${method} ${path}`);
      t.ok(access, `${method} ${path} is a guarded route`);
      if (access === 'public') t.notOk(op.security, `${method} ${path} is public`);
      else t.same(op.security, [{ bearer: [] }, { session: [] }], `${method} ${path} needs a token or a session`);
      if (method !== 'get' && !PUBLIC_WRITES.has(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)) t.ok(op.security, `${method} ${path} changes something: not public`);
    }
  }
  t.ok(spec.components.schemas.Problem, 'Problem is a named component');
  t.ok(spec.components.schemas.Event, 'Event is a named component');
});
