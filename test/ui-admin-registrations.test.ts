import { eq } from 'drizzle-orm';
import type { Test } from 'tap';
import t from 'tap';
import { DateTime } from 'luxon';
import { buildApp as buildAppWith } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { outboxMessages } from '../src/db/schema/index.js';
import { ADMIN_TOKEN, adminHeaders, build, buildAccount, TEST_SECRET_KEY } from './helpers/build.js';
import { testDatabase } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { postForm, staffSession, textOf } from './helpers/ui.js';

/** The admin pages of an event's registrations: the list with totals and waiting list, search, row actions, check-in, the export link, assisted sign-ups, the mail log. */

type Registration = {
  id: string; sessionId: string; status: string; headcount: number; waitlistPosition: number | null; name: string | null;
  phone: string | null; checkInCode: string; checkedInHeadcount: number | null;
};
type SignedUp = { registration: Registration; manageToken: string; manageUrl: string };
type EventJson = { id: string; sessions: { id: string }[] };
type Session = Awaited<ReturnType<typeof staffSession>>;

/** Sign-ups and sign-ins are not rate-limited here: the limits have tests of their own. */
const buildApp = (t: Test) => build(t, { config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 100_000, LOGIN_RATE_LIMIT_PER_MINUTE: 1000 } });
/** One app (and database) for the file: an app costs seconds on a busy machine. Each test makes its own unit, staff and events. */
let shared: ReturnType<typeof buildApp> | undefined;
const root = t;

async function setup() {
  const { app, db } = await (shared ??= buildApp(root));
  const unit = await buildUnit(db);
  const organizer = await staffSession(app, { role: 'organizer', unitIds: [unit.id] });
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;

  let phones = 0;
  const nextPhone = () => `139${String(++phones).padStart(8, '0')}`;

  async function publishedEvent(overrides: Record<string, unknown> = {}, day?: string): Promise<EventJson> {
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'both', capacity: 50, ...overrides }, day) });
    if (created.statusCode !== 201) throw new Error(`creating the event failed: ${created.body}`);
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${created.json<EventJson>().id}/publish`, headers: adminHeaders });
    if (published.statusCode !== 200) throw new Error(`publishing failed: ${published.body}`);
    return published.json<EventJson>();
  }

  /** A resident's sign-up through the public API. */
  async function signUp(eventId: string, fields: Record<string, unknown> = {}): Promise<SignedUp> {
    const res = await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`, payload: { kind: 'individual', name: '报名人', phone: nextPhone(), partySize: 1, consentVersion, ...fields } });
    if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.body}`);
    return res.json<SignedUp>();
  }

  /** A registration as the JSON API has it now. */
  async function current(eventId: string, id: string): Promise<Registration> {
    const res = await app.inject({ url: `/api/v1/events/${eventId}/registrations?limit=500`, headers: adminHeaders });
    return res.json<{ items: Registration[] }>().items.find((r) => r.id === id)!;
  }

  const page = (url: string, who: Session) => app.inject({ url, headers: { cookie: who.cookie } });
  const post = (url: string, who: Session, fields: Record<string, string | number | string[]> = {}) => postForm(app, url, { _csrf: who.csrf, ...fields }, who.cookie);

  return { app, db, unit, organizer, consentVersion, nextPhone, publishedEvent, signUp, current, page, post };
}

/** The HTML of one table, found by its data-testid. */
const tableOf = (html: string, testid: string) => {
  const start = html.indexOf(`data-testid="${testid}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</table>', start));
};

