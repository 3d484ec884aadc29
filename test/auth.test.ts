import t, { type Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { Database } from '../src/db/client.js';
import { DEMO_ADMIN_EMAIL, ensureFirstAdmin } from '../src/modules/accounts/first-admin.js';
import { adminHeaders, build, buildAccount, TEST_SECRET_KEY } from './helpers/build.js';
import { testDatabase } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';
import { authSessions } from '../src/db/schema/index.js';

type App = Awaited<ReturnType<typeof build>>['app'];
const PASSWORD = 'correct horse battery staple';

/** Invites an account as the admin and sets its password through the link; returns the link's secret too. */
async function invited(t: { equal: (...a: any[]) => void }, app: App, { email = `${Math.random().toString(36).slice(2)}@example.cn`, role = 'organizer', unitIds = [] as string[], password = PASSWORD } = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/accounts', headers: adminHeaders, payload: { email, displayName: '组织者', role, unitIds } });
  t.equal(res.statusCode, 201, `invited (${res.body.slice(0, 200)})`);
  const { account, inviteUrl } = res.json() as { account: { id: string }; inviteUrl: string };
  const secret = new URL(inviteUrl).searchParams.get('secret')!;
  const set = await app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret, password } });
  t.equal(set.statusCode, 204, 'password set through the link');
  return { id: account.id, email, secret, inviteUrl };
}

const login = (app: App, email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

function sessionOf(res: LightMyRequestResponse) {
  const cookie = res.cookies.find((c) => c.name === 'kepu_session');
  return { cookie, cookies: { kepu_session: cookie?.value ?? '' }, csrfToken: (res.json() as { csrfToken: string }).csrfToken };
}

t.test('login through an invitation: cookie, /auth/me, wrong password, one-time link, logout', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const { email, secret, inviteUrl } = await invited(t, app, { unitIds: [unit.id] });
  t.match(inviteUrl, /secret=/);

  const res = await login(app, email.toUpperCase(), PASSWORD);
  t.equal(res.statusCode, 200, res.body);
  const { cookie, cookies, csrfToken } = sessionOf(res);
  t.ok(cookie, 'sets kepu_session');
  t.equal(cookie!.httpOnly, true, 'HttpOnly');
  t.equal(String(cookie!.sameSite).toLowerCase(), 'lax', 'SameSite=Lax');
  t.notOk(cookie!.secure, 'not Secure on http');
  t.equal(cookie!.path, '/');
  t.type(csrfToken, 'string');
  t.ok(csrfToken.length >= 20, 'a long CSRF token');
  t.match(res.json(), { account: { email, role: 'organizer', unitIds: [unit.id], hasPassword: true } });
  t.notOk(res.body.includes(cookie!.value), 'the session secret is only in the cookie');

  const me = await app.inject({ url: '/api/v1/auth/me', cookies });
  t.equal(me.statusCode, 200, me.body);
  t.match(me.json(), { account: { email }, via: 'session', scope: 'write', csrfToken });

  problem(t, await login(app, email, 'wrong password!!'), 401, 'invalid_login');
  problem(t, await login(app, 'nobody@example.cn', PASSWORD), 401, 'invalid_login', undefined);
  const unknown = await login(app, 'nobody@example.cn', PASSWORD);
  const wrong = await login(app, email, 'another wrong one');
  t.same({ ...unknown.json(), instance: undefined }, { ...wrong.json(), instance: undefined }, 'unknown email and wrong password answer the same');
  problem(t, await app.inject({ url: '/api/v1/auth/me' }), 401, 'authentication_required');

  problem(t, await app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret, password: 'an entirely new one' } }), 410, 'link_expired');
  t.equal((await login(app, email, 'an entirely new one')).statusCode, 401, 'the second use changed nothing');
  problem(t, await app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret: 'not-a-real-secret-at-all', password: 'an entirely new one' } }), 410, 'link_expired');

  // Two uses at once: one wins.
  const racing = await app.inject({ method: 'POST', url: '/api/v1/accounts', headers: adminHeaders, payload: { email: 'race@example.cn', displayName: '赛跑', role: 'organizer', unitIds: [unit.id] } });
  const raceSecret = new URL(racing.json().inviteUrl).searchParams.get('secret')!;
  const both = await Promise.all(['first password 1', 'second password 2'].map((password) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret: raceSecret, password } })));
  t.same(both.map((r) => r.statusCode).sort(), [204, 410], 'the link works once even when used twice at once');

  problem(t, await app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies }), 403, 'csrf_failed');
  t.equal((await app.inject({ url: '/api/v1/auth/me', cookies })).statusCode, 200, 'a refused logout leaves the session');
  const out = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies, headers: { 'x-csrf-token': csrfToken } });
  t.equal(out.statusCode, 204, out.body);
  const cleared = out.cookies.find((c) => c.name === 'kepu_session');
  t.ok(cleared && (cleared.value === '' || (cleared.expires && cleared.expires.getTime() < Date.now())), 'clears the cookie');
  problem(t, await app.inject({ url: '/api/v1/auth/me', cookies }), 401, 'authentication_required');
});

