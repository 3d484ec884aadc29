import { spawnSync } from 'node:child_process';
import t from 'tap';
import Parser from 'rss-parser';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildObservance, buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';
import { CONSENT } from '../src/modules/registrations/consent.js';

/**
 * RSS 2.0 at /feeds/events.rss for the portal's news widget: read back by rss-parser (xml2js),
 * a parser apart from the `feed` library that writes it, and checked as XML by Python's
 * standard library. The clock stands at 2030-04-01.
 */

const NOW = new Date('2030-04-01T00:00:00Z');
const { app, db, config } = await build(t, { clock: { now: () => NOW } });
await buildAudiences(db);
const parser = new Parser({ customFields: { feed: ['language', 'ttl', 'lastBuildDate'], item: [['category', 'categories', { keepArray: true }]] } });

async function write(method: 'POST' | 'PATCH', url: string, payload?: object) {
  const res = await app.inject({ method, url: `/api/v1${url}`, headers: adminHeaders, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
async function event(fields: Record<string, unknown>, day: string, steps: ('publish' | 'cancel')[] = ['publish']) {
  const created = await write('POST', '/events', eventBody(owner.id, fields, day));
  for (const step of steps) await write('POST', `/events/${created.id}/${step}`);
  return created as { id: string; publicUrl: string };
}
async function rss(query = '') {
  const res = await app.inject({ url: `/feeds/events.rss${query}` });
  if (res.statusCode !== 200) throw new Error(`rss ${query}: ${res.statusCode} ${res.body}`);
  return { res, feed: await parser.parseString(res.body) };
}

const owner = await buildUnit(db);
const town = await buildTown(db, { slug: 'east-town', nameZh: '东镇' });
const museum = await buildVenue(db, { nameZh: '区科技馆', nameEn: 'District Science Museum', addressZh: '科技路1号', addressEn: '1 Science Road', townId: town.id });
const earthDay = await buildObservance(db, { kind: 'fixed_date', month: 4, day: 22 }, { slug: 'earth-day' });

const tricky = '水 & 土: <保护> "地球", ]]> 之后';
const longDescription = '地球是我们共同的家园。'.repeat(40);
const lecture = await event({ titleZh: tricky, titleEn: 'Earth & us', descriptionZh: longDescription, descriptionEn: 'About <the> Earth', venueId: museum.id, observanceId: earthDay.id, audiences: ['public', 'youth'] }, '2030-04-22');
// A control character pasted from a document: XML 1.0 has no room for it, so the feed drops it.
const later = await event({ titleZh: '五月的天文观测', descriptionZh: '观测\u0007星空', sessions: [
  { startsAt: '2030-05-10T19:00:00+08:00', endsAt: '2030-05-10T21:00:00+08:00' },
  { startsAt: '2030-05-11T19:00:00+08:00', endsAt: '2030-05-11T21:00:00+08:00' },
] }, '2030-05-10');
const cancelled = await event({ titleZh: '取消的讲座', titleEn: null }, '2030-04-24', ['publish', 'cancel']);
const draft = await event({ titleZh: '草稿不公开' }, '2030-04-25', []);
const past = await event({ titleZh: '三月的旧活动' }, '2030-03-15');

t.test('an RSS 2.0 channel of the upcoming published events, soonest first, in Chinese', async (t) => {
  const { res, feed } = await rss();
  t.match(res.headers['content-type'], /^application\/rss\+xml; charset=utf-8/);
  t.equal(feed.title, '科普日历');
  t.equal(feed.language, 'zh-cn');
  t.equal(feed.link, `${config.PUBLIC_BASE_URL}/`, 'the site\'s home page');
  t.equal(feed.items.map((i) => i.link).join(' '), [lecture.publicUrl, cancelled.publicUrl, later.publicUrl].join(' '), 'upcoming only, soonest first; no draft, nothing past');
  t.notOk(res.body.includes(draft.id) || res.body.includes(past.id));
  const [first, second, third] = feed.items;
  t.equal(first!.title, tricky, 'a title with & < > " and ]]> survives');
  t.equal(first!.guid, lecture.publicUrl, 'the guid is the event page: stable');
  t.match(first!.content, /2030年4月22日 09:00–11:00/, 'the time in the event\'s zone');
  t.match(first!.content, /区科技馆，科技路1号/, 'the venue and its address');
  t.match(first!.content, /地球是我们共同的家园。/);
  t.ok(first!.content!.includes('…') && first!.content!.length < longDescription.length, 'a long description is cut to an excerpt');
  t.equal(second!.title, '【已取消】取消的讲座', 'a cancelled event says so');
  t.match(third!.content, /2030年5月10日 19:00–21:00（另有1场）/, 'a second session is mentioned');
  t.match(third!.content, /观测星空/, 'a control character is dropped, the text kept');
  const published = (await app.inject({ url: `/api/v1/events/${lecture.id}` })).json().publishedAt;
  t.equal(new Date(first!.pubDate!).getTime(), Math.floor(Date.parse(published) / 1000) * 1000, 'pubDate is when the event was published');
});

t.test('the categories name the themed day and audiences', async (t) => {
  const { feed } = await rss();
  const categories = (feed.items[0] as unknown as { categories: (string | { _: string })[] }).categories.map((c) => (typeof c === 'string' ? c : c._));
  t.same(categories, ['世界地球日', '社会公众', '青少年'], 'the themed day, then the audiences by name');
  const english = (await rss('?lang=en')).feed;
  const inEnglish = (english.items[0] as unknown as { categories: (string | { _: string })[] }).categories.map((c) => (typeof c === 'string' ? c : c._));
  t.same(inEnglish, ['Earth Day', 'General public', 'Young people']);
});

t.test('English with ?lang=en, and the filters of the JSON list', async (t) => {
  const english = (await rss('?lang=en')).feed;
  t.equal(english.language, 'en');
  t.equal(english.items[0]!.title, 'Earth & us');
  t.match(english.items[0]!.content, /22 Apr 2030 09:00–11:00/);
  t.match(english.items[0]!.content, /District Science Museum, 1 Science Road/);
  t.match(english.items[0]!.content, /About &lt;the&gt; Earth/, 'the event\'s text is escaped inside the HTML description');
  t.equal(english.items[1]!.title, '[Cancelled] 取消的讲座', 'no English title: the Chinese one');

  const themed = (await rss('?observance=earth-day')).feed;
  t.equal(themed.title, '科普日历·世界地球日', 'a themed day\'s feed is named after it');
  t.same(themed.items.map((i) => i.link), [lecture.publicUrl]);
  t.same((await rss('?town=east-town')).feed.items.map((i) => i.link), [lecture.publicUrl]);
  t.same((await rss('?limit=1')).feed.items.map((i) => i.link), [lecture.publicUrl]);
  problem(t, await app.inject({ url: '/feeds/events.rss?limit=0' }), 400, 'validation_failed', ['/limit']);
  problem(t, await app.inject({ url: '/feeds/events.rss?colour=red' }), 400, 'validation_failed');
});

const pythonSkip = spawnSync('/usr/bin/python3', ['-c', 'import xml.etree.ElementTree'], { stdio: 'ignore' }).status === 0 ? false : 'needs /usr/bin/python3';
t.test('well-formed XML, as Python\'s standard library reads it', { skip: pythonSkip }, async (t) => {
  const { res } = await rss();
  const check = spawnSync('/usr/bin/python3', ['-c', [
    'import sys, xml.etree.ElementTree as ET',
    'root = ET.fromstring(sys.stdin.buffer.read())',
    'print(root.tag, root.get("version"), len(root.findall("./channel/item")), root.find("./channel/item/title").text)',
  ].join('\n')], { input: res.body, encoding: 'utf8' });
  t.equal(check.status, 0, check.stderr);
  t.equal(check.stdout.trim(), `rss 2.0 3 ${tricky}`);
});

t.test('cached and conditional like the other feeds, open to other sites', async (t) => {
  const { res } = await rss();
  t.match(res.headers['cache-control'], /public, max-age=60/);
  t.equal(res.headers['access-control-allow-origin'], '*');
  const etag = String(res.headers.etag);
  t.equal((await app.inject({ url: '/feeds/events.rss', headers: { 'if-none-match': etag } })).statusCode, 304);
  await write('PATCH', `/events/${lecture.id}`, { titleZh: '改过的题目' });
  const changed = await app.inject({ url: '/feeds/events.rss', headers: { 'if-none-match': etag } });
  t.equal(changed.statusCode, 200, 'an edit changes the feed');
  t.match(changed.body, /改过的题目/);
});

t.test('no registrant data in the feed', async (t) => {
  const open = await event({ titleZh: '可报名的活动', registrationMode: 'individual' }, '2030-04-26');
  const signUp = await app.inject({ method: 'POST', url: `/api/v1/events/${open.id}/registrations`, payload: { kind: 'individual', name: '张秘密', phone: '13912345678', email: 'secret.person@example.cn', consentVersion: CONSENT.version } });
  t.equal(signUp.statusCode, 201, signUp.body);
  const { res } = await rss();
  t.match(res.body, /可报名的活动/);
  for (const personal of ['张秘密', '13912345678', 'secret.person']) t.notOk(res.body.includes(personal), `${personal} is not in the feed`);
});
