import type { Test } from 'tap';
import t from 'tap';
import { DateTime } from 'luxon';
import type { Database } from '../src/db/client.js';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { EMAIL_CHANNEL, MAIL_KINDS } from '../src/modules/mail/kinds.js';
import { claimDue, enqueue, markFailed, releaseClaims } from '../src/modules/outbox/outbox.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { postForm, staffSession, textOf } from './helpers/ui.js';

/**
 * The dashboard (/admin) and the mail view (/admin/mail): what each reader sees of their
 * units' sessions, sign-ups and mail, in both languages; a failed mail sent again through
 * the form; and what the pages keep to themselves (phones, addresses, other units' things).
 */

/*
 * On the real clock: a staff session is renewed a minute after its last use, and its row's
 * times are the database's, so a test clock years away would renew it on every request.
 * Days are counted from lecture in Shanghai.
 */
const ZONE = 'Asia/Shanghai';
const dayFromNow = (days: number) => DateTime.now().setZone(ZONE).plus({ days }).toISODate()!;
const DATE = String.raw`\d{4}年\d{1,2}月\d{1,2}日 周.`;
type Message = { id: number; state: string; attempts: number };

async function setup(t: Test) {
  const { app, db } = await build(t, { config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 100_000 } });
  const unitX = await buildUnit(db, { nameZh: '区科协', nameEn: 'Science Association' });
  const unitY = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Bureau' });
  async function event(unitId: string, fields: Record<string, unknown> = {}, day = dayFromNow(2)) {
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unitId, { registrationMode: 'both', ...fields }, day) });
    if (created.statusCode !== 201) throw new Error(created.body);
    const id = created.json<{ id: string }>().id;
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${id}/publish`, headers: adminHeaders });
    if (published.statusCode !== 200) throw new Error(published.body);
    return published.json<{ id: string; titleZh: string; sessions: { id: string }[] }>();
  }
  async function signUp(eventId: string, body: Record<string, unknown>) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`, payload: { kind: 'individual', consentVersion: CONSENT.version, ...body } });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  const messagesOf = async (eventId: string) => (await app.inject({ url: `/api/v1/events/${eventId}/messages`, headers: adminHeaders })).json<{ items: Message[] }>().items;
  return { app, db, unitX, unitY, event, signUp, messagesOf };
}

/** Mail rows through the outbox's own functions: planned, claimed by a worker, failed for good. */
async function failedMail(db: Database, plans: { key: string; eventId: string | null; kind?: string; error?: string }[]) {
  for (const plan of plans) {
    await enqueue(db, { kind: plan.kind ?? MAIL_KINDS.confirmed, channel: EMAIL_CHANNEL, payload: { registrationId: plan.key }, dedupeKey: plan.key, eventId: plan.eventId }, new Date());
  }
  const ids: Record<string, number> = {};
  for (const message of await claimDue(db, { workerId: 'test', limit: 1000, leaseMs: 60_000, now: new Date() })) {
    const plan = plans.find((p) => p.key === message.dedupeKey);
    if (!plan) continue;
    ids[plan.key] = message.id;
    await markFailed(db, message, 'test', plan.error ?? 'connect ECONNREFUSED 127.0.0.1:25', { now: new Date(), policy: { maxAttempts: 1, baseDelayMs: 1000, maxDelayMs: 1000 } });
  }
  await releaseClaims(db, 'test'); // the sign-ups' own confirmations stay planned
  return ids;
}

/**
 * Unit X: a workshop under way now (check-in time), a lecture in two days (3 seats, full, one
 * party waiting), an open day without registration next week, an exhibition beyond 30 days;
 * unit Y: one of its own.
 */
