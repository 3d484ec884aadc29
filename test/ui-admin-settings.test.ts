import t from 'tap';
import { eq } from 'drizzle-orm';
import { auditLog, outboxMessages } from '../src/db/schema/index.js';
import type { Clock } from '../src/lib/clock.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildCampaign, buildObservance, buildTown, buildUnit, buildVenue } from './helpers/factories.js';
import { STAFF_PASSWORD, fieldErrorOf, postForm, quickSession, staffSession, textOf } from './helpers/ui.js';

type Scene = Awaited<ReturnType<typeof build>>;
type App = Scene['app'];

/**
 * One app for the file (each test makes its own records, with unique names): building one and
 * signing in through the password hash take seconds each, and this file has many tests.
 */
const { app, db } = await build(t);

/**
 * A staff member with a session, made in the database: the sign-in form itself is tested in
 * ui-auth.test.ts, and skipping the password hash keeps this file quick.
 */
const session = (scene: Pick<Scene, 'db'>, options: Parameters<typeof quickSession>[1] = {}) => quickSession(scene.db, options);

/** What the JSON API says, read as the test administrator (the pages' effects are checked here, not in the HTML). */
const apiGet = async <T = any>(on: App, url: string): Promise<T> => (await on.inject({ url: `/api/v1${url}`, headers: adminHeaders })).json<T>();
const page = (on: App, url: string, cookie: string) => on.inject({ url, headers: { cookie } });
/** The message shown by a field: `<p class="error" id="f-name-error">…</p>`. */
const fieldError = fieldErrorOf;
/** Early 2024 in Shanghai: "this year" is 2024 for the themed days. */
const clock2024: Clock = { now: () => new Date('2024-03-01T00:00:00Z') };
const venueBySlug = async (slug: string) => (await apiGet(app, '/venues?limit=200')).items.find((v: { slug: string }) => v.slug === slug);

t.test('venues: a new venue with every field, then an edit that changes and clears some, all through the forms', async (t) => {
  const town = await buildTown(db, { nameZh: '溪翁庄镇', nameEn: 'Xiwengzhuang' });
  const { cookie, csrf } = await session({ db });

  const form = await page(app, '/admin/venues/new', cookie);
  t.equal(form.statusCode, 200);
  t.match(form.body, /<label for="f-nameZh">中文名称/);
  t.match(form.body, /<label for="f-coordinates-latitude">纬度/);
  t.match(form.body, new RegExp(`<option value="${town.id}">溪翁庄镇</option>`));

  const created = await postForm(app, '/admin/venues/new', {
    _csrf: csrf, nameZh: '密云水库科普基地', nameEn: 'Miyun Reservoir Science Base', slug: 'reservoir-base', kind: 'science_base',
    townId: town.id, addressZh: '溪翁庄镇水库路1号', addressEn: '1 Reservoir Road', capacity: '80',
    'coordinates.latitude': '40.4851', 'coordinates.longitude': '116.8472', 'coordinates.system': 'wgs84',
    accessibilityZh: '入口有坡道，有无障碍卫生间。', accessibilityEn: 'Ramp at the entrance.', isOnline: 'on',
  }, cookie);
  t.equal(created.statusCode, 303);
  t.equal(created.headers.location, '/admin/venues?done=venueCreated');

  const venue = await venueBySlug('reservoir-base');
  t.match(venue, {
    slug: 'reservoir-base', kind: 'science_base', nameZh: '密云水库科普基地', nameEn: 'Miyun Reservoir Science Base', addressZh: '溪翁庄镇水库路1号',
    addressEn: '1 Reservoir Road', town: { id: town.id }, capacity: 80, coordinates: { wgs84: { latitude: 40.4851, longitude: 116.8472 } },
    accessibilityZh: '入口有坡道，有无障碍卫生间。', accessibilityEn: 'Ramp at the entrance.', isOnline: true, allowsSharedUse: false,
  });

  const list = await page(app, created.headers.location as string, cookie);
  const text = textOf(list.body);
  t.match(text, '场地已添加');
  t.match(text, '密云水库科普基地 reservoir-base 科普基地 溪翁庄镇 80 是', 'name, kind, town, capacity and online in one row');
  t.match(list.body, `href="/admin/venues/${venue.id}/edit"`);

  const edit = await page(app, `/admin/venues/${venue.id}/edit`, cookie);
  t.match(edit.body, /id="f-capacity" name="capacity" value="80"/, 'the edit form is filled from the API');
  t.match(edit.body, /<textarea id="f-accessibilityZh"[^>]*>入口有坡道，有无障碍卫生间。<\/textarea>/);
  t.match(edit.body, /type="checkbox" id="f-isOnline" name="isOnline" checked/);

  const saved = await postForm(app, `/admin/venues/${venue.id}/edit`, {
    _csrf: csrf, nameZh: '密云水库科普基地', nameEn: '', slug: 'reservoir-base', kind: 'outdoor', townId: '', capacity: '120',
    'coordinates.latitude': '', 'coordinates.longitude': '', 'coordinates.system': 'wgs84', accessibilityZh: '入口有坡道。', accessibilityEn: '',
    allowsSharedUse: 'on',
  }, cookie);
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, '/admin/venues?done=venueSaved');
  t.match(await apiGet(app, `/venues/${venue.id}`), {
    kind: 'outdoor', nameEn: null, town: null, capacity: 120, coordinates: null, accessibilityZh: '入口有坡道。', accessibilityEn: null,
    isOnline: false, allowsSharedUse: true,
  }, 'emptied fields are cleared, an unticked box is false');
});