t.test('the list shows each session\'s totals, every registration with its status, and the waiting list in order', async (t) => {
  const { organizer, publishedEvent, signUp, page } = await setup();
  const event = await publishedEvent({ capacity: 3 });
  await signUp(event.id, { name: '甲确认', partySize: 2 });
  await signUp(event.id, { name: '乙确认', partySize: 1 });
  const first = await signUp(event.id, { name: '丙候补', partySize: 2 });
  const second = await signUp(event.id, { name: '丁候补', partySize: 1 });
  const third = await signUp(event.id, { name: '戊候补', partySize: 1 });
  t.same([first, second, third].map((s) => s.registration.status), ['waitlisted', 'waitlisted', 'waitlisted']);

  const res = await page(`/admin/events/${event.id}/registrations`, organizer);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store', 'personal data is not cached');
  const totals = textOf(tableOf(res.body, 'totals'));
  t.match(totals, '3 人（2 份）', 'confirmed: 3 people in 2 sign-ups');
  t.match(totals, '4 人（3 份）', 'waitlisted: 4 people in 3 sign-ups');
  t.match(totals, /名额 剩余名额 .* 3 0 /, 'capacity 3, none left');
  t.match(totals, '2030年4月22日', 'the session in the event\'s zone');

  const waitlist = textOf(tableOf(res.body, 'waitlist'));
  t.match(waitlist, /1 丙候补 2 .* 2 丁候补 1 .* 3 戊候补 1/, 'in the order it moves up, with positions and headcounts');
  t.notMatch(waitlist, '甲确认', 'only the waiting');

  const list = textOf(tableOf(res.body, 'registrations'));
  t.match(list, /甲确认 .*已确认/);
  t.match(list, '候补第 2 位');
  t.match(list, first.registration.checkInCode);
  t.match(list, first.registration.phone!, 'staff see the contact');
  t.equal((res.body.match(/action="[^"]+\/promote"/g) ?? []).length, 6, 'a promote button for each waiting registration, in the list and in the waiting list');

  const english = await page(`/admin/events/${event.id}/registrations?lang=en`, organizer);
  t.match(textOf(english.body), '3 people (2 sign-ups)');
  t.match(textOf(english.body), 'Number 2 on the waiting list');

  const onlyWaiting = await page(`/admin/events/${event.id}/registrations?status=waitlisted`, organizer);
  t.notMatch(textOf(tableOf(onlyWaiting.body, 'registrations')), '甲确认', 'the status filter reaches the API');
  t.match(onlyWaiting.body, /<option value="waitlisted" selected>/, 'and stays chosen');
});

t.test('search finds a person by name, phone, school or code; the list pages by cursor', async (t) => {
  const { organizer, publishedEvent, signUp, page } = await setup();
  const event = await publishedEvent({ capacity: 500 });
  const wang = await signUp(event.id, { name: '王小明', phone: '138 0013 8000', email: 'wang@example.cn' });
  await signUp(event.id, { name: '李小红' });
  const school = await signUp(event.id, { kind: 'class', name: undefined, phone: undefined, partySize: undefined, school: '密云区第一小学', gradeClass: '三年级二班', headcount: 30, teacherName: '赵老师', teacherPhone: '13900000099' });
  for (let i = 0; i < 100; i++) await signUp(event.id, { name: `居民${i}` });

  const search = async (q: string) => textOf(tableOf((await page(`/admin/events/${event.id}/registrations?q=${encodeURIComponent(q)}`, organizer)).body, 'registrations'));
  for (const q of ['小明', '13800138000', '0013 8000', 'WANG@example', wang.registration.checkInCode.toLowerCase()]) {
    const found = await search(q);
    t.match(found, '王小明', `found by ${q}`);
    t.notMatch(found, '李小红', `and nobody else (${q})`);
  }
  const bySchool = await search('第一小学');
  t.match(bySchool, '密云区第一小学 三年级二班');
  t.match(bySchool, '带队教师：赵老师');
  t.notMatch(bySchool, '王小明');
  t.equal(school.registration.status, 'confirmed');
  const nothing = await page(`/admin/events/${event.id}/registrations?q=${encodeURIComponent('没有这个人')}`, organizer);
  t.match(textOf(nothing.body), '找到 0 份报名');
  t.match(textOf(nothing.body), '没有符合条件的报名');
  const late = await search('居民99');
  t.match(late, '居民99', 'a search reads past the first page');

  const first = await page(`/admin/events/${event.id}/registrations`, organizer);
  t.notMatch(textOf(first.body), '居民99', 'a page holds 100');
  const next = /href="(\/admin\/events\/[^"]+cursor=[^"#]+)" rel="next"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
  t.ok(next, 'with a link to the next page');
  const second = await page(next!, organizer);
  t.match(textOf(second.body), '居民99');
  t.notMatch(textOf(second.body), '王小明');
});

t.test('check-in by code through the form marks attended; undo reverts it', async (t) => {
  const { organizer, publishedEvent, signUp, current, page, post } = await setup();
  const event = await publishedEvent();
  const family = await signUp(event.id, { name: '张家', partySize: 3 });

  const desk = await page(`/admin/events/${event.id}/check-in`, organizer);
  t.equal(desk.statusCode, 200);
  t.match(desk.body, /<input id="f-code" name="code" value(="")? required autofocus/, 'the code field is focused on arrival');
  t.match(desk.body, /<script src="\/assets\/check-in\.js" defer><\/script>/, 'the camera script is a file (CSP: self)');
  t.match(desk.body, /<button type="button" class="secondary" id="scan-start" hidden/, 'the scan button is hidden until the script finds a camera');
  t.equal((await page('/assets/check-in.js', organizer)).statusCode, 200);

  const res = await post(`/admin/events/${event.id}/check-in`, organizer, { code: ` ${family.registration.checkInCode.toLowerCase()} `, headcount: '2' });
  t.equal(res.statusCode, 200);
  const shown = textOf(res.body);
  t.match(shown, '签到成功');
  t.match(shown, '张家');
  t.match(shown, '到场 2 人（报名 3 人）');
  t.match(shown, '2030年4月22日');
  t.match(res.body, /<input id="f-code" name="code" value(="")? required autofocus/, 'the form is ready for the next code');
  const attended = await current(event.id, family.registration.id);
  t.equal(attended.status, 'attended');
  t.equal(attended.checkedInHeadcount, 2);

  const undo = /action="(\/admin\/events\/[^"]+\/check-in\/[^"]+\/undo)"/.exec(res.body)?.[1];
  t.equal(undo, `/admin/events/${event.id}/check-in/${family.registration.id}/undo`);
  const undone = await post(undo!, organizer);
  t.equal(undone.statusCode, 303);
  t.equal(undone.headers.location, `/admin/events/${event.id}/check-in?done=undone`);
  t.equal((await current(event.id, family.registration.id)).status, 'confirmed');
  t.match(textOf((await page(undone.headers.location as string, organizer)).body), '已撤销签到');

  const fromList = await post(`/admin/events/${event.id}/registrations/${family.registration.id}/check-in`, organizer, { headcount: '3', back: `/admin/events/${event.id}/registrations?status=confirmed` });
  t.equal(fromList.statusCode, 303, 'checked in from the list too');
  t.equal(fromList.headers.location, `/admin/events/${event.id}/registrations?status=confirmed&done=checkedIn#list`, 'back to the list as it was');
  t.equal((await current(event.id, family.registration.id)).checkedInHeadcount, 3);
  const undoFromList = await post(`/admin/events/${event.id}/registrations/${family.registration.id}/undo-check-in`, organizer, { back: 'https://evil.example/' });
  t.equal(undoFromList.headers.location, `/admin/events/${event.id}/registrations?done=undone#list`, 'never back to another address');
  t.equal((await current(event.id, family.registration.id)).status, 'confirmed');
  const garbled = await post(`/admin/events/${event.id}/registrations/${family.registration.id}/check-in`, organizer, { back: 'http://[' });
  t.equal(garbled.headers.location, `/admin/events/${event.id}/registrations?done=checkedIn#list`, 'a garbled return address is ignored');
});

t.test('a code that cannot be checked in is said next to the code field, in Chinese and English', async (t) => {
  const { organizer, publishedEvent, signUp, page, post, app } = await setup();
  const event = await publishedEvent({ capacity: 1 });
  const other = await publishedEvent();
  const seated = await signUp(event.id, { name: '已确认' });
  const waiting = await signUp(event.id, { name: '在候补' });
  const elsewhere = await signUp(other.id, { name: '别的活动' });
  const cancelled = await signUp(other.id);
  await app.inject({ method: 'POST', url: `/api/v1/registrations/${cancelled.manageToken}/cancel` });

  const attempt = (eventId: string, code: string, lang = '') => post(`/admin/events/${eventId}/check-in${lang}`, organizer, { code });
  const fieldError = (html: string) => /<p class="error" id="f-code-error" role="alert">([^<]+)<\/p>/.exec(html)?.[1] ?? '';

  const unknown = await attempt(event.id, 'ZZZZ9999');
  t.equal(unknown.statusCode, 404);
  t.match(fieldError(unknown.body), '没有找到这个签到码');
  t.match(unknown.body, /aria-invalid="true" aria-describedby="f-code-hint f-code-error"/, 'the field is marked and tied to its message');
  t.match(unknown.body, /value="ZZZZ9999"/, 'the code typed is kept');
  t.match(unknown.body, /class="error-summary"/);
  const english = await attempt(event.id, 'ZZZZ9999', '?lang=en');
  t.match(fieldError(english.body), 'No registration has this check-in code');

  const anotherEvents = await attempt(event.id, elsewhere.registration.checkInCode);
  t.equal(anotherEvents.statusCode, 404, 'a code of another event is not found here');
  t.match(fieldError(anotherEvents.body), '其他活动的签到码在这里无效');

  const onWaitingList = await attempt(event.id, waiting.registration.checkInCode);
  t.equal(onWaitingList.statusCode, 409);
  t.match(fieldError(onWaitingList.body), '还在候补名单上');
  t.match(fieldError((await attempt(event.id, waiting.registration.checkInCode, '?lang=en')).body), 'on the waiting list');

  const wasCancelled = await attempt(other.id, cancelled.registration.checkInCode);
  t.equal(wasCancelled.statusCode, 409);
  t.match(fieldError(wasCancelled.body), '已经取消');

  t.equal((await attempt(event.id, seated.registration.checkInCode)).statusCode, 200);
  const twice = await attempt(event.id, seated.registration.checkInCode);
  t.equal(twice.statusCode, 409);
  t.match(fieldError(twice.body), /已经签到过了（\d\d:\d\d）/, 'already checked in, with the time');
  t.match(fieldError((await attempt(event.id, seated.registration.checkInCode, '?lang=en')).body), /already checked in \(\d\d:\d\d\)/);

  const tooShort = await attempt(event.id, 'AB');
  t.equal(tooShort.statusCode, 400);
  t.match(fieldError(tooShort.body), '至少 4 个字符', 'the API\'s field code, through the catalogue');
  const tooMany = await post(`/admin/events/${event.id}/check-in`, organizer, { code: waiting.registration.checkInCode, headcount: 'many' });
  t.equal(tooMany.statusCode, 400);
  t.match(tooMany.body, /<p class="error" id="f-headcount-error">格式不正确/, 'a headcount that is no number is named by its own field');
  t.equal((await page(`/admin/events/${event.id}/check-in`, organizer)).statusCode, 200);
});

t.test('a checker of the unit lists and checks in, and is refused cancelling; organizers of another unit are refused everything', async (t) => {
  const { app, db, unit, organizer, publishedEvent, signUp, current, page, post } = await setup();
  const event = await publishedEvent();
  const person = await signUp(event.id, { name: '检票测试' });
  const checker = await staffSession(app, { role: 'checker', unitIds: [unit.id] });

  const list = await page(`/admin/events/${event.id}/registrations`, checker);
  t.equal(list.statusCode, 200, 'a checker may list');
  t.match(textOf(list.body), '检票测试');
  t.notMatch(list.body, /\/cancel"/, 'no cancel button for a checker');
  t.notMatch(list.body, /data-testid="csv-link"/, 'nor the export');
  t.notMatch(list.body, /registrations\/new"/, 'nor assisted sign-ups');

  const checkedIn = await post(`/admin/events/${event.id}/check-in`, checker, { code: person.registration.checkInCode });
  t.equal(checkedIn.statusCode, 200);
  t.equal((await current(event.id, person.registration.id)).status, 'attended');
  t.equal((await post(`/admin/events/${event.id}/check-in/${person.registration.id}/undo`, checker)).statusCode, 303, 'and may undo');

  const cancel = await post(`/admin/events/${event.id}/registrations/${person.registration.id}/cancel`, checker, { back: `/admin/events/${event.id}/registrations` });
  t.equal(cancel.statusCode, 403, 'the API\'s 403');
  t.match(textOf(cancel.body), '你没有权限进行这个操作');
  t.equal((await current(event.id, person.registration.id)).status, 'confirmed', 'nothing changed');
  t.equal((await page(`/api/v1/events/${event.id}/registrations.csv`, checker)).statusCode, 403);
  t.equal((await page(`/admin/events/${event.id}/messages`, checker)).statusCode, 403, 'nor the mail log');

  const stranger = await staffSession(app, { role: 'organizer', unitIds: [(await buildUnit(db)).id] });
  for (const url of [`/admin/events/${event.id}/registrations`, `/admin/events/${event.id}/registrations?q=${encodeURIComponent('检票')}`, `/admin/events/${event.id}/check-in`, `/admin/events/${event.id}/registrations/new`, `/admin/events/${event.id}/messages`]) {
    const res = await page(url, stranger);
    t.equal(res.statusCode, 403, `${url} is refused`);
    t.notMatch(res.body, '检票测试', 'with no personal data');
    t.notMatch(res.body, person.registration.phone!);
  }
  const strangerCheckIn = await post(`/admin/events/${event.id}/check-in`, stranger, { code: person.registration.checkInCode });
  t.equal(strangerCheckIn.statusCode, 403);
  t.notMatch(strangerCheckIn.body, '检票测试');
  t.equal((await current(event.id, person.registration.id)).status, 'confirmed');

  t.equal((await app.inject({ url: `/admin/events/${event.id}/registrations` })).statusCode, 303, 'no session: to the sign-in page');
  t.equal((await page('/admin/events/not-an-id/registrations', organizer)).statusCode, 404);
});

t.test('the export link downloads the CSV with the session cookie, for the chosen session', async (t) => {
  const { organizer, publishedEvent, signUp, page } = await setup();
  const event = await publishedEvent({
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' },
    ],
  });
  const [morning, nextDay] = event.sessions;
  await signUp(event.id, { name: '第一天', sessionId: morning!.id });
  await signUp(event.id, { name: '第二天', sessionId: nextDay!.id });

  const all = await page(`/admin/events/${event.id}/registrations`, organizer);
  const href = (html: string) => /<a class="button secondary" href="([^"]+)" download data-testid="csv-link">/.exec(html)?.[1]?.replace(/&amp;/g, '&');
  t.equal(href(all.body), `/api/v1/events/${event.id}/registrations.csv`);
  const csv = await page(href(all.body)!, organizer);
  t.equal(csv.statusCode, 200, 'a GET with the session cookie needs no CSRF token');
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.match(csv.headers['content-disposition'], /^attachment/);
  t.match(csv.body, '第一天');
  t.match(csv.body, '第二天');

  const filtered = await page(`/admin/events/${event.id}/registrations?sessionId=${nextDay!.id}`, organizer);
  t.equal(href(filtered.body), `/api/v1/events/${event.id}/registrations.csv?sessionId=${nextDay!.id}`, 'the link carries the session filter');
  t.notMatch(textOf(tableOf(filtered.body, 'registrations')), '第一天');
  t.equal((textOf(tableOf(filtered.body, 'totals')).match(/2030年4月2\d日/g) ?? []).length, 1, 'the totals of that session only');
  const one = await page(href(filtered.body)!, organizer);
  t.match(one.body, '第二天');
  t.notMatch(one.body, '第一天');
});

t.test('promote by hand within the cut-off; cancel by the organizer; refusals are said on the list', async (t) => {
  // A session the day after tomorrow under the longest cut-off (7 days): nobody moves up by themselves.
  const { organizer, publishedEvent, signUp, current, page, post } = await setup();
  const day = DateTime.now().setZone('Asia/Shanghai').plus({ days: 2 }).toISODate()!;
  const event = await publishedEvent({ capacity: 3, promotionCutoffMinutes: 10080 }, day);
  const family = await signUp(event.id, { name: '两口之家', partySize: 2 });
  await signUp(event.id, { name: '先到的人', partySize: 1 });
  const big = await signUp(event.id, { name: '三口之家', partySize: 3 });
  const single = await signUp(event.id, { name: '一个人', partySize: 1 });
  t.same([big.registration.status, single.registration.status], ['waitlisted', 'waitlisted']);

  const back = `/admin/events/${event.id}/registrations?status=waitlisted`;
  const cancelled = await post(`/admin/events/${event.id}/registrations/${family.registration.id}/cancel`, organizer, { back });
  t.equal(cancelled.statusCode, 303);
  t.equal(cancelled.headers.location, `${back}&done=cancelled#list`);
  t.equal((await current(event.id, family.registration.id)).status, 'cancelled');
  t.equal((await current(event.id, single.registration.id)).status, 'waitlisted', 'within the cut-off nobody moves up by themselves');

  const tooBig = await post(`/admin/events/${event.id}/registrations/${big.registration.id}/promote`, organizer, { back });
  t.equal(tooBig.statusCode, 409);
  t.match(textOf(tooBig.body), '剩余名额不够');
  t.match(tooBig.body, /<option value="waitlisted" selected>/, 'the list as it was, filters kept');

  const promoted = await post(`/admin/events/${event.id}/registrations/${single.registration.id}/promote`, organizer, { back });
  t.equal(promoted.statusCode, 303);
  t.equal((await current(event.id, single.registration.id)).status, 'confirmed');
  const after = await page(promoted.headers.location as string, organizer);
  t.match(textOf(after.body), '已转为确认');

  const again = await post(`/admin/events/${event.id}/registrations/${family.registration.id}/cancel`, organizer, { back: `/admin/events/${event.id}/registrations?lang=en` });
  t.equal(again.statusCode, 409);
  t.match(textOf(again.body), '这份报名已经取消');
});

t.test('a form without the CSRF token is refused and changes nothing', async (t) => {
  const { app, organizer, publishedEvent, signUp, current } = await setup();
  const event = await publishedEvent();
  const person = await signUp(event.id);
  const forged = (url: string, fields: Record<string, string> = {}) => postForm(app, url, { _csrf: 'forged', ...fields }, organizer.cookie);

  const cancel = await forged(`/admin/events/${event.id}/registrations/${person.registration.id}/cancel`);
  t.equal(cancel.statusCode, 403);
  t.match(textOf(cancel.body), '页面已过期');
  const missing = await postForm(app, `/admin/events/${event.id}/check-in`, { code: person.registration.checkInCode }, organizer.cookie);
  t.equal(missing.statusCode, 403);
  t.match(missing.body, /<p class="error" id="f-code-error" role="alert">页面已过期/);
  t.equal((await forged(`/admin/events/${event.id}/registrations/new`, { name: '伪造', phone: '13912345678' })).statusCode, 403);
  t.equal((await forged(`/admin/events/${event.id}/registrations/${person.registration.id}/manage-link`)).statusCode, 403);
  const now = await current(event.id, person.registration.id);
  t.equal(now.status, 'confirmed');
  const all = await app.inject({ url: `/api/v1/events/${event.id}/registrations`, headers: adminHeaders });
  t.equal(all.json<{ items: unknown[] }>().items.length, 1, 'nobody was registered');
  t.equal((await app.inject({ url: `/api/v1/registrations/${person.manageToken}` })).statusCode, 200, 'the link was not renewed');
});

t.test('a new manage link is shown once to pass on, and mailed; the old one stops working', async (t) => {
  const { app, organizer, publishedEvent, signUp, post } = await setup();
  const event = await publishedEvent();
  const person = await signUp(event.id, { name: '丢了链接', email: 'lost@example.cn' });
  const res = await post(`/admin/events/${event.id}/registrations/${person.registration.id}/manage-link`, organizer, { back: `/admin/events/${event.id}/registrations` });
  t.equal(res.statusCode, 200);
  const url = /data-testid="manage-url">([^<]+)</.exec(res.body)?.[1];
  t.ok(url && url !== person.manageUrl, 'a new link');
  t.equal((await app.inject({ url: new URL(url!).pathname })).statusCode, 200, 'the new link opens the registration');
  t.equal((await app.inject({ url: `/api/v1/registrations/${person.manageToken}` })).statusCode, 404, 'the old one no longer does');
  t.match(textOf(res.body), '新链接也已发到 lost@example.cn。');
  t.notMatch(res.body, /send-link/, 'no button to mail it again');
});

t.test('assisted sign-up: someone on the phone, a walk-in, and a refused form with the message by its field', async (t) => {
  const { organizer, publishedEvent, page, post, current, consentVersion } = await setup();
  const event = await publishedEvent({ capacity: 10 });

  const form = await page(`/admin/events/${event.id}/registrations/new`, organizer);
  t.equal(form.statusCode, 200);
  t.match(form.body, /<label for="f-phone">手机号码/);
  t.match(form.body, new RegExp(`name="consentVersion" value="${consentVersion}"`));

  const wrong = await post(`/admin/events/${event.id}/registrations/new`, organizer, { kind: 'individual', name: '电话报名', phone: '12345', partySize: '2', consentVersion });
  t.equal(wrong.statusCode, 422);
  t.match(wrong.body, /<p class="error" id="f-phone-error">请填写 11 位、以 1 开头的手机号码/);
  t.match(wrong.body, /value="电话报名"/, 'the values are kept');
  const noConsent = await post(`/admin/events/${event.id}/registrations/new?lang=en`, organizer, { kind: 'individual', name: 'Phone', phone: '13912345678' });
  t.equal(noConsent.statusCode, 422);
  t.match(noConsent.body, /id="f-consentVersion-error">/, 'the missing consent is said by its box');

  const phoned = await post(`/admin/events/${event.id}/registrations/new`, organizer, { kind: 'individual', name: '电话报名', phone: '139 1234 5678', partySize: '2', consentVersion });
  t.equal(phoned.statusCode, 200);
  const shown = textOf(phoned.body);
  t.match(shown, '报名已登记');
  t.match(shown, '电话报名');
  t.match(shown, '不会收到邮件', 'no mail without an address: the page says so');
  const manageUrl = /data-testid="manage-url">([^<]+)</.exec(phoned.body)?.[1];
  t.ok(manageUrl, 'with the link to pass on');

  const walkIn = await post(`/admin/events/${event.id}/registrations/new`, organizer, { kind: 'individual', partySize: '3', walkIn: 'true', consentVersion });
  t.equal(walkIn.statusCode, 200);
  t.match(textOf(walkIn.body), '已签到');
  const list = await page(`/admin/events/${event.id}/registrations`, organizer);
  t.match(textOf(tableOf(list.body, 'registrations')), /现场登记/);
  t.match(textOf(tableOf(list.body, 'totals')), '3 人（1 份）', 'the walk-in counts as attended');
  const code = /<dd class="code">([^<]+)</.exec(phoned.body)?.[1];
  const row = (await (await page(`/api/v1/events/${event.id}/registrations`, organizer)).json<{ items: Registration[] }>()).items.find((r) => r.checkInCode === code)!;
  t.equal((await current(event.id, row.id)).headcount, 2);
});

t.test('the mail log lists the event\'s messages; a failed one is sent again', async (t) => {
  const { db, organizer, publishedEvent, signUp, page, post } = await setup();
  const event = await publishedEvent();
  await signUp(event.id, { name: '有邮箱', email: 'has-mail@example.cn' });
  const [message] = await db.select().from(outboxMessages).where(eq(outboxMessages.eventId, event.id));
  t.ok(message, 'the confirmation was planned');
  await db.update(outboxMessages).set({ state: 'failed', lastError: '550 mailbox unavailable' }).where(eq(outboxMessages.id, message!.id));

  const log = await page(`/admin/events/${event.id}/messages`, organizer);
  t.equal(log.statusCode, 200);
  const table = textOf(tableOf(log.body, 'messages'));
  t.match(table, '报名确认');
  t.match(table, '发送失败');
  t.match(table, '550 mailbox unavailable');
  t.notMatch(log.body, 'has-mail@example.cn', 'no addresses in the log');

  const resent = await post(`/admin/events/${event.id}/messages/${message!.id}/resend`, organizer);
  t.equal(resent.statusCode, 303);
  const [after] = await db.select().from(outboxMessages).where(eq(outboxMessages.id, message!.id));
  t.not(after!.state, 'failed', 'planned again');
  const twice = await post(`/admin/events/${event.id}/messages/${message!.id}/resend`, organizer);
  t.equal(twice.statusCode, 409);
  t.match(textOf(twice.body), '只有发送失败的邮件才能重新发送');
});

t.test('names, phones and addresses handled on these pages never reach the log', async (t) => {
  const lines: string[] = [];
  const database = await testDatabase(t);
  await buildAccount(database.db, { role: 'admin', token: ADMIN_TOKEN, email: 'admin@example.cn' });
  const config = loadConfig({ LOG_LEVEL: 'info', SECRET_KEY: TEST_SECRET_KEY });
  const app = await buildAppWith({ config, database, logStream: { write(line: string) { lines.push(line); } } });
  t.teardown(() => app.close());
  const unit = await buildUnit(database.db);
  const organizer = await staffSession(app, { role: 'organizer', unitIds: [unit.id] });
  const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'individual', capacity: 5 }) });
  const eventId = created.json<{ id: string }>().id;
  await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/publish`, headers: adminHeaders });
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const person = { name: '孙日志', phone: '13611112222', email: 'sun.log@example.cn' };
  const signedUp = await app.inject({ method: 'POST', url: `/api/v1/events/${eventId}/registrations`, payload: { kind: 'individual', ...person, consentVersion } });
  const { registration } = signedUp.json<SignedUp>();

  const post = (url: string, fields: Record<string, string>) => postForm(app, url, { _csrf: organizer.csrf, ...fields }, organizer.cookie);
  for (const q of [person.name, person.phone, person.email]) {
    const found = await app.inject({ url: `/admin/events/${eventId}/registrations?q=${encodeURIComponent(q)}`, headers: { cookie: organizer.cookie } });
    t.match(textOf(found.body), person.name, `found by ${q}`);
  }
  t.equal((await post(`/admin/events/${eventId}/check-in`, { code: registration.checkInCode })).statusCode, 200);
  t.equal((await post(`/admin/events/${eventId}/registrations/new`, { kind: 'individual', name: '周电话', phone: '13633334444', consentVersion })).statusCode, 200);
  t.equal((await post(`/admin/events/${eventId}/registrations/${registration.id}/manage-link`, {})).statusCode, 200);

  t.ok(lines.some((line) => line.includes(`/admin/events/${eventId}/check-in`)), 'the pages are logged');
  t.ok(lines.some((line) => line.includes(`/admin/events/${eventId}/registrations?q=[redacted]`)), 'the searches are logged, their terms redacted');
  const leaks = lines.filter((line) => [person.name, person.phone, person.email, '周电话', '13633334444', encodeURIComponent(person.name), encodeURIComponent(person.email)].some((value) => line.includes(value)));
  t.same(leaks, [], 'no log line holds personal data, not even a search term');
});
