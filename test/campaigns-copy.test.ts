import t, { type Test } from 'tap';
import { count, inArray } from 'drizzle-orm';
import type { Database } from '../src/db/client.js';
import { auditLog, campaignSections, campaignTaskUnits, campaignTasks, campaigns, eventQuestions, events, registrations, sessions } from '../src/db/schema/index.js';
import { createChangeRecorder } from '../src/modules/changes/change-recorder.js';
import { retitled, shiftDays, shiftInstant } from '../src/modules/campaigns/event-shift.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildAudiences, buildObservance, buildUnit, buildVenue } from './helpers/factories.js';
import { problem } from './helpers/problem.js';
import { fieldErrorOf, postForm, quickSession, textOf } from './helpers/ui.js';

/** Copying a year's plan to another year: the plan itself, and its events as drafts on the new year's dates. */

type Json = Record<string, any>;
type Task = { id: string; titleZh: string; position: number; leadUnits: { id: string }[]; copiedFromTaskId: string | null };
type Campaign = { id: string; slug: string; year: number; titleZh: string; titleEn: string | null; sections: { id: string; position: number; titleZh: string; tasks: Task[] }[] };

const HERITAGE = { kind: 'nth_weekday', month: 6, weekday: 6, nth: 2 } as const; // second Saturday of June: 2024-06-08, 2025-06-14

t.test('the pure part: days moved, wall-clock times, titles', async (t) => {
  const heritage = { rules: [{ validFromYear: null, validToYear: null, rule: HERITAGE }], overrides: [] };
  t.equal(shiftDays(new Date('2024-06-08T01:00:00Z'), 'Asia/Shanghai', 1, heritage), 371, 'the second Saturday of June moves by 53 weeks');
  t.equal(shiftDays(new Date('2024-06-08T01:00:00Z'), 'Asia/Shanghai', 1), 365, 'without a themed day: the same month and day');
  t.equal(shiftDays(new Date('2024-02-29T02:00:00Z'), 'Asia/Shanghai', 1), 365, 'Feb 29 → Feb 28');
  t.equal(shiftDays(new Date('2023-03-01T02:00:00Z'), 'Asia/Shanghai', 1), 366, 'across a Feb 29');
  const announced = { rules: [{ validFromYear: null, validToYear: null, rule: { kind: 'announced' } as const }], overrides: [{ year: 2024, startDate: '2024-05-25', endDate: '2024-06-01' }] };
  t.equal(shiftDays(new Date('2024-05-25T01:00:00Z'), 'Asia/Shanghai', 1, announced), 365, 'a day not yet announced for the new year: the same month and day');
  t.equal(shiftDays(new Date('2024-05-25T01:00:00Z'), 'Asia/Shanghai', 1, { ...announced, overrides: [...announced.overrides, { year: 2025, startDate: '2025-05-17', endDate: '2025-05-24' }] }), 357);
  t.equal(shiftDays(new Date('2024-12-31T17:00:00Z'), 'Asia/Shanghai', 1), 365, 'the date is read in the event\'s zone (Jan 1 2025 there)');
  t.equal(shiftInstant(new Date('2024-03-30T09:00:00Z'), 'Europe/Berlin', 365).toISOString(), '2025-03-30T08:00:00.000Z', '10:00 in Berlin stays 10:00 after the clocks went forward');
  t.equal(retitled('2024年密云区科普工作要点', 2024, 2025), '2025年密云区科普工作要点');
  t.equal(retitled('Plan 2024 (20245)', 2024, 2025), 'Plan 2025 (20245)', 'only the year itself');
  t.equal(retitled('科普工作要点', 2024, 2025), '科普工作要点');
});

async function rowCounts(db: Database) {
  const n = async (table: typeof campaigns | typeof campaignSections | typeof campaignTasks | typeof campaignTaskUnits | typeof events | typeof sessions | typeof eventQuestions | typeof auditLog) =>
    (await db.select({ n: count() }).from(table))[0]!.n;
  return {
    campaigns: await n(campaigns), sections: await n(campaignSections), tasks: await n(campaignTasks), leads: await n(campaignTaskUnits),
    events: await n(events), sessions: await n(sessions), questions: await n(eventQuestions), audit: await n(auditLog),
  };
}