t.test('venues: GCJ-02 coordinates from a Chinese map are taken as such', async (t) => {
  const { cookie, csrf } = await session({ db });
  const created = await postForm(app, '/admin/venues/new', {
    _csrf: csrf, nameZh: '区科技馆', slug: 'gcj-museum', kind: 'science_museum', 'coordinates.latitude': '40.3770', 'coordinates.longitude': '116.8430', 'coordinates.system': 'gcj02',
  }, cookie);
  t.equal(created.statusCode, 303);
  const { coordinates } = await venueBySlug('gcj-museum');
  t.ok(Math.abs(coordinates.gcj02.latitude - 40.377) < 1e-6 && Math.abs(coordinates.gcj02.longitude - 116.843) < 1e-6, 'the map\'s point, given back as GCJ-02');
  t.ok(Math.abs(coordinates.wgs84.latitude - 40.377) > 1e-4, 'stored converted to WGS-84');
});

t.test('venues: a refused form keeps its values and says what is wrong by each field, in Chinese and in English', async (t) => {
  const { cookie, csrf } = await session({ db });
  const fields = { _csrf: csrf, nameZh: '', nameEn: 'Library', slug: 'Not A Slug', kind: 'library', capacity: 'many', 'coordinates.latitude': '95', 'coordinates.longitude': '' };

  const zh = await postForm(app, '/admin/venues/new', fields, cookie);
  t.equal(zh.statusCode, 400);
  t.match(textOf(zh.body), '请更正以下问题： 提交的内容有误，请查看标出的项目。');
  t.equal(fieldError(zh.body, 'nameZh'), '请填写此项（至少 1 个字符）。');
  t.equal(fieldError(zh.body, 'slug'), '格式不正确。');
  t.equal(fieldError(zh.body, 'capacity'), '格式不正确。', 'a capacity that is not a number goes to the API as typed, which names it');
  t.equal(fieldError(zh.body, 'coordinates.latitude'), '不能大于 90。');
  t.equal(fieldError(zh.body, 'coordinates.longitude'), '请填写此项。', 'a latitude without a longitude');
  t.match(zh.body, /id="f-nameEn" name="nameEn" value="Library"/, 'what was typed is kept');
  t.match(zh.body, /id="f-capacity" name="capacity" value="many"/);
  t.match(zh.body, /<a href="#f-slug">格式不正确。<\/a>/, 'the summary links to the field');
  t.notOk((await apiGet(app, '/venues?limit=200')).items.some((v: { nameEn: string | null }) => v.nameEn === 'Library'), 'nothing was made');

  const en = await postForm(app, '/admin/venues/new?lang=en', fields, cookie);
  t.equal(en.statusCode, 400);
  t.match(en.body, /<html lang="en">/);
  t.match(textOf(en.body), 'Add a venue');
  t.ok(fieldError(en.body, 'nameZh'), 'a message by the Chinese name in English too');
  t.notMatch(fieldError(en.body, 'nameZh') ?? '', /[\u4e00-\u9fff]/, 'and it is not in Chinese');
  t.ok(fieldError(en.body, 'coordinates.latitude')?.includes('90'));

  await postForm(app, '/admin/venues/new', { _csrf: csrf, nameZh: '图书馆', slug: 'library', kind: 'library' }, cookie);
  t.ok(await venueBySlug('library'));
  const twice = await postForm(app, '/admin/venues/new', { _csrf: csrf, nameZh: '另一个图书馆', slug: 'library', kind: 'library' }, cookie);
  t.equal(twice.statusCode, 409);
  t.equal(fieldError(twice.body, 'slug'), '这个网址标识已被使用，请换一个。', 'a taken slug is said by the slug');
});

t.test('venues: an organizer needs the venues grant; without it the API\'s refusal is the page', async (t) => {
  const unit = await buildUnit(db);
  const venue = await buildVenue(db, { nameZh: '区图书馆' });
  const plain = await session({ db }, { role: 'organizer', unitIds: [unit.id] });

  const list = await page(app, '/admin/venues', plain.cookie);
  t.equal(list.statusCode, 200, 'anyone on the staff may read the venues');
  t.match(textOf(list.body), '区图书馆');
  t.notMatch(list.body, 'href="/admin/venues/new"', 'no button to a form the API would refuse');
  t.notMatch(list.body, `href="/admin/venues/${venue.id}/edit"`);

  const refused = await postForm(app, `/admin/venues/${venue.id}/edit`, { _csrf: plain.csrf, nameZh: '改名', slug: venue.slug, kind: 'library' }, plain.cookie);
  t.equal(refused.statusCode, 403);
  t.match(textOf(refused.body), '你没有权限进行这个操作');
  t.equal((await apiGet(app, `/venues/${venue.id}`)).nameZh, '区图书馆');

  const granted = await session({ db }, { role: 'organizer', unitIds: [unit.id] });
  await app.inject({ method: 'PATCH', url: `/api/v1/accounts/${granted.accountId}`, headers: adminHeaders, payload: { grants: ['venues'] } });
  t.match((await page(app, '/admin/venues', granted.cookie)).body, 'href="/admin/venues/new"');
  const made = await postForm(app, '/admin/venues/new', { _csrf: granted.csrf, nameZh: '果园街道社区服务中心', slug: 'guoyuan-center', kind: 'community_center' }, granted.cookie);
  t.equal(made.statusCode, 303);
  t.equal((await venueBySlug('guoyuan-center'))?.nameZh, '果园街道社区服务中心');

  const unknown = await page(app, '/admin/venues/00000000-0000-4000-8000-000000000000/edit', granted.cookie);
  t.equal(unknown.statusCode, 404);
});