t.test('the session cookie is Secure when the public URL is https', async (t) => {
  const { app } = await build(t, { config: { PUBLIC_BASE_URL: 'https://kepu.example.cn' } });
  const { email, inviteUrl } = await invited(t, app, { role: 'admin' });
  t.match(inviteUrl, /^https:\/\/kepu\.example\.cn\/.*secret=/);
  const res = await login(app, email, PASSWORD);
  t.equal(res.statusCode, 200, res.body);
  const { cookie } = sessionOf(res);
  t.equal(cookie!.secure, true, 'Secure');
  t.equal(cookie!.httpOnly, true);
  t.equal(String(cookie!.sameSite).toLowerCase(), 'lax');
});

t.test('lockout: 3 failures lock even the right password; the lock passes and grows', async (t) => {
  let current = new Date('2030-01-01T00:00:00Z');
  const { app } = await build(t, { clock: { now: () => current } });
  const advance = (ms: number) => { current = new Date(current.getTime() + ms); };
  const { email } = await invited(t, app, { role: 'admin' });

  t.equal((await login(app, email, PASSWORD)).statusCode, 200, 'the right password works');
  for (let i = 1; i <= 3; i++) problem(t, await login(app, email, `wrong password ${i}`), 401, 'invalid_login');
  const locked = problem(t, await login(app, email, PASSWORD), 429, 'login_locked');
  t.ok(locked, 'locked');
  const first = await login(app, email, PASSWORD);
  t.equal(first.headers['retry-after'], '15', 'retry-after 15 s');
  advance(10_000);
  const later = problem(t, await login(app, email, PASSWORD), 429, 'login_locked');
  t.ok(later);
  t.equal((await login(app, email, PASSWORD)).headers['retry-after'], '5', 'retry-after counts down');
  problem(t, await login(app, email, 'wrong again'), 429, 'login_locked', undefined);

  advance(6_000);
  problem(t, await login(app, email, 'wrong password 4'), 401, 'invalid_login');
  const second = await login(app, email, PASSWORD);
  problem(t, second, 429, 'login_locked');
  t.equal(second.headers['retry-after'], '30', 'the next lock is twice as long');
  advance(31_000);
  problem(t, await login(app, email, 'wrong password 5'), 401, 'invalid_login');
  t.equal((await login(app, email, PASSWORD)).headers['retry-after'], '60', 'and again');
  advance(61_000);
  const ok = await login(app, email, PASSWORD);
  t.equal(ok.statusCode, 200, 'the right password works once the lock passed');
  t.ok(sessionOf(ok).cookie, 'with a session');

  // A success resets the count: two failures do not lock.
  for (let i = 1; i <= 2; i++) problem(t, await login(app, email, `wrong ${i}`), 401, 'invalid_login');
  t.equal((await login(app, email, PASSWORD)).statusCode, 200, 'the count restarted after the success');
});

