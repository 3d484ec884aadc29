import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createOutboxWorker } from '../src/modules/outbox/worker.js';
import { systemLookup } from '../src/modules/webhooks/safe-request.js';
import { createWebhookChannel } from '../src/modules/webhooks/webhook-channel.js';
import { WEBHOOK_CHANNEL } from '../src/modules/webhooks/webhooks.queries.js';
import { zh } from '../src/ui/i18n/zh/index.js';
import { adminHeaders, build, TEST_SECRET_KEY } from './helpers/build.js';
import { DESKTOP, labelled, newPage, openBrowser, saveScreenshot, seriousViolations, startSite } from './helpers/browser.js';
import { buildObservance, buildTown, buildUnit } from './helpers/factories.js';
import { silentLog } from './helpers/mail.js';
import { fieldErrorOf, postForm, quickSession, textOf } from './helpers/ui.js';

/**
 * Webhook endpoints in the admin UI (/admin/webhooks): registered through the form (the
 * secret on that answer only), kept to the reader's units, tested, paused and enabled, the
 * secret rotated, changed and deleted, and the delivery log read from the outbox. Nothing is
 * sent to a public address: the public URLs are IP literals (no DNS) and no worker runs for
 * them; the one test with a worker sends to a receiver of its own on 127.0.0.1.
 */

type App = Awaited<ReturnType<typeof build>>['app'];
type Who = { cookie: string; csrf: string };
type Endpoint = { id: string; url: string; unitId: string | null; description: string | null; kinds: string[]; enabled: boolean; allowPrivateNetwork: boolean; filters: Record<string, string[] | null> };
type Delivery = { id: string; kind: string; state: string };

const PUBLIC_URL = 'http://93.184.215.14/hook';

const page = (app: App, url: string, who: Pick<Who, 'cookie'>) => app.inject({ url, headers: { cookie: who.cookie } });
const api = async <T>(app: App, url: string) => (await app.inject({ url: `/api/v1${url}`, headers: adminHeaders })).json<T>();
const secretOn = (html: string) => html.match(/data-testid="webhook-secret">([^<]+)</)?.[1];
const deliveryRow = (html: string, id: string) => textOf(html.match(new RegExp(`<tr data-delivery="${id}">([\\s\\S]*?)</tr>`))?.[1] ?? '');
const endpointRow = (html: string, id: string) => textOf(html.match(new RegExp(`<tr data-webhook="${id}">([\\s\\S]*?)</tr>`))?.[1] ?? '');
const hrefOf = (html: string, rel: string) => html.match(new RegExp(`href="([^"]+)" rel="${rel}"`))?.[1]?.replace(/&amp;/g, '&');
const KIND_LABELS = ['活动发布', '活动变更', '活动取消', '活动删除', '场次满员', '场次有余位'];

async function endpointVia(app: App, body: Record<string, unknown>) {
  const created = await app.inject({ method: 'POST', url: '/api/v1/webhooks', headers: adminHeaders, payload: body });
  if (created.statusCode !== 201) throw new Error(created.body);
  return created.json<Endpoint & { secret: string }>();
}