/** A 2024 plan of two sections with lead units, and events of several kinds under its tasks. */
async function setup(t: Test) {
  const clock = { now: () => new Date('2024-05-25T00:00:00Z') };
  const changes = createChangeRecorder();
  // Armed by a test: the second event created afterwards fails, after the plan and one event were written.
  const trip = { armed: false, seen: 0 };
  changes.onChange(async (_tx, change) => {
    if (trip.armed && change.entity === 'event' && change.action === 'created' && ++trip.seen === 2) throw new Error('the second copy fails');
  });
  const { app, db } = await build(t, { clock, changes });
  await buildAudiences(db);
  const cast = await buildUnit(db, { nameZh: '区科协' });
  const culture = await buildUnit(db, { nameZh: '区文旅局' });
  const water = await buildUnit(db, { nameZh: '区水务局' });
  const heritage = await buildObservance(db, HERITAGE, { nameZh: '文化和自然遗产日', nameEn: 'Cultural and Natural Heritage Day' });
  const earth = await buildObservance(db, { kind: 'fixed_date', month: 4, day: 22 });
  const hall = await buildVenue(db, { nameZh: '区文化馆', capacity: 200 });
  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
    const res = await api(method, url, payload);
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json<Json>();
  };
  const plan = await ok('POST', '/campaigns', {
    slug: 'miyun-2024', year: 2024, titleZh: '2024年密云区科普工作要点', titleEn: 'Science Popularisation Work Plan 2024', descriptionZh: '全年工作安排。',
    sections: [
      { titleZh: '加强科普能力建设', tasks: [{ titleZh: '促进科技创新资源科普化', leadUnitIds: [cast.id, culture.id] }, { titleZh: '开展应急科普', descriptionZh: '融入应急理念。' }] },
      { titleZh: '持续做优科普品牌活动', titleEn: 'Flagship events', tasks: [{ titleZh: '主题日活动', leadUnitIds: [water.id] }] },
      { titleZh: '强化科普统筹管理' },
    ],
  }) as Campaign;
  const [first, second] = plan.sections;
  const tasks = { capacity: first!.tasks[0]!.id, emergency: first!.tasks[1]!.id, days: second!.tasks[0]!.id };
  const event = async (body: Json) => ok('POST', '/events', { type: 'lecture', ownerUnitId: culture.id, ...body });

  // The themed day's event: published, with a sign-up, questions (one hidden) and the year's counts.
  const heritageEvent = await event({
    titleZh: '文化遗产日非遗体验', titleEn: 'Heritage Day workshop', descriptionZh: '动手体验。', type: 'workshop', taskId: tasks.capacity, observanceId: heritage.id,
    venueId: hall.id, coUnitIds: [cast.id], audiences: ['families', 'youth'], registrationMode: 'individual', capacity: 30, partySizeLimit: 3,
    waitlistEnabled: false, promotionCutoffMinutes: 60, reminderOffsetsMinutes: [1440], tags: ['非遗', '亲子'], scienceWorkers: 5, volunteers: 3,
    registrationOpensAt: '2024-05-20T09:00:00+08:00', registrationClosesAt: '2024-06-07T18:00:00+08:00',
    sessions: [
      { startsAt: '2024-06-08T09:00:00+08:00', endsAt: '2024-06-08T11:00:00+08:00', capacity: 20 },
      { startsAt: '2024-06-08T14:00:00+08:00', endsAt: '2024-06-08T16:00:00+08:00', streamUrl: 'https://live.example.cn/heritage' },
      { startsAt: '2024-06-09T09:00:00+08:00', endsAt: '2024-06-09T11:00:00+08:00' },
    ],
  });
  const cancelledSession = heritageEvent.sessions[2].id;
  await ok('POST', `/events/${heritageEvent.id}/sessions/${cancelledSession}/cancel`);
  await ok('POST', `/events/${heritageEvent.id}/questions`, { kind: 'choice', labelZh: '孩子的年龄段', options: [{ value: 'small', labelZh: '6岁以下' }, { value: 'big', labelZh: '6岁以上' }], required: true });
  const hidden = await ok('POST', `/events/${heritageEvent.id}/questions`, { kind: 'text', labelZh: '旧问题' });
  await ok('PATCH', `/events/${heritageEvent.id}/questions/${hidden.id}`, { hidden: true });
  await ok('POST', `/events/${heritageEvent.id}/publish`);
  const consent = (await api('GET', '/consent')).json<{ version: string }>().version;
  const signUp = await api('POST', `/events/${heritageEvent.id}/registrations`, {
    kind: 'individual', name: '王小明', phone: '13900138000', partySize: 2, sessionId: heritageEvent.sessions[0].id, consentVersion: consent, answers: { [(await ok('GET', `/events/${heritageEvent.id}`)).questions[0].id]: 'small' },
  }, {});
  if (signUp.statusCode !== 201) throw new Error(`sign-up: ${signUp.body}`);

  const leapDay = await event({ titleZh: '闰日科普讲座', taskId: tasks.emergency, venueId: hall.id, sessions: [{ startsAt: '2024-02-29T10:00:00+08:00', endsAt: '2024-02-29T12:00:00+08:00' }] });
  // Berlin's clocks went forward on 2024-03-31 and on 2025-03-30: a plain 365 × 24 h would land at 11:00 there.
  const berlin = await event({ titleZh: '柏林交流讲座', taskId: tasks.emergency, timezone: 'Europe/Berlin', sessions: [{ startsAt: '2024-03-30T10:00:00+01:00', endsAt: '2024-03-30T12:00:00+01:00' }] });
  const earthDay = await event({ titleZh: '地球日讲座', taskId: tasks.days, observanceId: earth.id, ownerUnitId: water.id, sessions: [{ startsAt: '2024-04-22T09:00:00+08:00', endsAt: '2024-04-22T11:00:00+08:00' }] });
  const noSessions = await event({ titleZh: '待定的活动', taskId: tasks.days });
  const cancelled = await event({ titleZh: '取消了的活动', taskId: tasks.days, sessions: [{ startsAt: '2024-07-01T09:00:00+08:00', endsAt: '2024-07-01T11:00:00+08:00' }] });
  await ok('POST', `/events/${cancelled.id}/cancel`);
  await event({ titleZh: '不属于计划的活动', sessions: [{ startsAt: '2024-07-02T09:00:00+08:00', endsAt: '2024-07-02T11:00:00+08:00' }] });

  const copy = (id: string, body: object, headers: Record<string, string> = adminHeaders) => api('POST', `/campaigns/${id}/copy`, body, headers);
  return { app, db, api, ok, copy, plan, tasks, trip, units: { cast, culture, water }, hall, heritage, events: { heritageEvent, leapDay, berlin, earthDay, noSessions, cancelled } };
}

