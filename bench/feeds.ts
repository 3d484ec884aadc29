/**
 * The feeds under load. Seeds 10,000 published events with realistic text on the local
 * PostgreSQL (a database of its own, dropped and made anew), builds and starts the service as
 * it is deployed (`node dist/src/server.js`), and measures with autocannon (gzip accepted):
 * the JSON list's first page, a filtered list, the whole .ics feed (about 1,000 sessions) and
 * a conditional GET answered 304. The limit of each, in the same run: a bare Fastify route
 * sending the very same bytes and headers from memory (bench/feeds-limit.ts), and for the 304
 * a bare empty 304. Then the first render after an organizer's change through the API (the
 * cache dropped, the machine idle, median of 5) against ical-generator alone rendering the same sessions in this process.
 *
 *   npx tsx bench/feeds.ts [seconds=10] [connections=50]
 *
 * DATABASE_URL names the PostgreSQL server to use (default postgres://postgres@127.0.0.1:5432/postgres);
 * the bench works in its own database `kepu_bench_feeds` there.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import icalGenerator from 'ical-generator';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { accounts, apiTokens, audiences, eventAudiences, events, observances, sessions, units, venues } from '../src/db/schema/index.js';
import { secretHash } from '../src/modules/accounts/secrets.js';
import { loadEvents } from '../src/modules/events/events.queries.js';
import { listEventIds } from '../src/modules/events/events.list.js';
import { calendarData, calendarEvents, type CalendarOptions } from '../src/modules/feeds/ical.js';
import { seedDatabase } from '../seeds/seed.js';

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
const EVENTS = 10_000;
const BENCH_SECRET_KEY = 'bench-secret-key-0123456789abcdef0123456789';
const IN_FEED = 1_000;
const DAY_MS = 24 * 3600_000;
const ZONE = 'Asia/Shanghai';

const serverUrl = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const benchUrl = new URL(serverUrl);
benchUrl.pathname = '/kepu_bench_feeds';

// --- seeding -----------------------------------------------------------------------------

const admin = postgres(serverUrl.href, { max: 1, onnotice: () => {} });
await admin.unsafe('drop database if exists kepu_bench_feeds with (force)');
await admin.unsafe('create database kepu_bench_feeds');
await admin.end();

const config = loadConfig({ DATABASE_URL: benchUrl.href, LOG_LEVEL: 'silent', SEED_DEMO: 'false', SECRET_KEY: BENCH_SECRET_KEY });
const database = await openDatabase(config);
const { db } = database;
await seedDatabase(db, { timezone: ZONE });

const TOPICS = ['气象观测', '地震避险', '节约用水', '垃圾分类', '天文观测', '人工智能', '航天科技', '海洋生态', '湿地保护', '食品安全',
  '应急救护', '消防安全', '心理健康', '科学健身', '中医药文化', '农业新技术', '低碳生活', '电力安全', '网络安全', '无人机'];
const FORMATS = ['科普讲座', '开放日', '体验活动', '科学实验课', '主题展览', '知识竞赛', '研学实践', '专家咨询'];
const SENTENCES = [
  '活动邀请相关领域的专家学者，用通俗易懂的语言介绍最新的科学知识和研究成果。',
  '现场设有互动体验区，参与者可以亲手操作仪器设备，近距离感受科学的魅力。',
  '本次活动面向社区居民、青少年和老年人，欢迎全家一起参加，共同提升科学素质。',
  '讲座结束后安排答疑环节，专家将与大家面对面交流，解答日常生活中的科学疑问。',
  '活动期间将发放科普宣传资料和纪念品，并组织志愿者为行动不便的老人提供帮助。',
  '请参与者提前十五分钟到场签到，听从工作人员安排，注意安全，文明参观。',
  '为保证活动效果，部分环节需要提前报名，名额有限，报满即止，敬请谅解。',
  '活动由区科协联合各成员单位共同主办，是本年度科普工作要点的重要组成部分。',
];
const TYPES = ['lecture', 'exhibition', 'open_day', 'workshop', 'study_tour', 'science_fair', 'competition', 'training'] as const;

const refs = {
  units: (await db.select({ id: units.id }).from(units)).map((r) => r.id),
  venues: (await db.select({ id: venues.id }).from(venues)).map((r) => r.id),
  observances: (await db.select({ id: observances.id, slug: observances.slug }).from(observances)),
};
const audienceSlugs = ['youth', 'farmers', 'workers', 'elderly', 'officials', 'public'];
const pickOf = <T>(list: readonly T[], i: number) => list[i % list.length]!;

const now = Date.now();
const oldest = now - 3 * 365 * DAY_MS;
const feedFrom = now - 30 * DAY_MS;
for (let batch = 0; batch < EVENTS; batch += 500) {
  const eventRows: (typeof events.$inferInsert)[] = [];
  const sessionRows: (typeof sessions.$inferInsert)[] = [];
  const audienceRows: (typeof eventAudiences.$inferInsert)[] = [];
  for (let i = batch; i < batch + 500; i++) {
    // The first 1,000 fall in the feed's window (the past 30 days and the coming 150), the rest before it.
    const day = i < IN_FEED ? feedFrom + ((i * 180) / IN_FEED) * DAY_MS : oldest + (((i - IN_FEED) * (feedFrom - oldest - DAY_MS)) / (EVENTS - IN_FEED));
    const start = new Date(Math.floor(day / 3600_000) * 3600_000 + ((i % 9) + 1) * 3600_000);
    const end = new Date(start.getTime() + 2 * 3600_000);
    const id = crypto.randomUUID();
    const description = Array.from({ length: 6 }, (_, k) => pickOf(SENTENCES, i + k * 3)).join('');
    eventRows.push({
      id, titleZh: `${pickOf(TOPICS, i)}${pickOf(FORMATS, i * 7)}（第${(i % 40) + 1}期）`, descriptionZh: description,
      type: pickOf(TYPES, i), status: 'published', ownerUnitId: pickOf(refs.units, i), venueId: pickOf(refs.venues, i * 3),
      observanceId: i % 3 === 0 ? null : pickOf(refs.observances, i).id, timezone: ZONE,
      registrationMode: i % 2 === 0 ? 'individual' : 'none', sequence: 1,
      firstStartAt: start, lastEndAt: end, publishedAt: new Date(start.getTime() - 14 * DAY_MS),
    });
    sessionRows.push({ eventId: id, startsAt: start, endsAt: end });
    audienceRows.push({ eventId: id, audienceSlug: pickOf(audienceSlugs, i) });
    if (i % 4 === 0) audienceRows.push({ eventId: id, audienceSlug: pickOf(audienceSlugs, i + 3) });
  }
  await db.insert(events).values(eventRows);
  await db.insert(sessions).values(sessionRows);
  await db.insert(eventAudiences).values(audienceRows);
}
await db.execute(sql`analyze`);
const filterDay = refs.observances[1]!.slug;

// --- the service and its limit -------------------------------------------------------------

console.log('building dist/ …');
const built = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: new URL('..', import.meta.url).pathname });
if (built.status !== 0) throw new Error('npm run build failed');

async function freePort() {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as { port: number };
  probe.close();
  return port;
}
const port = await freePort();
const service = spawn(process.execPath, [new URL('../dist/src/server.js', import.meta.url).pathname], {
  env: { ...process.env, DATABASE_URL: benchUrl.href, PORT: String(port), HOST: '127.0.0.1', SEED_DEMO: 'false', LOG_LEVEL: 'warn', SECRET_KEY: BENCH_SECRET_KEY },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const api = `http://127.0.0.1:${port}`;
for (let tries = 0; ; tries++) {
  try { if ((await fetch(`${api}/healthz`)).ok) break; } catch { /* not up yet */ }
  if (tries > 100) throw new Error('the service did not start');
  await sleep(100);
}

