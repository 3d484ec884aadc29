import t, { type Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildObservance, buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { postForm, textOf } from './helpers/ui.js';

/**
 * The public site: what residents and teachers see and do, through pages rendered on the
 * server and forms that post without JavaScript. Each test checks the page against the API.
 */

type App = Awaited<ReturnType<typeof build>>['app'];
type Json = Record<string, any>;

let phoneSeq = 0;
const newPhone = () => `1370013${String(++phoneSeq).padStart(4, '0')}`;

/** A small world: a town with a venue, two units, the audiences, the consent version. */
async function setup(t: Test, overrides: Parameters<typeof build>[1] = {}) {
  const built = await build(t, overrides);
  const { db, app } = built;
  await buildAudiences(db);
  const town = await buildTown(db, { nameZh: '溪翁庄镇', nameEn: 'Xiwengzhuang' });
  const venue = await buildVenue(db, {
    nameZh: '密云水库科普馆', nameEn: 'Reservoir Science Hall', addressZh: '溪翁庄镇水库路1号', addressEn: '1 Reservoir Road', townId: town.id,
    accessibilityZh: '有无障碍坡道和电梯', accessibilityEn: 'Ramp and lift', capacity: 200, allowsSharedUse: true,
  });
  const owner = await buildUnit(db, { nameZh: '区科协', nameEn: 'District Science Association' });
  const partner = await buildUnit(db, { nameZh: '区水务局', nameEn: 'Water Affairs Bureau' });
  const consent = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string; textZh: string; textEn: string }>();
  return { ...built, town, venue, owner, partner, consent };
}

/**
 * One app for the file (a database each would cost the file most of its time limit on a busy
 * machine); each test makes its own events under a themed day of its own, and looks at the
 * site through that themed day's filter, so no test sees another's data or depends on order.
 */
const shared = setup(t, { config: { SIGNUP_RATE_LIMIT_PER_MINUTE: 100_000 } });
async function world() {
  const base = await shared;
  const observance = await buildObservance(base.db, { kind: 'fixed_date', month: 4, day: 22 }, {
    nameZh: '世界地球日', nameEn: 'Earth Day', descriptionZh: '每年4月22日，关注地球环境。', descriptionEn: 'Every 22 April, for the planet.',
  });
  return { ...base, observance };
}
type World = Awaited<ReturnType<typeof world>>;

