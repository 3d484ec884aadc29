import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { eq, inArray, sql } from 'drizzle-orm';
import { rowsOf } from '../src/db/client.js';
import t from 'tap';
import { campaignSections, campaignTasks, campaignTaskUnits, campaigns, sessions } from '../src/db/schema/index.js';
import type { Figures, Report } from '../src/modules/reports/reports.schemas.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildAudiences, buildObservance, buildTown, buildUnit, buildVenue } from './helpers/factories.js';
import { movableClock } from './helpers/mail.js';
import { problem } from './helpers/problem.js';

/**
 * The year's report against a small campaign counted by hand (the comments give the count).
 * 2024 plan, tasks A (lead U1) and B (lead U2, copied from last year's B′), and C (no events):
 *   E1 task A, owner U1 + co-unit U2, youth + families, venue V1 in town T1, Earth Day, lecture,
 *      capacity 10, 3 science workers, 5 volunteers;
 *      S1 Apr 22: r1 party 2 checked in 2; r2 party 3 never came; r3 class of 4, 3 came; r4 party 1 cancelled before.
 *      S2 May 10: r5 class of 10 fills it; r6 (2) and r7 (1) wait (peak 3); r5 cancels, both promoted; r6 comes, r7 not.
 *   E2 task B, owner U2, elderly, venue V2 (town T2, 100 seats), exhibition, no registration, 2 science workers;
 *      S3 Apr 25: counted at the door: 40 elderly, 15 farmers.
 *   E3 task A, owner U3, no audience, no venue, workshop, capacity 2; S4 Jun 1 (after the report's "now", May 20):
 *      r8 party 2 confirmed, r9 party 1 waits (peak 1).
 *   E4 task A, a draft: never counted.
 * 2023 plan: A′ (same title as A): P1 youth at V1, Apr 22, 30 counted at the door; B′: P2 Sep 10, no venue.
 */
const clock = movableClock('2023-03-01T00:00:00Z');