t.test('a form without the CSRF token is refused by the API and changes nothing', async (t) => {
  const { cookie } = await session({ db });
  const res = await postForm(app, '/admin/venues/new', { nameZh: '区科技馆', slug: 'csrf-museum', kind: 'science_museum' }, cookie);
  t.equal(res.statusCode, 403);
  t.match(textOf(res.body), '页面已过期，请重新提交一次');
  t.match(res.body, /id="f-nameZh" name="nameZh" value="区科技馆"/, 'the form is there again, filled, to send once more');
  t.notOk(await venueBySlug('csrf-museum'), 'no venue was made');

  const forged = await postForm(app, '/admin/tokens', { _csrf: 'forged', name: 'bot', scope: 'read' }, cookie);
  t.equal(forged.statusCode, 403);
  t.notMatch(forged.body, 'data-testid="token-secret"');
  t.equal((await app.inject({ url: '/api/v1/auth/tokens', headers: { cookie } })).json().items.length, 0);

  const out = await app.inject({ url: '/admin/venues' });
  t.equal(out.statusCode, 303, 'and without a session there is only the sign-in page');
  t.equal(out.headers.location, '/admin/login?next=%2Fadmin%2Fvenues');
});

t.test('themed days (on an app whose clock says early 2024)', async (t) => {
  const { app, db } = await build(t, { clock: clock2024 });
  const page = (url: string, cookie: string) => app.inject({ url, headers: { cookie } });
  const apiGet = async (url: string) => (await app.inject({ url: `/api/v1${url}`, headers: adminHeaders })).json();

  t.test('this year\'s dates, an override set for a year and removed again', async (t) => {
    const earthDay = await buildObservance(db, { kind: 'fixed_date', month: 4, day: 22 }, { nameZh: '世界地球日', nameEn: 'Earth Day' });
    const week = await buildObservance(db, { kind: 'announced' }, { kind: 'week', nameZh: '科技活动周', nameEn: 'S&T Week' });
    const { cookie, csrf } = await session({ db });

    const list = textOf((await page('/admin/observances', cookie)).body);
    t.match(list, '2024年的主题日及日期');
    t.match(list, '世界地球日 日 2024年4月22日 （按规则）');
    t.match(list, '科技活动周 周 日期待公布');
    t.match(textOf((await page('/admin/observances?year=2025&lang=en', cookie)).body), 'Earth Day Day 22 April 2025 (by the rule)');

    const detail = await page(`/admin/observances/${week.slug}`, cookie);
    t.match(textOf(detail.body), '日期规则 每年由主办方公布（各年适用）');
    t.match(detail.body, /id="f-year" name="year" value="2024"/, 'the form starts at this year');

    const set = await postForm(app, `/admin/observances/${week.slug}/overrides`, { _csrf: csrf, year: '2024', startDate: '2024-05-25', endDate: '2024-06-01', noteZh: '2024年全国科技活动周', noteEn: '' }, cookie);
    t.equal(set.statusCode, 303);
    t.equal(set.headers.location, `/admin/observances/${week.slug}?done=overrideSet`);
    t.same((await apiGet(`/observances/${week.slug}`)).overrides, [{ year: 2024, startDate: '2024-05-25', endDate: '2024-06-01', noteZh: '2024年全国科技活动周', noteEn: null }]);
    const after = textOf((await page(set.headers.location as string, cookie)).body);
    t.match(after, '当年的日期已保存');
    t.match(after, '2024年日期 2024年5月25日–2024年6月1日 （已公布）');
    t.match(after, '2024 2024年5月25日–2024年6月1日 2024年全国科技活动周 删除2024年的日期');

    const removed = await postForm(app, `/admin/observances/${week.slug}/overrides/2024/delete`, { _csrf: csrf }, cookie);
    t.equal(removed.statusCode, 303);
    t.equal(removed.headers.location, `/admin/observances/${week.slug}?done=overrideRemoved`);
    t.same((await apiGet(`/observances/${week.slug}`)).overrides, []);
    t.match(textOf((await page(removed.headers.location as string, cookie)).body), '还没有填写过任何一年的日期');

    const again = await postForm(app, `/admin/observances/${week.slug}/overrides/2024/delete`, { _csrf: csrf }, cookie);
    t.equal(again.statusCode, 404, 'removing what is not there is the API\'s 404');

    const unit = await buildUnit(db);
    const organizer = await session({ db }, { role: 'organizer', unitIds: [unit.id] });
    const readOnly = await page(`/admin/observances/${week.slug}`, organizer.cookie);
    t.equal(readOnly.statusCode, 200, 'an organizer without the grant reads the themed day');
    t.notMatch(readOnly.body, '/overrides', 'but gets no forms to change it');
    const refused = await postForm(app, `/admin/observances/${week.slug}/overrides`, { _csrf: organizer.csrf, year: '2024', startDate: '2024-05-25', endDate: '2024-06-01' }, organizer.cookie);
    t.equal(refused.statusCode, 403);
    t.match(textOf(refused.body), '你没有权限进行这个操作');
    t.same((await apiGet(`/observances/${week.slug}`)).overrides, []);
    void earthDay;
  });

  t.test('refused override dates are said by their fields; a themed day with a fixed date can be added', async (t) => {
    const { cookie, csrf } = await session({ db });

    const created = await postForm(app, '/admin/observances/new', {
      _csrf: csrf, nameZh: '中国航天日', nameEn: 'China Space Day', slug: 'space-day', kind: 'day', 'rules.0.rule.month': '4', 'rules.0.rule.day': '24', 'rules.0.validFromYear': '2016',
    }, cookie);
    t.equal(created.statusCode, 303);
    t.equal(created.headers.location, '/admin/observances/space-day?done=observanceCreated');
    t.match(await apiGet('/observances/space-day'), { nameZh: '中国航天日', rules: [{ validFromYear: 2016, validToYear: null, rule: { kind: 'fixed_date', month: 4, day: 24 } }] });
    t.match(textOf((await page(created.headers.location as string, cookie)).body), '每年4月24日（2016年起适用）');

    const badRule = await postForm(app, '/admin/observances/new', { _csrf: csrf, nameZh: '某日', nameEn: 'Some day', slug: 'some-day', kind: 'day', 'rules.0.rule.month': '13', 'rules.0.rule.day': '1' }, cookie);
    t.equal(badRule.statusCode, 400);
    t.equal(fieldError(badRule.body, 'rules.0.rule.month'), '不能大于 12。');
    t.notMatch(badRule.body, 'href="#f-rules-0-rule-kind"', 'the branches of the rule union no one filled in are not listed');
    t.equal(fieldError(badRule.body, 'rules.0.rule.day'), undefined, 'nor is the good day blamed for the other kinds of rule');
    const impossible = await postForm(app, '/admin/observances/new', { _csrf: csrf, nameZh: '某日', nameEn: 'Some day', slug: 'some-day', kind: 'day', 'rules.0.rule.month': '2', 'rules.0.rule.day': '30' }, cookie);
    t.equal(impossible.statusCode, 422);
    t.match(textOf(impossible.body), '日期规则有误');
    t.ok(fieldError(impossible.body, 'rules.0.rule.day'), 'February 30th is said by the day');

    const backwards = await postForm(app, '/admin/observances/space-day/overrides', { _csrf: csrf, year: '2024', startDate: '2024-04-24', endDate: '2024-04-20' }, cookie);
    t.equal(backwards.statusCode, 422);
    t.match(textOf(backwards.body), '日期有误，请查看标出的项目');
    t.equal(fieldError(backwards.body, 'endDate'), '填写有误。');
    t.match(backwards.body, /id="f-startDate" name="startDate" value="2024-04-24"/);

    const noYear = await postForm(app, '/admin/observances/space-day/overrides?lang=en', { _csrf: csrf, year: '', startDate: '2024-04-24', endDate: '2024-04-24' }, cookie);
    t.equal(noYear.statusCode, 400);
    t.equal(fieldError(noYear.body, 'year'), 'Please fill this in.');
    const wrongYear = await postForm(app, '/admin/observances/space-day/overrides', { _csrf: csrf, year: '2025', startDate: '2024-04-24', endDate: '2024-04-24' }, cookie);
    t.equal(wrongYear.statusCode, 422);
    t.ok(fieldError(wrongYear.body, 'startDate'), 'a first day outside the year is said by it');
    t.same((await apiGet('/observances/space-day')).overrides, [], 'nothing was stored');
  });
});

