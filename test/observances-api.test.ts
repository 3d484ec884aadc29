import t, { type Test } from 'tap';
import { eq } from 'drizzle-orm';
import { events } from '../src/db/schema/index.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { problem as expectProblem } from './helpers/problem.js';



const heritageDay = {
  slug: 'cultural-natural-heritage-day', kind: 'day', nameZh: '文化和自然遗产日', nameEn: 'Cultural and Natural Heritage Day',
  rules: [{ rule: { kind: 'nth_weekday', month: 6, weekday: 6, nth: 2 } }],
};
const sciencePopularisation = {
  slug: 'science-popularisation-day', kind: 'period', nameZh: '全国科普日（全国科普月）', nameEn: 'National Science Popularisation Day (Month)',
  rules: [
    { validFromYear: 2025, validToYear: null, rule: { kind: 'whole_month', month: 9 } },
    { validFromYear: null, validToYear: 2024, rule: { kind: 'announced', fallback: { kind: 'nth_weekday', month: 9, weekday: 6, nth: 3, days: 7 } } },
  ],
};

async function setup(t: Test) {
  const { app, db } = await build(t);
  const post = (payload: object) => app.inject({ method: 'POST', url: '/api/v1/observances', headers: adminHeaders, payload });
  const occurrence = (slug: string, year: number | string) => app.inject({ method: 'GET', url: `/api/v1/observances/${slug}/occurrences?year=${year}` });
  return { app, db, post, occurrence };
}

t.test('create with every rule kind, then list and get by slug', async (t) => {
  const { app, post } = await setup(t);
  const bodies = [
    { slug: 'earth-day', kind: 'day', nameZh: '世界地球日', nameEn: 'Earth Day', descriptionZh: '每年4月22日。', rules: [{ rule: { kind: 'fixed_date', month: 4, day: 22 } }] },
    { slug: 'constitution-week', kind: 'week', nameZh: '宪法宣传周', nameEn: 'Constitution Week', rules: [{ rule: { kind: 'fixed_range', start: { month: 12, day: 1 }, end: { month: 12, day: 7 } } }] },
    heritageDay,
    { slug: 'work-safety-month', kind: 'month', nameZh: '安全生产月', nameEn: 'Work Safety Month', rules: [{ rule: { kind: 'whole_month', month: 6 } }] },
    { slug: 'water-saving-week', kind: 'week', nameZh: '节水宣传周', nameEn: 'Urban Water Saving Week', rules: [{ rule: { kind: 'week_containing', month: 5, day: 15 } }] },
    { slug: 'energy-saving-week', kind: 'week', nameZh: '节能宣传周', nameEn: 'Energy Saving Week', rules: [{ rule: { kind: 'announced' } }] },
    sciencePopularisation,
  ];
  for (const body of bodies) {
    const res = await post(body);
    t.equal(res.statusCode, 201, `${body.slug}: ${res.body.slice(0, 300)}`);
    const created = res.json();
    t.equal(created.slug, body.slug);
    t.equal(created.nameZh, body.nameZh);
    t.strictSame(created.overrides, []);
    t.equal(created.rules.length, body.rules.length);
    t.match(created.id, /^[0-9a-f-]{36}$/);
  }
  const earth = (await app.inject({ url: '/api/v1/observances/earth-day' })).json();
  t.strictSame(earth.rules, [{ validFromYear: null, validToYear: null, rule: { kind: 'fixed_date', month: 4, day: 22 } }]);
  t.equal(earth.descriptionZh, '每年4月22日。');
  t.equal(earth.descriptionEn, null);

  const heritage = (await app.inject({ url: '/api/v1/observances/cultural-natural-heritage-day' })).json();
  t.strictSame(heritage.rules[0].rule, { kind: 'nth_weekday', month: 6, weekday: 6, nth: 2 }, 'an absent optional field is not invented');

  const science = (await app.inject({ url: '/api/v1/observances/science-popularisation-day' })).json();
  t.strictSame(science.rules.map((r: { validFromYear: number | null }) => r.validFromYear), [null, 2025], 'rules come in year order, the open start first');
  t.strictSame(science.rules[0].rule, sciencePopularisation.rules[1]!.rule, 'a nested fallback round-trips');

  const list = await app.inject({ url: '/api/v1/observances' });
  t.equal(list.statusCode, 200);
  t.strictSame(list.json().items.map((o: { slug: string }) => o.slug), bodies.map((b) => b.slug).sort());

  problem(t, await app.inject({ url: '/api/v1/observances/no-such-day' }), 404, 'observance_not_found');
  problem(t, await post(bodies[0]!), 409, 'duplicate');
});

