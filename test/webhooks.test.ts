import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { eq } from 'drizzle-orm';
import { registrations, webhookDeliveries, webhookEndpoints } from '../src/db/schema/index.js';
import { createOutboxWorker } from '../src/modules/outbox/worker.js';
import { createWebhookChannel } from '../src/modules/webhooks/webhook-channel.js';
import { systemLookup } from '../src/modules/webhooks/safe-request.js';
import { verifySignature } from '../src/modules/webhooks/signing.js';
import { WEBHOOK_CHANNEL } from '../src/modules/webhooks/webhooks.queries.js';
import { connectPostgres } from '../src/db/client.js';
import { adminHeaders, build, buildAccount, TEST_SECRET_KEY } from './helpers/build.js';
import { onPostgres } from './helpers/database.js';
import { buildUnit, eventBody } from './helpers/factories.js';
import { silentLog } from './helpers/mail.js';
import { problem } from './helpers/problem.js';
import { postForm } from './helpers/ui.js';

/*
 * Webhooks end to end: endpoints registered through the API, changes made through the API,
 * deliveries sent by a real outbox worker over real HTTP to a receiver in this test, which
 * checks signatures the way the README tells bots to. The clock is moved to make retries due.
 */

type Received = { kind: string; delivery: string; timestamp: string; signature: string; body: string; json: { id: string; kind: string; eventId: string | null; event: { id: string; titleZh: string; sessions: { seatsLeft: number | null }[] } | null } };

async function receiver(t: Parameters<typeof build>[0]) {
  const received: Received[] = [];
  // What to answer the next requests that match with: a status, or 'hang' (never answer).
  const script: { when: (r: Received) => boolean; answer: number | 'hang' }[] = [];
  let fallback: number | 'hang' = 200;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const headers: IncomingHttpHeaders = req.headers;
      const request: Received = {
        kind: String(headers['kepu-event']), delivery: String(headers['kepu-delivery']), timestamp: String(headers['kepu-timestamp']),
        signature: String(headers['kepu-signature']), body, json: JSON.parse(body) as Received['json'],
      };
      received.push(request);
      const scripted = script.findIndex((s) => s.when(request));
      const answer = scripted >= 0 ? script.splice(scripted, 1)[0]!.answer : fallback;
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'thanks' : 'receiver says no '.repeat(200));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received, script,
    answerAlways(status: number | 'hang') { fallback = status; },
  };
}

async function scene(t: Parameters<typeof build>[0]) {
  // Real time, moved forward at will: the database stamps the seat triggers' deliveries with its own now().
  const clock = { offset: 0, now() { return new Date(Date.now() + this.offset); }, move(ms: number) { this.offset += ms; } };
  const built = await build(t, {
    clock,
    // Named hosts for the address rules; anything else is looked up for real.
    webhookLookup: async (host) => ({
      'metadata.example.test': [{ address: '169.254.169.254', family: 4 as const }],
      'intranet.example.test': [{ address: '10.20.30.40', family: 4 as const }],
      'loopback.example.test': [{ address: '127.0.0.1', family: 4 as const }],
      'hooks.example.test': [{ address: '93.184.215.14', family: 4 as const }],
    } as Record<string, { address: string; family: 4 }[]>)[host] ?? systemLookup(host),
  });
  const channel = createWebhookChannel({ db: built.db, clock, secretKey: TEST_SECRET_KEY, baseUrl: built.config.PUBLIC_BASE_URL, lookup: systemLookup, timeoutMs: 400 });
  const worker = createOutboxWorker({ db: built.db, channels: { [WEBHOOK_CHANNEL]: channel }, clock, log: silentLog });
  const unit = await buildUnit(built.db);
  const consentVersion = (await built.app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = adminHeaders) =>
    built.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });
  async function publishedEvent(overrides: Record<string, unknown> = {}) {
    const created = await call('POST', '/events', eventBody(unit.id, overrides));
    if (created.statusCode !== 201) throw new Error(created.body);
    const event = created.json<{ id: string; sessions: { id: string }[] }>();
    const published = await call('POST', `/events/${event.id}/publish`);
    if (published.statusCode !== 200) throw new Error(published.body);
    return event;
  }
  return { ...built, clock, worker, unit, consentVersion, call, publishedEvent };
}