t.test('an admin registers an endpoint through the form: a private address refused by its field, allowed with the box; the secret shown once', async (t) => {
  const { app, db } = await build(t);
  const town = await buildTown(db, { nameZh: '溪翁庄镇', nameEn: 'Xiwengzhuang' });
  const admin = await quickSession(db, { role: 'admin' });

  const list = await page(app, '/admin/webhooks', admin);
  t.equal(list.statusCode, 200);
  const text = textOf(list.body);
  t.match(text, '推送订阅（Webhooks）');
  t.match(text, '还没有推送订阅');
  for (const label of KIND_LABELS) t.match(list.body, new RegExp(`<label for="f-kinds-\\d+">${label}</label>`), `the kind ${label} is offered`);
  t.match(list.body, /<select id="f-unitId" name="unitId"[^>]*><option value(="")?>全区（所有单位的活动）<\/option>/, 'an admin may leave the unit district-wide');
  t.match(list.body, /type="checkbox" id="f-allowPrivateNetwork" name="allowPrivateNetwork"/, 'an admin has the private-network box');
  t.match(text, zh['adminWebhooks.form.allowPrivateNetworkHint'], 'with its warning');
  t.match(list.body, new RegExp(`<select id="f-filters-townIds" name="filters.townIds"[^>]*multiple[^>]*>[\\s\\S]*?<option value="${town.id}">溪翁庄镇</option>`), 'towns to filter by');
  t.match(list.body, '<a href="/admin/webhooks">推送订阅</a>', 'in the admin navigation');

  const form = { _csrf: admin.csrf, url: 'http://127.0.0.1:8089/hook', description: '区内网值班机器人', kinds: ['event.published', 'session.full'], unitId: '', 'filters.townIds': [town.id] };
  const refused = await postForm(app, '/admin/webhooks', form, admin.cookie);
  t.equal(refused.statusCode, 422);
  t.equal(fieldErrorOf(refused.body, 'url'), zh['field.url_address'], 'a loopback address is refused by the URL field');
  t.match(textOf(refused.body), zh['problem.invalid_webhook']);
  t.match(refused.body, 'value="http://127.0.0.1:8089/hook"', 'the form keeps what was typed');
  t.match(refused.body, /name="kinds" value="session.full" checked/, 'and what was ticked');
  t.same((await api<{ items: unknown[] }>(app, '/webhooks')).items, [], 'nothing was registered');

  const noKinds = await postForm(app, '/admin/webhooks', { _csrf: admin.csrf, url: PUBLIC_URL, unitId: '' }, admin.cookie);
  t.equal(noKinds.statusCode, 400);
  t.equal(fieldErrorOf(noKinds.body, 'kinds'), '至少选择 1 项。', 'no kind ticked: said by the kinds');

  const created = await postForm(app, '/admin/webhooks', { ...form, allowPrivateNetwork: 'on' }, admin.cookie);
  t.equal(created.statusCode, 201, 'the answer to the form is the endpoint\'s page');
  t.notOk(created.headers.location, 'not a redirect: the secret would be lost, or put in an address');
  t.equal(created.headers['cache-control'], 'no-store');
  const secret = secretOn(created.body);
  t.match(secret, /^whsec_/, 'the secret is on the page');
  t.equal(created.body.split(secret!).length - 1, 1, 'exactly once');
  const shown = textOf(created.body);
  t.match(shown, '推送订阅已创建');
  t.match(shown, '签名密钥：只显示这一次');
  t.match(shown, '推送的变化 活动发布、场次满员', 'the kinds in words');
  t.match(shown, '所属单位 全区 筛选条件 镇街（活动场地所在）：溪翁庄镇', 'the unit, and the filter by its names');
  t.match(shown, '允许内网地址 是');

  const [endpoint] = (await api<{ items: Endpoint[] }>(app, '/webhooks')).items;
  t.match(endpoint, { url: 'http://127.0.0.1:8089/hook', description: '区内网值班机器人', unitId: null, allowPrivateNetwork: true, kinds: ['event.published', 'session.full'], filters: { townIds: [town.id], unitIds: null, observanceIds: null } });
  const again = await page(app, `/admin/webhooks/${endpoint!.id}`, admin);
  t.equal(again.statusCode, 200);
  t.notMatch(again.body, secret!, 'never shown again on its page');
  t.notMatch(again.body, 'webhook-secret');
  const listed = await page(app, '/admin/webhooks', admin);
  t.notMatch(listed.body, secret!, 'nor on the list');
  t.equal(endpointRow(listed.body, endpoint!.id), 'http://127.0.0.1:8089/hook 区内网值班机器人 活动发布、场次满员 全区 启用中', 'the list row: URL, description, kinds, unit, state');
  t.match(listed.body, `<a href="/admin/webhooks/${endpoint!.id}">`, 'a link to its page');

  const english = await page(app, `/admin/webhooks/${endpoint!.id}?lang=en`, admin);
  t.match(textOf(english.body), 'Webhook: 区内网值班机器人');
  t.match(textOf(english.body), 'Changes pushed Event published, Session full');
  t.match(textOf(english.body), 'Unit District-wide');
});

