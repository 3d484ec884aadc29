import type { Test } from 'tap';
import t from 'tap';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildUnit, eventBody } from './helpers/factories.js';
import { postForm, staffSession, textOf } from './helpers/ui.js';

/** The admin page that records attendance of sessions held without registration, per audience, through PUT …/attendance. */

type EventJson = { id: string; sessions: { id: string }[] };
type Session = Awaited<ReturnType<typeof staffSession>>;

const buildApp = (t: Test) => build(t, { config: { LOGIN_RATE_LIMIT_PER_MINUTE: 1000 } });
/** One app (and database) for the file: an app costs seconds on a busy machine. Each test makes its own unit, staff and event. */
let shared: ReturnType<typeof buildApp> | undefined;
const root = t;

async function setup() {
  const { app, db } = await (shared ??= buildApp(root));
  await buildAudiences(db);
  const unit = await buildUnit(db);
  const organizer = await staffSession(app, { role: 'organizer', unitIds: [unit.id] });

  /** A published event without registration, with a morning and an afternoon session. */
  async function openEvent(): Promise<EventJson> {
    const sessions = [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-22T14:00:00+08:00', endsAt: '2030-04-22T16:00:00+08:00' },
    ];
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { registrationMode: 'none', sessions }) });
    if (created.statusCode !== 201) throw new Error(`creating the event failed: ${created.body}`);
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${created.json<EventJson>().id}/publish`, headers: adminHeaders });
    if (published.statusCode !== 200) throw new Error(`publishing failed: ${published.body}`);
    return published.json<EventJson>();
  }

  /** What the JSON API reports as recorded, per session id. */
  async function recorded(eventId: string): Promise<Record<string, number>> {
    const res = await app.inject({ url: `/api/v1/events/${eventId}/registrations?limit=1`, headers: adminHeaders });
    return Object.fromEntries(res.json<{ totals: { sessionId: string; recordedAttendance: number }[] }>().totals.map((r) => [r.sessionId, r.recordedAttendance]));
  }

  const page = (url: string, who: Session) => app.inject({ url, headers: { cookie: who.cookie } });
  const post = (url: string, who: Session, fields: Record<string, string | number>, { csrf = true } = {}) =>
    postForm(app, url, { ...(csrf ? { _csrf: who.csrf } : {}), ...fields }, who.cookie);

  return { app, unit, organizer, openEvent, recorded, page, post };
}

/** The HTML of one session's section on the page. */
const sectionOf = (html: string, sessionId: string) => {
  const start = html.indexOf(`data-session="${sessionId}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
};
const fieldIdOf = (sessionId: string, slug: string) => `f-session-${sessionId}-counts-${slug}`;