t.test('invalid rules', async (t) => {
  const { post } = await setup(t);
  const base = { slug: 'bad-day', kind: 'day', nameZh: '测试日', nameEn: 'Test Day' };

  problem(t, await post({ ...base, rules: [{ rule: { kind: 'fixed_date', month: 6, day: 31 } }] }), 422, 'invalid_rule', ['/rules/0/rule/day']);
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'fixed_date', month: 4, day: 1 } }, { validFromYear: 2020, rule: { kind: 'fixed_range', start: { month: 2, day: 30 }, end: { month: 3, day: 1 } } }] }),
    422, 'invalid_rule', ['/rules/1/rule/start/day', '/rules/1']);
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'announced', fallback: { kind: 'week_containing', month: 9, day: 31 } } }] }), 422, 'invalid_rule', ['/rules/0/rule/fallback/day']);
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'every_full_moon' } }] }), 400, 'validation_failed');
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'fixed_date', month: 4, day: 22, hour: 9 } }] }), 400, 'validation_failed', ['/rules/0/rule/hour']);
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'fixed_date', month: 13, day: 1 } }] }), 400, 'validation_failed');
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'announced', fallback: { kind: 'announced' } } }] }), 400, 'validation_failed');
  problem(t, await post({ ...base, rules: [] }), 400, 'validation_failed', ['/rules']);
  problem(t, await post({ ...base, slug: 'Bad Slug', rules: [{ rule: { kind: 'whole_month', month: 6 } }] }), 400, 'validation_failed', ['/slug']);

  // Overlapping year ranges: which rule holds would be ambiguous.
  problem(t, await post({ ...base, rules: [
    { validFromYear: null, validToYear: 2024, rule: { kind: 'whole_month', month: 9 } },
    { validFromYear: 2024, validToYear: null, rule: { kind: 'whole_month', month: 10 } },
  ] }), 422, 'invalid_rule', ['/rules/1']);
  problem(t, await post({ ...base, rules: [{ rule: { kind: 'whole_month', month: 9 } }, { validFromYear: 2030, rule: { kind: 'whole_month', month: 10 } }] }), 422, 'invalid_rule', ['/rules/1']);
  problem(t, await post({ ...base, rules: [{ validFromYear: 2025, validToYear: 2020, rule: { kind: 'whole_month', month: 9 } }] }), 422, 'invalid_rule', ['/rules/0/validToYear']);
  const oneYear = await post({ ...base, rules: [{ validFromYear: 2025, validToYear: 2025, rule: { kind: 'whole_month', month: 9 } }] });
  t.equal(oneYear.statusCode, 201, 'a rule for a single year is fine');
});

t.test('PATCH replaces the rules and changes names', async (t) => {
  const { app, post, occurrence } = await setup(t);
  t.equal((await post({ slug: 'sci-day', kind: 'week', nameZh: '全国科普日', nameEn: 'Science Day', rules: [{ rule: { kind: 'announced' } }] })).statusCode, 201);
  t.equal((await occurrence('sci-day', 2026)).json().status, 'to_be_announced');

  const patch = (payload: object, headers: Record<string, string> = adminHeaders) => app.inject({ method: 'PATCH', url: '/api/v1/observances/sci-day', headers, payload });
  const res = await patch({ nameEn: 'National Science Popularisation Day', rules: sciencePopularisation.rules });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().nameEn, 'National Science Popularisation Day');
  t.equal(res.json().nameZh, '全国科普日', 'fields not sent stay');
  t.equal(res.json().rules.length, 2, 'the old rule is gone');
  t.match((await occurrence('sci-day', 2026)).json(), { status: 'scheduled', startDate: '2026-09-01', endDate: '2026-09-30', source: 'rule' });

  problem(t, await patch({ rules: [{ rule: { kind: 'fixed_date', month: 2, day: 30 } }] }), 422, 'invalid_rule', ['/rules/0/rule/day']);
  t.equal((await app.inject({ url: '/api/v1/observances/sci-day' })).json().rules.length, 2, 'a refused PATCH changes nothing');
  problem(t, await patch({}), 400, 'validation_failed');
  problem(t, await patch({ slug: 'renamed' }), 400, 'validation_failed', ['/slug']);
  problem(t, await app.inject({ method: 'PATCH', url: '/api/v1/observances/nope', headers: adminHeaders, payload: { nameEn: 'x' } }), 404, 'observance_not_found');
  problem(t, await patch({ nameEn: 'x' }, {}), 401, 'authentication_required');
});