/** Creates an event through the API (as the admin) and publishes it unless told not to. */
async function makeEvent(app: App, body: Json, { publish = true, questions = [] as Json[] } = {}): Promise<Json> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: body });
  if (created.statusCode !== 201) throw new Error(`event not created: ${created.body}`);
  const id = created.json().id;
  for (const question of questions) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/events/${id}/questions`, headers: adminHeaders, payload: question });
    if (res.statusCode !== 201) throw new Error(`question not created: ${res.body}`);
  }
  if (!publish) return created.json();
  const published = await app.inject({ method: 'POST', url: `/api/v1/events/${id}/publish`, headers: adminHeaders });
  if (published.statusCode !== 200) throw new Error(`not published: ${published.body}`);
  return published.json();
}

/** The usual event of these tests: Earth Day lecture at the reservoir hall, 10 seats, individual sign-ups. */
const lecture = (w: World, overrides: Json = {}, day = '2030-04-22') => eventBody(w.owner.id, {
  titleZh: '水库保护科普讲座', titleEn: 'Protecting the reservoir', descriptionZh: '讲解水库生态。\n\n欢迎老年朋友参加。', descriptionEn: 'About the reservoir.',
  venueId: w.venue.id, observanceId: w.observance.id, coUnitIds: [w.partner.id], audiences: ['elderly', 'families'],
  registrationMode: 'individual', capacity: 10, ...overrides,
}, day);

const person = (w: World, fields: Json = {}) => ({ name: '王大爷', phone: newPhone(), partySize: '2', consentVersion: w.consent.version, ...fields });

/** The token of a redirect to the manage page. */
const tokenOf = (res: LightMyRequestResponse) => {
  const match = /^\/manage\/(m_[A-Za-z0-9_-]+)\?/.exec(String(res.headers.location));
  if (!match) throw new Error(`not sent to the manage page: ${res.statusCode} ${res.headers.location} ${res.body.slice(0, 500)}`);
  return match[1]!;
};
const registrationOf = async (app: App, token: string) => (await app.inject({ url: `/api/v1/registrations/${token}` })).json<Json>();

t.test('the home page lists upcoming published events with what a resident needs, and never a draft', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w));
  await makeEvent(w.app, lecture(w, { titleZh: '草稿活动不应出现' }), { publish: false });
  await makeEvent(w.app, lecture(w, { titleZh: '无需报名的地球日展览', type: 'exhibition', registrationMode: 'none', venueId: null }, '2030-05-10'));

  const res = await w.app.inject({ url: `/?observance=${w.observance.slug}` });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/html/);
  const text = textOf(res.body);
  t.match(res.body, /<html lang="zh-CN">/);
  t.match(res.body, new RegExp(`<a href="/events/${event.id}">水库保护科普讲座</a>`), 'the title links to the event page');
  t.match(text, '2030年4月22日 周一 09:00–11:00', 'the date and time in Chinese');
  t.match(text, '密云水库科普馆 · 溪翁庄镇', 'venue and town');
  t.match(text, '世界地球日', 'the themed day');
  t.match(text, '讲座');
  t.match(res.body, /<span class="badge available">可报名<\/span>/, 'the availability badge says it in words');
  t.match(text, '无需报名的地球日展览');
  t.match(text, '无需报名，直接参加');
  t.notMatch(text, '草稿活动不应出现', 'drafts are not public');
  t.match(text, '共找到 2 个活动');
  t.match(textOf((await w.app.inject({ url: '/' })).body), '近期科普活动', 'the unfiltered home page too');

  const en = await w.app.inject({ url: `/?observance=${w.observance.slug}&lang=en` });
  t.match(textOf(en.body), 'Protecting the reservoir');
  t.match(textOf(en.body), 'Mon 22 Apr 2030, 09:00–11:00');
  t.match(textOf(en.body), 'Reservoir Science Hall · Xiwengzhuang');
  t.match(textOf(en.body), 'Places available');
  t.match(textOf(en.body), '2 events found');
});

t.test('the filters narrow the list, stay in the form, and a refused filter is said by its field', async (t) => {
  const w = await world();
  const otherTown = await buildTown(w.db, { nameZh: '古北口镇', nameEn: 'Gubeikou' });
  const otherVenue = await buildVenue(w.db, { nameZh: '古北口文化站', townId: otherTown.id });
  await makeEvent(w.app, lecture(w));
  await makeEvent(w.app, lecture(w, { titleZh: '长城脚下的天文课', venueId: otherVenue.id, observanceId: null, audiences: ['youth'], type: 'workshop' }, '2030-06-01'));

  const byTown = textOf((await w.app.inject({ url: `/?town=${otherTown.slug}` })).body);
  t.match(byTown, '长城脚下的天文课');
  t.notMatch(byTown, '水库保护科普讲座');
  const byObservance = textOf((await w.app.inject({ url: `/?observance=${w.observance.slug}` })).body);
  t.match(byObservance, '水库保护科普讲座');
  t.notMatch(byObservance, '长城脚下的天文课');
  const byAudience = await w.app.inject({ url: '/?audience=youth&type=workshop' });
  t.match(textOf(byAudience.body), '长城脚下的天文课');
  t.notMatch(textOf(byAudience.body), '水库保护科普讲座');
  t.match(byAudience.body, /<option value="youth" selected>青少年<\/option>/, 'the chosen filter stays chosen');
  t.match(byAudience.body, '<details class="more-filters" open>', 'filters in use are not folded away');
  const search = await w.app.inject({ url: `/?q=${encodeURIComponent('天文')}` });
  t.match(textOf(search.body), '长城脚下的天文课');
  t.notMatch(textOf(search.body), '水库保护科普讲座');
  t.match(search.body, /name="q" value="天文" type="search"/);
  t.match(search.body, '<details class="more-filters">', 'with only words searched, the other filters stay folded');
  const byDates = textOf((await w.app.inject({ url: `/?from=2030-05-01&to=2030-06-30&q=${encodeURIComponent('长城脚下')}` })).body);
  t.match(byDates, '长城脚下的天文课');
  t.notMatch(textOf((await w.app.inject({ url: `/?from=2030-07-01&q=${encodeURIComponent('长城脚下')}` })).body), '长城脚下的天文课', 'outside the dates, not listed');

  const refused = await w.app.inject({ url: '/?from=2030-06-01&to=2030-05-01' });
  t.equal(refused.statusCode, 400);
  t.match(refused.body, /<p class="error" id="f-to-error">/, 'the message is by the "to" field');
  t.match(refused.body, /class="error-summary"/);
  const bad = await w.app.inject({ url: '/?from=yesterday&lang=en' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /<p class="error" id="f-from-error">Enter a valid date\.<\/p>/);
});

t.test('the list is paged with the API\'s cursor, and the next page keeps the filters', async (t) => {
  const w = await world();
  for (let i = 1; i <= 21; i++) await makeEvent(w.app, lecture(w, { titleZh: `第${i}场讲座` }, `2030-05-${String(i).padStart(2, '0')}`));
  const first = await w.app.inject({ url: `/?observance=${w.observance.slug}` });
  t.match(textOf(first.body), '第20场讲座');
  t.notMatch(textOf(first.body), '第21场讲座');
  const next = /<a href="(\/\?[^"]*cursor=[^"]*)" rel="next">下一页<\/a>/.exec(first.body);
  t.ok(next, 'a link to the next page');
  const href = next![1]!.replace(/&amp;/g, '&');
  t.match(href, `observance=${w.observance.slug}`);
  const second = await w.app.inject({ url: href });
  t.equal(second.statusCode, 200);
  t.match(textOf(second.body), '第21场讲座');
  t.notMatch(textOf(second.body), '第20场讲座');
  t.notMatch(second.body, 'rel="next"', 'the last page has no next link');
  t.match(textOf(second.body), '回到第一页');
});

t.test('the month view: a table of weeks with each session on its day, and links to the months around', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w, { sessions: [
    { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
    { startsAt: '2030-04-26T14:00:00+08:00', endsAt: '2030-04-26T16:00:00+08:00' },
  ] }));
  await makeEvent(w.app, lecture(w, { titleZh: '五月的活动' }, '2030-05-12'));
  const res = await w.app.inject({ url: `/?view=month&month=2030-04&observance=${w.observance.slug}` });
  t.equal(res.statusCode, 200);
  t.match(res.body, /<table class="month"><caption>2030年4月<\/caption>/);
  t.match(res.body, /<th scope="col">星期一<\/th>/, 'weekday headers, Monday first');
  const text = textOf(res.body);
  t.match(text, /4月22日 周一 09:00 水库保护科普讲座/, 'the first session on its day');
  t.match(text, /4月26日 周五 14:00 水库保护科普讲座/, 'the second on its own');
  t.notMatch(text, '五月的活动', 'another month\'s event is not in this one');
  t.equal(res.body.split(`href="/events/${event.id}"`).length - 1, 2, 'one link per session');
  t.match(res.body, /<td class="empty-day"><span class="day-number">4月1日 周一<\/span><\/td>/, 'days without events can fold away on phones');
  t.match(res.body, new RegExp(`href="/\\?observance=${w.observance.slug}&amp;view=month&amp;month=2030-03">上个月（2030年3月）`), 'the months around, with the filters');
  t.match(res.body, new RegExp(`href="/\\?observance=${w.observance.slug}&amp;view=month&amp;month=2030-05">下个月（2030年5月）`));
  t.match(res.body, /aria-current="page">月历/);
  const may = textOf((await w.app.inject({ url: `/?view=month&month=2030-05&lang=en&observance=${w.observance.slug}` })).body);
  t.match(may, 'May 2030');
  t.match(may, 'Sun 12 May 09:00 Protecting the reservoir');
});

t.test('the themed days of a year, and a page per themed day with its events and feeds', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w));
  const res = await w.app.inject({ url: '/observances?year=2030' });
  t.equal(res.statusCode, 200);
  const text = textOf(res.body);
  t.match(text, '2030年主题日');
  t.match(text, '世界地球日 2030年4月22日', 'its date that year');
  t.match(res.body, new RegExp(`<a href="/events/${event.id}">水库保护科普讲座</a>`), 'with its event');
  t.match(res.body, new RegExp(`href="/\\?observance=${w.observance.slug}&amp;from=2030-01-01&amp;to=2030-12-31">查看全部 1 个活动`));
  t.equal((await w.app.inject({ url: '/observances?year=99999' })).statusCode, 400, 'a year the calendar cannot show');

  const page = await w.app.inject({ url: `/observances/${w.observance.slug}?year=2030` });
  t.equal(page.statusCode, 200);
  const pageText = textOf(page.body);
  t.match(page.body, /<h1>世界地球日<\/h1>/);
  t.match(pageText, '每年4月22日，关注地球环境。', 'its description');
  t.match(pageText, '2030年的日期：2030年4月22日');
  t.match(pageText, '水库保护科普讲座', 'its upcoming events');
  const base = w.config.PUBLIC_BASE_URL;
  const host = base.replace(/^https?:\/\//, '');
  t.match(page.body, `href="${base}/feeds/events.ics?observance=${w.observance.slug}"`, 'the iCal feed filtered by the themed day');
  t.match(page.body, `href="webcal://${host}/feeds/events.ics?observance=${w.observance.slug}"`, 'the same as webcal://');
  t.match(page.body, `href="${base}/api/v1/events?observance=${w.observance.slug}"`, 'and the JSON');
  const feed = await w.app.inject({ url: `/feeds/events.ics?observance=${w.observance.slug}` });
  t.equal(feed.statusCode, 200, 'the feed link works');
  t.match(feed.body, 'SUMMARY:水库保护科普讲座');

  const en = await w.app.inject({ url: `/observances/${w.observance.slug}?year=2030&lang=en` });
  t.match(textOf(en.body), 'Every 22 April, for the planet.');
  t.match(en.body, `href="${base}/feeds/events.ics?observance=${w.observance.slug}&amp;lang=en"`, 'the English feed for English readers');
  t.equal((await w.app.inject({ url: '/observances/no-such-day' })).statusCode, 404);
});

t.test('the event page: sessions and seats, venue, organizers, calendar links, JSON-LD, and the sign-up form', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w, { titleZh: '水库</script><b>讲座</b>' }));
  const res = await w.app.inject({ url: `/events/${event.id}` });
  t.equal(res.statusCode, 200);
  const text = textOf(res.body);
  t.match(res.body, /<h1>水库&lt;\/script>&lt;b>讲座&lt;\/b><\/h1>/, 'titles are text, never markup');
  t.match(text, '讲解水库生态。');
  t.match(res.body, /<p>欢迎老年朋友参加。<\/p>/, 'a blank line starts a paragraph');
  t.match(text, '2030年4月22日 周一 09:00–11:00');
  t.match(text, '剩余 10 个名额');
  t.match(text, '溪翁庄镇水库路1号', 'the address');
  t.match(text, '有无障碍坡道和电梯', 'the venue\'s accessibility notes');
  t.match(text, '区科协、区水务局', 'the owner and the co-organizer');
  t.match(text, '老年人、亲子家庭', 'the audiences');
  t.match(res.body, new RegExp(`<a href="/observances/${w.observance.slug}">世界地球日</a>`));
  t.match(res.body, `href="${event.webcalUrl}"`, 'subscribe by webcal://');
  t.match(res.body, `href="${event.icalUrl}" download`, 'the .ics download');
  t.match(res.body, /href="https:\/\/calendar\.google\.com\/calendar\/render\?action=TEMPLATE&amp;text=[^"]*&amp;dates=20300422T010000Z%2F20300422T030000Z/, 'Google Calendar, in UTC');
  t.match(res.body, /href="https:\/\/outlook\.live\.com\/calendar\/0\/deeplink\/compose\?[^"]*startdt=2030-04-22T01%3A00%3A00Z/, 'Outlook.com');

  const block = /<script type="application\/ld\+json">([\s\S]*?)<\/script>/.exec(res.body);
  t.ok(block, 'the schema.org JSON-LD is embedded');
  t.notMatch(block![1]!, '<', 'no "<" inside the script element');
  const ld = JSON.parse(block![1]!);
  t.match(ld, { '@context': 'https://schema.org', '@type': 'Event', name: '水库</script><b>讲座</b>', url: event.publicUrl, startDate: '2030-04-22T09:00:00+08:00' });
  t.equal(ld.remainingAttendeeCapacity, 10);

  t.match(res.body, new RegExp(`<form method="post" action="/events/${event.id}/sign-up"`));
  t.match(res.body, /<label for="f-name">姓名/);
  t.match(res.body, /<label for="f-phone">手机号码/);
  t.match(res.body, /<label for="f-email">电子邮箱/);
  t.match(res.body, /<label for="f-partySize">参加人数/);
  t.match(text, '包括您自己，最多 5 人。');
  t.notMatch(res.body, 'name="school"', 'no class fields for an individual-only event');
  t.match(text, w.consent.textZh, 'the consent text');
  t.match(res.body, new RegExp(`type="checkbox" id="f-consentVersion-0" name="consentVersion" value="${w.consent.version}"`));
  t.match(res.body, '<script src="/assets/site-signup.js" defer>');
  t.equal((await w.app.inject({ url: '/assets/site-signup.js' })).statusCode, 200);

  const draft = await makeEvent(w.app, lecture(w), { publish: false });
  t.equal((await w.app.inject({ url: `/events/${draft.id}` })).statusCode, 404, 'a draft is not public');
  t.equal((await w.app.inject({ url: '/events/not-an-id' })).statusCode, 404);
});

t.test('signing up: 303 to the manage page, which is the confirmation with the code, QR and private link', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w));
  const res = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', ...person(w, { name: '王大爷', phone: '138 0013 8000', email: 'wang@example.cn', language: 'zh' }) });
  t.equal(res.statusCode, 303);
  t.match(res.headers.location, /\?done=signed-up&mail=1$/);
  const token = tokenOf(res);

  const stored = await registrationOf(w.app, token);
  t.match(stored, { status: 'confirmed', kind: 'individual', headcount: 2, name: '王大爷', phone: '13800138000', email: 'wang@example.cn', consentVersion: w.consent.version }, 'the form became the registration, "2" a number');
  t.equal((await w.app.inject({ url: `/api/v1/events/${event.id}` })).json().sessions[0].seatsLeft, 8);

  const page = await w.app.inject({ url: String(res.headers.location) });
  t.equal(page.statusCode, 200);
  t.equal(page.headers['referrer-policy'], 'no-referrer', 'the token never leaves in a Referer');
  t.equal(page.headers['cache-control'], 'no-store');
  const text = textOf(page.body);
  t.match(text, '报名成功！');
  t.match(page.body, /<span class="badge confirmed">报名成功<\/span>/);
  t.match(page.body, `<p class="code" data-testid="check-in-code">${stored.checkInCode}</p>`, 'the check-in code in large type');
  t.match(page.body, new RegExp(`<div class="qr" role="img" aria-label="签到二维码，签到码 ${stored.checkInCode}"><svg aria-hidden="true"`), 'a QR code with a text alternative');
  t.match(text, `${w.config.PUBLIC_BASE_URL}/manage/${token}`, 'the link itself, to keep');
  t.match(text, '确认邮件和活动提醒会发到您留的电子邮箱');
  t.match(text, '2030年4月22日 周一 09:00–11:00');
  t.match(page.body, `href="/api/v1/registrations/${token}.ics"`, 'the registration\'s own calendar');
  t.match(page.body, `href="/events/${event.id}"`);
  t.match(text, '王大爷', 'the registrant sees their own data here');
  t.match(text, '13800138000');

  const phoneOnly = await postForm(w.app, `/events/${event.id}/sign-up?lang=en`, { kind: 'individual', ...person(w, { partySize: '1' }) });
  t.match(phoneOnly.headers.location, /mail=0$/, 'no email: no mail');
  const noMail = await w.app.inject({ url: String(phoneOnly.headers.location), headers: { cookie: 'kepu_lang=en' } });
  t.match(textOf(noMail.body), 'You gave no email address, so no mail or reminder will come.');
  t.match(textOf(noMail.body), 'You are signed up!');

  const nowhere = await w.app.inject({ url: '/manage/m_thisisnotatokenatall0123456789' });
  t.equal(nowhere.statusCode, 404);
  t.match(textOf(nowhere.body), '这个管理链接无效或已失效');
  t.equal((await w.app.inject({ url: '/manage/short' })).statusCode, 404);
});

t.test('a refused sign-up shows each message by its field, keeps the values, in Chinese and English', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w));
  const res = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', name: '', phone: '12345', email: 'not-an-address@', partySize: '9', consentVersion: w.consent.version });
  t.equal(res.statusCode, 400, 'the API\'s status');
  t.match(res.body, /class="error-summary"/);
  t.match(res.body, /<p class="error" id="f-email-error">请填写有效的电子邮箱地址/);
  t.match(res.body, /id="f-email" name="email" value="not-an-address@"/, 'what was typed is kept');

  const fixedEmail = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', name: '', phone: '12345', partySize: '9', consentVersion: w.consent.version });
  t.equal(fixedEmail.statusCode, 422);
  t.match(textOf(fixedEmail.body), '报名信息有误，请查看标出的项目。');
  t.match(fixedEmail.body, /<p class="error" id="f-name-error">请填写此项。<\/p>/);
  t.match(fixedEmail.body, /<p class="error" id="f-phone-error">请填写 11 位、以 1 开头的手机号码。<\/p>/);
  t.match(fixedEmail.body, /<p class="error" id="f-partySize-error">不能大于 5。<\/p>/);
  t.match(fixedEmail.body, /<a href="#f-phone">请填写 11 位/, 'the summary links to the field');
  t.match(fixedEmail.body, /id="f-phone" name="phone" value="12345"/);
  t.match(fixedEmail.body, new RegExp(`value="${w.consent.version}" checked`), 'the ticked box stays ticked');

  const english = await postForm(w.app, `/events/${event.id}/sign-up?lang=en`, { kind: 'individual', name: 'Li', phone: '12345', partySize: 'two', consentVersion: w.consent.version });
  t.equal(english.statusCode, 400);
  t.match(english.body, /<html lang="en">/);
  t.match(english.body, /<p class="error" id="f-partySize-error">[^<]+<\/p>/, 'a number that is not one is said by its field');
  const switchHref = /<a href="([^"]+)" lang="zh-CN"[^>]*data-testid="lang-switch"/.exec(english.body)![1]!.replace(/&amp;/g, '&');
  const switched = await w.app.inject({ url: switchHref });
  t.equal(switched.statusCode, 303, 'the language switch of a refused form leads back to the event page');
  t.equal(switched.headers.location, `/events/${event.id}#sign-up`);
  t.equal(switched.cookies.find((c) => c.name === 'kepu_lang')?.value, 'zh');
  const englishRule = await postForm(w.app, `/events/${event.id}/sign-up?lang=en`, { kind: 'individual', name: 'Li', phone: '12345', partySize: '1', consentVersion: w.consent.version });
  t.match(englishRule.body, /<p class="error" id="f-phone-error">Enter a mainland mobile number: 11 digits starting with 1\.<\/p>/);

  const noConsent = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', ...person(w), name: '', consentVersion: [] });
  t.equal(noConsent.statusCode, 422);
  t.match(noConsent.body, /<p class="error" id="f-name-error">/, 'the missing name is said in the same answer as the unticked box');
  t.match(noConsent.body, /<p class="error" id="f-consentVersion-error">请勾选同意个人信息告知，才能报名。<\/p>/);
  const noContact = await postForm(w.app, `/events/${event.id}/sign-up?lang=en`, { kind: 'individual', name: 'Li', partySize: '1', consentVersion: w.consent.version });
  t.equal(noContact.statusCode, 422);
  t.match(noContact.body, /<p class="error" id="f-phone-error">Give a mobile number or an email address \(or both\)\.<\/p>/);
  t.match(noContact.body, /<p class="error" id="f-email-error">Give a mobile number or an email address \(or both\)\.<\/p>/);
  t.equal((await w.app.inject({ url: `/api/v1/events/${event.id}` })).json().sessions[0].seatsLeft, 10, 'nothing was booked');
});

