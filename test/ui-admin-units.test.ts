import { randomBytes } from 'node:crypto';
import t from 'tap';
import { adminHeaders, build } from './helpers/build.js';
import { buildObservance, buildTown, buildUnit } from './helpers/factories.js';
import { fieldErrorOf, postForm, quickSession, textOf } from './helpers/ui.js';

/** One app for the file; each test makes its own records, with unique names. */
const { app, db } = await build(t);

/** A staff member with a session made in the database (the sign-in form is tested in ui-auth.test.ts). */
const session = (options: Parameters<typeof quickSession>[1] = {}) => quickSession(db, options);

/** What the JSON API says, read as the test administrator: the forms' effects are checked there, not in the HTML. */
const apiGet = async <T = any>(url: string): Promise<T> => (await app.inject({ url: `/api/v1${url}`, headers: adminHeaders })).json<T>();
const page = (url: string, cookie: string) => app.inject({ url, headers: { cookie } });
/** The message shown by a field: `<p class="error" id="f-name-error">…</p>`. */
const fieldError = fieldErrorOf;
const unitBySlug = async (slug: string) => (await apiGet<{ items: { slug: string; id: string }[] }>('/units')).items.find((u) => u.slug === slug) as any;
const slugOf = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
const hasChinese = (text: string | undefined) => /[\u4e00-\u9fff]/.test(text ?? '');

t.test('units: a bureau and a town added through the form, then a bureau renamed and put under review', async (t) => {
  const town = await buildTown(db, { nameZh: '古北口镇', nameEn: 'Gubeikou' });
  const { cookie, csrf } = await session();

  const nav = await page('/admin', cookie);
  t.match(nav.body, '<a href="/admin/units">单位</a>', 'administrators find the units in the admin menu');

  const form = await page('/admin/units/new', cookie);
  t.equal(form.statusCode, 200);
  t.match(form.body, /<label for="f-nameZh">中文名称/);
  t.match(form.body, /<option value="bureau">区直部门<\/option>/);
  t.match(form.body, /<option value="town">镇街<\/option>/);
  t.match(form.body, new RegExp(`<option value="${town.id}">古北口镇</option>`));

  const bureauSlug = slugOf('water');
  const bureau = await postForm(app, '/admin/units/new', { _csrf: csrf, nameZh: '区水务局', nameEn: 'Water Affairs Bureau', slug: bureauSlug, kind: 'bureau', townId: '' }, cookie);
  t.equal(bureau.statusCode, 303);
  t.equal(bureau.headers.location, '/admin/units?done=unitCreated');
  t.match(await unitBySlug(bureauSlug), { kind: 'bureau', nameZh: '区水务局', nameEn: 'Water Affairs Bureau', town: null, requiresReview: false });

  const townSlug = slugOf('gubeikou');
  const townUnit = await postForm(app, '/admin/units/new', { _csrf: csrf, nameZh: '古北口镇政府', nameEn: 'Gubeikou Town Government', slug: townSlug, kind: 'town', townId: town.id }, cookie);
  t.equal(townUnit.statusCode, 303);
  t.match(await unitBySlug(townSlug), { kind: 'town', town: { id: town.id, nameZh: '古北口镇' } });

  const list = await page('/admin/units?done=unitCreated', cookie);
  const text = textOf(list.body);
  t.match(text, '单位已添加');
  t.match(text, new RegExp(`区水务局 ${bureauSlug} 区直部门 — 否 \\d{4}年\\d{1,2}月\\d{1,2}日`), 'name, kind, no town, no review, when last changed');
  t.match(text, `古北口镇政府 ${townSlug} 镇街 古北口镇 否`);
  t.match(list.body, '<th scope="col">发布前需审核</th>');
  const { id } = await unitBySlug(bureauSlug);
  t.match(list.body, `href="/admin/units/${id}/edit"`);

  const towns = textOf((await page('/admin/units?kind=town&lang=en', cookie)).body);
  t.match(towns, `Gubeikou Town Government ${townSlug} Town or subdistrict Gubeikou No`, 'filtered by kind, in English');
  t.notMatch(towns, 'Water Affairs Bureau', 'the bureau is not a town');

  const edit = await page(`/admin/units/${id}/edit`, cookie);
  t.equal(edit.statusCode, 200);
  t.match(textOf(edit.body), '修改单位：区水务局');
  t.match(edit.body, /id="f-nameEn" name="nameEn" value="Water Affairs Bureau"/, 'the edit form is filled from the API');
  t.match(textOf(edit.body), '类型 区直部门 对应镇街 —', 'the kind and town are shown, not offered: the API does not change them');
  t.notMatch(edit.body, 'name="kind"');
  t.match(edit.body, /type="checkbox" id="f-requiresReview" name="requiresReview" aria-describedby/, 'not under review yet: unticked');

  const newSlug = slugOf('water-affairs');
  const saved = await postForm(app, `/admin/units/${id}/edit`, { _csrf: csrf, nameZh: '区水务局（节水办）', nameEn: 'Water Affairs Bureau (Water Saving Office)', slug: newSlug, requiresReview: 'on' }, cookie);
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, '/admin/units?done=unitSaved');
  t.match(await apiGet(`/units/${id}`), { slug: newSlug, nameZh: '区水务局（节水办）', nameEn: 'Water Affairs Bureau (Water Saving Office)', kind: 'bureau', requiresReview: true });
  t.match(textOf((await page(saved.headers.location as string, cookie)).body), `单位信息已保存。`);
  t.match(textOf((await page('/admin/units', cookie)).body), `区水务局（节水办） ${newSlug} 区直部门 — 是`);
  t.match((await page(`/admin/units/${id}/edit`, cookie)).body, /type="checkbox" id="f-requiresReview" name="requiresReview" checked/);

  const unticked = await postForm(app, `/admin/units/${id}/edit`, { _csrf: csrf, nameZh: '区水务局', nameEn: 'Water Affairs Bureau', slug: newSlug }, cookie);
  t.equal(unticked.statusCode, 303);
  t.equal((await apiGet(`/units/${id}`)).requiresReview, false, 'an unticked box takes the review away');
});