t.test('overrides: put, win over the rule, refuse bad dates, delete', async (t) => {
  const { app, post, occurrence } = await setup(t);
  await post({ slug: 'st-week', kind: 'week', nameZh: '科技活动周', nameEn: 'S&T Week', rules: [{ rule: { kind: 'announced', fallback: { kind: 'nth_weekday', month: 5, weekday: 6, nth: -1, days: 8 } } }] });
  const put = (year: number | string, payload: object) => app.inject({ method: 'PUT', url: `/api/v1/observances/st-week/overrides/${year}`, headers: adminHeaders, payload });
  const del = (year: number) => app.inject({ method: 'DELETE', url: `/api/v1/observances/st-week/overrides/${year}`, headers: adminHeaders });

  t.match((await occurrence('st-week', 2024)).json(), { status: 'scheduled', startDate: '2024-05-25', endDate: '2024-06-01', source: 'fallback', provisional: true });

  const res = await put(2024, { startDate: '2024-05-26', endDate: '2024-06-02', noteZh: '2024年科技活动周' });
  t.equal(res.statusCode, 200, res.body);
  t.strictSame(res.json().overrides, [{ year: 2024, startDate: '2024-05-26', endDate: '2024-06-02', noteZh: '2024年科技活动周', noteEn: null }]);
  t.strictSame((await occurrence('st-week', 2024)).json(), { year: 2024, status: 'scheduled', startDate: '2024-05-26', endDate: '2024-06-02', source: 'override', provisional: false });

  const again = await put(2024, { startDate: '2024-05-25', endDate: '2024-06-01' });
  t.equal(again.statusCode, 200, 'putting the same year again replaces it');
  t.equal(again.json().overrides.length, 1);
  t.match((await occurrence('st-week', 2024)).json(), { startDate: '2024-05-25', endDate: '2024-06-01', source: 'override' });

  problem(t, await put(2025, { startDate: '2024-05-25', endDate: '2024-06-01' }), 422, 'invalid_override', ['/startDate']);
  problem(t, await put(2025, { startDate: '2025-06-01', endDate: '2025-05-25' }), 422, 'invalid_override', ['/endDate']);
  problem(t, await put(2025, { startDate: '2025-02-30', endDate: '2025-03-01' }), 400, 'validation_failed', ['/startDate']);
  problem(t, await put(2025, { startDate: '2025-05-25', endDate: '2025-06-01', extra: 1 }), 400, 'validation_failed', ['/extra']);
  problem(t, await put(2025, { startDate: '2025-05-25' }), 400, 'validation_failed', ['/endDate']);
  t.match((await occurrence('st-week', 2025)).json(), { source: 'fallback', provisional: true }, 'refused overrides were not stored');
  problem(t, await app.inject({ method: 'PUT', url: '/api/v1/observances/st-week/overrides/2025', payload: { startDate: '2025-05-25', endDate: '2025-06-01' } }), 401, 'authentication_required');
  problem(t, await app.inject({ method: 'PUT', url: '/api/v1/observances/nope/overrides/2025', headers: adminHeaders, payload: { startDate: '2025-05-25', endDate: '2025-06-01' } }), 404, 'observance_not_found');
  problem(t, await app.inject({ method: 'PUT', url: '/api/v1/observances/nope/overrides/2025', headers: adminHeaders, payload: { startDate: '2024-05-25', endDate: '2024-06-01' } }), 404, 'observance_not_found');

  const gone = await del(2024);
  t.equal(gone.statusCode, 204);
  t.equal(gone.body, '');
  t.match((await occurrence('st-week', 2024)).json(), { source: 'fallback', provisional: true }, 'the rule holds again');
  problem(t, await del(2024), 404, 'override_not_found');
  problem(t, await app.inject({ method: 'DELETE', url: '/api/v1/observances/st-week/overrides/2024' }), 401, 'authentication_required');
});