async function scene(t: Test) {
  const base = await setup(t);
  const { event, signUp, unitX, unitY, db } = base;
  const started = DateTime.now().setZone(ZONE).minus({ minutes: 10 }).startOf('minute');
  const now = await event(unitX.id, { titleZh: '机器人工作坊', titleEn: 'Robot workshop', sessions: [{ startsAt: started.toISO(), endsAt: started.plus({ hours: 2 }).toISO() }] });
  const lecture = await event(unitX.id, { titleZh: '地球日讲座', titleEn: 'Earth Day lecture', capacity: 3, reminderOffsetsMinutes: [] });
  const nextWeek = await event(unitX.id, { titleZh: '防灾减灾开放日', titleEn: 'Disaster prevention open day', registrationMode: 'none' }, dayFromNow(7));
  const later = await event(unitX.id, { titleZh: '科普月展览', titleEn: 'Science month exhibition' }, dayFromNow(60));
  const theirs = await event(unitY.id, { titleZh: '节水宣传周活动', titleEn: 'Water saving week' }, dayFromNow(3));
  await signUp(lecture.id, { name: '张三', phone: '13800138000', email: 'zhang.san@example.cn', partySize: 2 });
  await signUp(lecture.id, { kind: 'class', school: '密云区第二小学', gradeClass: '三年级2班', headcount: 1, teacherName: '王老师', teacherPhone: '13700137000' });
  await signUp(lecture.id, { name: '李四', phone: '13900139000', partySize: 2 });
  await signUp(theirs.id, { name: '赵六', phone: '13600136000' });
  const mail = await failedMail(db, [
    { key: 'x-refused', eventId: lecture.id, error: '550 5.1.1 <wang.secret@example.cn>: Recipient address rejected' },
    { key: 'x-reminder', eventId: lecture.id, kind: MAIL_KINDS.reminder },
    { key: 'y-refused', eventId: theirs.id },
    { key: 'staff', eventId: null, kind: MAIL_KINDS.accountInvite, error: '550 unknown user staff.person@kepu.local' },
  ]);
  return { ...base, now, startedAt: started.toFormat('HH:mm'), lecture, nextWeek, later, theirs, mail };
}

t.test('without a staff session the dashboard and the mail view send to the sign-in page', async (t) => {
  const { app } = await setup(t);
  for (const url of ['/admin', '/admin/mail?state=failed']) {
    const res = await app.inject({ url });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, `/admin/login?next=${encodeURIComponent(url)}`);
  }
  const post = await postForm(app, '/admin/mail/1/resend', { eventId: '00000000-0000-0000-0000-000000000000' });
  t.equal(post.statusCode, 303, 'nor can a resend be posted');
  t.match(post.headers.location, /^\/admin\/login/);
});

t.test('an organizer\'s dashboard: their units\' sessions with seats and waiting list, the latest sign-ups, failed mail', async (t) => {
  const { app, unitX, now, startedAt, lecture, nextWeek, later } = await scene(t);
  const { cookie } = await staffSession(app, { role: 'organizer', unitIds: [unitX.id] });
  const res = await app.inject({ url: '/admin', headers: { cookie } });
  t.equal(res.statusCode, 200);
  const text = textOf(res.body);
  t.match(res.body, /<h1>工作台<\/h1>/);
  t.equal((res.body.match(/<h1[ >]/g) ?? []).length, 1, 'one h1');
  t.match(text, '你好，工作人员。你的角色：活动组织者。你负责的单位：区科协。');

  const sessions = /<table data-testid="sessions">([\s\S]*?)<\/table>/.exec(res.body)?.[1] ?? '';
  t.match(textOf(sessions), new RegExp(`地球日讲座 ${DATE} 09:00–11:00 3 / 3 1 组，2 人 报名名单`), 'the lecture: 3 of 3 seats, one party of 2 waiting');
  t.match(textOf(sessions), new RegExp(`防灾减灾开放日 ${DATE} 09:00–11:00 无需报名 —`), 'a session without registration');
  t.match(textOf(sessions), new RegExp(`机器人工作坊 ${DATE} ${startedAt}–`), 'a session under way is still listed');
  t.notMatch(sessions, '科普月展览', 'nothing beyond 30 days');
  t.notMatch(sessions, later.id);
  t.notMatch(res.body, '节水宣传周活动', 'nothing of another unit');
  t.match(sessions, `href="/admin/events/${lecture.id}"`, 'to the event\'s admin page');
  t.match(sessions, `href="/admin/events/${lecture.id}/registrations"`, 'and its registrations');
  t.notMatch(sessions, `href="/admin/events/${nextWeek.id}/registrations"`, 'no list for an event without registration');
  t.match(sessions, /<th scope="col">已报名 \/ 名额<\/th>/);

  const recent = textOf(/<table data-testid="recent">([\s\S]*?)<\/table>/.exec(res.body)?.[1] ?? '');
  t.match(recent, /李四 地球日讲座 .* 2 候补/, 'the latest first: the party that waits');
  t.match(recent, /密云区第二小学（班级） 地球日讲座 .* 1 已确认/);
  t.match(recent, /张三 地球日讲座 .* 2 已确认/);
  t.notMatch(recent, '赵六');
  for (const secret of ['13800138000', '13900139000', '13700137000', 'zhang.san', 'wang.secret', 'example.cn', '三年级2班']) {
    t.notOk(res.body.includes(secret), `the dashboard does not show ${secret}`);
  }

  t.match(text, '有 2 封邮件发送失败，收件人没有收到。', 'this unit\'s failed mail only');
  const failed = textOf(/<ul data-testid="failed-mail">([\s\S]*?)<\/ul>/.exec(res.body)?.[1] ?? '');
  t.match(failed, '活动提醒 · 地球日讲座');
  t.match(failed, '报名确认 · 地球日讲座');
  t.notMatch(failed, '账号邀请');
  t.match(res.body, 'href="/admin/mail?state=failed"');

  t.match(res.body, 'href="/admin/events/new"', 'quick link: new event');
  t.match(text, `签到：机器人工作坊（${startedAt}）`, 'quick link: check-in for the session under way');
  t.match(res.body, `href="/admin/events/${now.id}/check-in"`);
  t.notMatch(res.body, `href="/admin/events/${lecture.id}/check-in"`, 'not for a session on another day');
});