t.test('units: refused forms keep their values and say what is wrong by each field, in Chinese and in English', async (t) => {
  const town = await buildTown(db, { nameZh: '石城镇', nameEn: 'Shicheng' });
  const { cookie, csrf } = await session();
  const before = (await apiGet('/units')).items.length;

  const fields = { _csrf: csrf, nameZh: '', nameEn: 'Commerce Bureau', slug: 'Not A Slug', kind: 'bureau' };
  const zh = await postForm(app, '/admin/units/new', fields, cookie);
  t.equal(zh.statusCode, 400);
  t.match(textOf(zh.body), '请更正以下问题： 提交的内容有误，请查看标出的项目。');
  t.equal(fieldError(zh.body, 'nameZh'), '请填写此项（至少 1 个字符）。');
  t.equal(fieldError(zh.body, 'slug'), '格式不正确。');
  t.match(zh.body, /id="f-nameEn" name="nameEn" value="Commerce Bureau"/, 'what was typed is kept');
  t.match(zh.body, /<option value="bureau" selected>区直部门<\/option>/);
  t.match(zh.body, /<a href="#f-slug">格式不正确。<\/a>/, 'the summary links to the field');

  const en = await postForm(app, '/admin/units/new?lang=en', fields, cookie);
  t.equal(en.statusCode, 400);
  t.match(en.body, /<html lang="en">/);
  t.match(textOf(en.body), 'Add a unit');
  t.ok(fieldError(en.body, 'nameZh'), 'a message by the Chinese name in English too');
  t.notOk(hasChinese(fieldError(en.body, 'nameZh')), 'and it is not in Chinese');
  t.ok(fieldError(en.body, 'slug'));

  const noTown = { _csrf: csrf, nameZh: '石城镇政府', nameEn: 'Shicheng Town Government', slug: slugOf('shicheng'), kind: 'town', townId: '' };
  const missing = await postForm(app, '/admin/units/new', noTown, cookie);
  t.equal(missing.statusCode, 422);
  t.match(textOf(missing.body), '单位信息有误，请查看标出的项目。');
  t.equal(fieldError(missing.body, 'townId'), '请填写此项。', 'a town without its town is said by the town (the API\'s code: required)');
  const missingEn = await postForm(app, '/admin/units/new?lang=en', noTown, cookie);
  t.equal(missingEn.statusCode, 422);
  t.equal(fieldError(missingEn.body, 'townId'), 'Please fill this in.');

  const bureauWithTown = await postForm(app, '/admin/units/new', { ...noTown, kind: 'bureau', townId: town.id }, cookie);
  t.equal(bureauWithTown.statusCode, 422);
  t.equal(fieldError(bureauWithTown.body, 'townId'), '这一类不填此项，请留空。', 'the API\'s code: not_for_kind');
  t.match(bureauWithTown.body, new RegExp(`<option value="${town.id}" selected>石城镇</option>`), 'the chosen town is kept');

  const taken = await buildUnit(db, { nameZh: '区商务局' });
  const twice = await postForm(app, '/admin/units/new', { _csrf: csrf, nameZh: '另一个商务局', nameEn: 'Another', slug: taken.slug, kind: 'bureau' }, cookie);
  t.equal(twice.statusCode, 409);
  t.equal(fieldError(twice.body, 'slug'), '这个网址标识已被使用，请换一个。', 'a taken slug is said by the slug');
  t.equal((await apiGet('/units')).items.length, before + 1, 'nothing was made by the refused forms (only the factory\'s unit)');

  const unit = await buildUnit(db, { nameZh: '区市监局', nameEn: 'Market Supervision Bureau' });
  const emptied = await postForm(app, `/admin/units/${unit.id}/edit?lang=en`, { _csrf: csrf, nameZh: '区市监局', nameEn: '', slug: unit.slug, requiresReview: 'on' }, cookie);
  t.equal(emptied.statusCode, 400);
  t.match(textOf(emptied.body), 'Edit the unit: Market Supervision Bureau', 'the heading names the unit as stored');
  t.ok(fieldError(emptied.body, 'nameEn'), 'an emptied English name is said by it');
  t.notOk(hasChinese(fieldError(emptied.body, 'nameEn')));
  t.match(emptied.body, /name="requiresReview" checked/, 'the ticked box stays ticked');
  t.match(textOf(emptied.body), 'Kind District bureau', 'the unit\'s kind is still shown');
  const renamedToTaken = await postForm(app, `/admin/units/${unit.id}/edit`, { _csrf: csrf, nameZh: '区市监局', nameEn: 'Market Supervision Bureau', slug: taken.slug }, cookie);
  t.equal(renamedToTaken.statusCode, 409);
  t.equal(fieldError(renamedToTaken.body, 'slug'), '这个网址标识已被使用，请换一个。');
  t.match(await apiGet(`/units/${unit.id}`), { slug: unit.slug, nameEn: 'Market Supervision Bureau', requiresReview: false }, 'nothing changed');

  const badFilter = await page('/admin/units?kind=ministry', cookie);
  t.equal(badFilter.statusCode, 400);
  t.equal(fieldError(badFilter.body, 'kind'), '请从列表中选择。', 'an unknown kind in the filter is said by the filter');

  const unknown = await page('/admin/units/00000000-0000-4000-8000-000000000000/edit', cookie);
  t.equal(unknown.statusCode, 404, 'no such unit is the API\'s 404');
});