t.test('a class signs up on an event taking both kinds: only the chosen kind\'s fields are sent', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w, { registrationMode: 'both', capacity: 60 }));
  const page = await w.app.inject({ url: `/events/${event.id}` });
  t.match(page.body, /<input type="radio" id="f-kind-0" name="kind" value="individual" checked/, 'a choice of kind, a person by default');
  t.match(page.body, /<input type="radio" id="f-kind-1" name="kind" value="class"/);
  t.match(page.body, 'data-kind="individual"');
  t.match(page.body, 'data-kind="class"');
  const teacherPhone = newPhone();
  const res = await postForm(w.app, `/events/${event.id}/sign-up`, {
    kind: 'class', name: '', phone: '', email: '', partySize: '1',
    school: '密云区第二小学', gradeClass: '五年级2班', headcount: '32', teacherName: '李老师', teacherPhone, teacherEmail: '', consentVersion: w.consent.version,
  });
  t.equal(res.statusCode, 303, res.body.slice(0, 300));
  const stored = await registrationOf(w.app, tokenOf(res));
  t.match(stored, { kind: 'class', school: '密云区第二小学', gradeClass: '五年级2班', headcount: 32, name: '李老师', phone: teacherPhone });
  const manage = textOf((await w.app.inject({ url: String(res.headers.location) })).body);
  t.match(manage, '密云区第二小学');
  t.match(manage, '五年级2班');

  const refused = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'class', school: '', gradeClass: '一年级1班', headcount: '500', teacherName: '赵老师', teacherPhone: newPhone(), consentVersion: w.consent.version });
  t.equal(refused.statusCode, 422);
  t.match(refused.body, /<p class="error" id="f-school-error">请填写此项。<\/p>/);
  t.match(refused.body, /<p class="error" id="f-headcount-error">超过了本场的 60 个名额。<\/p>/);
  t.match(refused.body, /name="kind" value="class" checked/, 'the chosen kind stays chosen');
});

