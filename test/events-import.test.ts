import t from 'tap';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { events } from '../src/db/schema/index.js';
import { adminHeaders, build, buildAccount } from './helpers/build.js';
import { buildAudiences, buildCampaign, buildObservance, buildUnit, buildVenue } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

/** Bulk import of events from XLSX and CSV: grouping, references, zones, all-or-nothing, rights, the template. */

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const HEADER = ['活动编号', '活动名称', '英文名称', '活动类型', '主办单位', '协办单位', '主题日', '工作任务', '场地', '受众', '报名方式', '容量', '开始时间', '结束时间', '简介'];

const { app, db, changes } = await build(t);
const recorded: { entity: string; action: string; eventId: string }[] = [];
changes.onChange(async (_tx, change) => { recorded.push(change); });
await buildAudiences(db);
const kexie = await buildUnit(db, { nameZh: '区科协', nameEn: 'Science association', kind: 'association' });
const jiaowei = await buildUnit(db, { nameZh: '区教委', nameEn: 'Education commission' });
const museum = await buildVenue(db, { nameZh: '导入测试科技馆', capacity: 200 });
const earthDay = await buildObservance(db);
const { campaign, task } = await buildCampaign(db, { year: 2030, leadUnitIds: [kexie.id] });
const organizer = await buildAccount(db, { role: 'organizer', unitIds: [kexie.id] });
const checker = await buildAccount(db, { role: 'checker', unitIds: [kexie.id] });

const countEvents = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(events))[0]!.n;
const csvOf = (rows: (string | number)[][], header = HEADER) => `\uFEFF${[header, ...rows].map((r) => r.map((c) => `"${String(c).replace(/"/g, '""')}"`).join(',')).join('\r\n')}\r\n`;