t.test('CSRF: changes through the session cookie need the x-csrf-token header', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const { email } = await invited(t, app, { unitIds: [unit.id] });
  const { cookies, csrfToken } = sessionOf(await login(app, email, PASSWORD));
  const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/v1/events', cookies, headers, payload: eventBody(unit.id) });

  problem(t, await post({}), 403, 'csrf_failed');
  problem(t, await post({ 'x-csrf-token': 'not-the-token' }), 403, 'csrf_failed');
  problem(t, await post({ 'x-csrf-token': '' }), 403, 'csrf_failed');
  const created = await post({ 'x-csrf-token': csrfToken });
  t.equal(created.statusCode, 201, created.body);
  const id = created.json().id as string;

  const read = await app.inject({ url: `/api/v1/events/${id}`, cookies });
  t.equal(read.statusCode, 200, 'GET needs no CSRF header (and sees the draft)');
  t.equal((await app.inject({ url: '/api/v1/auth/me', cookies })).statusCode, 200);
  problem(t, await app.inject({ method: 'PATCH', url: `/api/v1/events/${id}`, cookies, payload: { titleZh: '改' } }), 403, 'csrf_failed');
  problem(t, await app.inject({ method: 'DELETE', url: `/api/v1/events/${id}`, cookies }), 403, 'csrf_failed');
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/events/${id}`, cookies, headers: { 'x-csrf-token': csrfToken } })).statusCode, 204);

  // Another session's CSRF token does not fit this one.
  const other = sessionOf(await login(app, email, PASSWORD));
  t.not(other.csrfToken, csrfToken, 'each session has its own token');
  problem(t, await post({ 'x-csrf-token': other.csrfToken }), 403, 'csrf_failed');
  // Bearer tokens need no CSRF header.
  const { headers } = await buildAccount(db, { unitIds: [unit.id] });
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/events', headers, payload: eventBody(unit.id) })).statusCode, 201, 'a bearer token needs no CSRF header');
});

t.test('API tokens: create once, list prefixes, scopes, unit binding, expiry, revoke', async (t) => {
  let current = new Date('2030-01-01T00:00:00Z');
  const { app, db } = await build(t, { clock: { now: () => current } });
  const advance = (ms: number) => { current = new Date(current.getTime() + ms); };
  const [x, y, z] = [await buildUnit(db), await buildUnit(db), await buildUnit(db)];
  const owner = await buildAccount(db, { unitIds: [x.id, y.id] });
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, headers: Record<string, string>, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const newToken = async (body: object, headers = owner.headers) => {
    const res = await call('POST', '/auth/tokens', headers, body);
    t.equal(res.statusCode, 201, `token created (${res.body.slice(0, 200)})`);
    const { token, secret } = res.json() as { token: { id: string; prefix: string }; secret: string };
    return { ...token, secret, headers: { authorization: `Bearer ${secret}` } };
  };

  const writer = await newToken({ name: 'CMS sync', scope: 'write' });
  t.match(writer.secret, /^kepu_/);
  t.equal(writer.prefix, writer.secret.slice(0, 9));
  const list = await call('GET', '/auth/tokens', owner.headers);
  t.equal(list.statusCode, 200);
  const items = list.json().items as Record<string, unknown>[];
  t.ok(items.some((i) => i.id === writer.id && i.prefix === writer.prefix && i.name === 'CMS sync'), 'listed by prefix');
  t.notOk(list.body.includes(writer.secret), 'the list never shows the secret');
  t.ok(items.every((i) => !('secret' in i) && !('secretHash' in i)), 'nor its hash');
  t.equal((await call('POST', '/events', writer.headers, eventBody(y.id))).statusCode, 201, 'a write token writes');

  const reader = await newToken({ name: 'read only', scope: 'read' });
  t.equal((await call('GET', '/auth/me', reader.headers)).json().scope, 'read');
  t.equal((await call('GET', '/events', reader.headers)).statusCode, 200, 'a read token reads');
  problem(t, await call('POST', '/events', reader.headers, eventBody(x.id)), 403, 'forbidden');
  problem(t, await call('POST', '/auth/tokens', reader.headers, { name: 'more', scope: 'read' }), 403, 'forbidden');
  problem(t, await call('POST', `/auth/tokens/${reader.id}/revoke`, reader.headers), 403, 'forbidden');

  const bound = await newToken({ name: 'unit x', scope: 'write', unitId: x.id });
  t.equal((await call('GET', '/auth/me', bound.headers)).statusCode, 200);
  problem(t, await call('POST', '/events', bound.headers, eventBody(y.id)), 403, 'forbidden');
  t.equal((await call('POST', '/events', bound.headers, eventBody(x.id))).statusCode, 201, 'a bound token acts for its unit');
  problem(t, await call('POST', '/auth/tokens', owner.headers, { name: 'z', scope: 'write', unitId: z.id }), 422, 'invalid_token', ['/unitId']);
  // A token never makes a wider one: a bound token makes only tokens bound to its unit.
  problem(t, await call('POST', '/auth/tokens', bound.headers, { name: 'wider', scope: 'write' }), 403, 'forbidden');
  problem(t, await call('POST', '/auth/tokens', bound.headers, { name: 'other unit', scope: 'write', unitId: y.id }), 422, 'invalid_token', ['/unitId']);
  t.equal((await call('POST', '/auth/tokens', bound.headers, { name: 'same unit', scope: 'read', unitId: x.id })).statusCode, 201, 'a bound token may make another for its unit');
  const boundAdmin = await buildAccount(db, { role: 'admin', tokenUnitId: x.id });
  problem(t, await call('GET', '/accounts', boundAdmin.headers), 403, 'forbidden');
  problem(t, await call('POST', '/auth/tokens', boundAdmin.headers, { name: 'full admin', scope: 'write' }), 403, 'forbidden');

  const soon = await newToken({ name: 'short', scope: 'write', expiresAt: new Date(current.getTime() + 60_000).toISOString() });
  t.equal((await call('GET', '/auth/me', soon.headers)).statusCode, 200, 'works before it expires');
  problem(t, await call('POST', '/auth/tokens', soon.headers, { name: 'forever', scope: 'write' }), 403, 'forbidden');
  problem(t, await call('POST', '/auth/tokens', soon.headers, { name: 'longer', scope: 'write', expiresAt: new Date(current.getTime() + 120_000).toISOString() }), 403, 'forbidden');
  t.equal((await call('POST', '/auth/tokens', soon.headers, { name: 'shorter', scope: 'read', expiresAt: new Date(current.getTime() + 30_000).toISOString() })).statusCode, 201, 'an expiring token may make a shorter one');
  problem(t, await call('POST', '/auth/tokens', owner.headers, { name: 'past', scope: 'write', expiresAt: new Date(current.getTime() - 1000).toISOString() }), 422, 'invalid_token', ['/expiresAt']);
  advance(61_000);
  problem(t, await call('GET', '/auth/me', soon.headers), 401, 'invalid_credentials');
  t.equal((await call('GET', '/auth/me', writer.headers)).statusCode, 200, 'a token without expiry still works');

  const revoked = await call('POST', `/auth/tokens/${writer.id}/revoke`, owner.headers);
  t.equal(revoked.statusCode, 200, revoked.body);
  t.match(revoked.json(), { id: writer.id, revokedAt: String });
  problem(t, await call('GET', '/auth/me', writer.headers), 401, 'invalid_credentials');
  problem(t, await call('POST', `/auth/tokens/${writer.id}/revoke`, owner.headers), 409, 'already_revoked');

  const stranger = await buildAccount(db, { unitIds: [z.id] });
  problem(t, await call('POST', `/auth/tokens/${bound.id}/revoke`, stranger.headers), 404, 'token_not_found');
  t.equal((await call('POST', '/events', bound.headers, eventBody(x.id))).statusCode, 201, 'still works after a stranger tried');
  problem(t, await call('POST', `/auth/tokens/${owner.tokenId}/revoke`, stranger.headers), 404, 'token_not_found');
  t.notOk((await call('GET', '/auth/tokens', stranger.headers)).body.includes(bound.prefix), 'others do not list it');
  t.equal((await call('POST', `/auth/tokens/${bound.id}/revoke`, adminHeaders)).statusCode, 200, 'admins may revoke any token');
  problem(t, await call('GET', '/auth/me', bound.headers), 401, 'invalid_credentials');
});

async function freshApp(t: Test) {
  const database = await testDatabase(t);
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY }), database });
  t.teardown(() => app.close());
  return { app: app as unknown as App, db: database.db as Database };
}

t.test('first admin: the demo admin signs in once created; later calls create nothing', async (t) => {
  const { app, db } = await freshApp(t);
  const first = await ensureFirstAdmin(db, { demo: true });
  t.match(first, { created: true, email: DEMO_ADMIN_EMAIL, oneTimePassword: String, demoToken: String });
  if (!first.created) return;
  const res = await login(app, DEMO_ADMIN_EMAIL, first.oneTimePassword!);
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { account: { email: DEMO_ADMIN_EMAIL, role: 'admin' } });
  const me = await app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${first.demoToken}` } });
  t.equal(me.statusCode, 200, me.body);
  t.match(me.json(), { account: { email: DEMO_ADMIN_EMAIL, role: 'admin' }, via: 'token', scope: 'write' });
  t.equal((await app.inject({ url: '/api/v1/accounts', headers: { authorization: `Bearer ${first.demoToken}` } })).statusCode, 200, 'the demo token acts as admin');

  t.same(await ensureFirstAdmin(db, { demo: true }), { created: false }, 'a second call creates nothing');
  t.same(await ensureFirstAdmin(db, { email: 'boss@example.cn', password: 'a long enough password', demo: false }), { created: false });
  const accounts = (await app.inject({ url: '/api/v1/accounts', headers: { authorization: `Bearer ${first.demoToken}` } })).json().items;
  t.equal(accounts.length, 1, 'still one account');
});