t.test('organizers manage their units\' endpoints only; checkers are refused; the signed-out are sent to sign in', async (t) => {
  const { app, db } = await build(t);
  const unitX = await buildUnit(db, { nameZh: '区科协', nameEn: 'Science Association' });
  const unitY = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Bureau' });
  const organizer = await quickSession(db, { role: 'organizer', unitIds: [unitX.id] });
  const theirs = await endpointVia(app, { url: 'http://93.184.215.14/water', kinds: ['event.published'], unitId: unitY.id });
  const district = await endpointVia(app, { url: 'http://93.184.215.14/district', kinds: ['event.published'] });

  const list = await page(app, '/admin/webhooks', organizer);
  t.equal(list.statusCode, 200);
  t.match(textOf(list.body), zh['adminWebhooks.scope.organizer']);
  t.notMatch(list.body, /\/water|\/district/, 'neither another unit\'s endpoint nor a district-wide one');
  t.match(list.body, new RegExp(`<option value="${unitX.id}" selected>区科协</option>`), 'their one unit, chosen');
  const owners = list.body.match(/<select id="f-unitId"[\s\S]*?<\/select>/)?.[0] ?? '';
  t.notMatch(owners, unitY.id, 'no other unit to choose as the owner');
  t.notMatch(owners, '全区', 'nor district-wide');
  t.notMatch(list.body, 'name="allowPrivateNetwork"', 'no private-network box for an organizer');
  t.match(list.body, 'href="/admin/webhooks"', 'the nav shows organizers the webhooks');

  const created = await postForm(app, '/admin/webhooks', { _csrf: organizer.csrf, url: PUBLIC_URL, description: '科协公众号', kinds: ['event.changed'], unitId: unitX.id }, organizer.cookie);
  t.equal(created.statusCode, 201, 'an organizer registers one for their unit');
  t.match(secretOn(created.body), /^whsec_/);
  t.match(textOf(created.body), '所属单位 区科协');
  const mine = (await api<{ items: Endpoint[] }>(app, '/webhooks')).items.find((e) => e.url === PUBLIC_URL)!;
  t.equal(mine.unitId, unitX.id);
  t.match(textOf((await page(app, '/admin/webhooks', organizer)).body), `${PUBLIC_URL} 科协公众号 活动变更 区科协 启用中`, 'and sees it on their list');

  for (const url of [`/admin/webhooks/${theirs.id}`, `/admin/webhooks/${theirs.id}/delete`, `/admin/webhooks/${district.id}`]) {
    const refused = await page(app, url, organizer);
    t.equal(refused.statusCode, 403, `${url}: refused`);
    t.match(textOf(refused.body), '你没有权限', 'said in words');
    t.notMatch(refused.body, /93\.184\.215\.14\/(water|district)/, 'and nothing of the endpoint shown');
  }
  const test = await postForm(app, `/admin/webhooks/${theirs.id}/test`, { _csrf: organizer.csrf }, organizer.cookie);
  t.equal(test.statusCode, 403, 'nor can they send it a test');
  const paused = await postForm(app, `/admin/webhooks/${theirs.id}/enabled`, { _csrf: organizer.csrf, enabled: 'false' }, organizer.cookie);
  t.equal(paused.statusCode, 403, 'or pause it');
  t.same((await api<{ items: unknown[] }>(app, `/webhooks/${theirs.id}/deliveries`)).items, [], 'no test was planned');
  t.equal((await api<Endpoint>(app, `/webhooks/${theirs.id}`)).enabled, true, 'it was not paused');

  const checker = await quickSession(db, { role: 'checker', unitIds: [unitX.id] });
  const refused = await page(app, '/admin/webhooks', checker);
  t.equal(refused.statusCode, 403);
  t.match(textOf(refused.body), zh['adminWebhooks.forbidden']);
  t.notMatch(refused.body, 'href="/admin/webhooks"', 'not in a checker\'s nav');
  t.notMatch(refused.body, 'name="url"', 'no form');

  const out = await page(app, '/admin/webhooks', { cookie: '' });
  t.equal(out.statusCode, 303);
  t.match(out.headers.location, /^\/admin\/login\?next=%2Fadmin%2Fwebhooks/);
});