/** One answer's raw bytes and headers, compressed as sent. */
function fetchRaw(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
    httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

const gzip = { 'accept-encoding': 'gzip' };
const endpoints = [
  { name: 'JSON list, first page', path: '/api/v1/events' },
  { name: `JSON list, observance=${filterDay}`, path: `/api/v1/events?observance=${filterDay}` },
  { name: '.ics feed (whole)', path: '/feeds/events.ics' },
];
const captured: { headers: Record<string, string>; body: string }[] = [];
const answers: { etag: string; bytes: number; raw: number }[] = [];
for (const { path } of endpoints) {
  const res = await fetchRaw(`${api}${path}`, gzip);
  if (res.status !== 200 || res.headers['content-encoding'] !== 'gzip') throw new Error(`${path}: ${res.status} ${res.headers['content-encoding']}`);
  const kept = ['content-type', 'content-encoding', 'etag', 'last-modified', 'cache-control', 'vary', 'link', 'access-control-allow-origin'];
  captured.push({ headers: Object.fromEntries(kept.filter((h) => res.headers[h]).map((h) => [h, res.headers[h]!])), body: res.body.toString('base64') });
  const plain = await fetchRaw(`${api}${path}`, {});
  answers.push({ etag: res.headers.etag!, bytes: res.body.length, raw: plain.body.length });
}
const sessionsInFeed = ((await fetchRaw(`${api}/feeds/events.ics`, {})).body.toString('utf8').match(/BEGIN:VEVENT/g) ?? []).length;

const scratch = mkdtempSync(join(tmpdir(), 'kepu-feeds-bench-'));
writeFileSync(join(scratch, 'captured.json'), JSON.stringify(captured));
const limitServer: ChildProcess = spawn(process.execPath, ['--import', 'tsx', new URL('./feeds-limit.ts', import.meta.url).pathname, join(scratch, 'captured.json')], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: limitServer.stdout! }), 'line')) as [string];
const limit = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;

