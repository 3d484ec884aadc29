import t from 'tap';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { daysFromFirstSession, instantIn, tagsOf } from '../src/ui/form-values.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildCampaign, buildObservance, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { postForm, staffSession, textOf } from './helpers/ui.js';

type App = Awaited<ReturnType<typeof build>>['app'];
type Session = { id: string; startsAt: string; endsAt: string; capacity: number | null; effectiveCapacity: number | null; seatsLeft: number | null; status: string };
type Event = {
  id: string; titleZh: string; titleEn: string | null; descriptionZh: string | null; status: string; type: string; ownerUnit: { id: string };
  observance: { id: string } | null; task: { id: string } | null; venue: { id: string } | null; audiences: string[]; capacity: number | null;
  registrationMode: string; registrationOpensAt: string | null; registrationClosesAt: string | null; partySizeLimit: number; waitlistEnabled: boolean;
  promotionCutoffMinutes: number; reminderOffsetsMinutes: number[]; tags: string[]; reviewComment: string | null; timezone: string;
  sessions: Session[]; questions: { labelZh: string; kind: string; options: { labelZh: string }[] }[]; coUnits: { id: string }[];
};

/** What the JSON API says now, read as an administrator: the tests check the pages' effects there. */
const apiGet = async <T = Event>(app: App, url: string): Promise<T> => (await app.inject({ url: `/api/v1${url}`, headers: adminHeaders })).json<T>();
const createEvent = async (app: App, unitId: string, overrides: Record<string, unknown> = {}, day?: string): Promise<Event> => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unitId, overrides, day) });
  if (res.statusCode !== 201) throw new Error(res.body);
  return res.json<Event>();
};
const publish = (app: App, id: string) => app.inject({ method: 'POST', url: `/api/v1/events/${id}/publish`, headers: adminHeaders });
const getPage = (app: App, url: string, cookie: string) => app.inject({ url, headers: { cookie } });
const instant = (iso: string) => new Date(iso).toISOString();
/** The message shown by a field, as the shared Field component ties it to the field. */
const errorBy = (html: string, field: string) => new RegExp(`<p class="error" id="f-${field.replace(/\./g, '-')}-error">([^<]*)</p>`).exec(html)?.[1];

async function setup(t: Parameters<typeof build>[0]) {
  const { app, db } = await build(t);
  await buildAudiences(db);
  const unit = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Affairs Bureau' });
  const other = await buildUnit(db, { nameZh: '区气象局', nameEn: 'Meteorological Bureau' });
  const observance = await buildObservance(db, { kind: 'fixed_date', month: 3, day: 22 }, { nameZh: '世界水日', nameEn: 'World Water Day' });
  const venue = await buildVenue(db, { nameZh: '密云水库展馆', capacity: 80 });
  const { task } = await buildCampaign(db, { year: 2030, leadUnitIds: [unit.id] });
  const organizer = await staffSession(app, { role: 'organizer', unitIds: [unit.id] });
  return { app, db, unit, other, observance, venue, task, organizer };
}

/** A unit publishing directly and one whose events an administrator reviews, one organizer acting for both, and an administrator. */
async function lifeSetup(t: Parameters<typeof build>[0]) {
  const { app, db } = await build(t);
  const unit = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Affairs Bureau' });
  const reviewed = await buildUnit(db, { nameZh: '区卫健委', nameEn: 'Health Commission', requiresReview: true });
  const organizer = await staffSession(app, { role: 'organizer', unitIds: [unit.id, reviewed.id] });
  const admin = await staffSession(app, { role: 'admin' });
  return { app, unit, reviewed, organizer, admin };
}

/** A complete new-event form as a browser posts it: row 0 left empty, the two sessions in rows 1 and 2. */
const newEventForm = (ids: { unit: string; observance: string; venue: string; task: string }, csrf: string) => ({
  _csrf: csrf, _rows: '3',
  titleZh: '世界水日节水讲座', titleEn: 'World Water Day talk', descriptionZh: '第一段。\r\n\r\n第二段：如何节水。', descriptionEn: '',
  type: 'lecture', ownerUnitId: ids.unit, observanceId: ids.observance, taskId: ids.task, venueId: ids.venue,
  audiences: ['elderly', 'families'], registrationMode: 'individual', capacity: '30',
  registrationOpensAt: '2030-03-01T08:00', registrationClosesAt: '', partySizeLimit: '3', waitlistEnabled: 'false', promotionCutoffMinutes: '60',
  reminderOffsetsMinutes: ['1440', '60'], tags: '水资源、节水，亲子',
  'sessions.0.startsAt': '', 'sessions.0.endsAt': '', 'sessions.0.capacity': '',
  'sessions.1.startsAt': '2030-03-22T09:00', 'sessions.1.endsAt': '2030-03-22T11:00', 'sessions.1.capacity': '',
  'sessions.2.startsAt': '2030-03-22T14:00', 'sessions.2.endsAt': '2030-03-22T16:30', 'sessions.2.capacity': '20',
});

t.test('form values: wall-clock times read in the event\'s zone, typed dates, tags', async (t) => {
  t.equal(instantIn('2030-04-22T09:00', 'Asia/Shanghai'), '2030-04-22T09:00:00+08:00');
  t.equal(instantIn('2030/4/22 9:05', 'Asia/Shanghai'), '2030-04-22T09:05:00+08:00', 'as typed where there is no date picker');
  t.equal(instantIn('2030-07-01T09:00', 'Europe/Berlin'), '2030-07-01T09:00:00+02:00', 'summer time of that zone, whatever the server\'s');
  t.equal(instantIn(' next Tuesday ', 'Asia/Shanghai'), 'next Tuesday', 'what does not parse goes to the API as typed');
  t.equal(daysFromFirstSession('2030-04-22T01:00:00.000Z', 'Asia/Shanghai', '2030-05-10'), 18);
  t.equal(daysFromFirstSession('2030-04-21T17:00:00.000Z', 'Asia/Shanghai', '2030-04-22'), 0, 'the session\'s date in its zone (01:00 on the 22nd there)');
  t.equal(daysFromFirstSession('2030-03-20T08:00:00.000Z', 'Europe/Berlin', '2030-04-03'), 14, 'whole days across a daylight-saving change');
  t.equal(daysFromFirstSession('2030-04-22T01:00:00.000Z', 'Asia/Shanghai', '22/05/2030'), null);
  t.same(tagsOf('水资源、节水，亲子, water ,;'), ['水资源', '节水', '亲子', 'water']);
});