t.test('units: an organizer reads the list but adding or changing a unit is the API\'s 403', async (t) => {
  const unit = await buildUnit(db, { nameZh: '区气象局', nameEn: 'Meteorological Bureau' });
  const organizer = await session({ role: 'organizer', unitIds: [unit.id] });

  const list = await page('/admin/units', organizer.cookie);
  t.equal(list.statusCode, 200);
  t.match(textOf(list.body), '区气象局');
  t.notMatch(list.body, 'href="/admin/units/new"', 'no button to a form the API would refuse');
  t.notMatch(list.body, `href="/admin/units/${unit.id}/edit"`);
  t.notMatch(list.body, '<a href="/admin/units">', 'nor the administrators\' menu entry');

  const slug = slugOf('quake');
  const made = await postForm(app, '/admin/units/new', { _csrf: organizer.csrf, nameZh: '区地震局', nameEn: 'Earthquake Bureau', slug, kind: 'bureau' }, organizer.cookie);
  t.equal(made.statusCode, 403);
  t.match(textOf(made.body), '你没有权限进行这个操作');
  t.notOk(await unitBySlug(slug), 'no unit was made');

  const changed = await postForm(app, `/admin/units/${unit.id}/edit?lang=en`, { _csrf: organizer.csrf, nameZh: '改名', nameEn: 'Renamed', slug: unit.slug, requiresReview: 'on' }, organizer.cookie);
  t.equal(changed.statusCode, 403);
  t.match(changed.body, /<html lang="en">/);
  t.match(textOf(changed.body), 'You may not do this.', 'the refusal in the reader\'s language');
  t.match(await apiGet(`/units/${unit.id}`), { nameZh: '区气象局', requiresReview: false }, 'nothing changed');

  const out = await app.inject({ url: '/admin/units' });
  t.equal(out.statusCode, 303, 'without a session there is only the sign-in page');
  t.equal(out.headers.location, '/admin/login?next=%2Fadmin%2Funits');
});