t.test('first admin from an email and password', async (t) => {
  const { app, db } = await freshApp(t);
  const made = await ensureFirstAdmin(db, { email: 'Boss@Example.cn', password: 'a long enough password', demo: false });
  t.same(made, { created: true, email: 'boss@example.cn', oneTimePassword: undefined, demoToken: undefined });
  const res = await login(app, 'boss@example.cn', 'a long enough password');
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { account: { role: 'admin' } });
  t.same(await ensureFirstAdmin(db, { demo: true }), { created: false }, 'an admin exists: no demo admin');
  problem(t, await login(app, DEMO_ADMIN_EMAIL, 'anything at all'), 401, 'invalid_login');
});

t.test('first admin: no email and no demo creates nothing', async (t) => {
  const { app, db } = await freshApp(t);
  t.same(await ensureFirstAdmin(db, { demo: false }), { created: false });
  problem(t, await login(app, DEMO_ADMIN_EMAIL, 'anything at all'), 401, 'invalid_login');
  t.same(await ensureFirstAdmin(db, { demo: false }), { created: false });
});

t.test('a session in use stays open: each use after a minute moves its end 12 hours on (on both databases)', async (t) => {
  let current = new Date('2030-01-01T08:00:00Z');
  const { app, db } = await build(t, { clock: { now: () => current } });
  const { email } = await invited(t, app, { role: 'admin' });
  const { cookies } = sessionOf(await login(app, email, PASSWORD));
  const me = () => app.inject({ url: '/api/v1/auth/me', cookies });

  for (let hour = 1; hour <= 14; hour++) {
    current = new Date(current.getTime() + 3600_000);
    t.equal((await me()).statusCode, 200, `still signed in after ${hour} h of use`);
  }
  const [session] = await db.select({ expiresAt: authSessions.expiresAt }).from(authSessions);
  t.equal(session!.expiresAt.toISOString(), new Date(current.getTime() + 12 * 3600_000).toISOString(), 'it ends 12 hours after the last use');
  current = new Date(current.getTime() + 12 * 3600_000 + 1000);
  problem(t, await me(), 401, 'authentication_required');
});
