import t from 'tap';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

t.test('a unit under review: submit, return with a comment, resubmit, approve; the public sees only the approved event', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const call = (method: 'POST' | 'PATCH', url: string, headers: Record<string, string>, payload?: object) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  const turnedOn = await call('PATCH', `/units/${unit.id}`, adminHeaders, { requiresReview: true });
  t.equal(turnedOn.json().requiresReview, true);
  problem(t, await call('PATCH', `/units/${unit.id}`, organizer.headers, { requiresReview: false }), 403, 'forbidden');

  const event = (await call('POST', '/events', organizer.headers, eventBody(unit.id))).json();
  problem(t, await call('POST', `/events/${event.id}/publish`, organizer.headers), 409, 'review_required');

  const submitted = await call('POST', `/events/${event.id}/submit`, organizer.headers);
  t.equal(submitted.json().status, 'submitted');
  problem(t, await call('PATCH', `/events/${event.id}`, organizer.headers, { titleZh: '偷偷改' }), 409, 'under_review');
  problem(t, await call('POST', `/events/${event.id}/sessions`, organizer.headers, { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T10:00:00+08:00' }), 409, 'under_review');
  problem(t, await call('POST', `/events/${event.id}/approve`, organizer.headers), 403, 'forbidden');
  t.equal((await app.inject({ url: `/api/v1/events/${event.id}` })).statusCode, 404, 'the public does not see a submitted event');
  t.notOk((await app.inject({ url: '/api/v1/events?from=2030-01-01' })).json().items.some((e: { id: string }) => e.id === event.id));

  problem(t, await call('POST', `/events/${event.id}/return`, adminHeaders, {}), 400, 'validation_failed', ['/comment']);
  const returned = (await call('POST', `/events/${event.id}/return`, adminHeaders, { comment: '请补充活动地址' })).json();
  t.equal(returned.status, 'draft');
  t.equal(returned.reviewComment, '请补充活动地址', 'the organizers see why');
  t.equal((await call('PATCH', `/events/${event.id}`, organizer.headers, { titleZh: '改好的讲座' })).statusCode, 200, 'a returned draft can be edited');

  await call('POST', `/events/${event.id}/submit`, organizer.headers);
  const approved = (await call('POST', `/events/${event.id}/approve`, adminHeaders)).json();
  t.equal(approved.status, 'published');
  t.equal(approved.reviewComment, null);
  const seen = await app.inject({ url: `/api/v1/events/${event.id}` });
  t.equal(seen.statusCode, 200);
  t.equal(seen.json().titleZh, '改好的讲座');
  problem(t, await call('POST', `/events/${event.id}/approve`, adminHeaders), 409, 'not_submitted');

  const audit = (await app.inject({ url: `/api/v1/audit?objectKind=event&objectId=${event.id}`, headers: adminHeaders })).json().items.map((e: { action: string }) => e.action);
  t.same(audit, ['published', 'submitted', 'updated', 'returned', 'submitted', 'created'], 'each step is in the audit log');
});

t.test('units without review publish directly; submitting there is refused', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: organizer.headers, payload: eventBody(unit.id) })).json();
  problem(t, await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/submit`, headers: organizer.headers }), 409, 'review_not_required');
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: organizer.headers })).json().status, 'published');
});

t.test('an administrator may publish an event of a reviewed unit directly', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db, { requiresReview: true });
  const event = (await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id) })).json();
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/publish`, headers: adminHeaders })).json().status, 'published');
});