t.test('units: a form without the CSRF token is refused by the API and changes nothing', async (t) => {
  const { cookie } = await session();
  const slug = slugOf('csrf');
  const res = await postForm(app, '/admin/units/new', { nameZh: '区园林绿化局', nameEn: 'Landscaping Bureau', slug, kind: 'bureau' }, cookie);
  t.equal(res.statusCode, 403);
  t.match(textOf(res.body), '页面已过期，请重新提交一次');
  t.match(res.body, /id="f-nameZh" name="nameZh" value="区园林绿化局"/, 'the form is there again, filled, to send once more');
  t.notOk(await unitBySlug(slug), 'no unit was made');

  const unit = await buildUnit(db, { nameZh: '区财政局' });
  const edit = await postForm(app, `/admin/units/${unit.id}/edit`, { _csrf: 'forged', nameZh: '改名', nameEn: 'Renamed', slug: unit.slug, requiresReview: 'on' }, cookie);
  t.equal(edit.statusCode, 403);
  t.match(textOf(edit.body), '页面已过期');
  t.match(await apiGet(`/units/${unit.id}`), { nameZh: '区财政局', requiresReview: false });
});

t.test('themed days: names, kind and descriptions changed through the edit form; the rules stay', async (t) => {
  const day = await buildObservance(db, { kind: 'fixed_date', month: 6, day: 5 }, { nameZh: '环境日', nameEn: 'Environment Day', descriptionZh: '旧简介', descriptionEn: 'Old text' });
  const { cookie, csrf } = await session();

  const detail = await page(`/admin/observances/${day.slug}`, cookie);
  t.match(detail.body, `href="/admin/observances/${day.slug}/edit"`, 'the themed day\'s page links to its edit form');

  const form = await page(`/admin/observances/${day.slug}/edit`, cookie);
  t.equal(form.statusCode, 200);
  t.match(textOf(form.body), '修改主题日：环境日');
  t.match(form.body, /id="f-nameEn" name="nameEn" value="Environment Day"/, 'filled from the API');
  t.match(form.body, /<textarea id="f-descriptionZh"[^>]*>旧简介<\/textarea>/);
  t.match(form.body, /<option value="day" selected>日<\/option>/);
  t.match(textOf(form.body), '日期规则 日期规则在这里不能修改，请通过开放接口设置。某一年的日期可以在主题日页面填写。 每年6月5日（各年适用）', 'the rules are shown, not offered');

  const saved = await postForm(app, `/admin/observances/${day.slug}/edit`, {
    _csrf: csrf, nameZh: '世界环境日', nameEn: 'World Environment Day', kind: 'week', descriptionZh: '每年6月5日，围绕生态环境保护开展宣传。', descriptionEn: '',
  }, cookie);
  t.equal(saved.statusCode, 303);
  t.equal(saved.headers.location, `/admin/observances/${day.slug}?done=observanceSaved`);
  t.match(await apiGet(`/observances/${day.slug}`), {
    nameZh: '世界环境日', nameEn: 'World Environment Day', kind: 'week', descriptionZh: '每年6月5日，围绕生态环境保护开展宣传。', descriptionEn: null,
    rules: [{ validFromYear: null, validToYear: null, rule: { kind: 'fixed_date', month: 6, day: 5 } }],
  }, 'an emptied description is cleared; the rules are untouched');
  const after = textOf((await page(saved.headers.location as string, cookie)).body);
  t.match(after, '主题日已保存。');
  t.match(after, '世界环境日');

  const refused = await postForm(app, `/admin/observances/${day.slug}/edit`, { _csrf: csrf, nameZh: '', nameEn: 'World Environment Day', kind: 'fortnight', descriptionZh: '保留的文字', descriptionEn: '' }, cookie);
  t.equal(refused.statusCode, 400);
  t.equal(fieldError(refused.body, 'nameZh'), '请填写此项（至少 1 个字符）。');
  t.equal(fieldError(refused.body, 'kind'), '请从列表中选择。');
  t.match(refused.body, /<textarea id="f-descriptionZh"[^>]*>保留的文字<\/textarea>/, 'what was typed is kept');
  const refusedEn = await postForm(app, `/admin/observances/${day.slug}/edit?lang=en`, { _csrf: csrf, nameZh: '', nameEn: 'World Environment Day', kind: 'week' }, cookie);
  t.equal(refusedEn.statusCode, 400);
  t.match(textOf(refusedEn.body), 'Edit the themed day: World Environment Day');
  t.ok(fieldError(refusedEn.body, 'nameZh'));
  t.notOk(hasChinese(fieldError(refusedEn.body, 'nameZh')), 'the message is in English');
  t.equal((await apiGet(`/observances/${day.slug}`)).nameZh, '世界环境日', 'nothing changed');

  const unknown = await page('/admin/observances/no-such-day/edit', cookie);
  t.equal(unknown.statusCode, 404);
});

