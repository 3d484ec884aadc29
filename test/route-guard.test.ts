import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { PUBLIC_WRITES } from './helpers/public-writes.js';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildCampaign, buildObservance, buildUnit, buildVenue, eventBody } from './helpers/factories.js';

/**
 * Walks the route table, so a route added later is covered without touching this file:
 * every route that is not public answers 401 without credentials, and every route that
 * acts on a unit's things, or on records reserved to admins, answers 403 to an organizer
 * of another unit — called on real objects owned by unit X.
 */
t.test('every non-public route refuses the anonymous (401) and organizers of another unit (403)', async (t) => {
  const { app, db } = await build(t);
  const unitX = await buildUnit(db);
  const unitY = await buildUnit(db);
  const outsider = await buildAccount(db, { role: 'organizer', unitIds: [unitY.id] });
  const venue = await buildVenue(db);
  const observance = await buildObservance(db);
  const { campaign, section, task } = await buildCampaign(db, { leadUnitIds: [unitX.id] });
  const owner = await buildAccount(db, { role: 'organizer', unitIds: [unitX.id] });
  const checkerOfX = await buildAccount(db, { role: 'checker', unitIds: [unitX.id] });
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: owner.headers, payload: eventBody(unitX.id, { registrationMode: 'individual' }) })).json();
  t.ok(event.id, 'an event owned by unit X');
  const question = (await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/questions`, headers: owner.headers, payload: { kind: 'yes_no', labelZh: '是否需要轮椅通道' } })).json();
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: owner.headers })).statusCode, 200);
  const signUp = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name: '张三', phone: '13800138000', consentVersion: CONSENT.version } });
  t.equal(signUp.statusCode, 201, 'a registration for it');

  const params: Record<string, string> = {
    sessionId: event.sessions[0].id, sectionId: section.id, taskId: task.id, slug: observance.slug, year: '2030',
    registrationId: signUp.json().registration.id, questionId: question.id,
  };
  const idFor = (url: string) =>
    url.startsWith('/api/v1/events') ? event.id : url.startsWith('/api/v1/units') ? unitX.id : url.startsWith('/api/v1/venues') ? venue.id
      : url.startsWith('/api/v1/campaigns') ? campaign.id : url.startsWith('/api/v1/accounts') ? owner.account.id : owner.tokenId;
  const concrete = (url: string) => url.replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? idFor(url) : params[name]!));

  await app.ready();
  const guarded = app.guardedRoutes.filter((r) => r.access !== 'public');
  t.ok(guarded.length >= 30, `${guarded.length} guarded routes`);
  for (const route of guarded) {
    const url = concrete(route.url);
    const payload = route.url === '/api/v1/events' ? { ownerUnitId: unitX.id } : {};
    const inject = (headers: Record<string, string> = {}) => app.inject({ method: route.method as 'POST', url, payload, headers });

    const anonymous = await inject();
    t.equal(anonymous.statusCode, 401, `${route.method} ${route.url}: 401 without credentials`);
    t.match(anonymous.headers['content-type'], /^application\/problem\+json/);
    t.equal((await inject({ authorization: 'Bearer not-a-token-at-all' })).statusCode, 401, `${route.method} ${route.url}: 401 with a wrong token`);
    if (route.access !== 'signed_in') {
      t.equal((await inject(outsider.headers)).statusCode, 403, `${route.method} ${route.url}: 403 to an organizer of unit Y`);
      const checkIn = typeof route.access === 'object' && 'units' in route.access && route.access.checkIn === true;
      if (!checkIn) t.equal((await inject(checkerOfX.headers)).statusCode, 403, `${route.method} ${route.url}: 403 to a checker of unit X`);
    }
  }

  const stillThere = await app.inject({ url: `/api/v1/events/${event.id}`, headers: adminHeaders });
  t.equal(stillThere.json().titleZh, event.titleZh, 'nothing the refused calls tried was done');
});

t.test('public routes only read, or sign in', async (t) => {
  const { app } = await build(t);
  await app.ready();
  // The pages' own routes are open (a browser gets a sign-in page, not a 401); their forms
  // change things only through the API, with the caller's credentials (the next test).
  for (const route of app.guardedRoutes.filter((r) => r.access === 'public' && r.url.startsWith('/api/'))) {
    t.ok(route.method === 'GET' || PUBLIC_WRITES.has(`${route.method} ${route.url}`), `${route.method} ${route.url} is public`);
  }
});

t.test('the pages reach data only through the API: nothing under src/ui imports a service, a query module or a database connection', async (t) => {
  const files = readdirSync('src/ui', { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f));
  t.ok(files.length > 5, 'the UI files are found');
  for (const file of files) {
    const imports = [...readFileSync(join('src/ui', file), 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
    // The schema's lists of values (event types, statuses) are words, not data: those may be shared.
    const reaching = imports.filter((i) => /\.(service|queries|admin)\.js$|\/db\/(client|open|migrate)|drizzle-orm|postgres|pglite/.test(i));
    t.same(reaching, [], `${file} imports no service, query or connection`);
  }
});

t.test('a route that declares no access cannot be registered', async (t) => {
  const { app } = await build(t);
  t.throws(() => app.get('/api/v1/forgotten', async () => ({ leaked: true })), /declares no access/);
});
