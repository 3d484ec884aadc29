import t from 'tap';
import { sql } from 'drizzle-orm';
import { events } from '../src/db/schema/index.js';
import { build } from './helpers/build.js';
import { buildAudiences, buildUnit } from './helpers/factories.js';
import { quickSession, textOf } from './helpers/ui.js';

/** The import page: the template links, the upload form, the errors table, the notice of success. */

const HEADER = '活动编号,活动名称,活动类型,主办单位,受众,开始时间,结束时间';
const { app, db } = await build(t);
await buildAudiences(db);
const unit = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Affairs Bureau' });
await buildUnit(db, { nameZh: '区气象局', nameEn: 'Meteorological Bureau' });
const organizer = await quickSession(db, { role: 'organizer', unitIds: [unit.id] });
const countEvents = async () => (await db.select({ n: sql<number>`count(*)::int` }).from(events))[0]!.n;

/** A browser's multipart form post: the CSRF field, the file, and the ticked boxes. */
function postUpload(file: string, { csrf = organizer.csrf, dryRun = false, filename = '活动.csv', lang = '' } = {}) {
  const boundary = `----form${Math.random().toString(16).slice(2)}`;
  const part = (name: string, value: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n${value}\r\n`;
  const body = part('_csrf', csrf)
    + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n${file}\r\n`
    + (dryRun ? part('dryRun', 'on') : '') + `--${boundary}--\r\n`;
  return app.inject({ method: 'POST', url: `/admin/events/import${lang}`, payload: Buffer.from(body), headers: { cookie: organizer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` } });
}

t.test('the page offers the templates and the upload form; the events list links to it', async (t) => {
  const page = await app.inject({ url: '/admin/events/import', headers: { cookie: organizer.cookie } });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'enctype="multipart/form-data"');
  t.match(page.body, 'href="/api/v1/events/import/template?format=xlsx"');
  t.match(page.body, 'href="/api/v1/events/import/template?format=csv"');
  t.match(textOf(page.body), '只检查，不导入');
  const list = await app.inject({ url: '/admin/events', headers: { cookie: organizer.cookie } });
  t.match(list.body, 'href="/admin/events/import"');
  t.equal((await app.inject({ url: '/admin/events/import' })).statusCode, 303, 'strangers are sent to sign in');
  // The template link works with the page's session cookie.
  const template = await app.inject({ url: '/api/v1/events/import/template?format=csv', headers: { cookie: organizer.cookie } });
  t.equal(template.statusCode, 200);
});

t.test('a file with problems: a table of row, column and problem in Chinese, and nothing imported', async (t) => {
  const before = await countEvents();
  const csv = `\uFEFF${HEADER}\r\n1,节水讲座,讲座,区水务局,青少年,2030-03-22 09:00,2030-03-22 08:00\r\n2,气象讲座,讲坛,区气象局,外星人,2030-03-23 09:00,2030-03-23 10:00\r\n`;
  const res = await postUpload(csv);
  t.equal(res.statusCode, 422);
  const text = textOf(res.body);
  t.match(text, '文件中有 4 处问题，没有导入任何活动');
  for (const line of [
    '2 结束时间 结束时间须晚于开始时间',
    '3 活动类型 “讲坛”不是可选的值',
    '3 主办单位 您不能为“区气象局”导入活动',
    '3 受众 找不到“外星人”',
  ]) t.match(text, line);
  t.equal(await countEvents(), before);

  const english = await postUpload(csv, { lang: '?lang=en' });
  t.match(textOf(english.body), 'The file has 4 problem(s)');
  t.match(textOf(english.body), '3 受众 &quot;外星人&quot; not found');
});

t.test('a dry run lists what would be imported; a real upload imports and says how many', async (t) => {
  const csv = `${HEADER}\r\nA,节水讲座,讲座,区水务局,青少年,2030-03-22 09:00,2030-03-22 11:00\r\nA,,,,,2030-03-22 14:00,2030-03-22 16:00\r\nB,水日展览,展览,区水务局,,2030-03-22 09:00,2030-03-22 17:00\r\n`;
  const before = await countEvents();
  const checked = await postUpload(csv, { dryRun: true });
  t.equal(checked.statusCode, 200);
  t.match(textOf(checked.body), '检查通过：可以导入以下 2 个活动');
  t.match(textOf(checked.body), '节水讲座 2');
  t.equal(await countEvents(), before);

  const res = await postUpload(csv);
  t.equal(res.statusCode, 303);
  t.equal(res.headers.location, '/admin/events/import?imported=2');
  t.equal(await countEvents(), before + 2);
  const done = await app.inject({ url: res.headers.location as string, headers: { cookie: organizer.cookie } });
  t.match(textOf(done.body), '已导入 2 个活动，均为草稿');
  t.match(done.body, 'href="/admin/events?status=draft"');
});

t.test('no file, a bad CSRF token, an unreadable file', async (t) => {
  const boundary = '----empty';
  const none = await app.inject({
    method: 'POST', url: '/admin/events/import', headers: { cookie: organizer.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${organizer.csrf}\r\n--${boundary}--\r\n`,
  });
  t.equal(none.statusCode, 422);
  t.match(textOf(none.body), '请选择要上传的文件');
  t.equal((await postUpload(`${HEADER}\r\n`, { csrf: 'wrong' })).statusCode, 403);
  const unreadable = await postUpload('\u0000\u0001binary');
  t.equal(unreadable.statusCode, 422);
  t.match(textOf(unreadable.body), '无法读取这个文件');
  const tooLarge = await postUpload('A'.repeat(5 * 1024 * 1024 + 10));
  t.equal(tooLarge.statusCode, 413);
  t.match(textOf(tooLarge.body), '文件过大');
});