t.test('the year\'s plan: a section and a task with lead units added to the 2024 plan, then edited', async (t) => {
  const association = await buildUnit(db, { kind: 'association', nameZh: '区科协', nameEn: 'Science Association' });
  const water = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Affairs Bureau' });
  const { campaign } = await buildCampaign(db, { year: 2024, leadUnitIds: [association.id] });
  const { cookie, csrf } = await session({ db });

  const list = textOf((await page(app, '/admin/campaigns', cookie)).body);
  t.match(list, '2024 2024年科普工作要点 1 1');
  const plan = await page(app, `/admin/campaigns/${campaign.id}`, cookie);
  t.match(textOf(plan.body), '1. 加强科普能力建设 序号 任务 责任单位 操作 1 促进科技创新资源科普化 区科协');

  const added = await postForm(app, `/admin/campaigns/${campaign.id}/sections`, { _csrf: csrf, titleZh: '保护水库生态', titleEn: 'Protect the reservoir' }, cookie);
  t.equal(added.statusCode, 303);
  t.equal(added.headers.location, `/admin/campaigns/${campaign.id}?done=sectionAdded`);
  const withSection = await apiGet(app, `/campaigns/${campaign.id}`);
  t.equal(withSection.sections.length, 2);
  const section = withSection.sections[1];
  t.match(section, { titleZh: '保护水库生态', titleEn: 'Protect the reservoir', tasks: [] });

  const form = await page(app, `/admin/campaigns/${campaign.id}/sections/${section.id}/tasks/new`, cookie);
  t.match(textOf(form.body), '所属部分：保护水库生态');
  t.match(form.body, new RegExp(`name="leadUnitIds" value="${water.id}"`));
  const task = await postForm(app, `/admin/campaigns/${campaign.id}/sections/${section.id}/tasks/new`, {
    _csrf: csrf, titleZh: '世界水日主题宣传', titleEn: '', descriptionZh: '围绕世界水日开展节水宣传', leadUnitIds: [water.id, association.id],
  }, cookie);
  t.equal(task.statusCode, 303);
  t.equal(task.headers.location, `/admin/campaigns/${campaign.id}?done=taskAdded`);
  const [made] = (await apiGet(app, `/campaigns/${campaign.id}`)).sections[1].tasks;
  t.match(made, { titleZh: '世界水日主题宣传', titleEn: null, descriptionZh: '围绕世界水日开展节水宣传' });
  t.same(made.leadUnits.map((u: { id: string }) => u.id).sort(), [water.id, association.id].sort());
  t.match(textOf((await page(app, task.headers.location as string, cookie)).body), '已添加任务。');

  const editForm = await page(app, `/admin/campaigns/${campaign.id}/tasks/${made.id}/edit`, cookie);
  t.match(editForm.body, new RegExp(`name="leadUnitIds" value="${water.id}" checked`), 'the lead units are ticked');
  const edited = await postForm(app, `/admin/campaigns/${campaign.id}/tasks/${made.id}/edit`, {
    _csrf: csrf, titleZh: '世界水日、中国水周主题宣传', titleEn: 'World Water Day outreach', descriptionZh: '', leadUnitIds: [water.id], position: '1',
  }, cookie);
  t.equal(edited.statusCode, 303);
  const [changed] = (await apiGet(app, `/campaigns/${campaign.id}`)).sections[1].tasks;
  t.match(changed, { titleZh: '世界水日、中国水周主题宣传', titleEn: 'World Water Day outreach', descriptionZh: null });
  t.same(changed.leadUnits.map((u: { id: string }) => u.id), [water.id], 'a unit unticked is no longer a lead unit');

  const renamed = await postForm(app, `/admin/campaigns/${campaign.id}/sections/${section.id}/edit`, { _csrf: csrf, titleZh: '保护水库和生态环境', titleEn: '', position: '2' }, cookie);
  t.equal(renamed.statusCode, 303);
  t.match((await apiGet(app, `/campaigns/${campaign.id}`)).sections[1], { titleZh: '保护水库和生态环境', titleEn: null });

  const planEn = textOf((await page(app, `/admin/campaigns/${campaign.id}?lang=en`, cookie)).body);
  t.match(planEn, 'World Water Day outreach Water Affairs Bureau', 'English titles and unit names where there are some');
});