t.test('occurrences of a year', async (t) => {
  const { app, post, occurrence } = await setup(t);
  await post({ slug: 'earth-day', kind: 'day', nameZh: '世界地球日', nameEn: 'Earth Day', rules: [{ rule: { kind: 'fixed_date', month: 4, day: 22 } }] });
  await post(heritageDay);
  await post({ slug: 'nutrition-week', kind: 'week', nameZh: '全民营养周', nameEn: 'National Nutrition Week', rules: [{ rule: { kind: 'announced', fallback: { kind: 'week_containing', month: 5, day: 15 } } }] });
  await post({ slug: 'social-science-week', kind: 'week', nameZh: '社会科学普及周', nameEn: 'Social Science Week', rules: [{ rule: { kind: 'announced' } }] });
  await post({ slug: 'new-day', kind: 'day', nameZh: '新节日', nameEn: 'New Day', rules: [{ validFromYear: 2026, rule: { kind: 'fixed_date', month: 7, day: 1 } }] });
  await post(sciencePopularisation);

  t.strictSame((await occurrence('earth-day', 2024)).json(), { year: 2024, status: 'scheduled', startDate: '2024-04-22', endDate: '2024-04-22', source: 'rule', provisional: false });
  for (const [year, date] of [[2024, '2024-06-08'], [2025, '2025-06-14'], [2026, '2026-06-13']] as const) {
    t.match((await occurrence('cultural-natural-heritage-day', year)).json(), { year, status: 'scheduled', startDate: date, endDate: date, source: 'rule' }, `heritage day ${year}`);
  }
  t.strictSame((await occurrence('nutrition-week', 2024)).json(), { year: 2024, status: 'scheduled', startDate: '2024-05-13', endDate: '2024-05-19', source: 'fallback', provisional: true });
  t.strictSame((await occurrence('social-science-week', 2024)).json(), { year: 2024, status: 'to_be_announced', startDate: null, endDate: null, source: null, provisional: false });
  t.strictSame((await occurrence('new-day', 2025)).json(), { year: 2025, status: 'not_observed', startDate: null, endDate: null, source: null, provisional: false });
  t.match((await occurrence('new-day', 2026)).json(), { status: 'scheduled', startDate: '2026-07-01' });

  // Science Popularisation Day: a week (provisional) until 2024, the whole of September from 2025.
  t.match((await occurrence('science-popularisation-day', 2024)).json(), { status: 'scheduled', startDate: '2024-09-21', endDate: '2024-09-27', source: 'fallback', provisional: true });
  t.strictSame((await occurrence('science-popularisation-day', 2025)).json(), { year: 2025, status: 'scheduled', startDate: '2025-09-01', endDate: '2025-09-30', source: 'rule', provisional: false });

  problem(t, await occurrence('earth-day', ''), 400, 'validation_failed', ['/year']);
  problem(t, await occurrence('earth-day', 'next'), 400, 'validation_failed', ['/year']);
  problem(t, await occurrence('earth-day', '2024.5'), 400, 'validation_failed', ['/year']);
  problem(t, await occurrence('earth-day', 1800), 400, 'validation_failed', ['/year']);
  problem(t, await app.inject({ url: '/api/v1/observances/earth-day/occurrences' }), 400, 'validation_failed', ['/year']);
  problem(t, await occurrence('no-such-day', 2024), 404, 'observance_not_found');
  problem(t, await occurrence('earth-day', '2024&lang=en'), 400, 'validation_failed', ['/lang']);
});

t.test('write routes need the admin token', async (t) => {
  const { app, post } = await setup(t);
  await post(heritageDay);
  const payload = { slug: 'x-day', kind: 'day', nameZh: '测试日', nameEn: 'X', rules: [{ rule: { kind: 'whole_month', month: 6 } }] };
  problem(t, await app.inject({ method: 'POST', url: '/api/v1/observances', payload }), 401, 'authentication_required');
  problem(t, await app.inject({ method: 'POST', url: '/api/v1/observances', payload, headers: { authorization: 'Bearer wrong-token-wrong-token' } }), 401, 'invalid_credentials');
  problem(t, await app.inject({ method: 'PATCH', url: '/api/v1/observances/cultural-natural-heritage-day', payload: { nameEn: 'x' } }), 401, 'authentication_required');
  t.equal((await app.inject({ url: '/api/v1/observances' })).json().items.length, 1, 'nothing was written');
});