t.test('a plan copied with its events', async (t) => {
  const { db, ok, copy, plan, units, hall, heritage, events: source } = await setup(t);
  const before = await rowCounts(db);
  const res = await copy(plan.id, { year: 2025, slug: 'miyun-2025', withEvents: true });
  t.equal(res.statusCode, 201, res.body);
  const copied = res.json<Campaign & { eventsCopied: number; eventsWithoutVenue: unknown[] }>();

  await t.test('the plan: sections, tasks, lead units, each task pointing at its original', async (t) => {
    t.match(copied, { slug: 'miyun-2025', year: 2025, titleZh: '2025年密云区科普工作要点', titleEn: 'Science Popularisation Work Plan 2025', descriptionZh: '全年工作安排。' });
    t.not(copied.id, plan.id);
    const shape = (c: Campaign) => c.sections.map((s) => [s.position, s.titleZh, s.tasks.map((x) => [x.position, x.titleZh, x.leadUnits.map((u) => u.id)])]);
    t.strictSame(shape(copied), shape(plan));
    t.strictSame(copied.sections.flatMap((s) => s.tasks.map((x) => x.copiedFromTaskId)), plan.sections.flatMap((s) => s.tasks.map((x) => x.id)));
    t.ok(copied.sections.flatMap((s) => s.tasks).every((x) => !plan.sections.flatMap((s) => s.tasks).some((o) => o.id === x.id)), 'new tasks');
    t.strictSame((await ok('GET', `/campaigns/${plan.id}`)).sections, plan.sections, 'the original is untouched');
    t.equal((await ok('GET', `/campaigns/${plan.id}`)).sections[0].tasks[0].copiedFromTaskId, null);
    const audit = await ok('GET', `/audit?objectKind=campaign&objectId=${copied.id}`);
    t.match(audit.items, [{ action: 'copied', changedFields: ['sections', 'tasks', 'events'] }]);
  });

  const list = (await ok('GET', '/events?campaign=miyun-2025&limit=50')).items as Json[];
  const copyOf = (title: string) => list.find((e) => e.titleZh === title)!;

  await t.test('events: every one but the cancelled one, as drafts under the copied tasks', async (t) => {
    t.equal(copied.eventsCopied, 5);
    t.strictSame(copied.eventsWithoutVenue, []);
    t.strictSame(list.map((e) => e.titleZh).sort(), ['闰日科普讲座', '柏林交流讲座', '地球日讲座', '文化遗产日非遗体验', '待定的活动'].sort());
    t.ok(list.every((e) => e.status === 'draft' && e.publishedAt === null && e.reviewComment === null), 'all drafts');
    const newTasks = new Map(copied.sections.flatMap((s) => s.tasks.map((x) => [x.copiedFromTaskId, x.id])));
    t.equal(copyOf('地球日讲座').task.id, newTasks.get(source.earthDay.task.id));
    t.equal(copyOf('闰日科普讲座').task.id, newTasks.get(source.leapDay.task.id));
    t.equal((await rowCounts(db)).events, before.events + 5);
  });

  await t.test('the themed day\'s event: on the day\'s new date, same local times, settings kept, the year\'s own things left behind', async (t) => {
    const e = copyOf('文化遗产日非遗体验');
    t.match(e, {
      titleEn: 'Heritage Day workshop', descriptionZh: '动手体验。', type: 'workshop', ownerUnit: { id: units.culture.id }, coUnits: [{ id: units.cast.id }],
      observance: { id: heritage.id }, venue: { id: hall.id }, audiences: ['families', 'youth'], registrationMode: 'individual', capacity: 30, partySizeLimit: 3,
      waitlistEnabled: false, promotionCutoffMinutes: 60, reminderOffsetsMinutes: [1440], tags: ['非遗', '亲子'], timezone: 'Asia/Shanghai',
      scienceWorkers: null, volunteers: null,
    });
    // 2024-06-08 (second Saturday) → 2025-06-14 (second Saturday): 371 days, not 365.
    t.strictSame(e.sessions.map((s: Json) => [s.startsAt, s.endsAt, s.capacity, s.status]), [
      ['2025-06-14T01:00:00.000Z', '2025-06-14T03:00:00.000Z', 20, 'scheduled'],
      ['2025-06-14T06:00:00.000Z', '2025-06-14T08:00:00.000Z', null, 'scheduled'],
    ], 'the cancelled session is not copied');
    t.equal(e.sessions[1].streamUrl, 'https://live.example.cn/heritage');
    t.equal(e.registrationOpensAt, '2025-05-26T01:00:00.000Z', 'the window moves by the same days');
    t.equal(e.registrationClosesAt, '2025-06-13T10:00:00.000Z');
    t.strictSame(e.questions.map((q: Json) => [q.labelZh, q.kind, q.required, q.options.map((o: Json) => o.value)]), [['孩子的年龄段', 'choice', true, ['small', 'big']]], 'hidden questions stay behind');
    t.equal(e.sessions[0].seatsLeft, 20, 'no seats taken');
    t.equal((await db.select({ n: count() }).from(registrations).where(inArray(registrations.eventId, list.map((x) => x.id))))[0]!.n, 0, 'no registrations copied');
    t.equal((await ok('GET', `/events/${source.heritageEvent.id}`)).status, 'published', 'the original is untouched');
  });

  await t.test('events without a themed day keep month, day and wall-clock time', async (t) => {
    t.equal(copyOf('闰日科普讲座').sessions[0].startsAt, '2025-02-28T02:00:00.000Z', 'Feb 29 → Feb 28, 10:00 Shanghai');
    t.strictSame([copyOf('柏林交流讲座').sessions[0].startsAt, copyOf('柏林交流讲座').sessions[0].endsAt], ['2025-03-30T08:00:00.000Z', '2025-03-30T10:00:00.000Z'],
      '10:00–12:00 in Berlin, now summer time');
    t.equal(copyOf('地球日讲座').sessions[0].startsAt, '2025-04-22T01:00:00.000Z', 'a fixed-date day: the same date');
    t.strictSame(copyOf('待定的活动').sessions, []);
  });

  await t.test('the copies hold their venue: a second copy to the same year finds it taken and leaves it out', async (t) => {
    const again = await copy(plan.id, { year: 2025, slug: 'miyun-2025-b', titleZh: '2025年第二版', titleEn: null, withEvents: true });
    t.equal(again.statusCode, 201, again.body);
    const body = again.json<Json>();
    t.match(body, { titleZh: '2025年第二版', titleEn: null, eventsCopied: 5 });
    t.strictSame(body.eventsWithoutVenue.map((e: Json) => e.titleZh).sort(), ['文化遗产日非遗体验', '闰日科普讲座'].sort(), 'the two copies at the hall overlap the first copies');
    t.match(body.eventsWithoutVenue.find((e: Json) => e.titleZh === '文化遗产日非遗体验'), { copiedFromEventId: source.heritageEvent.id });
    t.equal((await ok('GET', `/events/${body.eventsWithoutVenue[0].id}`)).venue, null, 'copied without the venue');
    t.equal((await ok('GET', `/events/${body.eventsWithoutVenue[0].id}`)).sessions.length > 0, true, 'but with its sessions');
  });
});