t.test('several sessions: a choice of session; questions of the event are asked and answered', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w, { sessions: [
    { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
    { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' },
  ] }), { questions: [
    { kind: 'choice', labelZh: '您从哪里知道这个活动？', labelEn: 'How did you hear of it?', required: true, options: [{ value: 'tv', labelZh: '电视' }, { value: 'friend', labelZh: '朋友' }] },
    { kind: 'yes_no', labelZh: '需要轮椅吗？', required: false },
    { kind: 'choices', labelZh: '感兴趣的话题', required: false, options: [{ value: 'water', labelZh: '水' }, { value: 'fish', labelZh: '鱼' }] },
  ] });
  const [choice, yesNo, many] = (await w.app.inject({ url: `/api/v1/events/${event.id}` })).json().questions as Json[];
  const page = await w.app.inject({ url: `/events/${event.id}` });
  t.match(page.body, /<legend>选择场次 <span class="marker">（必填）<\/span><\/legend>/);
  t.match(textOf(page.body), '您从哪里知道这个活动？');

  const missing = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', ...person(w) });
  t.equal(missing.statusCode, 422);
  t.match(missing.body, /<p class="error" id="f-sessionId-error">请填写此项。<\/p>/, 'the session must be chosen');
  t.match(missing.body, new RegExp(`<p class="error" id="f-answers-${choice!.id}-error">请填写此项。</p>`), 'a required question by its field');

  const session = event.sessions[1].id;
  const res = await postForm(w.app, `/events/${event.id}/sign-up`, {
    kind: 'individual', sessionId: session, ...person(w), [`answers.${choice!.id}`]: 'friend', [`answers.${yesNo!.id}`]: 'yes', [`answers.${many!.id}`]: ['water', 'fish'],
  });
  t.equal(res.statusCode, 303, res.body.slice(0, 400));
  const stored = await registrationOf(w.app, tokenOf(res));
  t.equal(stored.sessionId, session, 'the chosen session');
  t.same(Object.fromEntries(stored.answers.map((a: Json) => [a.questionId, a.value])), { [choice!.id]: 'friend', [yesNo!.id]: true, [many!.id]: ['water', 'fish'] });
  const manage = textOf((await w.app.inject({ url: String(res.headers.location) })).body);
  t.match(manage, '您从哪里知道这个活动？ 朋友', 'the answers shown back in words');
  t.match(manage, '需要轮椅吗？ 是');
  t.match(manage, '感兴趣的话题 水、鱼');
  t.match(manage, '2030年4月23日 周二 09:00–11:00');
});

