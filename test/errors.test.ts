import { request as httpRequest } from 'node:http';
import t from 'tap';
import { onPostgres } from './helpers/database.js';
import { adminHeaders, build } from './helpers/build.js';

const PROBLEM = /^application\/problem\+json/;

// One app serves the checks that write nothing; each builds nothing of its own.
const { app } = await build(t);

t.test('malformed JSON gets 400 problem+json', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: '{"slug": ' });
  t.equal(res.statusCode, 400);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, 'malformed_body');
});

t.test('a body over the limit gets 413 problem+json', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: JSON.stringify({ nameZh: 'x'.repeat(300_000) }) });
  t.equal(res.statusCode, 413);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, 'body_too_large');
});

t.test('an unsupported content type gets 415 problem+json', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: { ...adminHeaders, 'content-type': 'text/xml' }, payload: '<venue/>' });
  t.equal(res.statusCode, 415);
  t.match(res.headers['content-type'], PROBLEM);
});

t.test('a long URL gets 414 problem+json', async (t) => {
  const res = await app.inject({ url: `/api/v1/events?q=${'a'.repeat(5000)}` });
  t.equal(res.statusCode, 414);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, 'uri_too_long');
});

t.test('headers too large for the HTTP parser still get problem+json, over a real socket', async (t) => {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const res = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: `/api/v1/events?q=${'x'.repeat(20_000)}` }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => resolve({ status: r.statusCode!, type: String(r.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
  t.equal(res.status, 431);
  t.match(res.type, PROBLEM);
  t.equal(JSON.parse(res.body).code, 'headers_too_large');
});

t.test('unknown routes get 404 problem+json', async (t) => {
  const res = await app.inject({ url: '/api/v1/nothing-here' });
  t.equal(res.statusCode, 404);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, 'route_not_found');
});

t.test('validation lists every field at fault at once, with JSON pointers', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: adminHeaders, payload: { kind: 'castle', capacity: -1, bogus: true } });
  t.equal(res.statusCode, 400);
  const pointers = res.json().errors.map((e: { pointer: string }) => e.pointer);
  for (const pointer of ['/slug', '/nameZh', '/kind', '/capacity', '/bogus']) t.ok(pointers.includes(pointer), `names ${pointer}`);
});

t.test('5xx answers hide the details and say problem+json', async (t) => {
  const { app, database } = await build(t);
  await database.close(); // the database goes away under the app
  const res = await app.inject({ url: '/api/v1/units' });
  // A PostgreSQL pool that is gone is the database being unavailable (503, try again later);
  // a closed embedded database is a fault of this process (500).
  const [status, code] = onPostgres ? [503, 'database_unavailable'] : [500, 'internal_error'];
  t.equal(res.statusCode, status);
  t.match(res.headers['content-type'], PROBLEM);
  t.equal(res.json().code, code);
  t.notMatch(res.body, /pglite|closed|ended|stack/i, 'no internals leak');
});

t.test('a path value that is not an identifier (a year) gets 400 naming it; a malformed id gets 404', async (t) => {
  const badYear = await app.inject({ method: 'PUT', url: '/api/v1/observances/earth-day/overrides/abc', headers: adminHeaders, payload: { startDate: '2024-04-22', endDate: '2024-04-22' } });
  t.equal(badYear.statusCode, 400);
  t.same(badYear.json().errors.map((e: { in: string; pointer: string }) => [e.in, e.pointer]), [['params', '/year']]);
  const badId = await app.inject({ url: '/api/v1/events/not-a-uuid' });
  t.equal(badId.statusCode, 404);
  t.equal(badId.json().code, 'not_found');
});

t.test('bodies keep their JSON types: no coercion of numbers, booleans or null', async (t) => {
  const wrong = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: adminHeaders, payload: { slug: 'typed-venue', kind: 'library', nameZh: 123, capacity: true, isOnline: 'yes' } });
  t.equal(wrong.statusCode, 400);
  const pointers = wrong.json().errors.map((e: { pointer: string }) => e.pointer);
  for (const pointer of ['/nameZh', '/capacity', '/isOnline']) t.ok(pointers.includes(pointer), `${pointer} of the wrong type is refused`);

  const created = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: adminHeaders, payload: { slug: 'typed-venue', kind: 'library', nameZh: '图书馆', capacity: 80 } });
  t.equal(created.statusCode, 201);
  const cleared = await app.inject({ method: 'PATCH', url: `/api/v1/venues/${created.json().id}`, headers: adminHeaders, payload: { capacity: null, addressZh: null } });
  t.equal(cleared.statusCode, 200);
  t.equal(cleared.json().capacity, null, 'null capacity stays null (unlimited), not 0 (full)');
  t.equal(cleared.json().addressZh, null);
});

t.test('query strings are coerced from text', async (t) => {
  const res = await app.inject({ url: '/api/v1/venues?limit=1' });
  t.equal(res.statusCode, 200);
  t.equal(res.json().items.length, 1);
  t.equal((await app.inject({ url: '/api/v1/venues?limit=many' })).statusCode, 400);
});

t.test('401 answers name the scheme to use', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/venues', payload: {} });
  t.equal(res.statusCode, 401);
  t.equal(res.headers['www-authenticate'], 'Bearer');
});