t.test('without events; defaults; refusals write nothing', async (t) => {
  const { db, copy, plan } = await setup(t);
  const res = await copy(plan.id, { year: 2026, slug: 'miyun-2026' });
  t.equal(res.statusCode, 201, res.body);
  t.match(res.json(), { titleZh: '2026年密云区科普工作要点', eventsCopied: 0, eventsWithoutVenue: [] });
  const tasks = await db.select({ id: campaignTasks.id }).from(campaignTasks).where(inArray(campaignTasks.sectionId, res.json<Campaign>().sections.map((s) => s.id)));
  t.equal((await db.select({ n: count() }).from(events).where(inArray(events.taskId, tasks.map((x) => x.id))))[0]!.n, 0, 'no events');

  const before = await rowCounts(db);
  const taken = problem(t, await copy(plan.id, { year: 2027, slug: 'miyun-2024', withEvents: true }), 409, 'duplicate', ['/slug']);
  t.match(taken.detail, /slug/);
  problem(t, await copy(plan.id, { year: 2201, slug: 'miyun-2201' }), 400, 'validation_failed', ['/year']);
  problem(t, await copy(plan.id, { year: 1999, slug: 'miyun-1999' }), 400, 'validation_failed', ['/year']);
  problem(t, await copy(plan.id, { year: 2027, slug: 'Not A Slug' }), 400, 'validation_failed', ['/slug']);
  problem(t, await copy(plan.id, { slug: 'miyun-2027' }), 400, 'validation_failed', ['/year']);
  problem(t, await copy('00000000-0000-4000-8000-000000000000', { year: 2027, slug: 'miyun-2027' }), 404, 'campaign_not_found');
  t.strictSame(await rowCounts(db), before, 'nothing written');
});

