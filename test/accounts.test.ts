import t from 'tap';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildAudiences, buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

type App = Awaited<ReturnType<typeof build>>['app'];
type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const PASSWORD = 'correct horse battery staple';

const caller = (app: App) => (method: Method, url: string, headers: Record<string, string> = {}, payload?: object) =>
  app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

t.test('organizers manage their unit\'s events and sessions, and nothing of another unit', async (t) => {
  const { app, db } = await build(t);
  await buildAudiences(db);
  const call = caller(app);
  const [x, y] = [await buildUnit(db), await buildUnit(db)];
  const { headers } = await buildAccount(db, { unitIds: [x.id] });

  // Y's event, made by an admin: the organizer of X may touch none of it.
  const theirs = (await call('POST', '/events', adminHeaders, eventBody(y.id))).json();
  const theirSession = theirs.sessions[0].id as string;
  problem(t, await call('POST', '/events', headers, eventBody(y.id)), 403, 'forbidden');
  for (const [method, url, payload] of [
    ['PATCH', `/events/${theirs.id}`, { titleZh: '改' }],
    ['PATCH', `/events/${theirs.id}`, { ownerUnitId: x.id }],
    ['POST', `/events/${theirs.id}/publish`, undefined],
    ['POST', `/events/${theirs.id}/cancel`, undefined],
    ['DELETE', `/events/${theirs.id}`, undefined],
    ['POST', `/events/${theirs.id}/sessions`, { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T10:00:00+08:00' }],
    ['PATCH', `/events/${theirs.id}/sessions/${theirSession}`, { capacity: 5 }],
    ['POST', `/events/${theirs.id}/sessions/${theirSession}/cancel`, undefined],
    ['DELETE', `/events/${theirs.id}/sessions/${theirSession}`, undefined],
  ] as [Method, string, object | undefined][]) {
    problem(t, await call(method, url, headers, payload), 403, 'forbidden');
  }

  // X's own: the whole life cycle.
  const created = await call('POST', '/events', headers, eventBody(x.id));
  t.equal(created.statusCode, 201, created.body);
  const mine = created.json();
  // Moving its own event to a unit it does not act for is refused too.
  problem(t, await call('PATCH', `/events/${mine.id}`, headers, { ownerUnitId: y.id }), 403, 'forbidden');
  t.equal((await call('PATCH', `/events/${mine.id}`, headers, { titleZh: '我的讲座' })).statusCode, 200);
  const added = await call('POST', `/events/${mine.id}/sessions`, headers, { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T10:00:00+08:00' });
  t.equal(added.statusCode, 201, added.body);
  const second = (added.json().sessions as { id: string }[]).find((s) => s.id !== mine.sessions[0].id)!;
  t.equal((await call('PATCH', `/events/${mine.id}/sessions/${second.id}`, headers, { capacity: 5 })).statusCode, 200);
  t.equal((await call('DELETE', `/events/${mine.id}/sessions/${second.id}`, headers)).statusCode, 204);
  t.equal((await call('POST', `/events/${mine.id}/publish`, headers)).statusCode, 200);
  t.equal((await call('POST', `/events/${mine.id}/sessions/${mine.sessions[0].id}/cancel`, headers)).statusCode, 200);
  t.equal((await call('POST', `/events/${mine.id}/cancel`, headers)).statusCode, 200);
  const draft = (await call('POST', '/events', headers, eventBody(x.id))).json();
  t.equal((await call('DELETE', `/events/${draft.id}`, headers)).statusCode, 204, 'deletes its own draft');

  t.match((await call('GET', `/events/${theirs.id}`, adminHeaders)).json(), { titleZh: theirs.titleZh, status: 'draft', sessions: [{ status: 'scheduled', capacity: null }] }, 'Y\'s event is untouched');
});

t.test('organizers need a grant for venues and observances; units and campaigns are for admins', async (t) => {
  const { app, db } = await build(t);
  const call = caller(app);
  const x = await buildUnit(db);
  const { account, headers } = await buildAccount(db, { unitIds: [x.id] });
  const venue = { slug: 'district-library', kind: 'library', nameZh: '区图书馆', capacity: 80 };

  problem(t, await call('POST', '/venues', headers, venue), 403, 'forbidden');
  problem(t, await call('POST', '/observances', headers, { slug: 'earth-day', nameZh: '地球日' }), 403, 'forbidden');
  problem(t, await call('POST', '/units', headers, { slug: 'new-unit', kind: 'bureau', nameZh: '某局', nameEn: 'Some Bureau' }), 403, 'forbidden');
  problem(t, await call('POST', '/campaigns', headers, { slug: 'plan', year: 2030, titleZh: '要点' }), 403, 'forbidden');
  problem(t, await call('GET', '/accounts', headers), 403, 'forbidden');
  problem(t, await call('PATCH', `/accounts/${account.id}`, headers, { grants: ['venues'] }), 403, 'forbidden');

  const granted = await call('PATCH', `/accounts/${account.id}`, adminHeaders, { grants: ['venues'] });
  t.equal(granted.statusCode, 200, granted.body);
  t.same(granted.json().grants, ['venues']);
  const made = await call('POST', '/venues', headers, venue);
  t.equal(made.statusCode, 201, made.body);
  problem(t, await call('POST', '/observances', headers, { slug: 'earth-day', nameZh: '地球日' }), 403, 'forbidden', undefined);
  problem(t, await call('POST', '/units', headers, { slug: 'new-unit', kind: 'bureau', nameZh: '某局', nameEn: 'Some Bureau' }), 403, 'forbidden');

  t.equal((await call('PATCH', `/accounts/${account.id}`, adminHeaders, { grants: [] })).statusCode, 200);
  problem(t, await call('POST', '/venues', headers, { ...venue, slug: 'another-library' }), 403, 'forbidden');

  // A checker, even granted, manages nothing.
  const checker = await buildAccount(db, { role: 'checker', unitIds: [x.id] });
  t.equal((await call('PATCH', `/accounts/${checker.account.id}`, adminHeaders, { grants: ['venues'] })).statusCode, 200);
  problem(t, await call('POST', '/venues', checker.headers, { ...venue, slug: 'checker-library' }), 403, 'forbidden');
});

t.test('a checker cannot change its own unit\'s events', async (t) => {
  const { app, db } = await build(t);
  const call = caller(app);
  const x = await buildUnit(db);
  const { headers } = await buildAccount(db, { role: 'checker', unitIds: [x.id] });
  const event = (await call('POST', '/events', adminHeaders, eventBody(x.id))).json();
  problem(t, await call('PATCH', `/events/${event.id}`, headers, { titleZh: '改' }), 403, 'forbidden');
  problem(t, await call('POST', '/events', headers, eventBody(x.id)), 403, 'forbidden');
  problem(t, await call('POST', `/events/${event.id}/publish`, headers), 403, 'forbidden');
  problem(t, await call('DELETE', `/events/${event.id}`, headers), 403, 'forbidden');
  t.equal((await call('GET', `/events/${event.id}`, headers)).statusCode, 200, 'but reads it');
});

t.test('drafts: organizers see their units\' drafts, not another unit\'s; anonymous none; admins all', async (t) => {
  const { app, db } = await build(t);
  const call = caller(app);
  const [x, y] = [await buildUnit(db), await buildUnit(db)];
  const organizer = await buildAccount(db, { unitIds: [x.id] });
  const mine = (await call('POST', '/events', adminHeaders, eventBody(x.id, { titleZh: '我的草稿' }))).json();
  const theirs = (await call('POST', '/events', adminHeaders, eventBody(y.id, { titleZh: '别人的草稿' }))).json();
  const published = (await call('POST', '/events', adminHeaders, eventBody(y.id, { titleZh: '已发布' }))).json();
  t.equal((await call('POST', `/events/${published.id}/publish`, adminHeaders)).statusCode, 200);

  const ids = async (headers: Record<string, string>) => {
    const res = await call('GET', '/events', headers);
    t.equal(res.statusCode, 200, res.body.slice(0, 200));
    return (res.json().items as { id: string }[]).map((e) => e.id).sort();
  };
  t.same(await ids(organizer.headers), [mine.id, published.id].sort(), 'organizer: own drafts and published events');
  t.same(await ids({}), [published.id], 'anonymous: published only');
  t.same(await ids(adminHeaders), [mine.id, theirs.id, published.id].sort(), 'admin: all');

  t.equal((await call('GET', `/events/${mine.id}`, organizer.headers)).statusCode, 200);
  problem(t, await call('GET', `/events/${theirs.id}`, organizer.headers), 404, 'event_not_found');
  problem(t, await call('GET', `/events/${mine.id}`), 404, 'event_not_found');
  problem(t, await call('GET', `/events/${theirs.id}`), 404, 'event_not_found');
  t.equal((await call('GET', `/events/${theirs.id}`, adminHeaders)).statusCode, 200);
  t.equal((await call('GET', `/events/${published.id}`)).statusCode, 200);

  // A unit-bound token narrows what its owner sees too.
  const both = await buildAccount(db, { unitIds: [x.id, y.id], tokenUnitId: x.id });
  t.same(await ids(both.headers), [mine.id, published.id].sort(), 'a token bound to X sees X\'s drafts only');
});

t.test('disabling an account ends its tokens and sessions; admins cannot disable or demote themselves', async (t) => {
  const { app, db } = await build(t);
  const call = caller(app);
  const x = await buildUnit(db);
  const invite = await call('POST', '/accounts', adminHeaders, { email: 'Organizer@Example.cn', displayName: '组织者', role: 'organizer', unitIds: [x.id] });
  t.equal(invite.statusCode, 201, invite.body);
  t.match(invite.json(), { account: { email: 'organizer@example.cn', role: 'organizer', unitIds: [x.id], hasPassword: false, disabledAt: null } });
  const id = invite.json().account.id as string;
  problem(t, await call('POST', '/accounts', adminHeaders, { email: 'organizer@example.cn', displayName: '重复', role: 'organizer', unitIds: [x.id] }), 409, 'duplicate', undefined);
  problem(t, await call('POST', '/accounts', adminHeaders, { email: 'lonely@example.cn', displayName: '无单位', role: 'organizer' }), 422, 'invalid_account', ['/unitIds']);
  problem(t, await call('POST', '/accounts', adminHeaders, { email: 'ghost@example.cn', displayName: '无单位', role: 'organizer', unitIds: ['00000000-0000-4000-8000-000000000000'] }), 422, 'unknown_reference', ['/unitIds/0']);

  const secret = new URL(invite.json().inviteUrl).searchParams.get('secret')!;
  t.equal((await call('POST', '/auth/password-link', {}, { secret, password: PASSWORD })).statusCode, 204);
  const login = await call('POST', '/auth/login', {}, { email: 'organizer@example.cn', password: PASSWORD });
  t.equal(login.statusCode, 200, login.body);
  const cookies = { kepu_session: login.cookies.find((c) => c.name === 'kepu_session')!.value };
  const csrf = login.json().csrfToken as string;
  const tokenRes = await app.inject({ method: 'POST', url: '/api/v1/auth/tokens', cookies, headers: { 'x-csrf-token': csrf }, payload: { name: 'mine', scope: 'write' } });
  t.equal(tokenRes.statusCode, 201, tokenRes.body);
  const tokenHeaders = { authorization: `Bearer ${tokenRes.json().secret}` };
  t.equal((await app.inject({ url: '/api/v1/auth/me', cookies })).statusCode, 200);
  t.equal((await call('GET', '/auth/me', tokenHeaders)).statusCode, 200);

  const disabled = await call('PATCH', `/accounts/${id}`, adminHeaders, { disabled: true });
  t.equal(disabled.statusCode, 200, disabled.body);
  t.match(disabled.json(), { disabledAt: String });
  problem(t, await app.inject({ url: '/api/v1/auth/me', cookies }), 401, 'authentication_required');
  problem(t, await call('GET', '/auth/me', tokenHeaders), 401, 'invalid_credentials');
  problem(t, await call('POST', '/events', tokenHeaders, eventBody(x.id)), 401, 'invalid_credentials');
  problem(t, await call('POST', '/auth/login', {}, { email: 'organizer@example.cn', password: PASSWORD }), 401, 'invalid_login');

  const enabled = await call('PATCH', `/accounts/${id}`, adminHeaders, { disabled: false });
  t.equal(enabled.statusCode, 200);
  t.equal(enabled.json().disabledAt, null);
  t.equal((await call('GET', '/auth/me', tokenHeaders)).statusCode, 200, 're-enabling brings the token back');
  problem(t, await app.inject({ url: '/api/v1/auth/me', cookies }), 401, 'authentication_required', undefined);
  t.equal((await call('POST', '/auth/login', {}, { email: 'organizer@example.cn', password: PASSWORD })).statusCode, 200, 'and the password');

  // Changing units changes what the account may do at once.
  const y = await buildUnit(db);
  problem(t, await call('POST', '/events', tokenHeaders, eventBody(y.id)), 403, 'forbidden');
  t.equal((await call('PATCH', `/accounts/${id}`, adminHeaders, { unitIds: [y.id] })).statusCode, 200);
  t.equal((await call('POST', '/events', tokenHeaders, eventBody(y.id))).statusCode, 201, 'acts for its new unit');
  problem(t, await call('POST', '/events', tokenHeaders, eventBody(x.id)), 403, 'forbidden');

  const me = (await call('GET', '/auth/me', adminHeaders)).json().account.id as string;
  problem(t, await call('PATCH', `/accounts/${me}`, adminHeaders, { disabled: true }), 409, 'last_admin_guard');
  problem(t, await call('PATCH', `/accounts/${me}`, adminHeaders, { role: 'organizer', unitIds: [x.id] }), 409, 'last_admin_guard');
  problem(t, await call('PATCH', `/accounts/${me}`, adminHeaders, { role: 'checker' }), 409, 'last_admin_guard');
  t.equal((await call('PATCH', `/accounts/${me}`, adminHeaders, { displayName: '总管理员' })).statusCode, 200, 'other changes to oneself are fine');
  t.equal((await call('GET', '/auth/me', adminHeaders)).json().account.role, 'admin', 'still an admin');

  // Another admin may disable this one.
  const other = await buildAccount(db, { role: 'admin' });
  t.equal((await call('PATCH', `/accounts/${me}`, other.headers, { disabled: true })).statusCode, 200, 'another admin can');
  problem(t, await call('GET', '/auth/me', adminHeaders), 401, 'invalid_credentials');
  const list = await call('GET', '/accounts', other.headers);
  t.equal(list.statusCode, 200);
  t.ok((list.json().items as { email: string }[]).some((a) => a.email === 'organizer@example.cn'));
  t.notOk(list.body.includes('passwordHash'), 'no password hashes in the list');
});

t.test('an organizer or checker is never left without a unit', async (t) => {
  const { app, db } = await build(t);
  const unit = await buildUnit(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [unit.id] });
  const patch = (payload: object) => app.inject({ method: 'PATCH', url: `/api/v1/accounts/${organizer.account.id}`, headers: adminHeaders, payload });
  problem(t, await patch({ unitIds: [] }), 422, 'invalid_account', ['/unitIds']);
  t.equal((await patch({ role: 'admin', unitIds: [] })).statusCode, 200, 'an administrator needs no unit');
  problem(t, await patch({ role: 'checker' }), 422, 'invalid_account', ['/unitIds']);
});