async function measure(url: string, headers: Record<string, string>, expect: 200 | 304) {
  const result = await autocannon({ url, connections, duration: seconds, headers });
  const wrong = expect === 200 ? result.non2xx : result['1xx'] + result['2xx'] + result['4xx'] + result['5xx'];
  if (wrong || result.errors || result.timeouts) throw new Error(`${url}: ${wrong} answers other than ${expect}, ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result.requests.average, p99: result.latency.p99 };
}

// --- the first render after a change, and ical-generator alone ------------------------------

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * ical-generator given exactly what the service gives it for the same sessions (calendarData,
 * calendarEvents), prepared beforehand: the library's own rendering, the floor of any .ics render.
 */
async function icalGeneratorAlone() {
  const { ids } = await listEventIds(db, { from: new Date(Date.now() - 30 * DAY_MS).toISOString(), limit: 5000 }, { kind: 'public' }, ZONE, new Date());
  const loaded = await loadEvents(db, ids, { publicView: true, baseUrl: api });
  const options: CalendarOptions = {
    name: { zh: '科普日历', en: 'Kepu Calendar' }, language: 'zh', now: new Date(),
    audienceNames: new Map((await db.select().from(audiences)).map((a) => [a.slug, { zh: a.nameZh, en: a.nameEn }])),
    links: { baseUrl: api, eventPage: (id) => `${api}/events/${id}` },
  };
  const calendarOptions = calendarData(options);
  const prepared = calendarEvents(loaded, options);
  const times: number[] = [];
  let count = 0;
  // A first run to warm the code up, as the service is warm by then; then five timed.
  for (let run = -1; run < 5; run++) {
    const started = performance.now();
    const calendar = icalGenerator(calendarOptions);
    for (const data of prepared) calendar.createEvent(data);
    count = calendar.toString().length;
    if (run >= 0) times.push(performance.now() - started);
  }
  return { ms: median(times), chars: count };
}

/** The service's .ics after an organizer's change through the API, which drops the cached answers: it queries and renders. */
async function firstRenders() {
  const [account] = await db.insert(accounts).values({ email: 'bench@example.cn', displayName: 'bench', role: 'admin' }).returning();
  const token = `bench-${crypto.randomUUID()}`;
  await db.insert(apiTokens).values({ accountId: account!.id, name: 'bench', prefix: token.slice(0, 9), secretHash: secretHash(token), scope: 'write' });
  const [coming] = await db.select({ id: events.id }).from(events).where(sql`${events.firstStartAt} > now()`).orderBy(events.firstStartAt).limit(1);
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const changed = await fetch(`${api}/api/v1/events/${coming!.id}`, {
      method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ titleZh: `改过的标题 ${run}` }),
    });
    if (!changed.ok) throw new Error(`the change: ${changed.status} ${await changed.text()}`);
    await sleep(1_000); // idle
    const started = performance.now();
    const res = await fetchRaw(`${api}/feeds/events.ics`, {});
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`first render: ${res.status}`);
  }
  return median(times);
}

// --- the run ------------------------------------------------------------------------------

// Measured first, in a process not yet burdened by the load generator's garbage.
const alone = await icalGeneratorAlone();
try {
  console.log(`PostgreSQL ${benchUrl.host}; ${EVENTS} events, ${sessionsInFeed} sessions in the .ics feed; ${connections} connections, ${seconds}s each, gzip; node ${process.version}`);
  console.log('| endpoint | gzip bytes (raw) | req/s | p99 ms | limit req/s | limit p99 ms | ratio | target |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [index, { name, path }] of endpoints.entries()) {
    const served = await measure(`${api}${path}`, gzip, 200);
    const bare = await measure(`${limit}/${index}`, gzip, 200);
    const { bytes, raw } = answers[index]!;
    console.log(`| ${name} | ${bytes} (${raw}) | ${served.rps.toFixed(0)} | ${served.p99} | ${bare.rps.toFixed(0)} | ${bare.p99} | ${(served.rps / bare.rps).toFixed(2)} | ≥ 0.7 |`);
  }
  const feedEtag = answers[2]!.etag;
  const notModified = await measure(`${api}/feeds/events.ics`, { ...gzip, 'if-none-match': feedEtag }, 304);
  const bare304 = await measure(`${limit}/empty-304`, gzip, 304);
  console.log(`| .ics feed, If-None-Match → 304 | 0 | ${notModified.rps.toFixed(0)} | ${notModified.p99} | ${bare304.rps.toFixed(0)} | ${bare304.p99} | ${(notModified.rps / bare304.rps).toFixed(2)} | ≥ 0.7 |`);

  const render = await firstRenders();
  console.log(`\nfirst .ics render after a change (query + render + HTTP, no gzip, ${sessionsInFeed} sessions, median of 5): ${render.toFixed(1)} ms;`
    + ` ical-generator alone on the same sessions: ${alone.ms.toFixed(1)} ms; ratio ${(render / alone.ms).toFixed(2)} (target ≤ 1.5)`);
} finally {
  service.kill('SIGTERM');
  limitServer.kill('SIGTERM');
  await database.close();
  rmSync(scratch, { recursive: true, force: true });
}
