import t from 'tap';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';

t.test('deleting a draft leaves tombstones for the event and its sessions, readable by bots', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const created = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id) })).json();
  const before = new Date().toISOString();
  const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/events/${created.id}`, headers: adminHeaders });
  t.equal(deleted.statusCode, 204);

  const page = (await app.inject({ url: `/api/v1/deletions?since=${encodeURIComponent(before)}`, headers: adminHeaders })).json();
  t.same(page.items.map((d: { kind: string; id: string }) => [d.kind, d.id]).sort(), [['event', created.id], ['session', created.sessions[0].id]].sort());
  t.equal(page.items.find((d: { kind: string }) => d.kind === 'session').eventId, created.id);
  const later = (await app.inject({ url: `/api/v1/deletions?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, headers: adminHeaders })).json();
  t.same(later.items, [], 'nothing deleted after a later time');
});

t.test('deletions page with a cursor; a tampered cursor is refused', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  for (let i = 0; i < 3; i++) {
    const e = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { sessions: [] }) })).json();
    await app.inject({ method: 'DELETE', url: `/api/v1/events/${e.id}`, headers: adminHeaders });
  }
  const first = (await app.inject({ url: '/api/v1/deletions?limit=2', headers: adminHeaders })).json();
  t.equal(first.items.length, 2);
  const second = (await app.inject({ url: `/api/v1/deletions?limit=2&cursor=${first.nextCursor}`, headers: adminHeaders })).json();
  t.equal(second.items.length, 1);
  t.equal(second.nextCursor, null);
  const bad = await app.inject({ url: '/api/v1/deletions?cursor=bm9wZQ' });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, 'invalid_cursor');
});

t.test('a `since` no calendar time can hold is 400 naming it, not a 500', async (t) => {
  const { app } = await build(t);
  for (const since of ['2030-06-30T23:59:60Z', '9999-12-31T23:00:00-23:00']) {
    const res = await app.inject({ url: `/api/v1/deletions?since=${encodeURIComponent(since)}`, headers: adminHeaders });
    t.equal(res.statusCode, 400, since);
    t.match(res.json(), { errors: [{ in: 'querystring', pointer: '/since' }] });
  }
});
