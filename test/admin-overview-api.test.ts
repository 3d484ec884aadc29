import type { Test } from 'tap';
import t from 'tap';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { EMAIL_CHANNEL, MAIL_KINDS } from '../src/modules/mail/kinds.js';
import { claimDue, enqueue, markFailed, markSent, releaseClaims } from '../src/modules/outbox/outbox.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/**
 * The staff's views across events: the latest sign-ups, the coming sessions with their seats,
 * and the mail with its state. Each is limited to the events the caller's units own (admins:
 * all), and the sign-ups carry no phone number or address.
 */

type Headers = Record<string, string>;
const NOW = new Date('2030-04-01T00:00:00Z');
const clock = { now: () => NOW };
type Recent = { id: string; kind: string; status: string; source: string; headcount: number; name: string | null; school: string | null; createdAt: string; session: { id: string; startsAt: string }; event: { id: string; titleZh: string; timezone: string } };
type Upcoming = { id: string; startsAt: string; capacity: number | null; seatsTaken: number; waitlisted: { registrations: number; headcount: number }; event: { id: string; titleZh: string; status: string; registrationMode: string } };
type Message = { id: number; kind: string; state: string; attempts: number; lastError: string | null; event: { id: string; titleZh: string; timezone: string } | null; sentAt: string | null };
type MessagePage = { items: Message[]; nextCursor: string | null; counts: Record<'failed' | 'pending' | 'sent' | 'cancelled', number> };