const verifies = (r: Received, secret: string, now: Date) => verifySignature({ header: r.signature, timestamp: r.timestamp, body: r.body, secret, now: now.getTime() });

t.test('who may register endpoints, and the addresses they may point at', async (t) => {
  const s = await scene(t);
  const other = await buildUnit(s.db);
  const organizer = await buildAccount(s.db, { role: 'organizer', unitIds: [s.unit.id] });
  const checker = await buildAccount(s.db, { role: 'checker', unitIds: [s.unit.id] });
  
  const created = await s.call('POST', '/webhooks', { url: 'https://hooks.example.test/kepu', kinds: ['event.published'] }, organizer.headers);
  t.equal(created.statusCode, 201, created.body);
  const endpoint = created.json<{ id: string; unitId: string; secret: string; enabled: boolean }>();
  t.equal(endpoint.unitId, s.unit.id, 'an organizer\'s endpoint is their unit\'s');
  t.match(endpoint.secret, /^whsec_[A-Za-z0-9_-]{43}$/, 'the secret is shown once');
  const read = await s.call('GET', `/webhooks/${endpoint.id}`, undefined, organizer.headers);
  t.notOk(read.body.includes(endpoint.secret) || 'secret' in read.json<object>(), 'and never again');
  const [row] = await s.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
  t.notOk(row!.secretSealed.includes(endpoint.secret), 'the database holds it sealed');

  problem(t, await s.call('POST', '/webhooks', { url: 'https://hooks.example.test/x', kinds: ['event.published'], unitId: other.id }, organizer.headers), 403, 'forbidden');
  problem(t, await s.call('POST', '/webhooks', { url: 'http://10.1.2.3/x', kinds: ['event.published'], allowPrivateNetwork: true }, organizer.headers), 403, 'forbidden');
  problem(t, await s.call('GET', '/webhooks', undefined, checker.headers), 403, 'forbidden');
  const theirs = await s.call('POST', '/webhooks', { url: 'https://hooks.example.test/district', kinds: ['event.changed'] });
  t.equal(theirs.statusCode, 201, 'an admin registers a district-wide endpoint');
  problem(t, await s.call('GET', `/webhooks/${theirs.json<{ id: string }>().id}`, undefined, organizer.headers), 403, 'forbidden');
  t.same((await s.call('GET', '/webhooks', undefined, organizer.headers)).json<{ items: { id: string }[] }>().items.map((e) => e.id), [endpoint.id], 'an organizer lists their units\' endpoints only');
  t.equal((await s.call('GET', '/webhooks')).json<{ items: unknown[] }>().items.length, 2, 'an admin lists all');

  for (const [url, code] of [
    ['http://127.0.0.1:8080/hook', 'url_address'], ['http://localhost:8080/hook', 'url_address'], ['http://[::1]/hook', 'url_address'],
    ['http://169.254.169.254/latest/meta-data/', 'url_address'], ['http://10.0.0.7/hook', 'url_address'],
    ['https://metadata.example.test/hook', 'url_address'], ['https://intranet.example.test/hook', 'url_address'], ['https://loopback.example.test/hook', 'url_address'],
    ['ftp://hooks.example.test/hook', 'url_scheme'], ['https://user:pw@hooks.example.test/hook', 'url_credentials'],
  ] as const) {
    const refused = problem(t, await s.call('POST', '/webhooks', { url, kinds: ['event.published'] }), 422, 'invalid_webhook', ['/url']);
    t.equal(refused.errors[0].code, code, `${url}: ${refused.errors[0].detail}`);
  }
  const allowed = await s.call('POST', '/webhooks', { url: 'http://intranet.example.test/hook', kinds: ['event.published'], allowPrivateNetwork: true });
  t.equal(allowed.statusCode, 201, 'an admin may allow a private address explicitly');
  problem(t, await s.call('PATCH', `/webhooks/${allowed.json<{ id: string }>().id}`, { allowPrivateNetwork: false }), 422, 'invalid_webhook', ['/url']);
  const unitsInternal = await s.call('POST', '/webhooks', { url: 'http://intranet.example.test/unit', unitId: s.unit.id, kinds: ['event.published'], allowPrivateNetwork: true });
  const internalId = unitsInternal.json<{ id: string }>().id;
  problem(t, await s.call('PATCH', `/webhooks/${internalId}`, { url: 'http://169.254.169.254/latest/meta-data/' }, organizer.headers), 422, 'invalid_webhook', ['/url'],);
  const moved = await s.call('PATCH', `/webhooks/${internalId}`, { url: 'https://hooks.example.test/moved' }, organizer.headers);
  t.equal(moved.json<{ allowPrivateNetwork: boolean }>().allowPrivateNetwork, false, 'an organizer moving an endpoint an admin let onto the private network does not take the permission along');
  problem(t, await s.call('POST', '/webhooks', { url: 'https://hooks.example.test/x', kinds: ['event.sold_out'] }), 400, 'validation_failed');
  problem(t, await s.call('POST', '/webhooks', { url: 'https://hooks.example.test/x', kinds: ['event.changed'], filters: { townIds: [other.id] } }), 422, 'invalid_webhook', ['/filters/townIds/0']);
});