t.test('GET /calendar: every observance, sorted by date, TBA last, with published event counts', async (t) => {
  const { app, db, post } = await setup(t);
  const created: Record<string, string> = {};
  for (const body of [
    { slug: 'constitution-week', kind: 'week', nameZh: '宪法宣传周', nameEn: 'Constitution Week', rules: [{ rule: { kind: 'fixed_range', start: { month: 12, day: 1 }, end: { month: 12, day: 7 } } }] },
    { slug: 'energy-saving-week', kind: 'week', nameZh: '节能宣传周', nameEn: 'Energy Saving Week', rules: [{ rule: { kind: 'announced' } }] },
    { slug: 'earth-day', kind: 'day', nameZh: '世界地球日', nameEn: 'Earth Day', rules: [{ rule: { kind: 'fixed_date', month: 4, day: 22 } }] },
    { slug: 'new-day', kind: 'day', nameZh: '新节日', nameEn: 'New Day', rules: [{ validFromYear: 2030, rule: { kind: 'fixed_date', month: 1, day: 1 } }] },
    heritageDay,
    { slug: 'world-water-day', kind: 'day', nameZh: '世界水日', nameEn: 'World Water Day', rules: [{ rule: { kind: 'fixed_date', month: 3, day: 22 } }] },
  ]) {
    const res = await post(body);
    created[body.slug] = res.json().id;
  }
  const unit = await buildUnit(db);
  const makeEvent = async (observance: string, startsAt: string, endsAt: string, publish = true) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { observanceId: created[observance], sessions: [{ startsAt, endsAt }] }) });
    t.equal(res.statusCode, 201, res.body);
    if (publish) t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${res.json().id}/publish`, headers: adminHeaders })).statusCode, 200);
    return res.json().id as string;
  };
  // Constitution week: one event late on Dec 31 in Shanghai (still 2024 there, though 2024-12-31T15:30Z), one in 2025, one draft.
  await makeEvent('constitution-week', '2024-12-31T23:30:00+08:00', '2025-01-01T00:30:00+08:00');
  await makeEvent('constitution-week', '2025-01-01T00:30:00+08:00', '2025-01-01T01:30:00+08:00');
  await makeEvent('constitution-week', '2024-12-03T09:00:00+08:00', '2024-12-03T11:00:00+08:00', false);
  await makeEvent('earth-day', '2024-04-22T09:00:00+08:00', '2024-04-22T11:00:00+08:00');
  await makeEvent('earth-day', '2024-04-23T09:00:00+08:00', '2024-04-23T11:00:00+08:00');
  const cancelled = await makeEvent('earth-day', '2024-04-24T09:00:00+08:00', '2024-04-24T11:00:00+08:00');
  t.equal((await app.inject({ method: 'POST', url: `/api/v1/events/${cancelled}/cancel`, headers: adminHeaders })).statusCode, 200);
  t.equal((await db.select({ id: events.id }).from(events).where(eq(events.status, 'published'))).length, 4);

  const res = await app.inject({ url: '/api/v1/calendar?year=2024' });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.year, 2024);
  t.equal(body.timezone, 'Asia/Shanghai');
  type Entry = { observance: { slug: string }; occurrence: { startDate: string | null; status: string }; publishedEvents: number };
  t.strictSame(body.items.map((i: Entry) => i.observance.slug), [
    'world-water-day', 'earth-day', 'cultural-natural-heritage-day', 'constitution-week', 'energy-saving-week', 'new-day',
  ], 'dated first in date order; to be announced and not observed last');
  const bySlug = new Map<string, Entry>(body.items.map((i: Entry) => [i.observance.slug, i]));
  t.match(bySlug.get('cultural-natural-heritage-day')!.occurrence, { startDate: '2024-06-08', status: 'scheduled' });
  t.match(bySlug.get('energy-saving-week')!.occurrence, { status: 'to_be_announced', startDate: null });
  t.match(bySlug.get('new-day')!.occurrence, { status: 'not_observed' });
  t.equal(bySlug.get('constitution-week')!.publishedEvents, 1, 'Dec 31 23:30 in Shanghai counts for 2024; the draft does not count');
  t.equal(bySlug.get('earth-day')!.publishedEvents, 2, 'a cancelled event does not count');
  t.equal(bySlug.get('world-water-day')!.publishedEvents, 0);

  const next = (await app.inject({ url: '/api/v1/calendar?year=2025' })).json();
  t.equal(next.items.find((i: Entry) => i.observance.slug === 'constitution-week').publishedEvents, 1, 'the Jan 1 event counts for 2025');
  t.equal(next.items.find((i: Entry) => i.observance.slug === 'earth-day').publishedEvents, 0);

  problem(t, await app.inject({ url: '/api/v1/calendar' }), 400, 'validation_failed', ['/year']);
  problem(t, await app.inject({ url: '/api/v1/calendar?year=abc' }), 400, 'validation_failed', ['/year']);
  problem(t, await app.inject({ url: '/api/v1/calendar?year=2024&month=5' }), 400, 'validation_failed', ['/month']);
});

/** These files check that the named fields are among those at fault. */
function problem(t: Parameters<typeof expectProblem>[0], res: Parameters<typeof expectProblem>[1], status: number, code: string, pointers?: string[]) {
  return expectProblem(t, res, status, code, pointers, { exact: false });
}