/** Two units, each with an organizer, and a checker of unit X. */
async function setup(t: Test) {
  const { app, db } = await build(t, { clock, config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 100_000 } });
  const unitX = await buildUnit(db, { nameZh: '区科协' });
  const unitY = await buildUnit(db, { nameZh: '区水务局' });
  const organizerX = await buildAccount(db, { role: 'organizer', unitIds: [unitX.id] });
  const organizerY = await buildAccount(db, { role: 'organizer', unitIds: [unitY.id] });
  const checkerX = await buildAccount(db, { role: 'checker', unitIds: [unitX.id] });
  const get = (url: string, headers: Headers = adminHeaders) => app.inject({ url: `/api/v1${url}`, headers });
  async function event(unitId: string, fields: Record<string, unknown> = {}, { publish = true, day = '2030-04-22' } = {}) {
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unitId, { registrationMode: 'both', ...fields }, day) });
    if (created.statusCode !== 201) throw new Error(created.body);
    const id = created.json<{ id: string }>().id;
    if (publish) {
      const published = await app.inject({ method: 'POST', url: `/api/v1/events/${id}/publish`, headers: adminHeaders });
      if (published.statusCode !== 200) throw new Error(published.body);
    }
    return (await get(`/events/${id}`)).json<{ id: string; titleZh: string; sessions: { id: string; startsAt: string }[] }>();
  }
  async function signUp(eventId: string, body: Record<string, unknown>) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`, payload: { kind: 'individual', consentVersion: CONSENT.version, ...body } });
    if (res.statusCode !== 201) throw new Error(res.body);
    return res.json<{ registration: { id: string; status: string } }>().registration;
  }
  return { app, db, unitX, unitY, organizerX, organizerY, checkerX, get, event, signUp };
}

t.test('recent sign-ups: newest first, each reader their units\' events, never a phone number or an address', async (t) => {
  const { get, event, signUp, unitX, unitY, organizerX, organizerY, checkerX } = await setup(t);
  const ours = await event(unitX.id, { titleZh: '社区防诈骗讲座' });
  const theirs = await event(unitY.id, { titleZh: '节水宣传周活动' });
  const first = await signUp(ours.id, { name: '张三', phone: '13800138000', email: 'zhang.san@example.cn', partySize: 2 });
  const second = await signUp(theirs.id, { name: '李四', phone: '13900139000' });
  const third = await signUp(ours.id, { kind: 'class', school: '密云区第二小学', gradeClass: '三年级2班', headcount: 30, teacherName: '王老师', teacherPhone: '13700137000' });

  const all = await get('/registrations/recent');
  t.equal(all.statusCode, 200);
  const items = all.json<{ items: Recent[] }>().items;
  t.same(items.map((r) => r.id), [third.id, second.id, first.id], 'an admin sees every event\'s, newest first');
  t.match(items[0], {
    kind: 'class', status: 'confirmed', source: 'online', headcount: 30, name: '王老师', school: '密云区第二小学',
    session: { id: ours.sessions[0]!.id, startsAt: ours.sessions[0]!.startsAt }, event: { id: ours.id, titleZh: '社区防诈骗讲座', timezone: 'Asia/Shanghai' },
  });
  t.match(items[2], { kind: 'individual', headcount: 2, name: '张三', school: null });
  t.same(Object.keys(items[2]!).sort(), ['createdAt', 'event', 'headcount', 'id', 'kind', 'name', 'school', 'session', 'source', 'status'], 'named fields only');
  for (const secret of ['13800138000', '13900139000', '13700137000', 'zhang.san', '@', '三年级2班', 'checkInCode']) {
    t.notOk(all.body.includes(secret), `no ${secret} in the answer`);
  }

  t.same((await get('/registrations/recent', organizerX.headers)).json<{ items: Recent[] }>().items.map((r) => r.id), [third.id, first.id], 'an organizer: their unit\'s events only');
  t.same((await get('/registrations/recent', organizerY.headers)).json<{ items: Recent[] }>().items.map((r) => r.id), [second.id]);
  t.same((await get('/registrations/recent', checkerX.headers)).json<{ items: Recent[] }>().items.map((r) => r.id), [third.id, first.id], 'checkers too, for their units');
  t.same((await get('/registrations/recent?limit=1')).json<{ items: Recent[] }>().items.map((r) => r.id), [third.id], 'limit');
  problem(t, await get('/registrations/recent', {}), 401, 'authentication_required');
  problem(t, await get('/registrations/recent?limit=0'), 400, 'validation_failed');
  problem(t, await get('/registrations/recent?limit=101'), 400, 'validation_failed');
});

t.test('a co-organizing unit, or an account without units, sees nothing of the event\'s sign-ups', async (t) => {
  const { db, get, event, signUp, unitX, unitY } = await setup(t);
  const shared = await event(unitX.id, { coUnitIds: [unitY.id] });
  await signUp(shared.id, { name: '赵六', phone: '13600136000' });
  const coOrganizer = await buildAccount(db, { role: 'organizer', unitIds: [unitY.id] });
  const unitless = await buildAccount(db, { role: 'organizer' });
  t.same((await get('/registrations/recent', coOrganizer.headers)).json(), { items: [] }, 'as the per-event list: owners only');
  t.same((await get('/registrations/recent', unitless.headers)).json(), { items: [] });
  t.same((await get('/sessions/upcoming', unitless.headers)).json(), { items: [], nextCursor: null });
});

t.test('upcoming sessions: the next 30 days by default, with seats taken, capacity and the waiting list', async (t) => {
  const { app, get, event, signUp, unitX, unitY, organizerX, checkerX } = await setup(t);
  const soon = await event(unitX.id, {
    titleZh: '地球日讲座', capacity: 3,
    sessions: [{ startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' }, { startsAt: '2030-06-10T09:00:00+08:00', endsAt: '2030-06-10T11:00:00+08:00' }],
  });
  const draft = await event(unitX.id, { titleZh: '筹备中的开放日', registrationMode: 'none' }, { publish: false, day: '2030-04-10' });
  const cancelled = await event(unitX.id, { titleZh: '取消的活动' }, { day: '2030-04-12' });
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${cancelled.id}/cancel`, headers: adminHeaders })).statusCode, 200);
  const past = await event(unitX.id, { titleZh: '已结束的活动' }, { publish: false, day: '2030-03-20' });
  const elsewhere = await event(unitY.id, { titleZh: '水务局的活动' }, { day: '2030-04-15' });
  await signUp(soon.id, { sessionId: soon.sessions[0]!.id, name: '甲', phone: '13800000001', partySize: 2 });
  await signUp(soon.id, { sessionId: soon.sessions[0]!.id, name: '乙', phone: '13800000002', partySize: 2 });
  await signUp(soon.id, { sessionId: soon.sessions[0]!.id, name: '丙', phone: '13800000003', partySize: 1 });

  const mine = await get('/sessions/upcoming', organizerX.headers);
  t.equal(mine.statusCode, 200);
  const items = mine.json<{ items: Upcoming[] }>().items;
  t.same(items.map((s) => s.event.titleZh), ['筹备中的开放日', '地球日讲座'], 'drafts too; not cancelled, past, beyond 30 days, or another unit\'s');
  t.match(items[1], { id: soon.sessions[0]!.id, capacity: 3, seatsTaken: 3, waitlisted: { registrations: 1, headcount: 2 }, event: { id: soon.id, status: 'published', registrationMode: 'both' } });
  t.match(items[0], { id: draft.sessions[0]!.id, event: { status: 'draft', registrationMode: 'none' }, seatsTaken: 0, waitlisted: { registrations: 0, headcount: 0 } });
  t.notOk(mine.body.includes(past.id) || mine.body.includes(elsewhere.id) || mine.body.includes(cancelled.id));
  t.same((await get('/sessions/upcoming', checkerX.headers)).json<{ items: Upcoming[] }>().items.map((s) => s.id), items.map((s) => s.id), 'checkers see their units\' sessions');

  const later = (await get('/sessions/upcoming?days=90', organizerX.headers)).json<{ items: Upcoming[] }>().items;
  t.same(later.map((s) => s.id), [draft.sessions[0]!.id, soon.sessions[0]!.id, soon.sessions[1]!.id], '?days widens the window');
  const admin = (await get('/sessions/upcoming')).json<{ items: Upcoming[] }>().items;
  t.same(admin.map((s) => s.event.titleZh), ['筹备中的开放日', '水务局的活动', '地球日讲座'], 'an admin sees every unit\'s');

  const one = await get('/sessions/upcoming?limit=1');
  const next = one.json<{ items: Upcoming[]; nextCursor: string }>();
  t.same(next.items.map((s) => s.event.titleZh), ['筹备中的开放日']);
  const two = (await get(`/sessions/upcoming?limit=2&cursor=${next.nextCursor}`)).json<{ items: Upcoming[]; nextCursor: string | null }>();
  t.same(two.items.map((s) => s.event.titleZh), ['水务局的活动', '地球日讲座'], 'the next page goes on where the first stopped');
  t.equal(two.nextCursor, null, 'the last page says so');

  problem(t, await get('/sessions/upcoming', {}), 401, 'authentication_required');
  problem(t, await get('/sessions/upcoming?cursor=bm9wZQ'), 400, 'invalid_cursor');
  problem(t, await get(`/sessions/upcoming?cursor=${Buffer.from(JSON.stringify(['not a time', soon.id])).toString('base64url')}`), 400, 'invalid_cursor');
  problem(t, await get('/sessions/upcoming?days=0'), 400, 'validation_failed');
});