t.test('signed, ordered deliveries of every public change, retried, with no personal data', async (t) => {
  const s = await scene(t);
  const bot = await receiver(t);
  const created = await s.call('POST', '/webhooks', {
    url: bot.url, allowPrivateNetwork: true, description: '区融媒体中心',
    kinds: ['event.published', 'event.changed', 'event.cancelled', 'session.full', 'session.available'],
  });
  t.equal(created.statusCode, 201, created.body);
  const { id: endpointId, secret } = created.json<{ id: string; secret: string }>();

  const draft = await s.call('POST', '/events', eventBody(s.unit.id, { capacity: 2, registrationMode: 'individual' }));
  const event = draft.json<{ id: string; sessions: { id: string }[] }>();
  await s.call('PATCH', `/events/${event.id}`, { titleZh: '草稿改名' });
  await s.worker.drain();
  t.same(bot.received, [], 'a draft is nobody\'s business');

  t.equal((await s.call('POST', `/events/${event.id}/publish`)).statusCode, 200);
  await s.call('PATCH', `/events/${event.id}`, { titleZh: '地球日讲座（改期）' });
  await s.worker.drain();
  t.same(bot.received.map((r) => r.kind), ['event.published', 'event.changed']);
  for (const r of bot.received) t.ok(verifies(r, secret, s.clock.now()), `${r.kind} verifies with the secret`);
  t.notOk(verifySignature({ header: bot.received[0]!.signature, timestamp: bot.received[0]!.timestamp, body: `${bot.received[0]!.body} `, secret, now: s.clock.now().getTime() }), 'an altered body does not');
  t.equal(bot.received[1]!.json.event!.titleZh, '地球日讲座（改期）', 'the body is the public event');
  t.equal(bot.received[0]!.json.id, bot.received[0]!.delivery, 'the body names its delivery');

  // Seats: filling the session is told once, freeing a seat again once; the people are not.
  bot.received.length = 0;
  const tokens: string[] = [];
  for (const [name, phone, email] of [['王小明', '13900001111', 'wang@example.cn'], ['李华', '13900002222', 'li@example.cn']] as const) {
    const res = await s.call('POST', `/events/${event.id}/registrations`, { kind: 'individual', name, phone, email, partySize: 1, language: 'zh', consentVersion: s.consentVersion }, {});
    t.equal(res.statusCode, 201, res.body);
    tokens.push(res.json<{ manageToken: string }>().manageToken);
  }
  t.equal((await s.call('POST', `/registrations/${tokens[0]}/cancel`, {}, {})).statusCode, 200);
  await s.worker.drain();
  t.same(bot.received.map((r) => r.kind), ['session.full', 'session.available'], 'the session filled, then freed a seat');
  for (const r of bot.received) {
    t.notMatch(r.body, /王小明|李华|1390000|example\.cn|manage/i, `${r.kind}: no name, phone, email or link`);
  }

  // Order per event, kept through failures and a time-out; another event is not held back.
  bot.received.length = 0;
  const other = await s.publishedEvent({ titleZh: '水日展览' });
  await s.worker.drain();
  bot.received.length = 0;
  const firstChange = (r: Received) => r.json.event?.titleZh === '一改';
  bot.script.push({ when: firstChange, answer: 500 }, { when: firstChange, answer: 'hang' });
  for (const title of ['一改', '二改', '三改']) await s.call('PATCH', `/events/${event.id}`, { titleZh: title });
  await s.call('PATCH', `/events/${other.id}`, { titleZh: '水日展览（新）' });
  await s.worker.drain();
  t.same(bot.received.map((r) => [r.kind, r.json.event?.titleZh]).sort(), [['event.changed', '一改'], ['event.changed', '水日展览（新）']],
    'the first change failed (500): the later ones of its event wait, the other event\'s went');
  bot.received.sort((a, b) => (firstChange(a) ? 0 : 1) - (firstChange(b) ? 0 : 1));
  s.clock.move(60_000);
  await s.worker.drain();
  t.same(bot.received.slice(2).map((r) => r.json.event?.titleZh), ['一改'], 'its retry timed out: still first in line');
  s.clock.move(120_000);
  await s.worker.drain();
  t.same(bot.received.slice(3).map((r) => r.json.event?.titleZh), ['一改', '二改', '三改'], 'then all in order');
  t.equal(bot.received[0]!.delivery, bot.received[3]!.delivery, 'a retry is the same delivery');
  t.equal(bot.received[0]!.body, bot.received[3]!.body, 'with the same body');

  const log = (await s.call('GET', `/webhooks/${endpointId}/deliveries?limit=200`)).json<{ items: { kind: string; state: string; attempts: number; lastStatus: number | null; lastLatencyMs: number | null; lastError: string | null; responsePrefix: string | null }[] }>();
  t.ok(log.items.every((d) => d.state === 'sent'), 'every delivery is sent in the end');
  const retried = log.items.find((d) => d.attempts === 3)!;
  t.match(retried, { lastStatus: 200, lastError: null }, 'the log shows the attempts and the last answer');
  t.ok(log.items.every((d) => typeof d.lastLatencyMs === 'number' && (d.responsePrefix ?? '').length <= 1024), 'latency logged, responses cut short');

  // The test button, and a rotation: both secrets sign during the overlap.
  const rotated = await s.call('POST', `/webhooks/${endpointId}/secret`, { overlapHours: 2 });
  t.equal(rotated.statusCode, 200, rotated.body);
  const newSecret = rotated.json<{ secret: string }>().secret;
  bot.received.length = 0;
  t.equal((await s.call('POST', `/webhooks/${endpointId}/test`)).statusCode, 202);
  await s.worker.drain();
  t.equal(bot.received[0]!.kind, 'ping');
  t.ok(verifies(bot.received[0]!, newSecret, s.clock.now()) && verifies(bot.received[0]!, secret, s.clock.now()), 'old and new secret both verify during the overlap');
  s.clock.move(3 * 3600_000);
  await s.call('POST', `/webhooks/${endpointId}/test`);
  await s.worker.drain();
  t.ok(verifies(bot.received[1]!, newSecret, s.clock.now()), 'after it, the new one');
  t.notOk(verifies(bot.received[1]!, secret, s.clock.now()), 'and only the new one');
});