t.test('already registered: the message, and "send my link again" (always the same answer)', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w));
  const fields = person(w, { email: 'li@example.cn' });
  t.equal((await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', ...fields })).statusCode, 303);
  const again = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', ...fields });
  t.equal(again.statusCode, 409);
  const text = textOf(again.body);
  t.match(text, '这个联系方式已经报名了本场');
  t.match(again.body, /<p class="error" id="f-(phone|email)-error">已经用这个联系方式报名了本场。<\/p>/);
  t.match(again.body, /<details class="send-link" id="send-link" open>/, 'the send-link form is open');
  t.match(again.body, /id="f-linkEmail" name="linkEmail" value="li@example.cn"/, 'with the address given');

  const sent = await postForm(w.app, `/events/${event.id}/send-link`, { linkEmail: 'li@example.cn' });
  t.equal(sent.statusCode, 303);
  t.equal(sent.headers.location, `/events/${event.id}?done=link-sent#send-link`);
  const stranger = await postForm(w.app, `/events/${event.id}/send-link`, { linkEmail: 'nobody@example.cn' });
  t.equal(stranger.headers.location, sent.headers.location, 'the same answer for an address nobody used');
  t.match(textOf((await w.app.inject({ url: String(sent.headers.location) })).body), '如果有用这个邮箱报名的记录，管理链接已经发出');

  const bad = await postForm(w.app, `/events/${event.id}/send-link?lang=en`, { linkEmail: 'not an address' });
  t.equal(bad.statusCode, 400);
  t.match(bad.body, /<p class="error" id="f-linkEmail-error">Enter a valid email address/);
});

