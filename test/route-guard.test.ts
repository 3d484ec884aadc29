import { randomUUID } from 'node:crypto';
import t from 'tap';
import { build } from './helpers/build.js';

/** Fills a route's path parameters with values of the right shape. */
const concrete = (url: string) => url.replace(/:year/g, '2024').replace(/:slug/g, 'earth-day').replace(/:[A-Za-z]+/g, () => randomUUID());

t.test('every route that is not declared public refuses callers without valid credentials', async (t) => {
  const { app } = await build(t);
  await app.ready();
  const adminRoutes = app.guardedRoutes.filter((r) => r.access === 'admin');
  t.ok(adminRoutes.length >= 20, `found ${adminRoutes.length} organizer routes`);
  for (const route of adminRoutes) {
    const url = concrete(route.url);
    const anonymous = await app.inject({ method: route.method as 'POST', url, payload: {} });
    t.equal(anonymous.statusCode, 401, `${route.method} ${route.url} without credentials → 401`);
    t.match(anonymous.headers['content-type'], /^application\/problem\+json/);
    const forged = await app.inject({ method: route.method as 'POST', url, payload: {}, headers: { authorization: 'Bearer not-the-token-0000000000' } });
    t.equal(forged.statusCode, 401, `${route.method} ${route.url} with a wrong token → 401`);
  }
});

t.test('public routes only read', async (t) => {
  const { app } = await build(t);
  await app.ready();
  for (const route of app.guardedRoutes.filter((r) => r.access === 'public')) {
    t.equal(route.method, 'GET', `${route.url} is public and a GET`);
  }
});

t.test('a route that declares no access cannot be registered', async (t) => {
  const { app } = await build(t);
  t.throws(() => app.get('/api/v1/forgotten', async () => ({ leaked: true })), /declares no access/);
});