t.test('an endpoint\'s page: a test planned in the log, paused and enabled, the secret rotated, settings changed, the log paged, deleted after a confirmation', async (t) => {
  const { app, db } = await build(t);
  const observance = await buildObservance(db, undefined, { nameZh: '世界水日', nameEn: 'World Water Day' });
  const admin = await quickSession(db, { role: 'admin' });
  const endpoint = await endpointVia(app, { url: PUBLIC_URL, description: '融媒体中心', kinds: ['event.published'] });
  const href = `/admin/webhooks/${endpoint.id}`;
  const deliveries = async (query = '') => (await api<{ items: Delivery[] }>(app, `/webhooks/${endpoint.id}/deliveries${query}`)).items;

  t.test('send a test: the ping is planned and the log reads it from the outbox', async (t) => {
    const before = await page(app, href, admin);
    t.match(textOf(before.body), '推送订阅：融媒体中心');
    t.match(textOf(before.body), '没有符合条件的推送记录');
    const sent = await postForm(app, `${href}/test`, { _csrf: admin.csrf }, admin.cookie);
    t.equal(sent.statusCode, 303);
    t.equal(sent.headers.location, `${href}?done=testSent#deliveries`);
    const after = await page(app, sent.headers.location as string, admin);
    t.match(textOf(after.body), '测试事件已安排发送');
    const [ping] = await deliveries();
    t.equal(ping!.kind, 'ping');
    const row = deliveryRow(after.body, ping!.id);
    t.match(row, /^测试事件 \d{4}年\d+月\d+日 .+ 等待发送 0 — — — \d{4}年/, `kind, time, state, no attempt yet, the next one due (${row})`);
    t.notMatch(row, '重新发送', 'a planned delivery is not sent again by hand');

    const forged = await postForm(app, `${href}/test`, { _csrf: 'forged' }, admin.cookie);
    t.equal(forged.statusCode, 403);
    t.match(textOf(forged.body), zh['problem.csrf_failed'], 'a forged form is refused on its page');
    t.equal((await deliveries()).length, 1, 'and plans nothing');
  });

  t.test('pause, then enable', async (t) => {
    const paused = await postForm(app, `${href}/enabled`, { _csrf: admin.csrf, enabled: 'false' }, admin.cookie);
    t.equal(paused.statusCode, 303);
    t.equal(paused.headers.location, `${href}?done=paused`);
    const shown = await page(app, paused.headers.location as string, admin);
    const text = textOf(shown.body);
    t.match(text, '已暂停推送');
    t.match(text, '这个推送订阅已停用，不会推送任何变化 停用原因：有人手动暂停了推送。', 'why, on top of the page');
    t.notMatch(shown.body, `action="${href}/test"`, 'no test for a paused endpoint');
    t.match(shown.body, /<button type="submit" class="secondary">启用<\/button>/);
    const list = textOf((await page(app, '/admin/webhooks', admin)).body);
    t.match(list, '有 1 个推送订阅已停用', 'the list warns of it');
    t.match(list, '已停用 停用原因：有人手动暂停了推送。', 'with the reason by its badge');

    const test = await postForm(app, `${href}/test`, { _csrf: admin.csrf }, admin.cookie);
    t.equal(test.statusCode, 409);
    t.match(textOf(test.body), zh['adminWebhooks.problem.endpoint_disabled'], 'a test of a paused endpoint is refused in words');

    const enabled = await postForm(app, `${href}/enabled`, { _csrf: admin.csrf, enabled: 'true' }, admin.cookie);
    t.equal(enabled.headers.location, `${href}?done=enabled`);
    const back = textOf((await page(app, enabled.headers.location as string, admin)).body);
    t.match(back, '已启用，之后的变化会继续推送');
    t.match(back, '状态 启用中');
    t.equal((await api<Endpoint>(app, `/webhooks/${endpoint.id}`)).enabled, true);
  });

  t.test('rotate the secret: a new one shown once, the old one valid for the overlap', async (t) => {
    const tooLong = await postForm(app, `${href}/secret`, { _csrf: admin.csrf, overlapHours: '500' }, admin.cookie);
    t.equal(tooLong.statusCode, 400);
    t.equal(fieldErrorOf(tooLong.body, 'overlapHours'), '不能大于 168。', 'by the field');
    t.match(tooLong.body, 'value="500"');
    t.notMatch(tooLong.body, 'webhook-secret', 'no secret made');

    const form = await page(app, href, admin);
    t.match(form.body, /id="f-overlapHours" name="overlapHours" value="24"/, 'a day\'s overlap unless said otherwise');
    const rotated = await postForm(app, `${href}/secret`, { _csrf: admin.csrf, overlapHours: '2' }, admin.cookie);
    t.equal(rotated.statusCode, 200);
    const secret = secretOn(rotated.body);
    t.match(secret, /^whsec_/);
    t.not(secret, endpoint.secret, 'a new secret');
    t.match(textOf(rotated.body), /密钥已更换。.*旧密钥在 \d{4}年.+ 之前仍会一起签名/);
    t.match(rotated.body, `href="${href}?lang=en"`, 'the language switch leads to the endpoint\'s page, not the form\'s address');
    const later = await page(app, href, admin);
    t.notMatch(later.body, secret!);
    t.match(textOf(later.body), /旧密钥有效至 \d{4}年/);
  });

  t.test('change the settings; a refused change is said by its field', async (t) => {
    const form = await page(app, href, admin);
    t.match(form.body, /<form method="post" action="[^"]+\/edit"[\s\S]*?id="f-url" name="url" value="http:\/\/93\.184\.215\.14\/hook"/, 'the edit form is filled from the API');
    t.match(form.body, /name="kinds" value="event.published" checked/);

    const noKinds = await postForm(app, `${href}/edit`, { _csrf: admin.csrf, url: PUBLIC_URL, description: '融媒体中心' }, admin.cookie);
    t.equal(noKinds.statusCode, 400);
    t.equal(fieldErrorOf(noKinds.body, 'kinds'), '至少选择 1 项。');
    const privateUrl = await postForm(app, `${href}/edit`, { _csrf: admin.csrf, url: 'http://10.0.0.7/hook', kinds: 'event.published' }, admin.cookie);
    t.equal(privateUrl.statusCode, 422);
    t.equal(fieldErrorOf(privateUrl.body, 'url'), zh['field.url_address']);
    t.match(privateUrl.body, 'value="http://10.0.0.7/hook"', 'the form keeps what was typed');

    const saved = await postForm(app, `${href}/edit`, {
      _csrf: admin.csrf, url: PUBLIC_URL, description: '融媒体中心（新）', kinds: ['event.cancelled', 'event.deleted'], 'filters.observanceIds': observance.id,
    }, admin.cookie);
    t.equal(saved.statusCode, 303);
    t.equal(saved.headers.location, `${href}?done=saved`);
    t.match(await api<Endpoint>(app, `/webhooks/${endpoint.id}`), {
      url: PUBLIC_URL, description: '融媒体中心（新）', kinds: ['event.cancelled', 'event.deleted'], filters: { observanceIds: [observance.id], townIds: null }, allowPrivateNetwork: false,
    });
    const shown = await page(app, saved.headers.location as string, admin);
    t.match(textOf(shown.body), '修改已保存。');
    t.match(textOf(shown.body), '推送的变化 活动取消、活动删除');
    t.match(textOf(shown.body), '筛选条件 主题日：世界水日 允许内网地址 否');
    t.match(shown.body, new RegExp(`<option value="${observance.id}" selected>世界水日</option>`), 'the filter chosen');
  });

  t.test('the log: newest first, filtered by state, paged by the API\'s cursor', async (t) => {
    for (let i = 0; i < 25; i++) await app.inject({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/test`, headers: adminHeaders });
    const first = await page(app, href, admin);
    const all = await deliveries('?limit=200');
    t.equal(all.length, 26);
    t.equal((first.body.match(/<tr data-delivery=/g) ?? []).length, 25, 'twenty-five a page');
    t.ok(first.body.indexOf(all[0]!.id) < first.body.indexOf(all[1]!.id), 'newest first');
    t.notMatch(first.body, all[25]!.id, 'the oldest is on the next page');
    const more = hrefOf(first.body, 'next');
    t.match(more, new RegExp(`^${href}\\?cursor=[^#]+#deliveries$`));
    const second = await page(app, more!, admin);
    t.equal(second.statusCode, 200);
    t.match(second.body, `data-delivery="${all[25]!.id}"`, 'the oldest');
    t.equal((second.body.match(/<tr data-delivery=/g) ?? []).length, 1);
    t.notOk(hrefOf(second.body, 'next'), 'and no further page');
    t.match(textOf(second.body), '回到最新的记录');

    const sent = await page(app, `${href}?state=sent`, admin);
    t.match(textOf(sent.body), '没有符合条件的推送记录', 'none sent: no worker runs here');
    t.match(sent.body, '<option value="sent" selected>已送达</option>');
    const bad = await page(app, `${href}?cursor=nonsense`, admin);
    t.equal(bad.statusCode, 400, 'a broken cursor');
    t.match(textOf(bad.body), '推送订阅：融媒体中心（新）', 'the rest of the page stands');
  });

  t.test('delete, after a page that says what goes with it', async (t) => {
    const asked = await page(app, `${href}/delete`, admin);
    t.equal(asked.statusCode, 200);
    t.match(textOf(asked.body), '删除推送订阅：融媒体中心（新）');
    t.match(textOf(asked.body), zh['adminWebhooks.delete.body']);
    t.match(asked.body, /<button type="submit" class="danger">确认删除<\/button>/);
    t.equal((await api<Endpoint>(app, `/webhooks/${endpoint.id}`)).id, endpoint.id, 'asking deletes nothing');
    const deleted = await postForm(app, `${href}/delete`, { _csrf: admin.csrf }, admin.cookie);
    t.equal(deleted.statusCode, 303);
    t.equal(deleted.headers.location, '/admin/webhooks?done=deleted');
    t.match(textOf((await page(app, deleted.headers.location as string, admin)).body), '推送订阅已删除。');
    t.equal((await app.inject({ url: `/api/v1/webhooks/${endpoint.id}`, headers: adminHeaders })).statusCode, 404);
    t.equal((await page(app, href, admin)).statusCode, 404, 'its page is gone');
  });
});

/** A bot on this machine that answers as told, and counts what it got. */
async function receiver(t: Test) {
  let status = 503;
  const received: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['kepu-event']));
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'thanks' : 'not now');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, answer(next: number) { status = next; } };
}