t.test('themed days: only admins and organizers granted themed days may edit one; without the CSRF token nothing changes', async (t) => {
  const day = await buildObservance(db, { kind: 'fixed_date', month: 3, day: 23 }, { nameZh: '世界气象日', nameEn: 'World Meteorological Day' });
  const unit = await buildUnit(db);
  const organizer = await session({ role: 'organizer', unitIds: [unit.id] });

  const readOnly = await page(`/admin/observances/${day.slug}`, organizer.cookie);
  t.equal(readOnly.statusCode, 200);
  t.notMatch(readOnly.body, '/edit"', 'no link to a form the API would refuse');
  const refused = await postForm(app, `/admin/observances/${day.slug}/edit`, { _csrf: organizer.csrf, nameZh: '改名', nameEn: 'Renamed', kind: 'day' }, organizer.cookie);
  t.equal(refused.statusCode, 403);
  t.match(textOf(refused.body), '你没有权限进行这个操作');
  t.equal((await apiGet(`/observances/${day.slug}`)).nameZh, '世界气象日');

  await app.inject({ method: 'PATCH', url: `/api/v1/accounts/${organizer.accountId}`, headers: adminHeaders, payload: { grants: ['observances'] } });
  t.match((await page(`/admin/observances/${day.slug}`, organizer.cookie)).body, `href="/admin/observances/${day.slug}/edit"`, 'granted: the link is there');
  const noToken = await postForm(app, `/admin/observances/${day.slug}/edit`, { nameZh: '气象日', nameEn: 'Weather Day', kind: 'day' }, organizer.cookie);
  t.equal(noToken.statusCode, 403);
  t.match(textOf(noToken.body), '页面已过期，请重新提交一次');
  t.match(noToken.body, /id="f-nameZh" name="nameZh" value="气象日"/, 'the form again, filled');
  t.equal((await apiGet(`/observances/${day.slug}`)).nameZh, '世界气象日', 'nothing changed without the token');

  const granted = await postForm(app, `/admin/observances/${day.slug}/edit`, { _csrf: organizer.csrf, nameZh: '世界气象日（3月23日）', nameEn: 'World Meteorological Day', kind: 'day' }, organizer.cookie);
  t.equal(granted.statusCode, 303);
  t.equal((await apiGet(`/observances/${day.slug}`)).nameZh, '世界气象日（3月23日）');
});