t.test('an endpoint that fails every delivery for a day is disabled, its owner told why; a failed one is sent again', async (t) => {
  const s = await scene(t);
  const bot = await receiver(t);
  const { id: endpointId } = (await s.call('POST', '/webhooks', { url: bot.url, allowPrivateNetwork: true, kinds: ['event.published', 'event.changed'] })).json<{ id: string }>();
  bot.answerAlways(503);
  const event = await s.publishedEvent();
  for (let hour = 0; hour < 26; hour++) {
    await s.worker.drain();
    s.clock.move(3600_000 + 1000);
  }
  await s.worker.drain();
  const endpoint = (await s.call('GET', `/webhooks/${endpointId}`)).json<{ enabled: boolean; disabledCause: string; disabledReason: string; failingSince: string; lastError: string }>();
  t.equal(endpoint.enabled, false, 'disabled');
  t.equal(endpoint.disabledCause, 'failing');
  t.match(endpoint.lastError, /HTTP 503/, 'with the last error');
  t.match(endpoint.disabledReason, /Every delivery failed for 24 hours.*HTTP 503/, endpoint.disabledReason);
  const [published] = (await s.call('GET', `/webhooks/${endpointId}/deliveries`)).json<{ items: { id: string; state: string; attempts: number }[] }>().items;
  t.equal(published!.state, 'failed', 'its delivery gave up after a day');
  t.ok(published!.attempts >= 8, `after ${published!.attempts} attempts with backoff`);

  const sentBefore = bot.received.length;
  await s.call('PATCH', `/events/${event.id}`, { titleZh: '停用后' });
  await s.worker.drain();
  t.equal(bot.received.length, sentBefore, 'a disabled endpoint hears nothing more');
  problem(t, await s.call('POST', `/webhooks/${endpointId}/deliveries/${published!.id}/redeliver`), 409, 'endpoint_disabled');

  bot.answerAlways(200);
  t.equal((await s.call('PATCH', `/webhooks/${endpointId}`, { enabled: true })).json<{ enabled: boolean }>().enabled, true, 'enabled again by its owner');
  const again = await s.call('POST', `/webhooks/${endpointId}/deliveries/${published!.id}/redeliver`);
  t.equal(again.statusCode, 202, again.body);
  await s.worker.drain();
  const last = bot.received.at(-1)!;
  t.equal(last.delivery, published!.id, 'the failed delivery went again, same id');
  t.equal(last.kind, 'event.published');
  const after = (await s.call('GET', `/webhooks/${endpointId}/deliveries`)).json<{ items: { id: string; state: string }[] }>().items;
  t.equal(after.find((d) => d.id === published!.id)!.state, 'sent');
  problem(t, await s.call('POST', `/webhooks/${endpointId}/deliveries/${published!.id}/redeliver`), 409, 'not_failed');
});