t.test('a receiver that fails for a day: disabled with its reason on the list and the page; enabled and the delivery sent again from the log', async (t) => {
  // Real time, moved forward at will, so that a day of retries passes in a moment.
  const clock = { offset: 0, now() { return new Date(Date.now() + this.offset); }, move(ms: number) { this.offset += ms; } };
  const { app, db, config } = await build(t, { clock });
  const channel = createWebhookChannel({ db, clock, secretKey: TEST_SECRET_KEY, baseUrl: config.PUBLIC_BASE_URL, lookup: systemLookup, timeoutMs: 400 });
  const worker = createOutboxWorker({ db, channels: { [WEBHOOK_CHANNEL]: channel }, clock, log: silentLog });
  const bot = await receiver(t);
  const admin = await quickSession(db, { role: 'admin' });

  const created = await postForm(app, '/admin/webhooks', { _csrf: admin.csrf, url: bot.url, kinds: 'event.published', unitId: '', allowPrivateNetwork: 'on' }, admin.cookie);
  t.equal(created.statusCode, 201);
  const [endpoint] = (await api<{ items: Endpoint[] }>(app, '/webhooks')).items;
  const href = `/admin/webhooks/${endpoint!.id}`;
  t.equal((await postForm(app, `${href}/test`, { _csrf: admin.csrf }, admin.cookie)).statusCode, 303);
  await worker.drain();
  t.same(bot.received, ['ping'], 'the test went to the receiver');
  const [ping] = (await api<{ items: Delivery[] }>(app, `/webhooks/${endpoint!.id}/deliveries`)).items;
  const tried = deliveryRow((await page(app, href, admin)).body, ping!.id);
  t.match(tried, /^测试事件 \S+ \S+ \S+ 等待发送 1 503 \d+ 毫秒 .* \d{4}年/, `one attempt: its status, latency, error and the next try (${tried})`);

  t.match(textOf((await page(app, '/admin/webhooks', admin)).body), /启用中 从 \d{4}年.+ 起推送一直失败/, 'still enabled, failing since the first failure');

  for (let hour = 0; hour < 26; hour++) {
    clock.move(3600_000 + 1000);
    await worker.drain();
  }
  const list = textOf((await page(app, '/admin/webhooks', admin)).body);
  t.match(list, '有 1 个推送订阅已停用');
  t.match(list, /已停用 停用原因：从 .* 起连续 24 小时推送全部失败，已自动停用。最后一次错误：HTTP 503/, 'the reason by the badge on the list');
  const disabled = await page(app, href, admin);
  t.match(textOf(disabled.body), /这个推送订阅已停用，不会推送任何变化 停用原因：从 .* 起连续 24 小时推送全部失败/, 'and on top of its page');
  const failed = deliveryRow(disabled.body, ping!.id);
  t.match(failed, '发送失败', 'the delivery gave up');
  t.notMatch(failed, '重新发送', 'not offered again while the endpoint is disabled');

  bot.answer(200);
  await postForm(app, `${href}/enabled`, { _csrf: admin.csrf, enabled: 'true' }, admin.cookie);
  const enabled = await page(app, `${href}?state=failed`, admin);
  t.match(enabled.body, `aria-label="重新发送：测试事件（`, 'a failed delivery can be sent again, the button naming it');
  const again = await postForm(app, `${href}/deliveries/${ping!.id}/redeliver`, { _csrf: admin.csrf, state: 'failed' }, admin.cookie);
  t.equal(again.statusCode, 303);
  t.equal(again.headers.location, `${href}?done=redelivered&state=failed#deliveries`);
  t.match(textOf((await page(app, again.headers.location as string, admin)).body), '已重新安排发送。');
  t.match(deliveryRow((await page(app, href, admin)).body, ping!.id), /^测试事件 .* 等待发送 /, 'planned again');
  await worker.drain();
  t.match(deliveryRow((await page(app, href, admin)).body, ping!.id), /已送达 \d+ 200 \d+ 毫秒/, 'and delivered');
  const twice = await postForm(app, `${href}/deliveries/${ping!.id}/redeliver`, { _csrf: admin.csrf }, admin.cookie);
  t.equal(twice.statusCode, 409);
  t.match(textOf(twice.body), zh['adminWebhooks.problem.not_failed'], 'a delivered one is not sent again, said in words');
});

