import type { Test } from 'tap';
import t from 'tap';
import { renderToString } from 'preact-render-to-string';
import { CONSENT } from '../src/modules/registrations/consent.js';
import { HorizontalBarChart, MonthChart, type Bar } from '../src/ui/admin/reports/charts.js';
import { chosenCampaign } from '../src/ui/admin/reports/report-data.js';
import { translator } from '../src/ui/i18n/index.js';
import type { View } from '../src/ui/view.js';
import { adminHeaders, build } from './helpers/build.js';
import { DESKTOP, newPage, openBrowser, saveScreenshot, seriousViolations, startSite } from './helpers/browser.js';
import { buildAudiences, buildCampaign, buildObservance, buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { quickSession, textOf } from './helpers/ui.js';

/**
 * The year's report in the admin UI (/admin/reports): the SVG charts as pure components
 * (bars in proportion, labels, themed-day markers, last year's series), then the page on a
 * small campaign made through the API, as an admin and as an organizer, with its downloads.
 */

const view = (lang: 'zh' | 'en' = 'zh') => ({ lang, t: translator(lang), lookup: () => undefined, path: '/admin/reports', csrf: null, staff: null }) as unknown as View;

/** The bars of a rendered chart: series, value and size (height for columns, width for rows). */
function barsOf(svg: string) {
  return [...svg.matchAll(/<rect class="bar-(current|previous)" data-bar="\w+"(?: data-value="([^"]*)")? x="([\d.-]+)" y="([\d.-]+)" width="([\d.-]+)" height="([\d.-]+)"/g)]
    .map((m) => ({ series: m[1]!, value: m[2] ?? null, x: Number(m[3]), y: Number(m[4]), width: Number(m[5]), height: Number(m[6]) }));
}

const months = (values: number[], previous?: number[]): Bar[] => values.map((value, i) => ({ key: `2030-${String(i + 1).padStart(2, '0')}`, label: `${i + 1}月`, value, previous: previous?.[i] }));

t.test('the month chart: twelve columns in proportion, value labels, themed days flagged above their months', async (t) => {
  const svg = renderToString(MonthChart({
    view: view(), id: 'm', title: '每月活动数', series: { current: '2030年' },
    bars: months([0, 2, 4, 8, 1, 0, 0, 0, 6, 0, 0, 3]),
    markers: [{ month: 4, names: ['世界地球日', '中国航天日'] }, { month: 9, names: ['全国科普月'] }],
  }));
  t.match(svg, /^<svg class="chart" role="img" aria-labelledby="m-title"/, 'an image to assistive technology, named by its title');
  t.match(svg, /<title id="m-title">每月活动数<\/title>/);
  const bars = barsOf(svg);
  t.equal(bars.length, 12, 'one bar a month');
  t.ok(bars.every((b) => b.series === 'current'), 'one series without last year');
  const april = bars[3]!;
  t.equal(april.height, bars[2]!.height * 2, 'eight events stand twice as tall as four');
  t.equal(bars[0]!.height, 0, 'a month without events has no bar');
  t.ok(Math.abs(april.y + april.height - (bars[8]!.y + bars[8]!.height)) < 0.001, 'bars share one baseline');
  for (const m of ['1月', '4月', '12月']) t.match(svg, `>${m}</text>`, `month label ${m}`);
  t.match(svg, />8<\/text>/, 'the value is written on the bar');
  const markers = [...svg.matchAll(/<g class="chart-marker" data-month="(\d+)"><title>([^<]*)<\/title><path d="M ([\d.]+)/g)];
  t.same(markers.map((m) => [m[1], m[2]]), [['4', '世界地球日、中国航天日'], ['9', '全国科普月']], 'markers in their months, named in Chinese');
  const markerX = Number(markers[0]![3]) + 14;
  t.ok(markerX > april.x && markerX < april.x + april.width, 'April\'s marker stands over April\'s bar');
  t.match(svg, />★2<\/text>/, 'the marker says how many themed days the month has');
});

t.test('last year\'s series is drawn beside this year\'s, lighter, with a legend', async (t) => {
  const svg = renderToString(MonthChart({
    view: view(), id: 'm', title: '每月活动数', series: { current: '2030年', previous: '2029年' },
    bars: months([2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [4, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  }));
  const bars = barsOf(svg);
  t.equal(bars.filter((b) => b.series === 'previous').length, 12);
  const [prevJan, curJan] = [bars.find((b) => b.series === 'previous')!, bars.find((b) => b.series === 'current')!];
  t.equal(prevJan.height, curJan.height * 2, 'both series on one scale');
  t.ok(prevJan.x < curJan.x, 'last year first, this year beside it');
  t.match(svg, /class="chart-legend"[\s\S]*>2030年<[\s\S]*>2029年</, 'the legend names both years');

  const close = renderToString(MonthChart({ view: view(), id: 'c', title: 't', series: { current: '2030年', previous: '2029年' }, bars: months([1500, ...Array(11).fill(0)], [1490, ...Array(11).fill(0)]) }));
  const y = (text: string) => Number(close.match(new RegExp(`y="([\\d.-]+)"[^>]*>${text}</text>`))?.[1]);
  t.ok(y('1,490') - y('1,500') >= 22, 'two wide labels at one height: the taller bar\'s goes up a line');
});

t.test('the horizontal chart: one row per group, widths in proportion, percentages, a dash for no rate', async (t) => {
  const bars: Bar[] = [
    { key: 'a', label: '区科协', value: 0.9, previous: 0.6 },
    { key: 'b', label: '区水务局', value: 0.45, previous: null },
    { key: 'c', label: '区农业农村局', value: null, previous: 0.3 },
  ];
  const svg = renderToString(HorizontalBarChart({ view: view(), id: 'u', title: '各单位到场率', bars, series: { current: '2030年', previous: '2029年' }, format: 'percent' }));
  const current = barsOf(svg).filter((b) => b.series === 'current');
  t.equal(current[0]!.width, current[1]!.width * 2, '90% is twice as long as 45%');
  t.equal(current[2]!.width, 0, 'no rate, no bar');
  for (const text of ['区科协', '区水务局', '区农业农村局', '90.0%', '45.0%', '60.0%', '—']) t.match(svg, `>${text}<`, `shows ${text}`);
  t.equal(barsOf(svg).filter((b) => b.series === 'previous').length, 2, 'last year drawn where it has a value');
  t.match(svg, /role="img"/);

  const counts = renderToString(HorizontalBarChart({ view: view(), id: 't', title: '各镇街参与人数', series: { current: '2030年' }, bars: [{ key: 'x', label: '鼓楼街道', value: 12345 }, { key: 'y', label: '果园街道', value: 0 }] }));
  t.match(counts, />12,345</, 'large counts grouped by thousands');
  t.notMatch(counts, /chart-legend/, 'one series: no legend');
  const long = renderToString(HorizontalBarChart({ view: view(), id: 'l', title: 't', series: { current: '2030' }, bars: [{ key: 'x', label: '新时代文明实践中心与区科学技术协会联合举办的很长很长的单位名称', value: 1 }] }));
  t.match(long, /<title>新时代文明实践中心与区科学技术协会联合举办的很长很长的单位名称<\/title>[^<]*…/, 'a too-long label is shortened, the whole name in its title');
});

t.test('the default plan: the latest whose year has begun, else the nearest', async (t) => {
  const plan = (year: number) => ({ id: `p${year}`, slug: `p${year}`, year, titleZh: `${year}年`, titleEn: null });
  const plans = [plan(2024), plan(2027), plan(2026)];
  t.equal(chosenCampaign(plans, '', 2026)?.year, 2026, 'this year\'s, though next year\'s plan exists');
  t.equal(chosenCampaign(plans, '', 2025)?.year, 2024);
  t.equal(chosenCampaign(plans, 'p2027', 2026)?.year, 2027, 'the one asked for');
  t.equal(chosenCampaign(plans.slice(1), '', 2020)?.year, 2026, 'none begun: the nearest');
  t.equal(chosenCampaign([], '', 2026), undefined);
});

type EventJson = { id: string; sessions: { id: string }[] };

/**
 * Plan 2030 (task led by unit X): an Earth Day lecture by X in a town's venue for young
 * people (an individual of 2 and a class of 30 signed up) and an open day by Y for older
 * people without registration (40 counted). Plan 2029: one open day by X, 10 counted.
 * Plan 2028: nothing.
 */
async function scene(t: Test) {
  const { app, db } = await build(t, { config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 100_000 } });
  await buildAudiences(db);
  const unitX = await buildUnit(db, { nameZh: '区科协', nameEn: 'Science Association' });
  const unitY = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Bureau' });
  const town = await buildTown(db, { nameZh: '鼓楼街道', nameEn: 'Gulou' });
  const venue = await buildVenue(db, { townId: town.id });
  const earthDay = await buildObservance(db, { kind: 'fixed_date', month: 4, day: 22 });
  const plan = await buildCampaign(db, { year: 2030, leadUnitIds: [unitX.id] });
  const last = await buildCampaign(db, { year: 2029, leadUnitIds: [unitX.id] });
  const empty = await buildCampaign(db, { year: 2028 });

  async function event(unitId: string, fields: Record<string, unknown>, day: string) {
    const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unitId, fields, day) });
    if (created.statusCode !== 201) throw new Error(created.body);
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${created.json<EventJson>().id}/publish`, headers: adminHeaders });
    if (published.statusCode !== 200) throw new Error(published.body);
    return published.json<EventJson>();
  }
  async function counted(event: EventJson, counts: Record<string, number>) {
    const res = await app.inject({ method: 'PUT', url: `/api/v1/events/${event.id}/sessions/${event.sessions[0]!.id}/attendance`, headers: adminHeaders, payload: { counts } });
    if (res.statusCode !== 200) throw new Error(res.body);
  }
  const lecture = await event(unitX.id, { taskId: plan.task.id, venueId: venue.id, observanceId: earthDay.id, audiences: ['youth'], registrationMode: 'both', capacity: 50 }, '2030-04-22');
  for (const body of [
    { kind: 'individual', name: '张三', phone: '13800138000', partySize: 2 },
    { kind: 'class', school: '密云区第二小学', gradeClass: '三年级2班', headcount: 30, teacherName: '王老师', teacherPhone: '13700137000' },
  ]) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/events/${lecture.id}/registrations`, payload: { consentVersion: CONSENT.version, ...body } });
    if (res.statusCode !== 201) throw new Error(res.body);
  }
  const openDay = await event(unitY.id, { titleZh: '节水开放日', taskId: plan.task.id, audiences: ['elderly'], registrationMode: 'none' }, '2030-06-05');
  await counted(openDay, { elderly: 40 });
  const before = await event(unitX.id, { titleZh: '去年的开放日', taskId: last.task.id, audiences: ['youth'], registrationMode: 'none' }, '2029-04-22');
  await counted(before, { youth: 10 });

  const admin = await quickSession(db, { role: 'admin' });
  const organizer = await quickSession(db, { role: 'organizer', unitIds: [unitX.id] });
  const page = (url: string, who: { cookie: string }) => app.inject({ url, headers: { cookie: who.cookie } });
  return { app, db, unitX, unitY, plan, last, empty, admin, organizer, page };
}

/** The HTML of one chart's section. */
const chartOf = (html: string, name: string) => {
  const start = html.indexOf(`id="chart-${name}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
};
const rowOf = (html: string, figure: string) => textOf(html.match(new RegExp(`<tr data-figure="${figure}">([\\s\\S]*?)</tr>`))?.[1] ?? '');

t.test('the report page, for a small campaign made through the API', async (t) => {
  const { db, plan, last, empty, unitX, admin, organizer, page } = await scene(t);

  t.test('an admin sees the latest plan: totals against last year, four charts, the table, the downloads', async (t) => {
    const first = await page('/admin/reports', admin);
    t.match(first.body, `<option value="${empty.campaign.id}" selected`, 'no plan\'s year has begun: the nearest is the default');
    const res = await page(`/admin/reports?campaign=${plan.campaign.id}`, admin);
    t.equal(res.statusCode, 200);
    const html = res.body;
    t.match(textOf(html), '年度统计报表 · 2030年科普工作要点');
    t.match(textOf(html), '统计所有单位的活动');
    t.equal(rowOf(html, 'events'), '活动数 2 1 +100.0%', 'events: this year, last year, the change');
    t.equal(rowOf(html, 'peopleRegistered'), '报名人数 32 0 —', 'people registered: the class counts by headcount; no change from zero');
    t.equal(rowOf(html, 'attended'), '参与人数 40 10 +300.0%');
    t.match(html, 'href="/admin/reports"', 'the nav links the reports');
    t.equal((html.match(/<svg class="chart" role="img"/g) ?? []).length, 3, 'three charts: no session has begun, so no attendance rate to draw');

    const month = chartOf(html, 'month');
    const values = [...month.matchAll(/data-bar="current" data-value="(\d+)"/g)].map((m) => Number(m[1]));
    t.same(values, [0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0], 'an event in April and one in June');
    t.same([...month.matchAll(/data-bar="previous" data-value="(\d+)"/g)].map((m) => Number(m[1]))[3], 1, 'last April\'s open day beside it');
    t.match(month, /<g class="chart-marker" data-month="4"><title>[^<]*世界地球日/, 'Earth Day flagged in April');
    t.match(textOf(month), '4月：世界地球日', 'and named under the chart');

    const audience = chartOf(html, 'audience');
    t.match(audience, /<g data-key="elderly">[\s\S]*?>老年人<[\s\S]*?data-value="40"/, 'older people reached: 40');
    t.match(textOf(audience), '青少年');
    t.match(chartOf(html, 'town'), '鼓楼街道');
    t.match(textOf(chartOf(html, 'unit')), '各单位到场率 没有可以画图的数据', 'no session has begun: no attendance rate to draw');
    t.match(html, /<details class="chart-data"><summary>查看“各人群参与人数”的数据表<\/summary>/, 'each chart has its table');

    t.match(html, /<table class="report-table" data-testid="groups">/, 'the table by task');
    t.match(textOf(html), '促进科技创新资源科普化');
    for (const word of ['活动场次', '提供座位', '个人报名', '班级报名', '签到人数', '现场统计人数', '到场率', '爽约率', '候补高峰', '取消', '科普工作者', '志愿者']) t.match(textOf(html), word, `the table has ${word}`);
  });

  t.test('the form narrows the report and the downloads keep its conditions', async (t) => {
    const url = `/admin/reports?campaign=${plan.campaign.id}&groupBy=task,audience&from=2030-04-01&to=2030-04-30&unit=${unitX.id}`;
    const res = await page(url, admin);
    t.equal(res.statusCode, 200);
    t.equal(rowOf(res.body, 'events'), '活动数 1 1 ±0.0%', 'April only');
    t.match(res.body, /<option value="task,audience" selected>计划任务 × 面向人群<\/option>/);
    const csv = res.body.match(/href="([^"]+)" download data-testid="csv-link"/)?.[1]?.replace(/&amp;/g, '&');
    const xlsx = res.body.match(/href="([^"]+)" download data-testid="xlsx-link"/)?.[1]?.replace(/&amp;/g, '&');
    t.equal(csv, `/api/v1/reports/campaigns/${plan.campaign.id}/export?format=csv&groupBy=task%2Caudience&from=2030-04-01&to=2030-04-30&unit=${unitX.id}`);
    t.equal(xlsx, csv!.replace('format=csv', 'format=xlsx'));
    const file = await page(csv!, admin);
    t.equal(file.statusCode, 200, 'the staff session\'s cookie is enough for the download');
    t.match(file.headers['content-type'], /^text\/csv/);
    t.match(file.headers['content-disposition'], /attachment/);
    const book = await page(xlsx!, admin);
    t.equal(book.statusCode, 200);
    t.equal(book.rawPayload.subarray(0, 2).toString(), 'PK', 'an XLSX file');
  });

  t.test('an organizer sees their units\' figures only', async (t) => {
    const res = await page(`/admin/reports?campaign=${plan.campaign.id}`, organizer);
    t.equal(res.statusCode, 200);
    t.match(textOf(res.body), '只统计你所在单位的活动');
    t.equal(rowOf(res.body, 'events'), '活动数 1 1 ±0.0%', 'the lecture only');
    t.match(res.body, 'href="/admin/reports"', 'the nav shows organizers the reports');
    t.notMatch(res.body, 'name="unit"', 'one unit: nothing to choose');
  });

  t.test('a plan without events, a refused range, another language', async (t) => {
    const none = await page(`/admin/reports?campaign=${empty.campaign.id}`, admin);
    t.equal(none.statusCode, 200);
    t.match(textOf(none.body), '这个年度计划还没有活动');
    t.notMatch(none.body, '<svg', 'no charts to draw');
    t.notMatch(none.body, 'csv-link', 'nothing to download');

    const refused = await page(`/admin/reports?campaign=${plan.campaign.id}&from=2030-05-01&to=2030-04-01`, admin);
    t.equal(refused.statusCode, 400);
    t.match(textOf(refused.body), '报表没有生成：结束日期要晚于开始日期。');
    t.match(refused.body, /<p class="error" id="f-to-error">结束日期不能早于开始日期。<\/p>/, 'the message by the field');
    t.match(refused.body, 'value="2030-05-01"', 'the form keeps what was typed');

    t.match(textOf(none.body), '没有上一年度的计划，无法对比');

    const english = await page(`/admin/reports?campaign=${plan.campaign.id}&lang=en`, admin);
    t.equal(english.statusCode, 200);
    t.match(textOf(english.body), 'Events per month');
    t.match(textOf(english.body), `Compared with ${last.campaign.titleZh}.`);
    t.match(english.body, '<input type="hidden" name="lang" value="en"', 'the form keeps the language');
    t.match(english.body, '>Apr</text>');
  });

  t.test('checkers do not get reports; signed-out readers are sent to sign in', async (t) => {
    const checker = await quickSession(db, { role: 'checker', unitIds: [unitX.id] });
    const refused = await page(`/admin/reports?campaign=${plan.campaign.id}`, checker);
    t.equal(refused.statusCode, 403);
    t.match(textOf(refused.body), '你没有权限');
    t.notMatch(refused.body, 'href="/admin/reports"', 'not in a checker\'s nav');
    const out = await page('/admin/reports', { cookie: '' });
    t.equal(out.statusCode, 303);
    t.match(out.headers.location, /^\/admin\/login\?next=/);
  });
});

t.test('in a browser: the demo\'s 2024 report on a desktop, readable and without serious accessibility faults', async (t) => {
  const site = await startSite(t);
  const admin = await quickSession(site.db, { role: 'admin' });
  const browser = await openBrowser(t);
  const page = await newPage(browser, DESKTOP, site.baseUrl);
  await page.context().addCookies([{ name: 'kepu_session', value: admin.cookie.split('=')[1]!, url: site.baseUrl }]);
  await page.goto('/admin/reports');
  await page.getByLabel('年度计划').selectOption({ label: '2024年密云区科普工作要点' });
  await page.getByLabel('明细表的分组方式').selectOption({ label: '计划任务 × 面向人群' });
  await page.getByRole('button', { name: '查看报表' }).click();
  await page.waitForURL(/groupBy=task%2Caudience/);
  t.equal(await page.locator('svg.chart[role="img"]').count(), 4, 'four charts, from the demo\'s year of activity (seeds/demo-activity.ts)');
  t.ok(await page.locator('[data-chart="month"] .chart-marker').count() > 5, 'the year\'s themed days flagged');
  const fontSize = await page.locator('[data-chart="month"] text.chart-value').first().evaluate((el) => el.getBoundingClientRect().height);
  t.ok(fontSize >= 16, `value labels are at least 16 px high on a desktop (${fontSize.toFixed(1)})`);
  t.same(await seriousViolations(page), [], 'no serious or critical violations');
  await saveScreenshot(page, 'admin-report-2024');
});
