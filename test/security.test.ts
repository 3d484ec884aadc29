import t from 'tap';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { adminHeaders, build, TEST_SECRET_KEY } from './helpers/build.js';

t.test('security headers on every answer, with a content security policy', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ url: '/api/v1/units' });
  t.match(res.headers['content-security-policy'], /default-src 'self'/);
  t.match(res.headers['content-security-policy'], /frame-ancestors 'none'/);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.ok(res.headers['strict-transport-security'], 'HSTS');
  const docs = await app.inject({ url: '/docs/' });
  t.equal(docs.statusCode, 200, 'the API docs still load under the policy');
  const missing = await app.inject({ url: '/api/v1/nothing-here' });
  t.equal(missing.statusCode, 404);
  t.match(missing.headers['content-security-policy'], /default-src 'self'/, 'errors carry them too');
  t.equal(missing.headers['x-frame-options'], 'SAMEORIGIN');
});

t.test('a 304 carries the cache headers, not the security headers of the answer the client holds', async (t) => {
  const { app } = await build(t);
  const full = await app.inject({ url: '/feeds/events.ics' });
  t.equal(full.statusCode, 200);
  t.ok(full.headers['content-security-policy'], 'the 200 has them');
  const notModified = await app.inject({ url: '/feeds/events.ics', headers: { 'if-none-match': String(full.headers.etag) } });
  t.equal(notModified.statusCode, 304);
  t.equal(notModified.headers.etag, full.headers.etag);
  t.ok(notModified.headers['cache-control'] && notModified.headers.vary, 'Cache-Control and Vary, as RFC 9110 asks');
  t.notOk(notModified.headers['last-modified'], 'with the ETag there, no Last-Modified (RFC 9110 15.4.5)');
  for (const name of ['content-security-policy', 'strict-transport-security', 'x-frame-options', 'cross-origin-opener-policy']) {
    t.notOk(notModified.headers[name], `no ${name}: the client keeps the one it stored`);
  }
});

t.test('CORS is open on public reads only', async (t) => {
  const { app } = await build(t);
  const origin = { origin: 'https://portal.example.cn' };
  const read = await app.inject({ url: '/api/v1/events', headers: origin });
  t.equal(read.headers['access-control-allow-origin'], '*', 'public GET: any origin');
  const write = await app.inject({ method: 'POST', url: '/api/v1/venues', headers: { ...origin, ...adminHeaders }, payload: {} });
  t.notOk(write.headers['access-control-allow-origin'], 'a write: no CORS');
  const privateRead = await app.inject({ url: '/api/v1/audit', headers: { ...origin, ...adminHeaders } });
  t.notOk(privateRead.headers['access-control-allow-origin'], 'a non-public read: no CORS');
  const preflightWrite = await app.inject({ method: 'OPTIONS', url: '/api/v1/venues', headers: { ...origin, 'access-control-request-method': 'POST' } });
  t.notOk(preflightWrite.headers['access-control-allow-origin'], 'a preflight for a write is not allowed');
  const preflightRead = await app.inject({ method: 'OPTIONS', url: '/feeds/events.ics', headers: { ...origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'if-none-match' } });
  t.equal(preflightRead.statusCode, 204);
  t.equal(preflightRead.headers['access-control-allow-origin'], '*', 'a preflight for a conditional read from another site is allowed');
  t.equal(preflightRead.headers['access-control-allow-headers'], 'if-none-match');
  t.equal(preflightRead.headers['access-control-allow-methods'], 'GET, HEAD');
  const headRead = await app.inject({ method: 'HEAD', url: '/api/v1/events', headers: origin });
  t.equal(headRead.headers['access-control-allow-origin'], '*', 'HEAD like GET');
});

t.test('sign-in attempts are limited per address, across processes sharing the database', async (t) => {
  const { app, database } = await build(t, { config: { LOGIN_RATE_LIMIT_PER_MINUTE: 3 } });
  const second = await buildApp({ config: { ...loadConfig({ LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY }), LOGIN_RATE_LIMIT_PER_MINUTE: 3 }, database });
  t.teardown(() => second.close());
  const attempt = (server: typeof app) => server.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.cn', password: 'wrong-password' }, remoteAddress: '203.0.113.7' });
  t.equal((await attempt(app)).statusCode, 401);
  t.equal((await attempt(second)).statusCode, 401);
  t.equal((await attempt(app)).statusCode, 401);
  const limited = await attempt(second);
  t.equal(limited.statusCode, 429, 'the fourth attempt, on the other process, is refused');
  t.match(limited.headers['content-type'], /^application\/problem\+json/);
  t.equal(limited.json().code, 'rate_limited');
  t.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After');
  const other = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.cn', password: 'wrong-password' }, remoteAddress: '203.0.113.8' });
  t.equal(other.statusCode, 401, 'another address is not limited');
});

t.test('behind a trusted proxy, limits count the forwarded client address, not the proxy', async (t) => {
  const { app } = await build(t, { config: { LOGIN_RATE_LIMIT_PER_MINUTE: 1, TRUST_PROXY: '10.0.0.0/8' } });
  const attempt = (forwardedFor: string, remoteAddress: string) => app.inject({
    method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@example.cn', password: 'wrong-password' }, remoteAddress, headers: { 'x-forwarded-for': forwardedFor },
  });
  t.equal((await attempt('198.51.100.1', '10.0.0.5')).statusCode, 401);
  t.equal((await attempt('198.51.100.2', '10.0.0.5')).statusCode, 401, 'another resident behind the same proxy is not limited');
  t.equal((await attempt('198.51.100.1', '10.0.0.5')).statusCode, 429, 'the same resident is');
  t.equal((await attempt('198.51.100.9', '203.0.113.50')).statusCode, 401, 'from an untrusted peer the header is ignored: the peer is the client');
  t.equal((await attempt('198.51.100.10', '203.0.113.50')).statusCode, 429, 'so a forged header does not escape the limit');
});

t.test('bodies over the limit are refused before they are read whole', async (t) => {
  const { app } = await build(t);
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: 'x'.repeat(300_000), headers: { 'content-type': 'application/json' } });
  t.equal(res.statusCode, 413);
});