t.test('rights: administrators only', async (t) => {
  const { db, copy, plan, units } = await setup(t);
  const before = await rowCounts(db);
  const organizer = await buildAccount(db, { role: 'organizer', unitIds: [units.culture.id] });
  problem(t, await copy(plan.id, { year: 2025, slug: 'miyun-2025', withEvents: true }, organizer.headers), 403, 'forbidden');
  problem(t, await copy(plan.id, { year: 2025, slug: 'miyun-2025' }, {}), 401, 'authentication_required');
  t.strictSame(await rowCounts(db), before, 'nothing written');
});

t.test('a failure while copying the events writes nothing at all', async (t) => {
  const { db, copy, plan, trip } = await setup(t);
  const before = await rowCounts(db);
  trip.armed = true;
  const res = await copy(plan.id, { year: 2025, slug: 'miyun-2025', withEvents: true });
  t.equal(res.statusCode, 500, 'the second event copy failed');
  t.strictSame(await rowCounts(db), before, 'no plan, no section, no task, no event, no audit entry');
});

t.test('the admin UI: the copy form on the plan\'s page', async (t) => {
  const { app, db, plan, units } = await setup(t);
  const admin = await quickSession(db, { role: 'admin' });
  const organizer = await quickSession(db, { role: 'organizer', unitIds: [units.culture.id] });
  const page = await app.inject({ url: `/admin/campaigns/${plan.id}`, headers: { cookie: admin.cookie } });
  t.equal(page.statusCode, 200);
  t.match(page.body, new RegExp(`<form method="post" action="/admin/campaigns/${plan.id}/copy"`));
  t.match(page.body, /name="year" value="2025"/, 'the next year');
  t.match(page.body, /name="slug" value="miyun-2025"/, 'the slug with the year moved on');
  t.match(page.body, /<input type="checkbox" id="f-withEvents" name="withEvents"/);
  t.match(textOf(page.body), '复制到新一年');
  t.match(textOf(page.body), '同时把各项任务下的活动复制为草稿');
  const english = await app.inject({ url: `/admin/campaigns/${plan.id}?lang=en`, headers: { cookie: admin.cookie } });
  t.match(textOf(english.body), 'Copy to a new year');
  const organizers = await app.inject({ url: `/admin/campaigns/${plan.id}`, headers: { cookie: organizer.cookie } });
  t.notMatch(organizers.body, /\/copy"/, 'organizers are not offered the copy');

  const taken = await postForm(app, `/admin/campaigns/${plan.id}/copy`, { _csrf: admin.csrf, year: '2025', slug: 'miyun-2024', withEvents: 'on' }, admin.cookie);
  t.equal(taken.statusCode, 409);
  t.equal(fieldErrorOf(taken.body, 'slug'), '这个网址标识已被使用，请换一个。');
  t.match(taken.body, /name="slug" value="miyun-2024"/, 'what was typed is kept');
  t.match(taken.body, /id="f-withEvents" name="withEvents" checked/);
  const badYear = await postForm(app, `/admin/campaigns/${plan.id}/copy`, { _csrf: admin.csrf, year: '3000', slug: 'miyun-3000' }, admin.cookie);
  t.equal(badYear.statusCode, 400);
  t.equal(fieldErrorOf(badYear.body, 'year'), '不能大于 2200。');

  const copied = await postForm(app, `/admin/campaigns/${plan.id}/copy`, { _csrf: admin.csrf, year: '2025', slug: 'miyun-2025', withEvents: 'on' }, admin.cookie);
  t.equal(copied.statusCode, 303, copied.body.slice(0, 300));
  const location = String(copied.headers.location);
  t.match(location, /^\/admin\/campaigns\/[0-9a-f-]{36}\?done=campaignCopied&events=5&withoutVenue=0$/, 'to the new plan\'s page');
  t.notMatch(location, plan.id);
  const after = textOf((await app.inject({ url: location, headers: { cookie: admin.cookie } })).body);
  t.match(after, '2025年密云区科普工作要点');
  t.match(after, '已复制为新一年的计划，请核对标题和各项任务。');
  t.match(after, '已复制 5 个活动，均为草稿，请核对日期后再发布。');
  t.notMatch(after, '复制后没有场地');
  t.match(after, '促进科技创新资源科普化');

  const plain = await postForm(app, `/admin/campaigns/${plan.id}/copy`, { _csrf: admin.csrf, year: '2026', slug: 'miyun-2026' }, admin.cookie);
  t.equal(plain.statusCode, 303);
  t.match(String(plain.headers.location), /events=0&withoutVenue=0$/);
  t.notMatch(textOf((await app.inject({ url: String(plain.headers.location), headers: { cookie: admin.cookie } })).body), '个活动', 'no event notice without events');
  const forged = await postForm(app, `/admin/campaigns/${plan.id}/copy`, { _csrf: organizer.csrf, year: '2027', slug: 'miyun-2027' }, organizer.cookie);
  t.equal(forged.statusCode, 403, 'an organizer posting the form is refused by the API');
});