t.test('in a browser: an admin registers an endpoint, keeps the secret, sends a test and sees it planned; both pages without serious accessibility faults', async (t) => {
  const site = await startSite(t);
  const admin = await quickSession(site.db, { role: 'admin' });
  const browser = await openBrowser(t);
  const page = await newPage(browser, DESKTOP, site.baseUrl);
  await page.context().addCookies([{ name: 'kepu_session', value: admin.cookie.split('=')[1]!, url: site.baseUrl }]);
  await page.goto('/admin');
  await page.getByRole('link', { name: '推送订阅', exact: true }).click();
  await page.waitForURL('**/admin/webhooks');
  t.same(await seriousViolations(page), [], 'the list and its form: no serious or critical violations');

  await labelled(page, zh['adminWebhooks.form.url']).fill('http://127.0.0.1/');
  await page.getByLabel('活动发布').check();
  await page.getByRole('button', { name: zh['adminWebhooks.new.submit'] }).click();
  await page.locator('#f-url-error').waitFor();
  t.equal(await page.locator('#f-url-error').textContent(), zh['field.url_address'], 'the refusal is next to the URL field');
  t.equal(await page.locator('#f-url').getAttribute('aria-describedby'), 'f-url-hint f-url-error', 'and tied to it');
  t.same(await seriousViolations(page), [], 'the refused form: no serious or critical violations');

  await labelled(page, zh['adminWebhooks.form.url']).fill(PUBLIC_URL);
  await labelled(page, zh['adminWebhooks.form.description']).fill('区融媒体中心');
  await page.getByLabel('场次满员').check();
  await labelled(page, zh['adminWebhooks.form.townIds']).selectOption({ index: 0 });
  await page.getByRole('button', { name: zh['adminWebhooks.new.submit'] }).click();
  await page.getByTestId('webhook-secret').waitFor();
  const secret = await page.getByTestId('webhook-secret').textContent();
  t.match(secret, /^whsec_/, 'the secret, shown once');
  t.same(await seriousViolations(page), [], 'the endpoint\'s page: no serious or critical violations');

  await page.getByRole('button', { name: zh['adminWebhooks.actions.test'] }).click();
  await page.waitForURL(/done=testSent/);
  t.equal(await page.getByTestId('webhook-secret').count(), 0, 'gone on the next page');
  const row = page.getByTestId('deliveries').locator('tbody tr').first();
  t.equal(await row.locator('th').textContent(), '测试事件');
  t.equal(await row.locator('.badge').textContent(), '等待发送', 'the ping is planned');
  t.same(await seriousViolations(page), [], 'the page with its log: no serious or critical violations');
  await saveScreenshot(page, 'admin-webhook');

  await page.getByTestId('lang-switch').click();
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Webhook: 区融媒体中心', 'in English with the switch');
  t.equal(await page.getByTestId('deliveries').locator('tbody tr .badge').first().textContent(), 'Waiting');
  t.ok(await page.getByRole('button', { name: 'Send a test event' }).isVisible());
});