t.test('full sessions: the waiting list with its position, or "full" when the event keeps none', async (t) => {
  const w = await world();
  const waitlisted = await makeEvent(w.app, lecture(w, { capacity: 2 }));
  t.equal((await postForm(w.app, `/events/${waitlisted.id}/sign-up`, { kind: 'individual', ...person(w) })).statusCode, 303);
  const second = await postForm(w.app, `/events/${waitlisted.id}/sign-up`, { kind: 'individual', ...person(w, { partySize: '1' }) });
  const page = await w.app.inject({ url: String(second.headers.location) });
  t.match(page.body, /<span class="badge waitlisted">候补中<\/span>/);
  t.match(textOf(page.body), '您在候补名单第 1 位');
  t.match(textOf(page.body), '您已进入候补名单');
  t.match(textOf((await w.app.inject({ url: `/events/${waitlisted.id}` })).body), '已满，可候补', 'the event page says the list is open');

  const strict = await makeEvent(w.app, lecture(w, { capacity: 3, waitlistEnabled: false }));
  t.equal((await postForm(w.app, `/events/${strict.id}/sign-up`, { kind: 'individual', ...person(w) })).statusCode, 303);
  const full = await postForm(w.app, `/events/${strict.id}/sign-up`, { kind: 'individual', ...person(w) });
  t.equal(full.statusCode, 409);
  t.match(textOf(full.body), '本场名额已满，且不设候补名单。');
  t.match(textOf(full.body), '剩余 1 个名额', 'the page shows the seats as they are now');
});