t.test('creating an event through the form', async (t) => {
  const { app, unit, other, observance, venue, task, organizer } = await setup(t);
  await t.test('an organizer creates an event with two sessions on a themed day through the form', async (t) => {
    const form = await getPage(app, '/admin/events/new', organizer.cookie);
    t.equal(form.statusCode, 200);
    t.match(form.body, /<h1>新建活动<\/h1>/);
    t.match(form.body, new RegExp(`<option value="${unit.id}" selected>区水务局</option>`), 'the organizer\'s one unit is the owner');
    t.notMatch(form.body, new RegExp(`<option value="${other.id}"`), 'another unit cannot be chosen as the owner');
    t.match(form.body, new RegExp(`value="${other.id}"`), 'but it can co-organize');
    t.match(form.body, /name="sessions\.2\.endsAt"/, 'three empty session rows');
    t.notMatch(form.body, /name="sessions\.3\./);
    t.match(form.body, /<script src="\/assets\/admin-events\.js" defer><\/script>/);
    const script = await app.inject({ url: '/assets/admin-events.js' });
    t.equal(script.statusCode, 200);
    t.match(script.headers['content-type'], /javascript/);
    t.match(form.body, /<label for="f-titleZh">活动名称（中文）/);
    t.match(form.body, /<optgroup label="2030年科普工作要点 · 加强科普能力建设"><option value="[^"]+">促进科技创新资源科普化<\/option>/, 'plan tasks grouped by plan and section');

    const created = await postForm(app, '/admin/events/new', newEventForm({ unit: unit.id, observance: observance.id, venue: venue.id, task: task.id }, organizer.csrf), organizer.cookie);
    t.equal(created.statusCode, 303, created.body.slice(0, 500));
    const id = /^\/admin\/events\/([0-9a-f-]{36})\?done=created$/.exec(String(created.headers.location))?.[1];
    t.ok(id, 'to the new event\'s page');

    const event = await apiGet(app, `/events/${id}`);
    t.equal(event.status, 'draft');
    t.equal(event.titleZh, '世界水日节水讲座');
    t.equal(event.descriptionZh, '第一段。\n\n第二段：如何节水。', 'paragraphs kept');
    t.equal(event.observance?.id, observance.id);
    t.equal(event.task?.id, task.id);
    t.equal(event.venue?.id, venue.id);
    t.same([...event.audiences].sort(), ['elderly', 'families']);
    t.equal(event.capacity, 30);
    t.equal(event.registrationMode, 'individual');
    t.equal(instant(event.registrationOpensAt!), '2030-03-01T00:00:00.000Z', 'the window read in Asia/Shanghai');
    t.equal(event.registrationClosesAt, null);
    t.equal(event.partySizeLimit, 3);
    t.equal(event.waitlistEnabled, false);
    t.equal(event.promotionCutoffMinutes, 60);
    t.same(event.reminderOffsetsMinutes, [1440, 60]);
    t.same(event.tags, ['水资源', '节水', '亲子']);
    t.equal(event.sessions.length, 2, 'the empty row is left out');
    const sessions = [...event.sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
    t.equal(instant(sessions[0]!.startsAt), '2030-03-22T01:00:00.000Z', '09:00 in Shanghai');
    t.equal(instant(sessions[0]!.endsAt), '2030-03-22T03:00:00.000Z');
    t.equal(sessions[0]!.capacity, null);
    t.equal(instant(sessions[1]!.startsAt), '2030-03-22T06:00:00.000Z');
    t.equal(sessions[1]!.capacity, 20);

    const page = await getPage(app, String(created.headers.location), organizer.cookie);
    t.equal(page.statusCode, 200);
    const text = textOf(page.body);
    t.match(text, '活动已保存为草稿');
    t.match(text, '世界水日节水讲座 草稿');
    t.match(text, '主题日 世界水日');
    t.match(text, '面向人群 老年人、亲子家庭');
    t.match(text, '2030年3月22日 周五 09:00–11:00');
    t.match(text, '2030年3月22日 周五 14:00–16:30');
    t.match(text, '提醒邮件 提前 1 天、提前 1 小时');
    t.match(page.body, new RegExp(`href="/admin/events/${id}/registrations"`), 'links to the registrations');
    t.match(page.body, new RegExp(`action="/admin/events/${id}/publish"`), 'offers to publish');
    t.notMatch(page.body, new RegExp(`href="/events/${id}"`), 'no public page before publication');

    const english = await getPage(app, `/admin/events/${id}?lang=en`, organizer.cookie);
    t.match(textOf(english.body), 'World Water Day talk Draft');
    t.match(textOf(english.body), 'Themed day World Water Day');
  });

  await t.test('"more rows" without JavaScript re-renders the form with three more rows and everything typed', async (t) => {
    const more = await postForm(app, '/admin/events/new', { ...newEventForm({ unit: unit.id, observance: observance.id, venue: venue.id, task: task.id }, organizer.csrf), titleZh: '多行草稿', _action: 'more-rows' }, organizer.cookie);
    t.equal(more.statusCode, 200);
    t.match(more.body, /name="sessions\.5\.capacity"/);
    t.notMatch(more.body, /name="sessions\.6\./);
    t.match(more.body, /name="_rows" value="6"/);
    t.match(more.body, /name="sessions\.2\.capacity" value="20"/, 'rows keep their values');
    t.match(more.body, /id="f-titleZh" name="titleZh" value="多行草稿"/);
    t.match(more.body, /value="elderly" checked\/>/);
    t.match(more.body, /<textarea id="f-descriptionZh"[^>]*>第一段。/);
    const drafts = await apiGet<{ items: unknown[] }>(app, `/events?status=draft&q=${encodeURIComponent('多行草稿')}`);
    t.equal(drafts.items.length, 0, 'nothing was created');
  });
});

t.test('refused forms, and the edit form', async (t) => {
  const { app, unit, observance, venue, task, organizer } = await setup(t);
  await t.test('a refused form shows the API\'s messages by the fields, in Chinese and English, and keeps what was typed', async (t) => {
    const filled = newEventForm({ unit: unit.id, observance: observance.id, venue: venue.id, task: task.id }, organizer.csrf);

    const untitled = await postForm(app, '/admin/events/new', { ...filled, titleZh: '' }, organizer.cookie);
    t.equal(untitled.statusCode, 400);
    t.equal(errorBy(untitled.body, 'titleZh'), '请填写此项。');
    t.match(untitled.body, /<div class="error-summary" role="alert"/);
    t.match(untitled.body, /<a href="#f-titleZh">请填写此项。<\/a>/, 'the summary links to the field');
    t.match(untitled.body, /name="sessions\.1\.startsAt" value="2030-03-22T09:00"/, 'the sessions typed are kept');
    t.match(untitled.body, /name="tags" value="水资源、节水，亲子"/);

    // Session row 2 of the form (index 1) ends before it starts.
    const backwards = { ...filled, 'sessions.0.startsAt': '2030-03-22T08:00', 'sessions.0.endsAt': '2030-03-22T08:30', 'sessions.1.endsAt': '2030-03-22T07:00' };
    const refused = await postForm(app, '/admin/events/new', backwards, organizer.cookie);
    t.equal(refused.statusCode, 422);
    t.equal(errorBy(refused.body, 'sessions.1.endsAt'), '结束时间必须晚于开始时间。');
    t.match(textOf(refused.body), '活动信息有误，请查看标出的项目。');
    t.match(refused.body, /id="f-sessions-1-endsAt" name="sessions\.1\.endsAt" value="2030-03-22T07:00" required="" aria-invalid="true"|id="f-sessions-1-endsAt" name="sessions\.1\.endsAt" value="2030-03-22T07:00"/);
    t.notOk(errorBy(refused.body, 'sessions.0.endsAt'), 'not on another row');

    // With an empty first row, the API's /sessions/0 is the form's second row: the message still lands there.
    const shifted = await postForm(app, '/admin/events/new', { ...filled, 'sessions.1.endsAt': '2030-03-22T07:00' }, organizer.cookie);
    t.equal(shifted.statusCode, 422);
    t.equal(errorBy(shifted.body, 'sessions.1.endsAt'), '结束时间必须晚于开始时间。');
    t.notOk(errorBy(shifted.body, 'sessions.0.endsAt'));

    const both = await app.inject({
      method: 'POST', url: '/admin/events/new?lang=en', headers: { cookie: organizer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...Object.fromEntries(Object.entries(backwards).filter(([, v]) => typeof v === 'string')) as Record<string, string>, titleZh: '' }).toString(),
    });
    t.equal(both.statusCode, 400);
    t.equal(errorBy(both.body, 'titleZh'), 'Please fill this in.');
    t.match(both.body, /<html lang="en">/);

    const englishBackwards = await app.inject({
      method: 'POST', url: '/admin/events/new?lang=en', headers: { cookie: organizer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(Object.fromEntries(Object.entries(backwards).filter(([, v]) => typeof v === 'string')) as Record<string, string>).toString(),
    });
    t.equal(errorBy(englishBackwards.body, 'sessions.1.endsAt'), 'The end must be after the start.');

    const badNumber = await postForm(app, '/admin/events/new', { ...filled, capacity: '-3', partySizeLimit: 'many', registrationOpensAt: 'next Tuesday' }, organizer.cookie);
    t.equal(badNumber.statusCode, 400);
    t.equal(errorBy(badNumber.body, 'capacity'), '不能小于 0。');
    t.equal(errorBy(badNumber.body, 'partySizeLimit'), '格式不正确。');
    t.match(badNumber.body, /name="partySizeLimit" value="many"/, 'kept as typed');
    t.equal(errorBy(badNumber.body, 'registrationOpensAt'), '请填写有效的日期和时间。');
    t.match(badNumber.body, /name="registrationOpensAt" value="next Tuesday"/);

    const drafts = await apiGet<{ items: unknown[] }>(app, `/events?status=draft&q=${encodeURIComponent('世界水日节水讲座')}`);
    t.equal(drafts.items.length, 0, 'nothing was created by a refused form');
  });

  await t.test('the edit form shows the stored values in the event\'s zone, saves changes and clears emptied fields', async (t) => {
    const event = await createEvent(app, unit.id, { registrationMode: 'individual', capacity: 25, registrationClosesAt: '2030-04-21T18:00:00+08:00', tags: ['地球'] });
    const form = await getPage(app, `/admin/events/${event.id}/edit`, organizer.cookie);
    t.equal(form.statusCode, 200);
    t.match(form.body, /name="registrationClosesAt" value="2030-04-21T18:00"/);
    t.match(form.body, /name="capacity" value="25"/);
    t.match(form.body, /name="titleEn" value="Earth Day lecture"/);
    t.notMatch(form.body, /name="sessions\./, 'sessions are managed on the event page');

    const fields = { _csrf: organizer.csrf, titleZh: '地球日讲座（改）', titleEn: '', type: 'workshop', ownerUnitId: unit.id, registrationMode: 'individual', capacity: '', registrationClosesAt: '2030-04-22T08:00', tags: '' };
    const refused = await postForm(app, `/admin/events/${event.id}/edit`, { ...fields, capacity: '-1' }, organizer.cookie);
    t.equal(refused.statusCode, 400);
    t.equal(errorBy(refused.body, 'capacity'), '不能小于 0。');
    t.match(refused.body, /name="titleZh" value="地球日讲座（改）"/);

    const saved = await postForm(app, `/admin/events/${event.id}/edit`, fields, organizer.cookie);
    t.equal(saved.statusCode, 303);
    t.equal(saved.headers.location, `/admin/events/${event.id}?done=saved`);
    const after = await apiGet(app, `/events/${event.id}`);
    t.equal(after.titleZh, '地球日讲座（改）');
    t.equal(after.titleEn, null, 'an emptied optional field is cleared');
    t.equal(after.type, 'workshop');
    t.equal(after.capacity, null);
    t.same(after.tags, []);
    t.equal(instant(after.registrationClosesAt!), '2030-04-22T00:00:00.000Z');
    t.same(after.reminderOffsetsMinutes, [], 'no reminder box ticked: none');

    // The same form with only the title changed: only the title goes to the API.
    const again = await postForm(app, `/admin/events/${event.id}/edit`, { ...fields, titleZh: '地球日讲座（再改）', type: 'workshop', registrationClosesAt: '2030-04-22T08:00' }, organizer.cookie);
    t.equal(again.statusCode, 303);
    const audit = await apiGet<{ items: { action: string; changedFields: string[] }[] }>(app, `/audit?objectKind=event&objectId=${event.id}`);
    t.same(audit.items[0]?.changedFields, ['titleZh'], 'the audit log names the one field changed');
    const unchanged = await postForm(app, `/admin/events/${event.id}/edit`, { ...fields, titleZh: '地球日讲座（再改）' }, organizer.cookie);
    t.equal(unchanged.headers.location, `/admin/events/${event.id}?done=saved`, 'saving an unchanged form is fine');
    t.equal((await apiGet<{ items: unknown[] }>(app, `/audit?objectKind=event&objectId=${event.id}`)).items.length, audit.items.length, 'and records nothing');
  });
});

t.test('the year-end counts: science workers and volunteers', async (t) => {
  const { app, unit, observance, venue, task, organizer } = await setup(t);
  const filled = newEventForm({ unit: unit.id, observance: observance.id, venue: venue.id, task: task.id }, organizer.csrf);
  const form = await getPage(app, '/admin/events/new', organizer.cookie);
  t.match(textOf(form.body), '年终统计 科普工作者人数 （选填） 用于年终统计上报，可在活动结束后再填写。');
  t.match(form.body, /name="volunteers"/);

  const created = await postForm(app, '/admin/events/new', { ...filled, scienceWorkers: '12', volunteers: '' }, organizer.cookie);
  t.equal(created.statusCode, 303, created.body.slice(0, 500));
  const id = /^\/admin\/events\/([0-9a-f-]{36})\?/.exec(String(created.headers.location))?.[1];
  t.match(await apiGet(app, `/events/${id}`), { scienceWorkers: 12, volunteers: null }, 'an empty count is left out');
  const page = textOf((await getPage(app, `/admin/events/${id}`, organizer.cookie)).body);
  t.match(page, '科普工作者人数 12');
  t.match(page, '志愿者人数 未填写');
  t.match(textOf((await getPage(app, `/admin/events/${id}?lang=en`, organizer.cookie)).body), 'Science workers involved 12 Volunteers involved Not entered');

  const edit = await getPage(app, `/admin/events/${id}/edit`, organizer.cookie);
  t.match(edit.body, /name="scienceWorkers" value="12"/);
  const fields = { _csrf: organizer.csrf, titleZh: filled.titleZh, type: 'lecture', ownerUnitId: unit.id, registrationMode: 'individual' };
  const refused = await postForm(app, `/admin/events/${id}/edit`, { ...fields, scienceWorkers: '1.5', volunteers: '-1' }, organizer.cookie);
  t.equal(refused.statusCode, 400);
  t.equal(errorBy(refused.body, 'scienceWorkers'), '格式不正确。');
  t.equal(errorBy(refused.body, 'volunteers'), '不能小于 0。');
  t.match(refused.body, /name="scienceWorkers" value="1\.5"/, 'kept as typed');
  t.match(await apiGet(app, `/events/${id}`), { scienceWorkers: 12, volunteers: null }, 'nothing changed');

  const saved = await postForm(app, `/admin/events/${id}/edit`, { ...fields, scienceWorkers: '', volunteers: '8' }, organizer.cookie);
  t.equal(saved.statusCode, 303);
  t.match(await apiGet(app, `/events/${id}`), { scienceWorkers: null, volunteers: 8 }, 'entered after the event; emptied clears');

  const duplicated = await postForm(app, `/admin/events/${id}/duplicate`, { _csrf: organizer.csrf, firstDate: '2030-05-10' }, organizer.cookie);
  const copyId = /^\/admin\/events\/([0-9a-f-]{36})\//.exec(String(duplicated.headers.location))?.[1];
  t.match(await apiGet(app, `/events/${copyId}`), { scienceWorkers: null, volunteers: null }, 'a duplicate is a new event: its counts start empty');
});

t.test('the event\'s life: publish, review, cancel, delete; CSRF', async (t) => {
  const { app, unit, organizer, admin, reviewed } = await lifeSetup(t);
  await t.test('publishing, and the review flow: submit, return with a comment, approve', async (t) => {
    const event = await createEvent(app, unit.id);
    const published = await postForm(app, `/admin/events/${event.id}/publish`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(published.statusCode, 303);
    t.equal(published.headers.location, `/admin/events/${event.id}?done=published`);
    t.equal((await apiGet(app, `/events/${event.id}`)).status, 'published');
    const page = await getPage(app, String(published.headers.location), organizer.cookie);
    t.match(textOf(page.body), '活动已发布，公众现在可以看到。');
    t.match(page.body, new RegExp(`href="/events/${event.id}"`), 'links to the public page');

    const again = await postForm(app, `/admin/events/${event.id}/publish`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(again.statusCode, 409);
    t.match(textOf(again.body), '这个活动已经发布了。');

    const empty = await createEvent(app, unit.id, { sessions: [] });
    const refused = await postForm(app, `/admin/events/${empty.id}/publish`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(refused.statusCode, 409);
    t.match(textOf(refused.body), '活动至少要有一个场次才能发布或提交审核。');
  });

  await t.test('a unit under review: the organizer submits, an administrator returns it with a comment, then approves', async (t) => {
    const event = await createEvent(app, reviewed.id);

    const draft = await getPage(app, `/admin/events/${event.id}`, organizer.cookie);
    t.notMatch(draft.body, new RegExp(`action="/admin/events/${event.id}/publish"`), 'an organizer of a reviewed unit is not offered "publish"');
    t.match(draft.body, new RegExp(`action="/admin/events/${event.id}/submit"`));
    const submitted = await postForm(app, `/admin/events/${event.id}/submit`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(submitted.headers.location, `/admin/events/${event.id}?done=submitted`);
    t.equal((await apiGet(app, `/events/${event.id}`)).status, 'submitted');
    t.match(textOf((await getPage(app, `/admin/events/${event.id}`, organizer.cookie)).body), '正在等待管理员审核');

    const waiting = await getPage(app, `/admin/events/${event.id}`, admin.cookie);
    t.match(waiting.body, new RegExp(`action="/admin/events/${event.id}/approve"`));
    const noComment = await postForm(app, `/admin/events/${event.id}/return`, { _csrf: admin.csrf, comment: '' }, admin.cookie);
    t.equal(noComment.statusCode, 400);
    t.equal(errorBy(noComment.body, 'comment'), '请填写此项。');
    const returned = await postForm(app, `/admin/events/${event.id}/return`, { _csrf: admin.csrf, comment: '请写明集合地点' }, admin.cookie);
    t.equal(returned.headers.location, `/admin/events/${event.id}?done=returned`);
    const back = await apiGet(app, `/events/${event.id}`);
    t.equal(back.status, 'draft');
    t.equal(back.reviewComment, '请写明集合地点');
    t.match(textOf((await getPage(app, `/admin/events/${event.id}`, organizer.cookie)).body), '管理员退回了这个活动，意见是： 请写明集合地点');

    await postForm(app, `/admin/events/${event.id}/submit`, { _csrf: organizer.csrf }, organizer.cookie);
    const organizerApproves = await postForm(app, `/admin/events/${event.id}/approve`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(organizerApproves.statusCode, 403, 'only administrators approve');
    const approved = await postForm(app, `/admin/events/${event.id}/approve`, { _csrf: admin.csrf }, admin.cookie);
    t.equal(approved.headers.location, `/admin/events/${event.id}?done=approved`);
    t.equal((await apiGet(app, `/events/${event.id}`)).status, 'published');
  });

  await t.test('cancelling asks first, says who will be told, then cancels the event and its registrations', async (t) => {
    const event = await createEvent(app, unit.id, { registrationMode: 'individual', capacity: 10 });
    await publish(app, event.id);
    const signUp = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name: '张三', phone: '13800138000', consentVersion: CONSENT.version } });
    t.equal(signUp.statusCode, 201);

    const confirm = await getPage(app, `/admin/events/${event.id}/cancel`, organizer.cookie);
    t.equal(confirm.statusCode, 200);
    t.match(textOf(confirm.body), '取消活动“地球日科普讲座”？');
    t.match(textOf(confirm.body), '将通知 1 份报名');
    t.notMatch(confirm.body, '张三', 'no names on the page');
    t.match(confirm.body, new RegExp(`<form method="post" action="/admin/events/${event.id}/cancel"`));
    t.equal((await apiGet(app, `/events/${event.id}`)).status, 'published', 'the confirmation page changes nothing');

    const cancelled = await postForm(app, `/admin/events/${event.id}/cancel`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(cancelled.headers.location, `/admin/events/${event.id}?done=cancelled`);
    const after = await apiGet(app, `/events/${event.id}`);
    t.equal(after.status, 'cancelled');
    const list = await apiGet<{ items: { status: string }[] }>(app, `/events/${event.id}/registrations`);
    t.same(list.items.map((r) => r.status), ['cancelled'], 'its registration is cancelled');
    const page = await getPage(app, String(cancelled.headers.location), organizer.cookie);
    t.match(textOf(page.body), '活动已取消');
    t.notMatch(page.body, new RegExp(`href="/admin/events/${event.id}/edit"`), 'no edit link once cancelled');
  });

  await t.test('deleting a draft asks first, then deletes it', async (t) => {
    const event = await createEvent(app, unit.id);
    const confirm = await getPage(app, `/admin/events/${event.id}/delete`, organizer.cookie);
    t.match(textOf(confirm.body), '删除草稿“地球日科普讲座”？');
    const deleted = await postForm(app, `/admin/events/${event.id}/delete`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(deleted.headers.location, '/admin/events?done=deleted');
    t.equal((await app.inject({ url: `/api/v1/events/${event.id}`, headers: adminHeaders })).statusCode, 404);
    t.match(textOf((await getPage(app, '/admin/events?done=deleted', organizer.cookie)).body), '草稿已删除。');
  });

  await t.test('a form without the CSRF token is refused and changes nothing', async (t) => {
    const event = await createEvent(app, unit.id);
    const publishing = await postForm(app, `/admin/events/${event.id}/publish`, {}, organizer.cookie);
    t.equal(publishing.statusCode, 403);
    t.match(textOf(publishing.body), '页面已过期，请重新提交一次。');
    t.equal((await apiGet(app, `/events/${event.id}`)).status, 'draft');

    const forged = await postForm(app, '/admin/events/new', { _csrf: 'forged', titleZh: '伪造', type: 'lecture', ownerUnitId: unit.id, registrationMode: 'none' }, organizer.cookie);
    t.equal(forged.statusCode, 403);
    t.match(textOf(forged.body), '页面已过期');
    t.equal((await apiGet<{ items: unknown[] }>(app, `/events?status=draft&q=${encodeURIComponent('伪造')}`)).items.length, 0, 'no event created');

    const anonymous = await postForm(app, `/admin/events/${event.id}/cancel`, {});
    t.equal(anonymous.statusCode, 303, 'without a session: to the sign-in page');
    t.match(String(anonymous.headers.location), /^\/admin\/login\?next=/);
  });
});

t.test('duplicating and sessions', async (t) => {
  const { app, unit, other, observance, venue, organizer } = await setup(t);
  await t.test('duplicating moves every session by the same number of days at the same local times, copies the fields and questions', async (t) => {
    const event = await createEvent(app, unit.id, {
      observanceId: observance.id, venueId: venue.id, coUnitIds: [other.id], audiences: ['youth'], registrationMode: 'individual', capacity: 40,
      registrationOpensAt: '2030-04-01T08:00:00+08:00', registrationClosesAt: '2030-04-21T20:00:00+08:00', reminderOffsetsMinutes: [60], tags: ['地球'],
      sessions: [
        { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00', capacity: 15 },
        { startsAt: '2030-04-23T14:00:00+08:00', endsAt: '2030-04-23T16:00:00+08:00' },
      ],
    });
    await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/questions`, headers: adminHeaders, payload: { kind: 'choice', labelZh: '年级', options: [{ value: 'a', labelZh: '初一' }, { value: 'b', labelZh: '初二' }] } });
    await publish(app, event.id);

    const missing = await postForm(app, `/admin/events/${event.id}/duplicate`, { _csrf: organizer.csrf, firstDate: '' }, organizer.cookie);
    t.equal(missing.statusCode, 400);
    t.equal(errorBy(missing.body, 'firstDate'), '请填写此项。');

    const copied = await postForm(app, `/admin/events/${event.id}/duplicate`, { _csrf: organizer.csrf, firstDate: '2030-05-10' }, organizer.cookie);
    t.equal(copied.statusCode, 303, copied.body.slice(0, 400));
    const id = /^\/admin\/events\/([0-9a-f-]{36})\/edit\?done=duplicated$/.exec(String(copied.headers.location))?.[1];
    t.ok(id, 'to the copy\'s edit page');
    t.not(id, event.id);
    const copy = await apiGet(app, `/events/${id}`);
    t.equal(copy.status, 'draft');
    t.equal(copy.titleZh, event.titleZh);
    t.equal(copy.observance?.id, observance.id);
    t.equal(copy.venue?.id, venue.id);
    t.same(copy.coUnits.map((u) => u.id), [other.id]);
    t.same(copy.audiences, ['youth']);
    t.same(copy.reminderOffsetsMinutes, [60]);
    t.equal(copy.capacity, 40);
    const times = [...copy.sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt)).map((s) => [instant(s.startsAt), instant(s.endsAt), s.capacity]);
    t.same(times, [
      ['2030-05-10T01:00:00.000Z', '2030-05-10T03:00:00.000Z', 15],
      ['2030-05-11T06:00:00.000Z', '2030-05-11T08:00:00.000Z', null],
    ], '18 days later, at 09:00 and 14:00 Shanghai time');
    t.equal(instant(copy.registrationOpensAt!), '2030-04-19T00:00:00.000Z', 'the sign-up window moves with them');
    t.equal(instant(copy.registrationClosesAt!), '2030-05-09T12:00:00.000Z');
    t.same(copy.questions.map((q) => [q.labelZh, q.kind, q.options.map((o) => o.labelZh)]), [['年级', 'choice', ['初一', '初二']]]);
    t.equal((await apiGet(app, `/events/${event.id}`)).sessions.length, 2, 'the original is untouched');
    t.match(textOf((await getPage(app, String(copied.headers.location), organizer.cookie)).body), '已复制为新草稿');
  });

  await t.test('duplicating keeps local wall-clock times across a daylight-saving change in the event\'s zone', async (t) => {
    const event = await createEvent(app, unit.id, {
      timezone: 'Europe/Berlin', sessions: [{ startsAt: '2030-03-20T09:00:00+01:00', endsAt: '2030-03-20T10:00:00+01:00' }],
    });
    const copied = await postForm(app, `/admin/events/${event.id}/duplicate`, { _csrf: organizer.csrf, firstDate: '2030-04-03' }, organizer.cookie);
    const id = /\/admin\/events\/([0-9a-f-]{36})\/edit/.exec(String(copied.headers.location))?.[1];
    const copy = await apiGet(app, `/events/${id}`);
    t.equal(instant(copy.sessions[0]!.startsAt), '2030-04-03T07:00:00.000Z', '09:00 summer time (UTC+2), not 08:00');
    t.equal(copy.timezone, 'Europe/Berlin');
  });

  await t.test('raising a session\'s capacity through its form moves people up from the waiting list; lowering below the booked is refused', async (t) => {
    const event = await createEvent(app, unit.id, { registrationMode: 'individual', sessions: [{ startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00', capacity: 2 }] });
    await publish(app, event.id);
    const session = event.sessions[0]!;
    for (const phone of ['13800000001', '13800000002', '13800000003']) {
      const res = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name: '居民', phone, consentVersion: CONSENT.version } });
      t.equal(res.statusCode, 201);
    }
    const statuses = async () => (await apiGet<{ items: { status: string }[] }>(app, `/events/${event.id}/registrations`)).items.map((r) => r.status).sort();
    t.same(await statuses(), ['confirmed', 'confirmed', 'waitlisted']);

    const eventPage = await getPage(app, `/admin/events/${event.id}`, organizer.cookie);
    t.match(textOf(eventPage.body), '已报名 2 人，候补 1 人。');
    t.match(eventPage.body, new RegExp(`href="/admin/events/${event.id}/sessions/${session.id}"`));

    const form = await getPage(app, `/admin/events/${event.id}/sessions/${session.id}`, organizer.cookie);
    t.equal(form.statusCode, 200);
    t.match(form.body, /name="startsAt" value="2030-04-22T09:00"/);
    t.match(form.body, /name="capacity" value="2"/);
    t.match(textOf(form.body), '现在名额 2，剩余 0。');

    const lower = await postForm(app, `/admin/events/${event.id}/sessions/${session.id}`, { _csrf: organizer.csrf, startsAt: '2030-04-22T09:00', endsAt: '2030-04-22T11:00', capacity: '1', streamUrl: '' }, organizer.cookie);
    t.equal(lower.statusCode, 409);
    t.match(textOf(lower.body), '名额不能少于已经报名的人数');
    t.match(lower.body, /name="capacity" value="1"/, 'the value typed is kept');

    const raised = await postForm(app, `/admin/events/${event.id}/sessions/${session.id}`, { _csrf: organizer.csrf, startsAt: '2030-04-22T09:00', endsAt: '2030-04-22T11:00', capacity: '3', streamUrl: '' }, organizer.cookie);
    t.equal(raised.statusCode, 303);
    t.equal(raised.headers.location, `/admin/events/${event.id}?done=sessionSaved`);
    t.same(await statuses(), ['confirmed', 'confirmed', 'confirmed'], 'the waiting registration is confirmed');
    const after = await apiGet(app, `/events/${event.id}`);
    t.equal(after.sessions[0]!.capacity, 3);
    t.equal(instant(after.sessions[0]!.startsAt), '2030-04-22T01:00:00.000Z', 'times unchanged');
  });

  await t.test('sessions on the event page: add one (refused, then accepted), cancel one after a confirmation, delete a draft\'s', async (t) => {
    const event = await createEvent(app, unit.id);
    const refused = await postForm(app, `/admin/events/${event.id}/sessions`, { _csrf: organizer.csrf, startsAt: '2030-04-23T10:00', endsAt: '2030-04-23T09:00', capacity: '', streamUrl: '' }, organizer.cookie);
    t.equal(refused.statusCode, 422);
    t.equal(errorBy(refused.body, 'endsAt'), '结束时间必须晚于开始时间。');
    t.match(refused.body, /name="startsAt" value="2030-04-23T10:00"/);

    const added = await postForm(app, `/admin/events/${event.id}/sessions`, { _csrf: organizer.csrf, startsAt: '2030-04-23T10:00', endsAt: '2030-04-23T12:00', capacity: '12', streamUrl: '' }, organizer.cookie);
    t.equal(added.headers.location, `/admin/events/${event.id}?done=sessionAdded`);
    let sessions = (await apiGet(app, `/events/${event.id}`)).sessions;
    t.equal(sessions.length, 2);
    const extra = sessions.find((s) => s.capacity === 12)!;
    t.equal(instant(extra.startsAt), '2030-04-23T02:00:00.000Z');

    const deleted = await postForm(app, `/admin/events/${event.id}/sessions/${extra.id}/delete`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(deleted.headers.location, `/admin/events/${event.id}?done=sessionDeleted`);
    t.equal((await apiGet(app, `/events/${event.id}`)).sessions.length, 1);

    await publish(app, event.id);
    const only = event.sessions[0]!;
    const confirm = await getPage(app, `/admin/events/${event.id}/sessions/${only.id}/cancel`, organizer.cookie);
    t.match(textOf(confirm.body), '取消 2030年4月22日 周一 09:00–11:00 这一场？');
    const cancelled = await postForm(app, `/admin/events/${event.id}/sessions/${only.id}/cancel`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(cancelled.headers.location, `/admin/events/${event.id}?done=sessionCancelled`);
    sessions = (await apiGet(app, `/events/${event.id}`)).sessions;
    t.equal(sessions[0]!.status, 'cancelled');
  });
});

t.test('questions, and another unit\'s organizer', async (t) => {
  const { app, unit, other, organizer } = await setup(t);
  await t.test('sign-up questions: added with options, hidden, shown again', async (t) => {
    const event = await createEvent(app, unit.id, { registrationMode: 'individual' });
    const noOptions = await postForm(app, `/admin/events/${event.id}/questions`, { _csrf: organizer.csrf, kind: 'choice', labelZh: '年级', labelEn: '', options: '' }, organizer.cookie);
    t.equal(noOptions.statusCode, 422);
    t.ok(errorBy(noOptions.body, 'options'), 'the message is by the options box');
    t.match(noOptions.body, /name="labelZh" value="年级"/);

    const added = await postForm(app, `/admin/events/${event.id}/questions`, { _csrf: organizer.csrf, kind: 'choice', labelZh: '年级', labelEn: 'Grade', options: '初一 | Year 7\n初二', required: 'true' }, organizer.cookie);
    t.equal(added.statusCode, 303);
    const [question] = (await apiGet<{ items: { id: string; labelEn: string; required: boolean; hidden: boolean; options: { value: string; labelZh: string; labelEn: string | null }[] }[] }>(app, `/events/${event.id}/questions`)).items;
    t.equal(question?.labelEn, 'Grade');
    t.equal(question?.required, true);
    t.same(question?.options, [{ value: 'o1', labelZh: '初一', labelEn: 'Year 7' }, { value: 'o2', labelZh: '初二', labelEn: null }]);

    const hidden = await postForm(app, `/admin/events/${event.id}/questions/${question!.id}/hide`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal(hidden.statusCode, 303);
    t.equal((await apiGet<{ items: { hidden: boolean }[] }>(app, `/events/${event.id}/questions`)).items[0]?.hidden, true);
    const page = await getPage(app, `/admin/events/${event.id}`, organizer.cookie);
    t.match(textOf(page.body), '年级 初一 初二 单选 是 已隐藏');
    await postForm(app, `/admin/events/${event.id}/questions/${question!.id}/show`, { _csrf: organizer.csrf }, organizer.cookie);
    t.equal((await apiGet<{ items: { hidden: boolean }[] }>(app, `/events/${event.id}/questions`)).items[0]?.hidden, false);
  });

  await t.test('an organizer of another unit is refused by the API, and the page says so', async (t) => {
    const outsider = await staffSession(app, { role: 'organizer', unitIds: [other.id] });
    const draft = await createEvent(app, unit.id);
    const published = await createEvent(app, unit.id, { titleZh: '已发布的讲座' }, '2030-05-01');
    await publish(app, published.id);

    const publishDraft = await postForm(app, `/admin/events/${draft.id}/publish`, { _csrf: outsider.csrf }, outsider.cookie);
    t.equal(publishDraft.statusCode, 403);
    t.match(textOf(publishDraft.body), '你没有权限进行这个操作。');
    t.equal((await apiGet(app, `/events/${draft.id}`)).status, 'draft', 'nothing changed');

    const seeDraft = await getPage(app, `/admin/events/${draft.id}`, outsider.cookie);
    t.equal(seeDraft.statusCode, 404, 'another unit\'s draft is not shown');
    t.match(textOf(seeDraft.body), '找不到这个活动');

    const view = await getPage(app, `/admin/events/${published.id}`, outsider.cookie);
    t.equal(view.statusCode, 200, 'a published event may be seen');
    t.notMatch(view.body, `/admin/events/${published.id}/cancel`, 'without the controls that change it');
    t.notMatch(view.body, `/admin/events/${published.id}/edit`);

    const cancel = await postForm(app, `/admin/events/${published.id}/cancel`, { _csrf: outsider.csrf }, outsider.cookie);
    t.equal(cancel.statusCode, 403);
    t.match(textOf(cancel.body), '你没有权限进行这个操作。');
    const edit = await postForm(app, `/admin/events/${published.id}/edit`, { _csrf: outsider.csrf, titleZh: '改名', type: 'lecture', ownerUnitId: unit.id, registrationMode: 'none' }, outsider.cookie);
    t.equal(edit.statusCode, 403);
    t.match(edit.body, /name="titleZh" value="改名"/);
    const raise = await postForm(app, `/admin/events/${published.id}/sessions/${published.sessions[0]!.id}`, { _csrf: outsider.csrf, startsAt: '2030-05-01T09:00', endsAt: '2030-05-01T11:00', capacity: '500' }, outsider.cookie);
    t.equal(raise.statusCode, 403);
    const after = await apiGet(app, `/events/${published.id}`);
    t.equal(after.status, 'published');
    t.equal(after.titleZh, '已发布的讲座');
    t.equal(after.sessions[0]!.capacity, null);

    const create = await postForm(app, '/admin/events/new', { _csrf: outsider.csrf, titleZh: '冒名活动', type: 'lecture', ownerUnitId: unit.id, registrationMode: 'none' }, outsider.cookie);
    t.equal(create.statusCode, 403, 'nor may it create events for the unit');
  });
});

t.test('the list', async (t) => {
  const { app, unit, other, observance, organizer } = await setup(t);
  await t.test('the list: status, seats and first session; filters; organizers see their own drafts, not other units\'', async (t) => {
    const admin = await staffSession(app, { role: 'admin' });
    const mine = await createEvent(app, unit.id, { titleZh: '水日讲座', observanceId: observance.id, registrationMode: 'individual', capacity: 30 }, '2030-03-22');
    await publish(app, mine.id);
    const myDraft = await createEvent(app, unit.id, { titleZh: '我的草稿', sessions: [] });
    const theirDraft = await createEvent(app, other.id, { titleZh: '别人的草稿' }, '2030-06-01');
    const theirs = await createEvent(app, other.id, { titleZh: '气象日开放' }, '2030-03-23');
    await publish(app, theirs.id);
    const past = await createEvent(app, unit.id, { titleZh: '往年活动' }, '2020-03-22');

    const list = await getPage(app, '/admin/events', organizer.cookie);
    t.equal(list.statusCode, 200);
    const text = textOf(list.body);
    t.match(text, '水日讲座 已发布 2030年3月22日 周五 09:00 1 剩余 30 / 共 30 区水务局');
    t.match(text, '气象日开放 已发布', 'published events of other units are listed');
    t.notMatch(text, '别人的草稿', 'another unit\'s draft is not');
    t.notMatch(text, '往年活动', 'from today by default');
    t.match(list.body, new RegExp(`href="/admin/events/${mine.id}/edit"`), 'an edit link for the unit\'s own event');
    t.notMatch(list.body, new RegExp(`href="/admin/events/${theirs.id}/edit"`), 'none for another unit\'s');
    t.match(list.body, /<th scope="col">状态<\/th>/);

    const drafts = textOf((await getPage(app, '/admin/events?status=draft', organizer.cookie)).body);
    t.match(drafts, '我的草稿 草稿 还没有场次', 'drafts without sessions, whatever the dates');
    t.notMatch(drafts, '水日讲座');
    t.notMatch(drafts, '别人的草稿');
    t.ok(myDraft.id);

    const adminDrafts = textOf((await getPage(app, '/admin/events?status=draft', admin.cookie)).body);
    t.match(adminDrafts, '别人的草稿', 'administrators see every unit\'s drafts');

    const byDay = textOf((await getPage(app, `/admin/events?observance=${observance.slug}&from=&to=`, organizer.cookie)).body);
    t.match(byDay, '水日讲座');
    t.notMatch(byDay, '气象日开放');
    const searched = textOf((await getPage(app, `/admin/events?q=${encodeURIComponent('气象')}`, organizer.cookie)).body);
    t.match(searched, '气象日开放');
    t.notMatch(searched, '水日讲座');
    const byUnit = textOf((await getPage(app, `/admin/events?unit=${other.slug}`, admin.cookie)).body);
    t.match(byUnit, '气象日开放');
    t.notMatch(byUnit, '水日讲座');
    const all = textOf((await getPage(app, '/admin/events?from=&to=', organizer.cookie)).body);
    t.match(all, '往年活动', 'with the date cleared, past events too');
    t.ok(theirDraft.id && past.id);

    const twice = await getPage(app, '/admin/events?status=draft&status=published', organizer.cookie);
    t.equal(twice.statusCode, 200, 'a filter given twice counts once');
    t.match(textOf(twice.body), '我的草稿');

    const bad = await getPage(app, '/admin/events?from=2030-05-01&to=2030-04-01', organizer.cookie);
    t.equal(bad.statusCode, 400);
    t.match(textOf(bad.body), '结束日期要晚于开始日期。');

    const english = textOf((await getPage(app, '/admin/events?lang=en', organizer.cookie)).body);
    t.match(english, 'Published');
    t.match(english, '30 of 30 left');
  });
});