t.test('an admin sees every unit, staff mail too; a checker sees their sessions and sign-ups but no mail', async (t) => {
  const { app, unitX, startedAt } = await scene(t);
  const admin = await staffSession(app, { role: 'admin' });
  const res = await app.inject({ url: '/admin', headers: { cookie: admin.cookie } });
  const text = textOf(res.body);
  t.match(text, '你的角色：管理员。管理员可以看到所有单位的活动。');
  t.match(text, '未来 30 天的场次（所有单位）');
  t.match(text, '节水宣传周活动', 'another unit\'s session');
  t.match(text, '赵六', 'and sign-up');
  t.match(text, '有 4 封邮件发送失败');
  t.match(text, '账号邀请 · 工作人员账号邮件');

  const checker = await staffSession(app, { role: 'checker', unitIds: [unitX.id] });
  const page = await app.inject({ url: '/admin', headers: { cookie: checker.cookie } });
  t.equal(page.statusCode, 200);
  const seen = textOf(page.body);
  t.match(seen, '你的角色：签到人员。');
  t.match(seen, '地球日讲座');
  t.match(seen, '李四');
  t.notMatch(seen, '节水宣传周活动');
  t.notMatch(seen, '发送失败的邮件', 'no mail section for checkers');
  t.notMatch(page.body, 'href="/admin/events/new"', 'no "new event" for checkers');
  t.match(seen, `签到：机器人工作坊（${startedAt}）`);
});

t.test('the dashboard in English', async (t) => {
  const { app, unitX, startedAt } = await scene(t);
  const { cookie } = await staffSession(app, { role: 'organizer', unitIds: [unitX.id] });
  const res = await app.inject({ url: '/admin?lang=en', headers: { cookie } });
  t.match(res.body, /<html lang="en">/);
  const text = textOf(res.body);
  t.match(text, 'Hello, 工作人员. Your role: organizer. Your units: Science Association.');
  t.match(text, /Earth Day lecture \w{3} \d{1,2} \w{3} \d{4}, 09:00–11:00 3 \/ 3 2 people \(sign-ups: 1\) Registrations/);
  t.match(text, 'Mail not delivered: 2.');
  t.match(text, 'Reminder · Earth Day lecture');
  t.match(text, `Check-in: Robot workshop (${startedAt})`);
  t.notMatch(text, '报名', 'no Chinese words of the page');
});