t.test('the page lists each session with a count field per audience, in the reader\'s language, and the total recorded', async (t) => {
  const { organizer, openEvent, page, post } = await setup();
  const event = await openEvent();
  const [morning, afternoon] = event.sessions;
  t.equal((await post(`/admin/events/${event.id}/attendance/${morning!.id}`, organizer, { 'counts.elderly': 5 })).statusCode, 303);

  const res = await page(`/admin/events/${event.id}/attendance`, organizer);
  t.equal(res.statusCode, 200);
  t.equal((res.body.match(/<h1[ >]/g) ?? []).length, 1, 'one h1');
  const first = sectionOf(res.body, morning!.id);
  const second = sectionOf(res.body, afternoon!.id);
  t.match(textOf(first), /2030年4月22日 .*09:00–11:00/, 'the session in the event\'s zone');
  t.match(textOf(second), '14:00–16:00');
  for (const [slug, name] of [['youth', '青少年'], ['elderly', '老年人'], ['families', '亲子家庭']] as const) {
    t.match(first, new RegExp(`<label for="${fieldIdOf(morning!.id, slug)}">${name}`), `${slug}: labelled by its Chinese name`);
    t.match(first, `name="counts.${slug}"`, 'named after the API\'s pointer');
  }
  t.match(textOf(first), '已登记到场 5 人', 'the total recorded for the morning');
  t.match(textOf(second), '已登记到场 0 人');
  t.match(first, `action="/admin/events/${event.id}/attendance/${morning!.id}"`, 'each session posts its own form');
  t.match(first, /name="counts\.elderly" value="5"/, 'the forms hold what was recorded, per audience (a save replaces them all)');
  t.notMatch(first, /name="counts\.youth" value="\d/, 'and nothing where nothing was');
  t.notMatch(second, /name="counts\.[a-z-]+" value="\d/, 'the other session has none');
  const ids = [...res.body.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]!);
  t.same(ids.filter((id, i) => ids.indexOf(id) !== i), [], 'no id twice, though every session\'s form has the same field names');

  const english = await page(`/admin/events/${event.id}/attendance?lang=en`, organizer);
  t.match(sectionOf(english.body, morning!.id), new RegExp(`<label for="${fieldIdOf(morning!.id, 'youth')}">Young people`), 'the audience names in English');
  t.match(textOf(english.body), 'Recorded attendance 5 people');

  const list = await page(`/admin/events/${event.id}/registrations`, organizer);
  t.match(list.body, `href="/admin/events/${event.id}/attendance"`, 'the registrations pages link to it');
});

t.test('saving a session\'s counts records them through the API, replaces the earlier counts and says the new total', async (t) => {
  const { organizer, openEvent, recorded, page, post } = await setup();
  const event = await openEvent();
  const [morning, afternoon] = event.sessions;
  const url = `/admin/events/${event.id}/attendance/${afternoon!.id}`;

  const saved = await post(url, organizer, { 'counts.elderly': '30', 'counts.youth': ' 12 ', 'counts.families': '' });
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, `/admin/events/${event.id}/attendance?done=recorded&session=${afternoon!.id}`);
  t.same(await recorded(event.id), { [morning!.id]: 0, [afternoon!.id]: 42 }, 'the afternoon has 30 + 12; the morning is untouched');

  const after = await page(saved.headers.location as string, organizer);
  t.equal(after.statusCode, 200);
  t.match(textOf(after.body), /已保存 2030年4月22日 .*14:00–16:00 的到场人数：本场共登记 42 人。/, 'the notice names the session and the new total');
  t.match(textOf(sectionOf(after.body, afternoon!.id)), '已登记到场 42 人');

  const again = await post(url, organizer, { 'counts.families': '8' });
  t.equal(again.statusCode, 303);
  t.same(await recorded(event.id), { [morning!.id]: 0, [afternoon!.id]: 8 }, 'a new save replaces the counts rather than adding to them');
  const english = await page(`${again.headers.location as string}&lang=en`, organizer);
  t.match(textOf(english.body), /The counts of .*14:00.* are saved: 8 people recorded for this session\./);
});