t.test('the year\'s plan: refused forms keep their values; organizers read the plan but the API refuses their changes', async (t) => {
  const unit = await buildUnit(db);
  const { campaign, section } = await buildCampaign(db, { year: 2024 });
  const admin = await session({ db });

  const empty = await postForm(app, `/admin/campaigns/${campaign.id}/sections/${section.id}/tasks/new?lang=en`, { _csrf: admin.csrf, titleZh: '', titleEn: 'Bee keeping', leadUnitIds: [unit.id] }, admin.cookie);
  t.equal(empty.statusCode, 400);
  t.ok(fieldError(empty.body, 'titleZh'));
  t.match(empty.body, /id="f-titleEn" name="titleEn" value="Bee keeping"/);
  t.match(empty.body, new RegExp(`name="leadUnitIds" value="${unit.id}" checked`), 'the ticked units stay ticked');

  const gone = await postForm(app, `/admin/campaigns/${campaign.id}/sections/${section.id}/tasks/new`, { _csrf: admin.csrf, titleZh: '蜂业科普', leadUnitIds: ['00000000-0000-4000-8000-000000000000'] }, admin.cookie);
  t.equal(gone.statusCode, 422);
  t.match(textOf(gone.body), '选择的内容不存在');
  t.equal(fieldError(gone.body, 'leadUnitIds'), '填写有误。', 'an unknown unit is said by the list of units');

  const organizer = await session({ db }, { role: 'organizer', unitIds: [unit.id] });
  const plan = await page(app, `/admin/campaigns/${campaign.id}`, organizer.cookie);
  t.equal(plan.statusCode, 200);
  t.match(textOf(plan.body), '促进科技创新资源科普化');
  t.notMatch(plan.body, 'action="/admin/campaigns/', 'no forms for changes the API would refuse');
  const refused = await postForm(app, `/admin/campaigns/${campaign.id}/sections`, { _csrf: organizer.csrf, titleZh: '新部分' }, organizer.cookie);
  t.equal(refused.statusCode, 403);
  t.match(textOf(refused.body), '你没有权限进行这个操作');
  t.equal((await apiGet(app, `/campaigns/${campaign.id}`)).sections.length, 1);

  const created = await postForm(app, '/admin/campaigns/new', { _csrf: admin.csrf, year: '2025', titleZh: '2025年科普工作要点', slug: 'plan-2025' }, admin.cookie);
  t.equal(created.statusCode, 303);
  const [plan2025] = (await apiGet(app, '/campaigns?year=2025')).items;
  t.equal(created.headers.location, `/admin/campaigns/${plan2025.id}?done=campaignCreated`);
});