t.test('a unit\'s own systems receive the registrations of people who agreed to it, and nobody else\'s', async (t) => {
  const s = await scene(t);
  const bot = await receiver(t);
  const elsewhere = await receiver(t);
  problem(t, await s.call('POST', '/webhooks', { url: bot.url, allowPrivateNetwork: true, kinds: ['event.changed', 'registration.created'] }), 422, 'invalid_webhook', ['/kinds/1']);
  const created = await s.call('POST', '/webhooks', { url: bot.url, allowPrivateNetwork: true, unitId: s.unit.id, kinds: ['registration.created', 'registration.cancelled'] });
  t.equal(created.statusCode, 201, created.body);
  const { id: endpointId, secret } = created.json<{ id: string; secret: string }>();
  const otherUnit = await buildUnit(s.db);
  t.equal((await s.call('POST', '/webhooks', { url: elsewhere.url, allowPrivateNetwork: true, unitId: otherUnit.id, kinds: ['registration.created'] })).statusCode, 201);

  const event = await s.publishedEvent({ registrationMode: 'individual', capacity: 10 });
  const consent = (await s.call('GET', '/consent', undefined, {})).json<{ version: string; transfer: { version: string; textZh: string } }>();
  t.match(consent.transfer.textZh, /主办单位/, 'the separate consent says who receives what');
  const signUp = (name: string, phone: string, transfer: boolean) => s.call('POST', `/events/${event.id}/registrations`, {
    kind: 'individual', name, phone, partySize: 2, language: 'zh', consentVersion: consent.version,
    ...(transfer ? { transferConsentVersion: consent.transfer.version } : {}),
  }, {});
  problem(t, await s.call('POST', `/events/${event.id}/registrations`, { kind: 'individual', name: '钱', phone: '13900005555', partySize: 1, consentVersion: consent.version, transferConsentVersion: 'old' }, {}),
    422, 'invalid_registration', ['/transferConsentVersion']);

  const agreed = await signUp('王小明', '13900001111', true);
  t.equal(agreed.statusCode, 201, agreed.body);
  t.equal(agreed.json<{ registration: { transferConsentVersion: string } }>().registration.transferConsentVersion, consent.transfer.version, 'the person sees what they agreed to');
  const declined = await signUp('李华', '13900002222', false);
  t.equal(declined.statusCode, 201, declined.body);
  for (const answer of [agreed, declined]) {
    t.equal((await s.call('POST', `/registrations/${answer.json<{ manageToken: string }>().manageToken}/cancel`, {}, {})).statusCode, 200);
  }
  const erased = await signUp('赵六', '13900003333', true);
  t.equal((await s.call('DELETE', `/registrations/${erased.json<{ manageToken: string }>().manageToken}`, undefined, {})).statusCode, 204, 'erased before anything was sent');
  s.clock.move(1000);
  await s.worker.drain();

  t.same(elsewhere.received, [], 'another unit\'s systems hear nothing of this unit\'s people');
  const agreedId = agreed.json<{ registration: { id: string } }>().registration.id;
  const erasedId = erased.json<{ registration: { id: string } }>().registration.id;
  t.same(bot.received.map((r) => [r.kind, (r.json as unknown as { registration: { id: string } }).registration.id]).sort(),
    [['registration.cancelled', agreedId], ['registration.cancelled', erasedId], ['registration.created', agreedId], ['registration.created', erasedId]].sort(),
    'only the people who agreed; the one who declined is not passed on');
  const first = bot.received.find((r) => r.kind === 'registration.created' && r.body.includes(agreedId))!;
  t.ok(verifies(first, secret, s.clock.now()), 'signed');
  t.match(JSON.parse(first.body), { registration: { name: '王小明', phone: '13900001111', headcount: 2 } }, 'with what the organizer needs');
  for (const r of bot.received.filter((x) => x.body.includes(erasedId))) t.notMatch(r.body, /赵六|13900003333/, 'an erased person\'s data is not sent');
  t.notMatch(bot.received.map((r) => r.body).join(), /李华|13900002222/);
  const stored = await s.db.select({ body: webhookDeliveries.body }).from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));
  t.ok(stored.length === 4 && stored.every((d) => d.body === null), 'their bodies are never kept');

  // The public sign-up form offers the separate box only where it means something, never ticked.
  const page = await s.app.inject({ url: `/events/${event.id}` });
  t.match(page.body, new RegExp(`type="checkbox" id="f-transferConsentVersion-0" name="transferConsentVersion" value="${consent.transfer.version}"(?! checked)`), 'offered for this unit\'s event');
  const quietUnit = await buildUnit(s.db);
  const quiet = await s.call('POST', '/events', eventBody(quietUnit.id, { registrationMode: 'individual' }));
  await s.call('POST', `/events/${quiet.json<{ id: string }>().id}/publish`);
  t.notMatch((await s.app.inject({ url: `/events/${quiet.json<{ id: string }>().id}` })).body, /transferConsentVersion/, 'not where no system receives registrations');
  const viaForm = await postForm(s.app, `/events/${event.id}/sign-up`, { kind: 'individual', name: '孙七', phone: '13900004444', partySize: '1', consentVersion: consent.version, transferConsentVersion: consent.transfer.version });
  t.equal(viaForm.statusCode, 303, 'signed up through the page');
  const [row] = await s.db.select({ version: registrations.transferConsentVersion }).from(registrations).where(eq(registrations.phone, '13900004444'));
  t.equal(row!.version, consent.transfer.version, 'the box ticked is the consent stored');
});