t.test('a unit without anything yet: the dashboard says so', async (t) => {
  const { app, db } = await setup(t);
  const empty = await buildUnit(db, { nameZh: '区气象局' });
  const { cookie } = await staffSession(app, { role: 'organizer', unitIds: [empty.id] });
  const text = textOf((await app.inject({ url: '/admin', headers: { cookie } })).body);
  t.match(text, '未来 30 天没有场次。');
  t.match(text, '还没有人报名。');
  t.match(text, '没有发送失败的邮件。');
});

t.test('the mail view: the reader\'s units\' mail, filtered by state, addresses masked, no resend for staff mail', async (t) => {
  const { app, unitX, lecture, mail } = await scene(t);
  const { cookie } = await staffSession(app, { role: 'organizer', unitIds: [unitX.id] });
  const all = await app.inject({ url: '/admin/mail', headers: { cookie } });
  t.equal(all.statusCode, 200);
  t.match(all.body, /<h1>邮件发送情况<\/h1>/);
  t.match(all.body, /<label for="f-state">状态<\/label><select id="f-state" name="state"><option value(="")?>全部<\/option>/, 'the filter is labelled; its empty choice is "all"');
  t.match(all.body, /<option value="failed">发送失败（2）<\/option>/, 'with counts');
  t.match(all.body, /<option value="pending">等待发送（1）<\/option>/, 'the confirmation of the sign-up with an address waits to be sent');
  const rows = all.body.match(/<tr data-message="\d+">/g) ?? [];
  t.equal(rows.length, 3, 'this unit\'s three mails');
  t.notMatch(all.body, '节水宣传周活动');
  t.notMatch(all.body, '工作人员账号邮件');

  const failed = await app.inject({ url: '/admin/mail?state=failed', headers: { cookie } });
  t.match(failed.body, /<option value="failed" selected>发送失败（2）<\/option>/, 'the filter keeps its choice');
  t.same((failed.body.match(/<tr data-message="(\d+)">/g) ?? []).map((r) => Number(/\d+/.exec(r)![0])), [mail['x-reminder'], mail['x-refused']], 'failed only, newest first');
  t.match(failed.body, '<td>550 5.1.1 &lt;[address]>: Recipient address rejected</td>', 'the reason, without the address');
  t.notOk(failed.body.includes('wang.secret') || failed.body.includes('example.cn'), 'no address anywhere');
  t.match(failed.body, `href="/admin/events/${lecture.id}/messages"`, 'the event\'s own mail page');
  t.match(failed.body, new RegExp(`<form method="post" action="/admin/mail/${mail['x-refused']}/resend"`), 'a resend form for each failed one');
  t.match(failed.body, /aria-label="重新发送：报名确认（地球日讲座）">重新发送<\/button>/, 'each button says which mail it sends');
  t.match(failed.body, /<th scope="col">失败原因<\/th>/);

  const admin = await staffSession(app, { role: 'admin' });
  const staffMail = await app.inject({ url: '/admin/mail?state=failed', headers: { cookie: admin.cookie } });
  t.match(textOf(staffMail.body), '账号邀请 工作人员账号邮件 发送失败 1 550 unknown user [address]');
  t.notMatch(staffMail.body, new RegExp(`action="/admin/mail/${mail.staff}/resend"`), 'staff mail is sent again from the accounts page, not here');
  t.match(textOf(staffMail.body), '请在账号管理中重新发送邀请或重设密码');

  const english = await app.inject({ url: '/admin/mail?state=failed&lang=en', headers: { cookie } });
  t.match(textOf(english.body), 'Mail status');
  t.match(english.body, /<option value="failed" selected>Failed \(2\)<\/option>/);
  t.match(textOf(english.body), 'Reminder Earth Day lecture Failed 1');

  const bad = await app.inject({ url: '/admin/mail?state=lost', headers: { cookie } });
  t.equal(bad.statusCode, 400, 'a filter the API refuses: said on the page');
  t.match(bad.body, 'class="error-summary"');
});