async function xlsxOf(rows: (string | number | Date | null)[][], header = HEADER) {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('活动');
  sheet.addRow(header);
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

function multipart(file: Buffer | string, filename: string, type: string) {
  const boundary = `----kepu${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return { payload: Buffer.concat([Buffer.from(head), Buffer.from(file), Buffer.from(`\r\n--${boundary}--\r\n`)]), type: `multipart/form-data; boundary=${boundary}` };
}

function upload(file: Buffer | string, { type = 'text/csv', query = '', headers = adminHeaders as Record<string, string>, form = false } = {}): Promise<LightMyRequestResponse> {
  const body = form ? multipart(file, type === XLSX ? 'events.xlsx' : 'events.csv', type) : { payload: Buffer.from(file), type };
  return app.inject({ method: 'POST', url: `/api/v1/events/import${query}`, headers: { ...headers, 'content-type': body.type }, payload: body.payload });
}
const getEvent = async (id: string) => (await app.inject({ url: `/api/v1/events/${id}`, headers: adminHeaders })).json();
type Err = { row: number; column: string; code: string };
const places = (body: { [key: string]: unknown }) => ((body.errors ?? []) as Err[]).map((e) => `${e.row}:${e.column}:${e.code}`);

t.test('an XLSX file: rows grouped into events with their sessions, references resolved, times in the district zone', async (t) => {
  const file = await xlsxOf([
    ['A1', '地球日科普讲座', 'Earth Day lecture', '讲座', '区科协', '区教委', earthDay.nameZh, task.titleZh, museum.nameZh, '青少年、亲子家庭', '个人', 30, '2030-04-22 09:00', '2030-04-22 11:00', '讲解地球科学'],
    ['A1', null, null, null, null, null, null, null, null, null, null, 40, '2030-04-22 14:00', '2030-04-22 16:00', null],
    // An English code, a slug, and real Excel date cells (their wall time in the district's zone).
    ['B2', '青少年动手体验', null, 'workshop', jiaowei.slug, null, null, null, null, 'youth', 'none', null, new Date(Date.UTC(2030, 4, 1, 9, 30)), new Date(Date.UTC(2030, 4, 1, 11, 0)), null],
  ]);
  const before = await countEvents();
  const res = await upload(file, { type: XLSX, query: `?campaign=${campaign.id}` });
  t.equal(res.statusCode, 201, res.body.slice(0, 500));
  const body = res.json();
  t.equal(body.created, 2);
  t.same(body.events.map((e: { titleZh: string; row: number; sessions: number }) => [e.titleZh, e.row, e.sessions]), [['地球日科普讲座', 2, 2], ['青少年动手体验', 4, 1]]);
  t.equal(await countEvents(), before + 2);
  const ids = body.events.map((e: { id: string }) => e.id);
  t.same(recorded.filter((c) => ids.includes(c.eventId)).map((c) => `${c.entity}:${c.action}`).sort(),
    ['event:created', 'event:created', 'session:created', 'session:created', 'session:created'], 'each creation recorded as the API\'s are');

  const lecture = await getEvent(body.events[0].id);
  t.equal(lecture.status, 'draft');
  t.equal(lecture.type, 'lecture');
  t.equal(lecture.titleEn, 'Earth Day lecture');
  t.equal(lecture.ownerUnit.id, kexie.id);
  t.same(lecture.coUnits.map((u: { id: string }) => u.id), [jiaowei.id]);
  t.equal(lecture.observance.id, earthDay.id);
  t.equal(lecture.task.id, task.id);
  t.equal(lecture.venue.id, museum.id);
  t.same(lecture.audiences, ['families', 'youth']);
  t.equal(lecture.registrationMode, 'individual');
  t.equal(lecture.descriptionZh, '讲解地球科学');
  t.same(lecture.sessions.map((s: { startsAt: string; endsAt: string; capacity: number }) => [s.startsAt, s.endsAt, s.capacity]), [
    ['2030-04-22T01:00:00.000Z', '2030-04-22T03:00:00.000Z', 30], ['2030-04-22T06:00:00.000Z', '2030-04-22T08:00:00.000Z', 40],
  ]);
  const workshop = await getEvent(body.events[1].id);
  t.equal(workshop.type, 'workshop');
  t.equal(workshop.ownerUnit.id, jiaowei.id);
  t.same(workshop.sessions.map((s: { startsAt: string }) => s.startsAt), ['2030-05-01T01:30:00.000Z']);
});

t.test('a CSV in UTF-8 with a BOM and Chinese text, uploaded as a form by an organizer of the unit', async (t) => {
  const csv = csvOf([
    ['1', '“节水”科普展览，欢迎参观', '', '展览（exhibition）', `区科协（${kexie.slug}）`, '', '', '', '', '老年人；社会公众', '不需报名', '', '2030/6/5 9:00', '2030/6/5 17:00', '第一行\n第二行'],
    ['1', '“节水”科普展览，欢迎参观', '', '', '', '', '', '', '', '', '', '', '2030-06-06 09:00', '2030-06-06 17:00', ''],
  ]);
  const res = await upload(csv, { form: true, headers: organizer.headers });
  t.equal(res.statusCode, 201, res.body.slice(0, 500));
  const event = await getEvent(res.json().events[0].id);
  t.equal(event.titleZh, '“节水”科普展览，欢迎参观');
  t.equal(event.descriptionZh, '第一行\n第二行');
  t.same(event.audiences, ['elderly', 'public']);
  t.equal(event.sessions.length, 2);
  t.equal(event.sessions[0].startsAt, '2030-06-05T01:00:00.000Z');
});

t.test('a CSV saved by a Chinese Excel as "CSV (逗号分隔)", in GB18030', async (t) => {
  // 活动编号,活动名称,活动类型,主办单位,开始时间,结束时间 / 1,国标编码讲座,讲座,区科协,2030-10-01 09:00,2030-10-01 10:00
  const gbk = Buffer.from('u+62r7HgusUsu+62r8P7s8Ysu+62r8Dg0M0s1vew7LWlzrssv6rKvMqxvOQsveHK+MqxvOQNCjEsufqx6rHgwuu9stf5LL2y1/ksx/i/xtCtLDIwMzAtMTAtMDEgMDk6MDAsMjAzMC0xMC0wMSAxMDowMA0K', 'base64');
  const res = await upload(gbk);
  t.equal(res.statusCode, 201, res.body.slice(0, 300));
  t.equal(res.json().events[0].titleZh, '国标编码讲座');
});

t.test('a file with many problems: each reported with its row and Chinese column, and nothing written', async (t) => {
  const csv = csvOf([
    ['1', '好的活动', '', '讲座', '区科协', '', '', '', '', '', '', '', '2030-07-01 09:00', '2030-07-01 10:00', ''],
    ['2', '未知单位', '', '讲座', '区不存在局', '', '', '', '', '', '', '', '2030-07-01 09:00', '2030-07-01 10:00', ''],
    ['3', '坏时间', '', '讲座', '区科协', '', '', '', '', '', '', '', '明天上午', '2030-07-01 10:00', ''],
    ['4', '', '', '讲坛', '区科协', '', '', '', '', '外星人', '随便', '-5', '2030-07-01 09:00', '2030-07-01 08:00', ''],
    ['1', '', '', '展览', '', '', '', '', '', '', '', '', '2030-07-02 09:00', '2030-07-02 10:00', ''],
    // The museum is booked by the lecture imported above.
    ['5', '撞场地', '', '讲座', '区科协', '', '', '', museum.nameZh, '', '', '', '2030-04-22 10:00', '2030-04-22 12:00', ''],
    ['6', 'x'.repeat(201), '', '讲座', '区科协', '区科协', '', '不存在的任务', '', '', '', '', '2030-07-01 09:00', '2030-07-01 10:00', ''],
  ]);
  const before = await countEvents();
  const body = problem(t, await upload(csv), 422, 'invalid_import');
  t.same(places(body), [
    '3:主办单位:unknown_reference',
    '4:开始时间:invalid_time',
    '5:活动名称:required', '5:活动类型:unknown_value', '5:受众:unknown_reference', '5:报名方式:unknown_value', '5:容量:invalid_integer', '5:结束时间:end_before_start',
    '6:活动类型:group_mismatch',
    '7:场地:venue_in_use',
    '8:活动名称:too_long', '8:协办单位:owner_is_co_unit', '8:工作任务:unknown_reference',
  ]);
  t.match(body.errors.find((e: Err) => e.code === 'venue_in_use'), { value: '地球日科普讲座' });
  t.match(body.errors.find((e: Err) => e.code === 'too_long'), { limit: 200 });
  t.equal(await countEvents(), before, 'not even the valid first event was written');
});

t.test('two events of one file booking the same hall at once: the later row is refused', async (t) => {
  const csv = csvOf([
    ['1', '上午讲座', '', '讲座', '区科协', '', '', '', museum.slug, '', '', '', '2031-01-10 09:00', '2031-01-10 11:00', ''],
    ['2', '同时讲座', '', '讲座', '区科协', '', '', '', museum.slug, '', '', '', '2031-01-10 10:00', '2031-01-10 12:00', ''],
  ]);
  const before = await countEvents();
  t.same(places(problem(t, await upload(csv), 422, 'invalid_import')), ['3:场地:venue_in_use']);
  t.equal(await countEvents(), before);
});

t.test('an organizer importing for another unit gets an error on each of those rows', async (t) => {
  const csv = csvOf([
    ['1', '本单位活动', '', '讲座', '区科协', '', '', '', '', '', '', '', '2030-08-01 09:00', '2030-08-01 10:00', ''],
    ['2', '别的单位', '', '讲座', '区教委', '', '', '', '', '', '', '', '2030-08-01 09:00', '2030-08-01 10:00', ''],
    ['3', '又一个', '', '讲座', jiaowei.slug, '', '', '', '', '', '', '', '2030-08-02 09:00', '2030-08-02 10:00', ''],
  ]);
  const before = await countEvents();
  t.same(places(problem(t, await upload(csv, { headers: organizer.headers }), 422, 'invalid_import')), ['3:主办单位:not_your_unit', '4:主办单位:not_your_unit']);
  t.equal(await countEvents(), before);
  problem(t, await upload(csv, { headers: checker.headers }), 403, 'forbidden');
  problem(t, await upload(csv, { headers: {} }), 401, 'authentication_required');
});

t.test('a dry run checks everything and writes nothing', async (t) => {
  const csv = csvOf([['1', '试运行', '', '培训', '区科协', '', '', '', '', '', '', '', '2030-09-01 09:00', '2030-09-01 10:00', '']]);
  const before = await countEvents();
  const res = await upload(csv, { query: '?dryRun=true' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { dryRun: true, created: 0, events: [{ id: null, titleZh: '试运行', row: 2, sessions: 1 }] });
  t.equal(await countEvents(), before);
  const bad = csvOf([['1', '试运行', '', '培训', '区科协', '', '', '', '', '', '', '', '2030-09-01 09:00', '', '']]);
  t.same(places(problem(t, await upload(bad, { query: '?dryRun=true' }), 422, 'invalid_import')), ['2:结束时间:required']);
});

t.test('the header row, empty, unreadable and oversized files', async (t) => {
  const header = ['活动编号', '活动名称', 'Type', '主办单位', '备注', '开始时间', '开始时间'];
  t.same(places(problem(t, await upload(csvOf([['1', 'x', '讲座', '区科协', '', '', '']], header)), 422, 'invalid_import')),
    ['1:备注:unknown_header', '1:开始时间:duplicate_header', '1:结束时间:missing_header']);
  problem(t, await upload(''), 422, 'empty_file');
  problem(t, await upload(csvOf([])), 422, 'empty_file');
  problem(t, await upload(Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 1)]), { type: XLSX }), 422, 'unreadable_file');
  problem(t, await upload(Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x00])), 422, 'unreadable_file');
  t.match(problem(t, await upload(Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(64)])), 422, 'unreadable_file').detail, /\.xls/);
  const big = Buffer.alloc(5 * 1024 * 1024 + 10, 0x41);
  problem(t, await upload(big), 413, 'file_too_large');
  problem(t, await upload(big, { form: true }), 413, 'file_too_large');
  problem(t, await app.inject({ method: 'POST', url: '/api/v1/events/import', headers: adminHeaders, payload: { titleZh: 'json' } }), 415, 'unsupported_media_type');
  // The JSON API elsewhere still refuses CSV.
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/events', headers: { ...adminHeaders, 'content-type': 'text/csv' }, payload: 'a,b' })).statusCode, 415);
});

t.test('the template downloads in both formats and, filled in as it is, imports', async (t) => {
  const xlsx = await app.inject({ url: '/api/v1/events/import/template?format=xlsx', headers: organizer.headers });
  t.equal(xlsx.statusCode, 200);
  t.match(xlsx.headers['content-type'], XLSX);
  t.match(xlsx.headers['content-disposition'], /attachment/);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  t.same(workbook.worksheets.map((s) => s.name), ['活动', '说明']);
  t.same((workbook.getWorksheet('活动')!.getRow(1).values as unknown[]).slice(1), HEADER);
  const help = JSON.stringify(workbook.getWorksheet('说明')!.getSheetValues());
  for (const word of ['讲座', '科普赶集', '青少年', '区科协', earthDay.nameZh, museum.nameZh, '个人和班级']) t.ok(help.includes(word), `the help sheet lists ${word}`);

  const imported = await upload(xlsx.rawPayload, { type: XLSX, headers: organizer.headers });
  t.equal(imported.statusCode, 201, imported.body.slice(0, 500));
  t.same(imported.json().events.map((e: { sessions: number }) => e.sessions), [2]);
  t.equal((await getEvent(imported.json().events[0].id)).ownerUnit.id, kexie.id, 'the example names the organizer\'s own unit');

  const csv = await app.inject({ url: '/api/v1/events/import/template?format=csv', headers: organizer.headers });
  t.equal(csv.statusCode, 200);
  t.ok(csv.body.startsWith('\uFEFF活动编号,活动名称'));
  const fromCsv = await upload(csv.rawPayload, { form: true, headers: organizer.headers });
  t.equal(fromCsv.statusCode, 201, fromCsv.body.slice(0, 500));
  t.equal((await app.inject({ url: '/api/v1/events/import/template' })).statusCode, 401);
});