t.test('registration not open yet, closed, not needed, or the event cancelled: said plainly, no form', async (t) => {
  const w = await world();
  const later = await makeEvent(w.app, lecture(w, { registrationOpensAt: '2030-04-01T09:00:00+08:00' }));
  const notOpen = await w.app.inject({ url: `/events/${later.id}` });
  t.match(textOf(notOpen.body), '报名将于 2030年4月1日 周一 09:00 开始。');
  t.notMatch(notOpen.body, '/sign-up"', 'no form yet');
  const tried = await postForm(w.app, `/events/${later.id}/sign-up`, { kind: 'individual', ...person(w) });
  t.equal(tried.statusCode, 409, 'a form posted anyway is refused by the API');
  t.match(textOf(tried.body), '报名还没有开始。');

  const none = await makeEvent(w.app, lecture(w, { registrationMode: 'none' }));
  const open = await w.app.inject({ url: `/events/${none.id}` });
  t.match(textOf(open.body), '本活动无需报名，欢迎直接前来参加。');
  t.notMatch(open.body, 'send-link', 'nothing to send a link for');

  const cancelled = await makeEvent(w.app, lecture(w));
  await w.app.inject({ method: 'POST', url: `/api/v1/events/${cancelled.id}/cancel`, headers: adminHeaders });
  const gone = await w.app.inject({ url: `/events/${cancelled.id}` });
  t.equal(gone.statusCode, 200, 'a cancelled event stays visible, so people learn of it');
  t.match(textOf(gone.body), '这个活动已经取消。');
  t.notMatch(gone.body, '/sign-up"');
});