/** Mail messages made through the outbox's own functions: planned, then sent or failed by a worker's claim. */
async function mailRows(db: Parameters<typeof enqueue>[0], plans: { key: string; eventId: string | null; kind?: string; channel?: string; outcome: 'planned' | 'sent' | 'failed'; error?: string }[]) {
  for (const plan of plans) {
    await enqueue(db, { kind: plan.kind ?? MAIL_KINDS.confirmed, channel: plan.channel ?? EMAIL_CHANNEL, payload: { registrationId: plan.key }, dedupeKey: plan.key, eventId: plan.eventId }, NOW);
  }
  const ids: Record<string, number> = {};
  for (const message of await claimDue(db, { workerId: 'test', limit: 1000, leaseMs: 60_000, now: NOW })) {
    const plan = plans.find((p) => p.key === message.dedupeKey);
    if (!plan) continue;
    ids[plan.key] = message.id;
    if (plan.outcome === 'sent') await markSent(db, [message.id], 'test', NOW);
    if (plan.outcome === 'failed') await markFailed(db, message, 'test', plan.error ?? 'smtp down', { now: NOW, policy: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 } });
    if (plan.outcome === 'planned') await markFailed(db, message, 'test', 'try later', { now: NOW, policy: { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 1000 } });
  }
  // Whatever else was due (a sign-up's confirmation) goes back as it was.
  await releaseClaims(db, 'test');
  return ids;
}