t.test('accounts: an invitation made through the form is mailed, and its secret link never reaches the page', async (t) => {
  const unit = await buildUnit(db, { nameZh: '区气象局', nameEn: 'Meteorological Bureau' });
  const { cookie, csrf } = await session({ db });

  const form = await page(app, '/admin/accounts/new', cookie);
  t.match(form.body, /<label for="f-email">电子邮箱/);
  t.match(form.body, new RegExp(`name="unitIds" value="${unit.id}"`));

  const invited = await postForm(app, '/admin/accounts/new', {
    _csrf: csrf, email: 'Weather@Example.cn', displayName: '王气象', role: 'organizer', unitIds: unit.id, grants: 'observances',
  }, cookie);
  t.equal(invited.statusCode, 303);
  t.equal(invited.headers.location, '/admin/accounts?done=invited');
  t.notMatch(invited.body + JSON.stringify(invited.headers), /secret|\/admin\/password\?/, 'the answer carries no link');

  const account = (await apiGet(app, '/accounts')).items.find((a: { email: string }) => a.email === 'weather@example.cn');
  t.match(account, { displayName: '王气象', role: 'organizer', unitIds: [unit.id], grants: ['observances'], hasPassword: false, disabledAt: null });
  const mails = await db.select().from(outboxMessages).where(eq(outboxMessages.kind, 'mail.account_invite'));
  t.ok(mails.some((m) => (m.payload as { accountId: string }).accountId === account.id), 'the invitation is on its way by mail');

  const list = await page(app, invited.headers.location as string, cookie);
  const text = textOf(list.body);
  t.match(text, '账号已创建。设置密码的链接已通过邮件发给对方');
  t.match(text, '王气象 weather@example.cn 组织者 区气象局 主题日 正常 尚未接受邀请');
  t.notMatch(list.body, /secret=|\/admin\/password\?/, 'no invitation link on the list either');

  const noUnit = await postForm(app, '/admin/accounts/new', { _csrf: csrf, email: 'x@example.cn', displayName: '李', role: 'checker' }, cookie);
  t.equal(noUnit.statusCode, 422);
  t.match(textOf(noUnit.body), '账号信息有误');
  t.equal(fieldError(noUnit.body, 'unitIds'), '填写有误。', 'a checker without a unit is said by the units');
  const badMail = await postForm(app, '/admin/accounts/new?lang=en', { _csrf: csrf, email: 'not-an-address', displayName: '李', role: 'admin' }, cookie);
  t.equal(badMail.statusCode, 400);
  t.ok(fieldError(badMail.body, 'email'));
  t.match(badMail.body, /id="f-email" name="email" value="not-an-address"/);
  const again = await postForm(app, '/admin/accounts/new', { _csrf: csrf, email: 'weather@example.cn', displayName: '王', role: 'admin' }, cookie);
  t.equal(again.statusCode, 409);
  t.equal(fieldError(again.body, 'email'), '这个邮箱已经有账号了。');
});

t.test('accounts: role, units and grants edited; disabled and enabled; an administrator cannot disable themselves', async (t) => {
  const first = await buildUnit(db, { nameZh: '区教委' });
  const second = await buildUnit(db, { nameZh: '区卫健委' });
  const admin = await session({ db });
  const other = await session({ db }, { role: 'organizer', unitIds: [first.id] });

  const form = await page(app, `/admin/accounts/${other.accountId}/edit`, admin.cookie);
  t.match(form.body, new RegExp(`name="unitIds" value="${first.id}" checked`));
  t.match(form.body, /name="role" value="organizer" checked/);

  const saved = await postForm(app, `/admin/accounts/${other.accountId}/edit`, { _csrf: admin.csrf, displayName: '张老师', role: 'checker', unitIds: [second.id], grants: ['venues'] }, admin.cookie);
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, '/admin/accounts?done=accountSaved');
  t.match((await apiGet(app, '/accounts')).items.find((a: { id: string }) => a.id === other.accountId), { displayName: '张老师', role: 'checker', unitIds: [second.id], grants: ['venues'] });

  const noGrants = await postForm(app, `/admin/accounts/${other.accountId}/edit`, { _csrf: admin.csrf, displayName: '张老师', role: 'checker', unitIds: [second.id] }, admin.cookie);
  t.equal(noGrants.statusCode, 303);
  t.same((await apiGet(app, '/accounts')).items.find((a: { id: string }) => a.id === other.accountId).grants, [], 'no box ticked clears the grants');

  const disabled = await postForm(app, `/admin/accounts/${other.accountId}/disable`, { _csrf: admin.csrf }, admin.cookie);
  t.equal(disabled.headers.location, '/admin/accounts?done=accountDisabled');
  t.ok((await apiGet(app, '/accounts')).items.find((a: { id: string }) => a.id === other.accountId).disabledAt);
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie: other.cookie } })).statusCode, 401, 'their session is over');
  t.match(textOf((await page(app, '/admin/accounts', admin.cookie)).body), '张老师');
  const enabled = await postForm(app, `/admin/accounts/${other.accountId}/enable`, { _csrf: admin.csrf }, admin.cookie);
  t.equal(enabled.headers.location, '/admin/accounts?done=accountEnabled');
  t.equal((await apiGet(app, '/accounts')).items.find((a: { id: string }) => a.id === other.accountId).disabledAt, null);

  const list = await page(app, '/admin/accounts', admin.cookie);
  t.notMatch(list.body, `action="/admin/accounts/${admin.accountId}/disable"`, 'no button to disable oneself');
  const self = await postForm(app, `/admin/accounts/${admin.accountId}/disable`, { _csrf: admin.csrf }, admin.cookie);
  t.equal(self.statusCode, 409);
  t.match(textOf(self.body), '管理员不能停用自己');
  t.equal((await apiGet(app, '/accounts')).items.find((a: { id: string }) => a.id === admin.accountId).disabledAt, null);
});