t.test('the manage page: change the party size, cancel after a confirm page, erase after another', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w));
  const token = tokenOf(await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', ...person(w, { email: 'zhao@example.cn' }) }));
  const base = `/manage/${token}`;
  const page = await w.app.inject({ url: base });
  t.match(page.body, `<form method="post" action="${base}/change"`);
  t.match(page.body, /id="f-partySize" name="partySize" value="2"/);

  const changed = await postForm(w.app, `${base}/change`, { partySize: '4', language: 'en' });
  t.equal(changed.statusCode, 303);
  t.equal(changed.headers.location, `${base}?done=changed`);
  t.match(await registrationOf(w.app, token), { headcount: 4, language: 'en' });
  t.match(textOf((await w.app.inject({ url: String(changed.headers.location) })).body), '修改已保存。');

  const tooMany = await postForm(w.app, `${base}/change`, { partySize: '8' });
  t.equal(tooMany.statusCode, 422);
  t.match(tooMany.body, /<p class="error" id="f-partySize-error">不能大于 5。<\/p>/);
  t.match(tooMany.body, /name="partySize" value="8"/);
  t.equal(tooMany.headers['referrer-policy'], 'no-referrer');
  t.equal((await registrationOf(w.app, token)).headcount, 4, 'unchanged');

  const confirm = await w.app.inject({ url: `${base}/cancel` });
  t.equal(confirm.statusCode, 200);
  t.match(textOf(confirm.body), '确定要取消“水库保护科普讲座, 2030年4月22日 周一 09:00–11:00”的报名吗？');
  t.match(confirm.body, `<form method="post" action="${base}/cancel"`);
  t.equal((await registrationOf(w.app, token)).status, 'confirmed', 'opening the confirm page changes nothing');
  const cancelled = await postForm(w.app, `${base}/cancel`, {});
  t.equal(cancelled.headers.location, `${base}?done=cancelled`);
  t.equal((await registrationOf(w.app, token)).status, 'cancelled');
  const after = await w.app.inject({ url: String(cancelled.headers.location) });
  t.match(textOf(after.body), '报名已取消。');
  t.notMatch(after.body, `${base}/change`, 'nothing left to change');
  t.notMatch(after.body, 'data-testid="check-in-code"', 'no code for a cancelled registration');
  const twice = await postForm(w.app, `${base}/cancel`, {});
  t.equal(twice.statusCode, 409);
  t.match(textOf(twice.body), '这个报名已经取消了。');

  const eraseConfirm = await w.app.inject({ url: `${base}/erase?lang=en` });
  t.match(textOf(eraseConfirm.body), 'This manage link stops working afterwards.');
  const erased = await postForm(w.app, `${base}/erase`, {});
  t.equal(erased.statusCode, 303);
  t.equal(erased.headers.location, '/?done=erased');
  t.match(textOf((await w.app.inject({ url: '/?done=erased', headers: { cookie: 'kepu_lang=zh' } })).body), '您的个人信息已删除，管理链接已失效。');
  t.equal((await w.app.inject({ url: `/api/v1/registrations/${token}` })).statusCode, 404, 'the data is gone with the link');
  t.equal((await w.app.inject({ url: base })).statusCode, 404);
});

t.test('a class changes its headcount; a registration with several statuses keeps the right actions', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w, { registrationMode: 'class', capacity: 50 }));
  const page = await w.app.inject({ url: `/events/${event.id}?lang=en` });
  t.match(page.body, '<input type="hidden" name="kind" value="class"/>', 'the only kind, without a choice');
  t.notMatch(page.body, 'name="partySize"');
  const res = await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'class', school: '太师屯中学', gradeClass: '初一3班', headcount: '40', teacherName: '钱老师', teacherEmail: 'qian@example.cn', consentVersion: w.consent.version });
  const token = tokenOf(res);
  const base = `/manage/${token}`;
  t.match((await w.app.inject({ url: base })).body, /id="f-headcount" name="headcount" value="40"/);
  t.equal((await postForm(w.app, `${base}/change`, { headcount: '45' })).statusCode, 303);
  t.equal((await registrationOf(w.app, token)).headcount, 45);
  const over = await postForm(w.app, `${base}/change?lang=en`, { headcount: '51' });
  t.equal(over.statusCode, 422);
  t.match(over.body, /<p class="error" id="f-headcount-error">More than the session&#39;s 50 seats\.<\/p>|<p class="error" id="f-headcount-error">More than the session's 50 seats\.<\/p>/);
});

t.test('nothing personal on any public page: the list, the month, themed days, the event page', async (t) => {
  const w = await world();
  const event = await makeEvent(w.app, lecture(w, { registrationMode: 'both', capacity: 100 }));
  const secrets = { name: '隐私测试人甲', phone: '13912345678', email: 'private.person@example.cn', school: '保密小学', teacherName: '保密老师' };
  t.equal((await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'individual', name: secrets.name, phone: secrets.phone, email: secrets.email, partySize: '1', consentVersion: w.consent.version })).statusCode, 303);
  t.equal((await postForm(w.app, `/events/${event.id}/sign-up`, { kind: 'class', school: secrets.school, gradeClass: '一年级1班', headcount: '20', teacherName: secrets.teacherName, teacherPhone: newPhone(), consentVersion: w.consent.version })).statusCode, 303);
  const pages = ['/', '/?view=month&month=2030-04', '/observances?year=2030', `/observances/${w.observance.slug}`, `/events/${event.id}`, `/events/${event.id}?lang=en`];
  for (const url of pages) {
    const res = await w.app.inject({ url });
    t.equal(res.statusCode, 200, url);
    for (const secret of Object.values(secrets)) t.notOk(res.body.includes(secret), `${url} does not show ${secret}`);
    t.notMatch(res.body, /m_[A-Za-z0-9_-]{20,}/, `${url} shows no manage token`);
  }
  t.match(textOf((await w.app.inject({ url: `/events/${event.id}` })).body), '剩余 79 个名额', 'only the counts are public');
});