t.test('the mail view pages through', async (t) => {
  const { app, db, unitX, event } = await setup(t);
  const ours = await event(unitX.id);
  for (let i = 0; i < 30; i++) await enqueue(db, { kind: MAIL_KINDS.reminder, channel: EMAIL_CHANNEL, payload: {}, dedupeKey: `page-${i}`, eventId: ours.id }, new Date());
  const { cookie } = await staffSession(app, { role: 'organizer', unitIds: [unitX.id] });
  const first = await app.inject({ url: '/admin/mail?state=pending', headers: { cookie } });
  t.equal((first.body.match(/<tr data-message=/g) ?? []).length, 25);
  const next = /<a href="([^"]+)" rel="next">下一页<\/a>/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
  t.ok(next, 'a link to the next page');
  t.match(next, /^\/admin\/mail\?state=pending&cursor=/, 'keeping the filter');
  t.notMatch(first.body, '回到第一页');
  const second = await app.inject({ url: next!, headers: { cookie } });
  t.equal((second.body.match(/<tr data-message=/g) ?? []).length, 5, 'the rest');
  t.match(second.body, /<a href="\/admin\/mail\?state=pending">回到第一页<\/a>/);
  t.notMatch(second.body, 'rel="next"');
  const ids = (html: string) => (html.match(/<tr data-message="(\d+)">/g) ?? []).map((r) => /\d+/.exec(r)![0]);
  t.equal(new Set([...ids(first.body), ...ids(second.body)]).size, 30, 'no mail twice');
});

t.test('a failed mail is sent again through the form, with the page\'s CSRF token, and only by its unit', async (t) => {
  const { app, unitX, unitY, lecture, mail, messagesOf } = await scene(t);
  const organizer = await staffSession(app, { role: 'organizer', unitIds: [unitX.id] });
  const id = mail['x-refused']!;
  const stateOf = async () => (await messagesOf(lecture.id)).find((m) => m.id === id);

  const forged = await postForm(app, `/admin/mail/${id}/resend`, { _csrf: 'forged', eventId: lecture.id, state: 'failed' }, organizer.cookie);
  t.equal(forged.statusCode, 403);
  t.match(textOf(forged.body), '页面已过期，请重新提交一次。');
  t.match(forged.body, /<tr data-message=/, 'the list is shown again under the message');
  t.match(await stateOf(), { state: 'failed' }, 'nothing was done');

  const stranger = await staffSession(app, { role: 'organizer', unitIds: [unitY.id] });
  const refused = await postForm(app, `/admin/mail/${id}/resend`, { _csrf: stranger.csrf, eventId: lecture.id }, stranger.cookie);
  t.equal(refused.statusCode, 403);
  t.match(textOf(refused.body), '你没有权限进行这个操作。');
  t.match(await stateOf(), { state: 'failed' });

  const sent = await postForm(app, `/admin/mail/${id}/resend`, { _csrf: organizer.csrf, eventId: lecture.id, state: 'failed' }, organizer.cookie);
  t.equal(sent.statusCode, 303);
  t.equal(sent.headers.location, '/admin/mail?state=failed&done=resent');
  t.match(await stateOf(), { state: 'planned', attempts: 0 }, 'planned again, its attempts from zero');
  const after = await app.inject({ url: sent.headers.location as string, headers: { cookie: organizer.cookie } });
  t.match(textOf(after.body), '邮件已重新安排发送，稍后会再次尝试。');
  t.notMatch(after.body, `data-message="${id}"`, 'no longer among the failed');

  const again = await postForm(app, `/admin/mail/${id}/resend`, { _csrf: organizer.csrf, eventId: lecture.id, state: 'failed' }, organizer.cookie);
  t.equal(again.statusCode, 409);
  t.match(textOf(again.body), '这封邮件现在不是“发送失败”状态');
  const english = await postForm(app, `/admin/mail/${id}/resend?lang=en`, { _csrf: organizer.csrf, eventId: lecture.id }, organizer.cookie);
  t.equal(english.statusCode, 409);
  t.match(textOf(english.body), 'This mail is no longer failed');
});

t.test('checkers do not see the mail view', async (t) => {
  const { app, unitX } = await setup(t);
  const { cookie } = await staffSession(app, { role: 'checker', unitIds: [unitX.id] });
  const res = await app.inject({ url: '/admin/mail', headers: { cookie } });
  t.equal(res.statusCode, 403);
  t.match(textOf(res.body), '签到人员的账号不能查看邮件发送情况。');
  t.notMatch(res.body, '<table');
});
