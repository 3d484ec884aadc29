import { sql } from 'drizzle-orm';
import t from 'tap';
import { auditLog } from '../src/db/schema/index.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';

type Entry = { action: string; objectKind: string; objectId: string; actorAccountId: string | null; actorTokenId: string | null; unitId: string | null; changedFields: string[] };

t.test('each kind of change leaves an entry naming who, what, which object and the changed fields', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const as = organizer.headers;
  const send = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload: object | undefined, headers = as) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  const event = (await send('POST', '/events', eventBody(unit.id))).json();
  await send('PATCH', `/events/${event.id}`, { titleZh: '改过的标题', descriptionZh: '说明' });
  await send('POST', `/events/${event.id}/publish`, undefined);
  await send('POST', `/events/${event.id}/sessions/${event.sessions[0].id}/cancel`, undefined);
  await send('POST', `/events/${event.id}/cancel`, undefined);
  const venue = (await send('POST', '/venues', { slug: 'audit-hall', kind: 'library', nameZh: '图书馆' }, adminHeaders)).json();
  await send('PATCH', `/venues/${venue.id}`, { capacity: 30 }, adminHeaders);
  await send('PUT', '/observances/no-such/overrides/2030', { startDate: '2030-01-01', endDate: '2030-01-02' }, adminHeaders); // refused: no entry
  const invited = (await send('POST', '/accounts', { email: 'new@example.cn', displayName: '新用户', role: 'organizer', unitIds: [unit.id] }, adminHeaders)).json();
  const token = (await send('POST', '/auth/tokens', { name: 'bot', scope: 'read' })).json();
  await send('POST', `/auth/tokens/${token.token.id}/revoke`, undefined);

  const res = await app.inject({ url: '/api/v1/audit?limit=200', headers: adminHeaders });
  t.equal(res.statusCode, 200);
  const entries: Entry[] = res.json().items;
  const find = (kind: string, action: string, id?: string) => entries.find((e) => e.objectKind === kind && e.action === action && (!id || e.objectId === id));

  t.match(find('event', 'created', event.id), { actorAccountId: organizer.account.id, actorTokenId: organizer.tokenId, unitId: unit.id });
  t.same(find('event', 'updated', event.id)?.changedFields.sort(), ['descriptionZh', 'titleZh']);
  t.ok(find('event', 'published', event.id));
  t.ok(find('event', 'cancelled', event.id));
  t.ok(find('session', 'created', event.sessions[0].id), 'sessions created with the event are logged');
  t.same(find('session', 'cancelled', event.sessions[0].id)?.changedFields, ['status']);
  t.ok(find('venue', 'created', venue.id));
  t.same(find('venue', 'updated', venue.id)?.changedFields, ['capacity']);
  t.ok(find('account', 'invited', invited.account.id));
  t.ok(find('api_token', 'created', token.token.id));
  t.ok(find('api_token', 'revoked', token.token.id));
  t.notOk(entries.some((e) => e.objectKind === 'observance'), 'a refused change leaves nothing');
  t.notMatch(JSON.stringify(entries), /new@example\.cn|新用户/, 'no personal data in the log');

  const filtered = (await app.inject({ url: `/api/v1/audit?objectKind=event&objectId=${event.id}`, headers: adminHeaders })).json().items as Entry[];
  t.same(filtered.map((e) => e.action), ['cancelled', 'published', 'updated', 'created'], 'newest first');
  t.ok(filtered.every((e) => e.objectId === event.id));
  const byActor = (await app.inject({ url: `/api/v1/audit?actor=${organizer.account.id}`, headers: adminHeaders })).json().items as Entry[];
  t.ok(byActor.length >= 6 && byActor.every((e) => e.actorAccountId === organizer.account.id), 'filter by user');
});

t.test('the log is for admins only, and cannot be changed', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  t.equal((await app.inject({ url: '/api/v1/audit', headers: organizer.headers })).statusCode, 403);
  t.equal((await app.inject({ url: '/api/v1/audit' })).statusCode, 401);
  await app.inject({ method: 'POST', url: '/api/v1/events', headers: organizer.headers, payload: eventBody(unit.id) });
  for (const method of ['PATCH', 'PUT', 'DELETE'] as const) {
    t.equal((await app.inject({ method, url: '/api/v1/audit', headers: adminHeaders, payload: {} })).statusCode, 404, `no ${method} route`);
  }
  await t.rejects(db.update(auditLog).set({ action: 'forged' }), 'UPDATE is refused by the database');
  await t.rejects(db.delete(auditLog), 'DELETE is refused by the database');
  const [{ n }] = (await db.select({ n: sql<number>`count(*)::int` }).from(auditLog)) as [{ n: number }];
  t.ok(n >= 2, 'entries are still there');
});