t.test('PostgreSQL: two workers on their own connections keep each event\'s deliveries in order, through failures', { skip: onPostgres ? false : 'needs PostgreSQL: two connection pools at once (runs when DATABASE_URL is set, CI\'s second pass)' }, async (t) => {
  const s = await scene(t);
  const second = connectPostgres(s.database.url!, { poolSize: 4 });
  t.teardown(() => second.close());
  // Answers after a random pause; every fifth request at random fails.
  const acknowledged: { title: string; event: string; at: number }[] = [];
  const started: { title: string; event: string; at: number }[] = [];
  let tick = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => { body += chunk; });
    req.on('end', () => {
      const json = JSON.parse(body) as Received['json'];
      const seen = { title: json.event!.titleZh, event: json.eventId!, at: ++tick };
      started.push(seen);
      setTimeout(() => {
        if (Math.random() < 0.2) return void res.writeHead(500).end();
        acknowledged.push({ ...seen, at: ++tick });
        res.writeHead(204).end();
      }, Math.random() * 15);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  await s.call('POST', '/webhooks', { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, allowPrivateNetwork: true, kinds: ['event.changed'] });

  const events = await Promise.all([1, 2, 3].map((n) => s.publishedEvent({ titleZh: `活动${n}` })));
  for (let change = 1; change <= 10; change++) {
    for (const [n, event] of events.entries()) await s.call('PATCH', `/events/${event.id}`, { titleZh: `活动${n + 1}-${change}` });
  }
  const channelOn = (db: typeof s.db) => createWebhookChannel({ db, clock: s.clock, secretKey: TEST_SECRET_KEY, baseUrl: s.config.PUBLIC_BASE_URL, lookup: systemLookup, timeoutMs: 2000 });
  const workers = [s.db, second.db].map((db) => createOutboxWorker({ db, channels: { [WEBHOOK_CHANNEL]: channelOn(db) }, clock: s.clock, batchSize: 4, log: silentLog }));
  for (let round = 0; round < 40 && acknowledged.length < 30; round++) {
    s.clock.move(1000);
    await Promise.all(workers.map((w) => w.drain()));
    s.clock.move(3600_000); // every retry due
  }
  t.equal(acknowledged.length, 30, 'every change acknowledged');
  t.equal(new Set(acknowledged.map((a) => a.title)).size, 30, 'each once');
  for (const event of events) {
    const ofEvent = (list: typeof acknowledged) => list.filter((a) => a.event === event.id);
    const order = ofEvent(acknowledged).map((a) => Number(a.title.split('-')[1]));
    t.same(order, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], `${event.id}: acknowledged in the order of the changes`);
    // No change was even sent before the one before it was acknowledged.
    const overtaken = ofEvent(started).filter((a) => {
      const k = Number(a.title.split('-')[1]);
      const before = ofEvent(acknowledged).find((x) => Number(x.title.split('-')[1]) === k - 1);
      return k > 1 && (!before || before.at > a.at);
    });
    t.same(overtaken, [], 'none sent ahead of its turn');
  }
});