t.test('a refused count is shown by its field, with the values kept, in Chinese and in English; nothing is saved', async (t) => {
  const { organizer, openEvent, recorded, post } = await setup();
  const event = await openEvent();
  const [morning, afternoon] = event.sessions;
  const url = `/admin/events/${event.id}/attendance/${afternoon!.id}`;
  t.equal((await post(url, organizer, { 'counts.youth': 7 })).statusCode, 303);

  const refused = await post(url, organizer, { 'counts.youth': '-3', 'counts.elderly': '十二', 'counts.families': '4' });
  t.equal(refused.statusCode, 400);
  const section = sectionOf(refused.body, afternoon!.id);
  const youth = fieldIdOf(afternoon!.id, 'youth');
  const elderly = fieldIdOf(afternoon!.id, 'elderly');
  t.match(section, `<p class="error" id="${youth}-error">不能小于 0。</p>`, 'a negative count: said by its field');
  t.match(section, `<p class="error" id="${elderly}-error">请填写整数人数，例如 12。</p>`, 'not a number: said by its field');
  t.match(section, new RegExp(`id="${youth}" name="counts.youth" value="-3"[^>]*aria-invalid="true"[^>]*aria-describedby="${youth}-error"`), 'tied to the input, value kept');
  t.match(section, `name="counts.elderly" value="十二"`);
  t.match(section, `name="counts.families" value="4"`, 'the accepted value is kept too');
  t.match(refused.body, /class="error-summary"[\s\S]*提交的内容有误/, 'the summary on top');
  t.match(refused.body, `href="#${youth}"`, 'whose links land on the field');
  t.notMatch(sectionOf(refused.body, morning!.id), 'class="error"', 'the other session\'s form is untouched');
  t.same(await recorded(event.id), { [morning!.id]: 0, [afternoon!.id]: 7 }, 'nothing changed');

  const english = await post(`${url}?lang=en`, organizer, { 'counts.youth': '-3', 'counts.elderly': 'twelve' });
  t.equal(english.statusCode, 400);
  const englishSection = sectionOf(english.body, afternoon!.id);
  t.match(englishSection, `<p class="error" id="${youth}-error">Must be at least 0.</p>`);
  t.match(englishSection, `<p class="error" id="${elderly}-error">Enter a whole number of people, such as 12.</p>`);
  t.match(english.body, 'Some of what was sent is not valid');

  const unknown = await post(url, organizer, { 'counts.martians': '3' });
  t.equal(unknown.statusCode, 422, 'an audience that does not exist is the API\'s to refuse');
  t.match(textOf(unknown.body), '有的人群分类已不存在');
  t.same(await recorded(event.id), { [morning!.id]: 0, [afternoon!.id]: 7 });

  const noSession = await post(`/admin/events/${event.id}/attendance/00000000-0000-4000-8000-000000000000`, organizer, { 'counts.youth': '3' });
  t.equal(noSession.statusCode, 404);
  t.match(textOf(noSession.body), '找不到这个场次');
  t.equal((await post(`/admin/events/${event.id}/attendance/not-an-id`, organizer, { 'counts.youth': '3' })).statusCode, 404, 'a path that cannot name a session');
});

t.test('another unit\'s organizer and the unit\'s checkers are refused; so is a form without its CSRF token', async (t) => {
  const { app, unit, organizer, openEvent, recorded, page, post } = await setup();
  const event = await openEvent();
  const session = event.sessions[0]!;
  const url = `/admin/events/${event.id}/attendance/${session.id}`;
  const otherUnit = await buildUnit((await shared!).db);
  const stranger = await staffSession(app, { role: 'organizer', unitIds: [otherUnit.id] });
  const checker = await staffSession(app, { role: 'checker', unitIds: [unit.id] });

  for (const [who, staff] of [['another unit\'s organizer', stranger], ['a checker', checker]] as const) {
    const seen = await page(`/admin/events/${event.id}/attendance`, staff);
    t.equal(seen.statusCode, 403, `${who} does not see the page`);
    t.notMatch(seen.body, 'name="counts.', 'nor its forms');
    const tried = await post(url, staff, { 'counts.youth': '9' });
    t.equal(tried.statusCode, 403, `${who} cannot save`);
  }
  const checkIn = await page(`/admin/events/${event.id}/check-in`, checker);
  t.notMatch(checkIn.body, `/admin/events/${event.id}/attendance`, 'a checker is not offered the link');

  const noToken = await post(url, organizer, { 'counts.youth': '9' }, { csrf: false });
  t.equal(noToken.statusCode, 403, 'no CSRF token: refused');
  t.match(textOf(noToken.body), '页面已过期，请重新提交一次。');
  t.match(noToken.body, 'name="counts.youth" value="9"', 'the form again, with what was typed');
  const wrongToken = await postForm(app, url, { _csrf: checker.csrf, 'counts.youth': '9' }, organizer.cookie);
  t.equal(wrongToken.statusCode, 403, 'another session\'s token: refused');
  t.equal((await recorded(event.id))[session.id], 0, 'nothing was recorded');

  const signedOut = await app.inject({ url: `/admin/events/${event.id}/attendance` });
  t.equal(signedOut.statusCode, 303);
  t.match(signedOut.headers.location, /^\/admin\/login\?next=/, 'signed out: to the sign-in page');
});