t.test('a hand-counted campaign, every dimension, both years', async (t) => {
  const { app, db } = await build(t, { clock, config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000, SIGNUP_CONTACT_LIMIT_PER_HOUR: 100_000 } });
  await buildAudiences(db);
  const consentVersion = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object, headers: Record<string, string> = adminHeaders) =>
    app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  const [u1, u2, u3, idle] = [await buildUnit(db, { nameZh: '区科协' }), await buildUnit(db, { nameZh: '区教委' }), await buildUnit(db, { nameZh: '区卫健委' }), await buildUnit(db, { nameZh: '区文旅局' })];
  const [t1, t2] = [await buildTown(db, { nameZh: '鼓楼街道' }), await buildTown(db, { nameZh: '溪翁庄镇' })];
  const v1 = await buildVenue(db, { townId: t1.id, capacity: 100 });
  const v2 = await buildVenue(db, { townId: t2.id, capacity: 100 });
  const earthDay = await buildObservance(db);

  async function plan(year: number, tasks: { titleZh: string; lead?: string; copiedFrom?: string }[]) {
    const [campaign] = await db.insert(campaigns).values({ slug: `plan-${year}`, year, titleZh: `${year}年科普工作要点` }).returning();
    const [section] = await db.insert(campaignSections).values({ campaignId: campaign!.id, position: 1, titleZh: '科普活动' }).returning();
    const ids: string[] = [];
    for (const [i, task] of tasks.entries()) {
      const [row] = await db.insert(campaignTasks).values({ sectionId: section!.id, position: i + 1, titleZh: task.titleZh, copiedFromTaskId: task.copiedFrom ?? null }).returning();
      if (task.lead) await db.insert(campaignTaskUnits).values({ taskId: row!.id, unitId: task.lead });
      ids.push(row!.id);
    }
    return { id: campaign!.id, tasks: ids };
  }
  const before = await plan(2023, [{ titleZh: '科技资源科普化' }, { titleZh: '老年人科普（旧名）' }]);
  const current = await plan(2024, [
    { titleZh: '科技资源科普化', lead: u1.id }, { titleZh: '老年人科普', lead: u2.id, copiedFrom: before.tasks[1] }, { titleZh: '=1+2 公式任务' },
  ]);
  const [taskA, taskB, taskC] = current.tasks as [string, string, string];

  const session = (day: string) => ({ startsAt: `${day}T09:00:00+08:00`, endsAt: `${day}T11:00:00+08:00` });
  async function event(body: Record<string, unknown>, publish = true) {
    const created = await call('POST', '/events', { titleEn: null, ...body });
    if (created.statusCode !== 201) throw new Error(created.body);
    const json = created.json<{ id: string; sessions: { id: string }[] }>();
    if (publish) {
      const published = await call('POST', `/events/${json.id}/publish`);
      if (published.statusCode !== 200) throw new Error(published.body);
    }
    return { id: json.id, sessions: json.sessions.map((s) => s.id) };
  }

  // Last year, made while it was last year.
  const p1 = await event({ titleZh: '去年地球日', type: 'lecture', ownerUnitId: u1.id, taskId: before.tasks[0], venueId: v1.id, audiences: ['youth'], sessions: [session('2023-04-22')] });
  await event({ titleZh: '去年秋季讲座', type: 'lecture', ownerUnitId: u2.id, taskId: before.tasks[1], sessions: [session('2023-09-10')] });
  t.equal((await call('PUT', `/events/${p1.id}/sessions/${p1.sessions[0]}/attendance`, { counts: { youth: 30 } })).statusCode, 200);

  clock.set('2024-03-01T00:00:00Z');
  const e1 = await event({
    titleZh: '地球日讲座', type: 'lecture', ownerUnitId: u1.id, coUnitIds: [u2.id], taskId: taskA, venueId: v1.id, observanceId: earthDay.id,
    audiences: ['youth', 'families'], registrationMode: 'both', capacity: 10, scienceWorkers: 3, volunteers: 5,
    sessions: [session('2024-04-22'), session('2024-05-10')],
  });
  const e2 = await event({ titleZh: '健康展览', type: 'exhibition', ownerUnitId: u2.id, taskId: taskB, venueId: v2.id, audiences: ['elderly'], scienceWorkers: 2, sessions: [session('2024-04-25')] });
  const e3 = await event({ titleZh: '线上工作坊', type: 'workshop', ownerUnitId: u3.id, taskId: taskA, registrationMode: 'individual', capacity: 2, sessions: [session('2024-06-01')] });
  await event({ titleZh: '草稿活动', type: 'lecture', ownerUnitId: u1.id, taskId: taskA, sessions: [session('2024-04-23')] }, false);
  const [s1, s2] = e1.sessions as [string, string];

  clock.set('2024-04-01T00:00:00Z');
  let phones = 0;
  async function signUp(eventId: string, sessionId: string, fields: Record<string, unknown>) {
    const body = fields.kind === 'class'
      ? { school: '密云区第一小学', gradeClass: `${++phones}班`, teacherName: '李老师', teacherPhone: `137${String(++phones).padStart(8, '0')}`, consentVersion, sessionId, ...fields }
      : { kind: 'individual', name: '报名人', phone: `139${String(++phones).padStart(8, '0')}`, consentVersion, sessionId, ...fields };
    const res = await call('POST', `/events/${eventId}/registrations`, body, {});
    if (res.statusCode !== 201) throw new Error(res.body);
    const json = res.json<{ registration: { id: string; status: string; checkInCode: string }; manageToken: string }>();
    return { id: json.registration.id, status: json.registration.status, token: json.manageToken };
  }
  const r1 = await signUp(e1.id, s1, { partySize: 2 });
  await signUp(e1.id, s1, { partySize: 3 });
  const r3 = await signUp(e1.id, s1, { kind: 'class', headcount: 4 });
  const r4 = await signUp(e1.id, s1, { partySize: 1 });
  const r5 = await signUp(e1.id, s2, { kind: 'class', headcount: 10 });
  const r6 = await signUp(e1.id, s2, { partySize: 2 });
  const r7 = await signUp(e1.id, s2, { partySize: 1 });
  t.same([r5.status, r6.status, r7.status], ['confirmed', 'waitlisted', 'waitlisted']);
  await signUp(e3.id, e3.sessions[0]!, { partySize: 2 });
  const r9 = await signUp(e3.id, e3.sessions[0]!, { partySize: 1 });
  t.equal(r9.status, 'waitlisted');

  clock.set('2024-04-15T00:00:00Z');
  t.equal((await call('POST', `/registrations/${r4.token}/cancel`, {}, {})).statusCode, 200);
  clock.set('2024-04-22T01:30:00Z');
  t.equal((await call('POST', `/events/${e1.id}/check-ins`, { registrationId: r1.id })).statusCode, 200);
  t.equal((await call('POST', `/events/${e1.id}/check-ins`, { registrationId: r3.id, headcount: 3 })).statusCode, 200);
  clock.set('2024-05-01T00:00:00Z');
  t.equal((await call('POST', `/events/${e1.id}/registrations/${r5.id}/cancel`)).statusCode, 200);
  clock.set('2024-05-10T01:30:00Z');
  t.equal((await call('POST', `/events/${e1.id}/check-ins`, { registrationId: r6.id })).statusCode, 200);
  t.equal((await call('PUT', `/events/${e2.id}/sessions/${e2.sessions[0]}/attendance`, { counts: { elderly: 40, farmers: 15 } })).statusCode, 200);
  clock.set('2024-05-20T00:00:00Z');
  // The waiting list's rollup on each session, kept by the trigger of migration 0013: S2 had 3 waiting at most and none now; S4 has 1.
  const waiting = await db.select({ id: sessions.id, now: sessions.waitlistHeadcount, peak: sessions.waitlistPeak }).from(sessions).where(inArray(sessions.id, [s2, e3.sessions[0]!]));
  t.same(Object.fromEntries(waiting.map((w) => [w.id, [w.now, w.peak]])), { [s2]: [0, 3], [e3.sessions[0]!]: [1, 1] });

  const report = async (query: string, headers = adminHeaders) => {
    const res = await call('GET', `/reports/campaigns/${current.id}?${query}`, undefined, headers);
    if (res.statusCode !== 200) throw new Error(res.body);
    return res.json<Report>();
  };
  const zero: Figures = {
    events: 0, sessions: 0, seatsOffered: 0, registrationsIndividual: 0, registrationsClass: 0, peopleRegistered: 0, checkedIn: 0,
    recordedAttendance: 0, attended: 0, attendanceRate: null, noShowRate: null, waitlistPeak: 0, cancellations: 0, scienceWorkers: 0, volunteers: 0,
  };
  const f = (figures: Partial<Figures>): Figures => ({ ...zero, ...figures });
  // E1 alone: S1 (10 seats; people 2+3+4; checked in 2+3; r2's 3 no-show; r4 cancelled) and S2 (10 seats; r6 2 + r7 1; r6 came; r5 cancelled; peak 3).
  const e1Figures = f({
    events: 1, sessions: 2, seatsOffered: 20, registrationsIndividual: 4, registrationsClass: 1, peopleRegistered: 12, checkedIn: 7, attended: 7,
    attendanceRate: 0.5833, noShowRate: 0.3333, waitlistPeak: 3, cancellations: 2, scienceWorkers: 3, volunteers: 5,
  });
  const e2Figures = f({ events: 1, sessions: 1, seatsOffered: 100, recordedAttendance: 55, attended: 55, scienceWorkers: 2 });
  // S4 has not begun on May 20: no rate either way.
  const e3Figures = f({ events: 1, sessions: 1, seatsOffered: 2, registrationsIndividual: 1, peopleRegistered: 2, waitlistPeak: 1 });
  const byKey = (r: Report) => Object.fromEntries(r.groups.map((g) => [g.keys.map((k) => k.id ?? 'none').join('|'), g.figures]));

  await t.test('totals count each event and session once', async (t) => {
    const r = await report('groupBy=unit');
    t.same(r.totals.figures, f({
      events: 3, sessions: 4, seatsOffered: 122, registrationsIndividual: 5, registrationsClass: 1, peopleRegistered: 14, checkedIn: 7,
      recordedAttendance: 55, attended: 62, attendanceRate: 0.5833, noShowRate: 0.3333, waitlistPeak: 4, cancellations: 2, scienceWorkers: 5, volunteers: 5,
    }));
    t.same(r.previousCampaign?.year, 2023);
    t.same(r.totals.previous, f({ events: 2, sessions: 2, seatsOffered: 100, recordedAttendance: 30, attended: 30 }));
  });

  await t.test('by unit: a co-organized event counts for both units', async (t) => {
    const r = await report('groupBy=unit');
    t.same(byKey(r), {
      [u1.id]: e1Figures,
      [u2.id]: f({ ...e1Figures, events: 2, sessions: 3, seatsOffered: 120, recordedAttendance: 55, attended: 62, scienceWorkers: 5 }),
      [u3.id]: e3Figures,
    }, 'the idle unit is not a lead unit of the plan, so it is not listed');
    t.notOk(r.groups.some((g) => g.keys[0]!.id === idle.id));
    t.equal(r.groups.find((g) => g.keys[0]!.id === u1.id)!.keys[0]!.labelZh, '区科协');
  });

  await t.test('by task, with last year\'s task matched by title or by lineage', async (t) => {
    const r = await report('groupBy=task');
    t.same(r.groups.map((g) => g.keys[0]!.id), [taskA, taskB, taskC], 'in plan order, the idle task listed');
    t.same(byKey(r), {
      [taskA]: f({ ...e1Figures, events: 2, sessions: 3, seatsOffered: 22, registrationsIndividual: 5, peopleRegistered: 14, waitlistPeak: 4 }),
      [taskB]: e2Figures,
      [taskC]: zero,
    });
    t.same(r.groups.map((g) => g.previous), [
      f({ events: 1, sessions: 1, seatsOffered: 100, recordedAttendance: 30, attended: 30 }),
      f({ events: 1, sessions: 1 }),
      zero,
    ]);
  });

  await t.test('by audience: tagged audiences take the whole event, door counts go to their own audience', async (t) => {
    const r = await report('groupBy=audience');
    t.same(r.groups.map((g) => g.keys[0]!.id), ['youth', 'farmers', 'workers', 'elderly', 'officials', 'public', 'families', null]);
    const figures = byKey(r);
    t.same(figures.youth, e1Figures);
    t.same(figures.families, e1Figures);
    t.same(figures.elderly, f({ ...e2Figures, recordedAttendance: 40, attended: 40 }));
    t.same(figures.farmers, f({ recordedAttendance: 15, attended: 15 }));
    t.same(figures.workers, zero);
    t.same(figures.none, e3Figures);
    t.equal(r.groups.at(-1)!.keys[0]!.labelZh, '未标注人群');
  });

  await t.test('by town, themed day, type', async (t) => {
    const towns = byKey(await report('groupBy=town'));
    t.same(towns[t1.id], e1Figures);
    t.same(towns[t2.id], e2Figures);
    t.same(towns.none, e3Figures);
    const days = byKey(await report('groupBy=observance'));
    t.same(days, { [earthDay.id]: e1Figures, none: f({ events: 2, sessions: 2, seatsOffered: 102, registrationsIndividual: 1, peopleRegistered: 2, recordedAttendance: 55, attended: 55, waitlistPeak: 1, scienceWorkers: 2 }) });
    t.same(byKey(await report('groupBy=type')), { lecture: e1Figures, exhibition: e2Figures, workshop: e3Figures });
  });

  await t.test('by month: sessions in their own month, twelve months listed, last year beside them', async (t) => {
    const r = await report('groupBy=month');
    t.equal(r.groups.length, 12);
    const months = byKey(r);
    t.same(months['2024-04'], f({
      events: 2, sessions: 2, seatsOffered: 110, registrationsIndividual: 2, registrationsClass: 1, peopleRegistered: 9, checkedIn: 5, recordedAttendance: 55, attended: 60,
      attendanceRate: 0.5556, noShowRate: 0.3333, cancellations: 1, scienceWorkers: 5, volunteers: 5,
    }));
    t.same(months['2024-05'], f({ events: 1, sessions: 1, seatsOffered: 10, registrationsIndividual: 2, peopleRegistered: 3, checkedIn: 2, attended: 2, attendanceRate: 0.6667, noShowRate: 0.3333, waitlistPeak: 3, cancellations: 1, scienceWorkers: 3, volunteers: 5 }));
    t.same(months['2024-06'], e3Figures);
    t.same(months['2024-01'], zero);
    t.same(r.groups.find((g) => g.keys[0]!.id === '2024-04')!.previous, f({ events: 1, sessions: 1, seatsOffered: 100, recordedAttendance: 30, attended: 30 }));
    t.same(r.groups.find((g) => g.keys[0]!.id === '2024-09')!.previous, f({ events: 1, sessions: 1 }));
    t.equal(r.groups[3]!.keys[0]!.labelZh, '2024年4月');
    t.ok(r.observanceDays.some((d) => d.id === earthDay.id && d.startDate === '2024-04-22'), 'themed days to mark on the chart');
  });

  await t.test('two dimensions: task by audience', async (t) => {
    const r = await report('groupBy=task,audience');
    t.same(byKey(r), {
      [`${taskA}|youth`]: e1Figures, [`${taskA}|families`]: e1Figures, [`${taskA}|none`]: e3Figures,
      [`${taskB}|farmers`]: f({ recordedAttendance: 15, attended: 15 }),
      [`${taskB}|elderly`]: f({ ...e2Figures, recordedAttendance: 40, attended: 40 }),
    });
  });

  await t.test('filters: a date range, a unit; organizers see their own units only', async (t) => {
    const may = await report('groupBy=task&from=2024-05-01&to=2024-05-31');
    t.same(may.totals.figures, f({ ...e1Figures, sessions: 1, seatsOffered: 10, registrationsIndividual: 2, registrationsClass: 0, peopleRegistered: 3, checkedIn: 2, attended: 2, attendanceRate: 0.6667, cancellations: 1 }));
    t.same(may.totals.previous, zero, 'last May had nothing');
    const u2Only = await report(`groupBy=unit&unit=${u2.id}`);
    t.same(u2Only.totals.figures.events, 2);
    t.same(u2Only.groups.map((g) => g.keys[0]!.id), [u2.id]);

    const organizer = await buildAccount(db, { role: 'organizer', unitIds: [u3.id] });
    const own = await report('groupBy=unit', organizer.headers);
    t.same(own.totals.figures, e3Figures);
    t.same(own.groups.map((g) => g.keys[0]!.id), [u3.id]);
    problem(t, await call('GET', `/reports/campaigns/${current.id}?groupBy=unit&unit=${u1.id}`, undefined, organizer.headers), 403, 'forbidden', ['/unit']);
    const checker = await buildAccount(db, { role: 'checker', unitIds: [u3.id] });
    problem(t, await call('GET', `/reports/campaigns/${current.id}?groupBy=unit`, undefined, checker.headers), 403, 'forbidden');
    t.equal((await call('GET', `/reports/campaigns/${current.id}?groupBy=unit`, undefined, {})).statusCode, 401);
  });

  await t.test('bad queries are 4xx problems naming the parameter', async (t) => {
    problem(t, await call('GET', `/reports/campaigns/${current.id}?groupBy=colour`), 400, 'validation_failed', ['/groupBy']);
    problem(t, await call('GET', `/reports/campaigns/${current.id}?groupBy=task,task`), 400, 'invalid_group_by', ['/groupBy']);
    problem(t, await call('GET', `/reports/campaigns/${current.id}?groupBy=task&from=2024-06-01&to=2024-05-01`), 400, 'invalid_range', ['/to']);
    problem(t, await call('GET', `/reports/campaigns/${current.id}?groupBy=task&compareTo=${e1.id}`), 404, 'campaign_not_found', ['/compareTo']);
    problem(t, await call('GET', `/reports/campaigns/${e1.id}?groupBy=task`), 404, 'campaign_not_found');
  });

  await t.test('the report holds no personal data', async (t) => {
    const body = (await call('GET', `/reports/campaigns/${current.id}?groupBy=task,unit`)).body;
    t.notMatch(body, /报名人|李老师|139\d{8}|137\d{8}|密云区第一小学/);
  });

  await t.test('CSV: BOM, Chinese title and headers, figures, formulas neutralised', async (t) => {
    const res = await call('GET', `/reports/campaigns/${current.id}/export?groupBy=task&format=csv`);
    t.equal(res.statusCode, 200);
    t.match(res.headers['content-type'], /^text\/csv/);
    t.match(decodeURIComponent(String(res.headers['content-disposition'])), /2024年科普工作要点-统计-task\.csv/);
    t.equal(res.body.charCodeAt(0), 0xfeff);
    const rows = parse(res.body.slice(1), { relax_column_count: true }) as string[][];
    t.equal(rows[0]![0], '2024年科普工作要点（2024年）完成情况统计 · 按工作任务');
    const header = rows[3]!;
    t.same(header.slice(0, 4), ['工作任务', '活动数', '场次', '提供座位']);
    t.ok(header.includes('到场率') && header.includes('上年参与人数'));
    const line = (name: string) => Object.fromEntries(header.map((h, i) => [h, rows.find((r) => r[0] === name)![i]]));
    t.match(line('科技资源科普化'), { 活动数: '2', 场次: '3', 报名人数: '14', 到场率: '58.3%', 上年参与人数: '30' });
    t.match(line("'=1+2 公式任务"), { 活动数: '0' }, 'a cell that would start a formula is neutralised');
    t.match(line('合计'), { 活动数: '3', 参与人数: '62', 上年活动数: '2' });
  });

  await t.test('XLSX: a workbook titled in Chinese, parsed back', async (t) => {
    const res = await call('GET', `/reports/campaigns/${current.id}/export?groupBy=audience&format=xlsx`);
    t.equal(res.statusCode, 200);
    t.equal(res.headers['content-type'], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    t.equal(sheet.name, '按重点人群');
    t.equal(sheet.getCell('A1').value, '2024年科普工作要点（2024年）完成情况统计 · 按重点人群');
    const header = (sheet.getRow(4).values as unknown[]).slice(1);
    t.same(header.slice(0, 3), ['重点人群', '活动数', '场次']);
    const rowOf = (name: string) => {
      let found: unknown[] = [];
      sheet.eachRow((row) => { if (row.getCell(1).value === name) found = (row.values as unknown[]).slice(1); });
      return Object.fromEntries(header.map((h, i) => [h, found[i]]));
    };
    t.match(rowOf('老年人'), { 活动数: 1, 现场统计人数: 40, 参与人数: 40 });
    t.match(rowOf('青少年'), { 活动数: 1, 到场率: 0.5833, 上年参与人数: 30 });
    t.equal(sheet.getColumn(header.indexOf('到场率') + 1).numFmt, '0.0%');
    t.match(rowOf('合计'), { 活动数: 3, 参与人数: 62 });
  });

  // The lineage link is what matched B to B′ above: without it the titles differ.
  await db.update(campaignTasks).set({ copiedFromTaskId: null }).where(eq(campaignTasks.id, taskB));
  t.same((await report('groupBy=task')).groups[1]!.previous, zero, 'an unmatched task has nothing to compare with');

  // A waiting party that grows raises the peak; one that leaves lowers what waits, not the peak.
  const waitlistOf = async () => (await db.select({ now: sessions.waitlistHeadcount, peak: sessions.waitlistPeak }).from(sessions).where(eq(sessions.id, e3.sessions[0]!)))[0];
  t.equal((await call('PATCH', `/registrations/${r9.token}`, { partySize: 2 }, {})).statusCode, 200);
  t.same(await waitlistOf(), { now: 2, peak: 2 });
  t.equal((await call('POST', `/registrations/${r9.token}/cancel`, {}, {})).statusCode, 200);
  t.same(await waitlistOf(), { now: 0, peak: 2 });

  // Whatever path changed them, the tallies kept by the trigger (migration 0014) match the registrations counted afresh.
  const drift = await db.execute(sql`select s.id from sessions s left join (
      select session_id,
        count(*) filter (where status in ('confirmed', 'attended') and kind = 'individual')::int as individual,
        count(*) filter (where status in ('confirmed', 'attended') and kind = 'class')::int as class,
        coalesce(sum(checked_in_headcount) filter (where status = 'attended'), 0)::int as checked_in,
        coalesce(sum(headcount) filter (where status = 'attended' and source <> 'walk_in'), 0)::int as booked,
        count(*) filter (where status = 'cancelled')::int as cancelled,
        coalesce(sum(headcount) filter (where status = 'waitlisted'), 0)::int as waiting
      from registrations group by session_id) r on r.session_id = s.id
    where (s.seated_individual, s.seated_class, s.checked_in_headcount, s.attended_booked_headcount, s.cancelled_count, s.waitlist_headcount)
      is distinct from (coalesce(r.individual, 0), coalesce(r.class, 0), coalesce(r.checked_in, 0), coalesce(r.booked, 0), coalesce(r.cancelled, 0), coalesce(r.waiting, 0))`);
  t.same(rowsOf(drift), [], 'every session\'s tallies match its registrations');
});