t.test('an organizer cannot open the accounts or the audit log: the API\'s 403 is the page', async (t) => {
  const unit = await buildUnit(db);
  const { cookie, csrf } = await session({ db }, { role: 'organizer', unitIds: [unit.id] });
  for (const url of ['/admin/accounts', '/admin/accounts/new', '/admin/audit', '/admin/audit?lang=en']) {
    const res = await page(app, url, cookie);
    t.equal(res.statusCode, 403, url);
    t.match(textOf(res.body), url.endsWith('en') ? 'You may not do this.' : '你没有权限进行这个操作', url);
    t.notMatch(res.body, '@example.cn', `${url} shows no one's address`);
  }
  const invite = await postForm(app, '/admin/accounts/new', { _csrf: csrf, email: 'sneaky@example.cn', displayName: '某人', role: 'admin' }, cookie);
  t.equal(invite.statusCode, 403);
  t.notOk((await apiGet(app, '/accounts')).items.some((a: { email: string }) => a.email === 'sneaky@example.cn'));
  t.notMatch((await page(app, '/admin/venues', cookie)).body, 'href="/admin/accounts"', 'and the menu does not offer them');
});

t.test('tokens: the secret is shown once, on the answer to the form; the token works until revoked', async (t) => {
  const unit = await buildUnit(db, { nameZh: '区融媒体中心' });
  const { cookie, csrf } = await session({ db }, { role: 'organizer', unitIds: [unit.id] });

  const created = await postForm(app, '/admin/tokens', { _csrf: csrf, name: '融媒体同步', scope: 'read', unitId: unit.id, expiresAt: '2099-12-31' }, cookie);
  t.equal(created.statusCode, 201);
  const secret = created.body.match(/data-testid="token-secret">([^<]+)</)?.[1];
  t.ok(secret?.startsWith('kepu_'), 'the secret is on the page');
  t.equal(created.body.split(secret!).length - 1, 1, 'exactly once');
  t.match(textOf(created.body), '这是唯一一次显示完整的令牌');
  t.equal(created.headers['cache-control'], 'no-store', 'and the page is not kept in a cache');

  const me = await app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${secret}` } });
  t.equal(me.statusCode, 200, 'the secret works');
  const [token] = (await app.inject({ url: '/api/v1/auth/tokens', headers: { cookie } })).json().items;
  t.match(token, { name: '融媒体同步', scope: 'read', unitId: unit.id, expiresAt: '2099-12-31T15:59:59.999Z', revokedAt: null }, 'valid through that day in Beijing');

  const list = await page(app, '/admin/tokens', cookie);
  t.notMatch(list.body, secret!, 'never shown again');
  t.match(textOf(list.body), new RegExp(`融媒体同步 ${token.prefix}… 只读 区融媒体中心 2099年12月31日 周四 23:59 \\d{4}年[^ ]+ [^ ]+ \\d\\d:\\d\\d 有效 撤销“融媒体同步”`), 'name, prefix, rights, unit, expiry, last use, status');

  const revoked = await postForm(app, `/admin/tokens/${token.id}/revoke`, { _csrf: csrf }, cookie);
  t.equal(revoked.statusCode, 303);
  t.equal(revoked.headers.location, '/admin/tokens?done=tokenRevoked');
  t.ok((await app.inject({ url: '/api/v1/auth/tokens', headers: { cookie } })).json().items[0].revokedAt);
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: { authorization: `Bearer ${secret}` } })).statusCode, 401, 'the secret no longer works');
  const after = textOf((await page(app, revoked.headers.location as string, cookie)).body);
  t.match(after, '令牌已撤销');
  t.match(after, '已撤销');
  const twice = await postForm(app, `/admin/tokens/${token.id}/revoke`, { _csrf: csrf }, cookie);
  t.equal(twice.statusCode, 409);
  t.match(textOf(twice.body), '这个令牌已经撤销了');

  const past = await postForm(app, '/admin/tokens?lang=en', { _csrf: csrf, name: 'old', scope: 'write', expiresAt: '2001-01-01' }, cookie);
  t.equal(past.statusCode, 422);
  t.ok(fieldError(past.body, 'expiresAt'), 'an expiry in the past is said by the field');
  t.match(past.body, /id="f-name" name="name" value="old"/);
  t.notMatch(past.body, 'data-testid="token-secret"');
  const otherUnit = await buildUnit(db);
  const notMine = await postForm(app, '/admin/tokens', { _csrf: csrf, name: 'x', scope: 'read', unitId: otherUnit.id }, cookie);
  t.equal(notMine.statusCode, 422);
  t.ok(fieldError(notMine.body, 'unitId'), 'a unit the owner does not act for is said by the unit');
});

t.test('change my password: a wrong current password is said by its field; a change ends every session', async (t) => {
  const { cookie, csrf, email } = await staffSession(app);

  const wrong = await postForm(app, '/admin/password-change', { _csrf: csrf, currentPassword: 'not my password', newPassword: 'a brand new password' }, cookie);
  t.equal(wrong.statusCode, 401);
  t.equal(fieldError(wrong.body, 'currentPassword'), '当前密码不正确。');
  t.notMatch(wrong.body, 'not my password', 'passwords are not echoed');
  const short = await postForm(app, '/admin/password-change', { _csrf: csrf, currentPassword: STAFF_PASSWORD, newPassword: 'short' }, cookie);
  t.equal(short.statusCode, 400);
  t.equal(fieldError(short.body, 'newPassword'), '请填写此项（至少 10 个字符）。');

  const changed = await postForm(app, '/admin/password-change', { _csrf: csrf, currentPassword: STAFF_PASSWORD, newPassword: 'a brand new password' }, cookie);
  t.equal(changed.statusCode, 200);
  t.match(textOf(changed.body), '密码已修改。所有登录都已结束');
  t.match(String(changed.headers['set-cookie']), /kepu_session=;/, 'the browser forgets the session');
  t.equal((await app.inject({ url: '/api/v1/auth/me', headers: { cookie } })).statusCode, 401);
  const login = await postForm(app, '/admin/login', { email, password: 'a brand new password' });
  t.equal(login.statusCode, 303, 'the new password signs in');
});

t.test('audit log: entries with who, what and a link to the object; the API\'s filters and pages', async (t) => {
  const { cookie, csrf, accountId } = await session({ db });
  await postForm(app, '/admin/venues/new', { _csrf: csrf, nameZh: '区科技馆', slug: 'audited-museum', kind: 'science_museum' }, cookie);
  const venue = await venueBySlug('audited-museum');
  const observance = await buildObservance(db);
  await app.inject({ method: 'PUT', url: `/api/v1/observances/${observance.slug}/overrides/2024`, headers: adminHeaders, payload: { startDate: '2024-04-22', endDate: '2024-04-22' } });

  const log = await page(app, '/admin/audit', cookie);
  t.equal(log.statusCode, 200);
  const text = textOf(log.body);
  t.match(text, `工作人员 创建 场地 ${venue.id}`, 'who (by name), what, on which object');
  t.match(text, `测试用户 通过接口令牌 填写当年日期 主题日 ${observance.id} 这个对象的全部记录 overrides/2024`);
  t.match(log.body, `<a href="/admin/venues/${venue.id}/edit">${venue.id}</a>`, 'a link to the object\'s page');
  t.match(log.body, `<a href="/admin/observances/${observance.slug}">${observance.id}</a>`);

  const venuesOnly = textOf((await page(app, '/admin/audit?objectKind=venue&objectId=&actor=', cookie)).body);
  t.match(venuesOnly, '场地');
  t.notMatch(venuesOnly, '填写当年日期', 'the filter is the API\'s');
  const byActor = textOf((await page(app, `/admin/audit?actor=${accountId}`, cookie)).body);
  t.match(byActor, '创建 场地');
  t.notMatch(byActor, '邀请 账号', 'the invitations were made by the test token\'s account');

  const bad = await page(app, '/admin/audit?actor=nobody', cookie);
  t.equal(bad.statusCode, 400);
  t.equal(fieldError(bad.body, 'actor'), '请从列表中选择。', 'a bad filter is said by its field');

  await db.insert(auditLog).values(Array.from({ length: 60 }, (_, i) => ({ action: 'updated', objectKind: 'unit', objectId: `unit-${i}` })));
  const first = await page(app, '/admin/audit?objectKind=unit', cookie);
  t.equal((first.body.match(/>单位 <span class="muted">unit-/g) ?? []).length, 50, 'fifty to a page');
  const next = first.body.match(/href="(\/admin\/audit\?[^"]*cursor=[^"]+)">更早的记录/)?.[1]?.replace(/&amp;/g, '&');
  t.ok(next, 'a link to older entries');
  t.match(next!, 'objectKind=unit', 'keeping the filter');
  const second = await page(app, next!, cookie);
  t.equal((second.body.match(/>单位 <span class="muted">unit-/g) ?? []).length, 10);
  t.match(textOf(second.body), 'unit-0 ');
  t.notMatch(second.body, '更早的记录');
  t.match(second.body, 'href="/admin/audit?objectKind=unit">回到最新');
});