t.test('mail across events: by state, newest first, paged, each organizer their units\', addresses masked', async (t) => {
  const { db, get, event, unitX, unitY, organizerX, organizerY, checkerX } = await setup(t);
  const ours = await event(unitX.id, { titleZh: '我们的讲座' }, { publish: false });
  const theirs = await event(unitY.id, { titleZh: '他们的讲座' }, { publish: false });
  const ids = await mailRows(db, [
    { key: 'x-failed-1', eventId: ours.id, outcome: 'failed', error: 'Can\'t send mail - all recipients were rejected: 550 5.1.1 <wang.secret@example.cn>: Recipient address rejected' },
    { key: 'x-sent', eventId: ours.id, outcome: 'sent' },
    { key: 'x-retrying', eventId: ours.id, outcome: 'planned' },
    { key: 'x-failed-2', eventId: ours.id, outcome: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:25' },
    { key: 'y-failed', eventId: theirs.id, outcome: 'failed' },
    { key: 'staff-invite', eventId: null, kind: MAIL_KINDS.accountInvite, outcome: 'failed', error: '550 no such user staff.person@kepu.local' },
    { key: 'webhook', eventId: ours.id, kind: 'webhook.event', channel: 'webhook', outcome: 'failed' },
  ]);

  const failed = await get('/messages?state=failed', organizerX.headers);
  t.equal(failed.statusCode, 200);
  const page = failed.json<MessagePage>();
  t.same(page.items.map((m) => m.id), [ids['x-failed-2'], ids['x-failed-1']], 'failed only, newest first, this unit\'s events\' mail only');
  t.match(page.items[1], {
    kind: MAIL_KINDS.confirmed, state: 'failed', attempts: 1, sentAt: null,
    lastError: 'Can\'t send mail - all recipients were rejected: 550 5.1.1 <[address]>: Recipient address rejected',
    event: { id: ours.id, titleZh: '我们的讲座', timezone: 'Asia/Shanghai' },
  });
  t.notOk(failed.body.includes('wang.secret') || failed.body.includes('example.cn'), 'the refused address is not shown');
  t.notOk(failed.body.includes('payload') || failed.body.includes('registrationId'), 'nor the message\'s content');
  t.same(page.counts, { failed: 2, pending: 1, sent: 1, cancelled: 0 }, 'counts by state, whatever the filter');

  t.same((await get('/messages?state=pending', organizerX.headers)).json<MessagePage>().items.map((m) => [m.id, m.state]), [[ids['x-retrying'], 'planned']], 'pending: planned again after a failed attempt');
  t.same((await get('/messages?state=sent', organizerX.headers)).json<MessagePage>().items.map((m) => m.id), [ids['x-sent']]);
  t.same((await get('/messages', organizerX.headers)).json<MessagePage>().items.map((m) => m.id),
    [ids['x-failed-2'], ids['x-retrying'], ids['x-sent'], ids['x-failed-1']], 'no filter: every state');
  t.same((await get('/messages?state=failed', organizerY.headers)).json<MessagePage>().items.map((m) => m.id), [ids['y-failed']]);

  const admin = (await get('/messages?state=failed')).json<MessagePage>();
  t.same(admin.items.map((m) => m.id), [ids['staff-invite'], ids['y-failed'], ids['x-failed-2'], ids['x-failed-1']], 'an admin sees all, staff mail too; never another channel');
  t.match(admin.items[0], { kind: MAIL_KINDS.accountInvite, event: null, lastError: '550 no such user [address]' });
  t.same(admin.counts, { failed: 4, pending: 1, sent: 1, cancelled: 0 });

  const first = (await get('/messages?limit=2')).json<MessagePage>();
  t.equal(first.items.length, 2);
  t.ok(first.nextCursor, 'a next page');
  const rest = (await get(`/messages?limit=10&cursor=${first.nextCursor}`)).json<MessagePage>();
  t.same([...first.items, ...rest.items].map((m) => m.id), [ids['staff-invite'], ids['y-failed'], ids['x-failed-2'], ids['x-retrying'], ids['x-sent'], ids['x-failed-1']], 'pages neither skip nor repeat');
  t.equal(rest.nextCursor, null);

  problem(t, await get('/messages', checkerX.headers), 403, 'forbidden');
  problem(t, await get('/messages', {}), 401, 'authentication_required');
  problem(t, await get('/messages?state=lost'), 400, 'validation_failed');
  problem(t, await get('/messages?cursor=garbage'), 400, 'invalid_cursor');
});

t.test('a failed mail from the list is sent again through its event\'s resend', async (t) => {
  const { db, get, app, event, unitX, organizerX, organizerY } = await setup(t);
  const ours = await event(unitX.id, {}, { publish: false });
  const ids = await mailRows(db, [{ key: 'again', eventId: ours.id, outcome: 'failed' }]);
  const [listed] = (await get('/messages?state=failed', organizerX.headers)).json<MessagePage>().items;
  const resend = (headers: Headers) => app.inject({ method: 'POST', url: `/api/v1/events/${listed!.event!.id}/messages/${listed!.id}/resend`, headers });
  t.equal((await resend(organizerY.headers)).statusCode, 403, 'not by another unit');
  t.equal((await resend(organizerX.headers)).statusCode, 202);
  t.same((await get('/messages?state=failed', organizerX.headers)).json<MessagePage>().items, []);
  t.same((await get('/messages?state=pending', organizerX.headers)).json<MessagePage>().items.map((m) => [m.id, m.attempts]), [[ids.again, 0]]);
});
