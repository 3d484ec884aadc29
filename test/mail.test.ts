import t, { type Test } from 'tap';
import ICAL from 'ical.js';
import { count, eq, sql } from 'drizzle-orm';
import type { LightMyRequestResponse } from 'fastify';
import { outboxMessages, registrations } from '../src/db/schema/index.js';
import type { CaughtMail } from '../src/modules/mail/sink.js';
import { freePort } from '../bench/harness/cluster.js';
import { buildVenue } from './helpers/factories.js';
import { mailScene, mailWorker } from './helpers/mail.js';

/**
 * Mail to registrants, end to end: each change goes through the outbox, the worker and
 * nodemailer over real SMTP into a sink, and the test reads the mail as a mail client would
 * (mailparser, ical.js). Covered: the confirmation in both languages with its links, code and
 * calendar invitation, sent once; the waiting list, cancellation by the registrant and
 * promotion; change notices (who gets them, the new time and title, the calendar's SEQUENCE);
 * cancellation by the organizer (METHOD:CANCEL); school classes mailing their teacher and
 * phone-only sign-ups getting nothing; header and HTML injection; mail planned in the
 * change's transaction (a rollback plans nothing); and logs of failed sends naming no one.
 */

type Res = LightMyRequestResponse;
type Registration = { id: string; status: string; checkInCode: string; waitlistPosition: number | null; email: string | null };
type SignedUp = { registration: Registration; manageToken: string; manageUrl: string; emailNotices: boolean };
type EventDoc = {
  id: string; titleZh: string; titleEn: string | null; timezone: string; publicUrl: string; sequence: number;
  sessions: { id: string; startsAt: string; endsAt: string; sequence: number; status: string }[];
};
type Message = { id: number; kind: string; state: string; attempts: number; lastError: string | null };

const HOST = '127.0.0.1:3000'; // PUBLIC_BASE_URL in tests: http://127.0.0.1:3000
const MAIL_FROM_ADDRESS = 'no-reply@kepu.localhost'; // the default MAIL_FROM's address
/** 2030-04-22 09:00 Shanghai: the start of the one session `eventBody` gives. */
const START = '2030-04-22T01:00:00.000Z';

// One app, database, SMTP sink and worker for the whole file: a fresh database costs seconds.
// Each test makes its own event and people (unique addresses), and reads only its own mail.
const scene = await mailScene(t);

/** The body is in the message only when the status is wrong: it says why. */
const expectStatus = (t: Test, res: Res, status: number, what: string) =>
  t.equal(res.statusCode, status, res.statusCode === status ? what : `${what}: ${res.body.slice(0, 300)}`);

// ---------------------------------------------------------------------------------------------
// Requests

type Individual = { name: string; email?: string; phone?: string; partySize?: number; language?: 'zh' | 'en'; sessionId?: string };

async function signUp(t: Test, eventId: string, who: Individual): Promise<SignedUp> {
  const res = await scene.call('POST', `/events/${eventId}/registrations`, { kind: 'individual', partySize: 1, ...who, consentVersion: scene.consentVersion }, {});
  expectStatus(t, res, 201, `${who.name} signed up`);
  return res.json<SignedUp>();
}

async function eventJson(t: Test, eventId: string): Promise<EventDoc> {
  const res = await scene.call('GET', `/events/${eventId}`);
  expectStatus(t, res, 200, 'the organizer reads the event');
  return res.json<EventDoc>();
}

async function messagesOf(t: Test, eventId: string): Promise<Message[]> {
  const res = await scene.call('GET', `/events/${eventId}/messages`);
  expectStatus(t, res, 200, 'the organizer lists the event\'s messages');
  return res.json<{ items: Message[] }>().items;
}

/** A manage link (absolute, as in the mail) opened through the app. */
const openLink = (url: string) => scene.app.inject({ method: 'GET', url: new URL(url).pathname });

// ---------------------------------------------------------------------------------------------
// Reading mail

const kindOf = (mail: CaughtMail) => String(mail.parsed.headers.get('x-kepu-mail-kind') ?? '');
const textOf = (mail: CaughtMail) => mail.parsed.text ?? '';
const htmlOf = (mail: CaughtMail) => (typeof mail.parsed.html === 'string' ? mail.parsed.html : '');
const recipients = (mails: CaughtMail[]) => mails.flatMap((m) => m.envelope.to).sort();

/** The one mail that went to `address`; fails the test when there is not exactly one. */
function mailTo(t: Test, mails: CaughtMail[], address: string): CaughtMail {
  const found = mails.filter((m) => m.envelope.to.includes(address));
  t.equal(found.length, 1, `one mail to ${address} (mails went to ${JSON.stringify(recipients(mails))})`);
  if (!found[0]) throw new Error(`no mail to ${address}`);
  return found[0];
}

/**
 * The header blocks of a raw message: the message's own, then each MIME part's (what follows
 * a boundary line up to the first empty line). The bodies are left out: they may quote anything.
 */
function headerBlocks(raw: string): string[] {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/gi)].map((m) => m[1]!);
  const blocks = [raw.split('\r\n\r\n')[0]!];
  for (const boundary of boundaries) {
    for (const piece of raw.split(`--${boundary}\r\n`).slice(1)) blocks.push(piece.split('\r\n\r\n')[0]!);
  }
  return blocks;
}

/** The calendar parts of a mail: nodemailer's text/calendar alternative and the invite.ics attachment. */
function calendarParts(mail: CaughtMail) {
  const parts = mail.parsed.attachments.filter((a) => a.contentType.startsWith('text/calendar') || a.contentType === 'application/ics');
  return parts.map((a) => ({ contentType: a.contentType, filename: a.filename ?? null, text: a.content.toString('utf8') }));
}

/** The calendar text of the invite.ics attachment (or, lacking one, the text/calendar part); null without a calendar. */
function calendarOf(mail: CaughtMail): string | null {
  const parts = calendarParts(mail);
  return (parts.find((p) => p.contentType === 'application/ics') ?? parts[0])?.text ?? null;
}

/** A time resolved through the calendar's own VTIMEZONE; null when its TZID has none (ical.js would read it as floating). */
function instant(time: ICAL.Time, tzid: string | null) {
  if (tzid && time.zone?.tzid !== tzid) return null;
  return time.toJSDate().toISOString();
}

type Invite = {
  method: string | null; vevents: number; uid: string; sequence: number | null; status: string | null; summary: string | null; location: string | null;
  tzid: string | null; start: string | null; end: string | null; organizer: string | null; attendees: string[];
};

/** What a calendar client reads from a mailed invitation (its one VEVENT). */
function readInvite(text: string): Invite {
  const calendar = ICAL.Component.fromString(text);
  // Only this calendar's own zones: nothing left from an earlier calendar may resolve its times.
  ICAL.TimezoneService.reset();
  for (const component of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(new ICAL.Timezone(component));
  const vevents = calendar.getAllSubcomponents('vevent');
  const vevent = vevents[0];
  if (!vevent) throw new Error(`no VEVENT in the calendar:\n${text}`);
  const event = new ICAL.Event(vevent);
  const str = (value: unknown) => (value === null || value === undefined ? null : String(value));
  const tzid = str(vevent.getFirstProperty('dtstart')?.getParameter('tzid'));
  return {
    method: str(calendar.getFirstPropertyValue('method')),
    vevents: vevents.length,
    uid: event.uid,
    sequence: vevent.hasProperty('sequence') ? event.sequence : null,
    status: str(vevent.getFirstPropertyValue('status')),
    summary: str(vevent.getFirstPropertyValue('summary')),
    location: str(vevent.getFirstPropertyValue('location')),
    tzid,
    start: instant(event.startDate, tzid),
    end: instant(event.endDate, str(vevent.getFirstProperty('dtend')?.getParameter('tzid'))),
    organizer: str(vevent.getFirstPropertyValue('organizer'))?.toLowerCase() ?? null,
    attendees: vevent.getAllProperties('attendee').map((p) => String(p.getFirstValue()).toLowerCase()),
  };
}

/** The mail's invitation, asserting it comes both as the text/calendar alternative and as invite.ics, with the method given. */
function inviteOf(t: Test, mail: CaughtMail, method: 'REQUEST' | 'CANCEL'): Invite {
  const parts = calendarParts(mail);
  t.ok(parts.some((p) => p.contentType.startsWith('text/calendar')), 'a text/calendar part');
  t.ok(parts.some((p) => p.contentType === 'application/ics' && p.filename === 'invite.ics'), 'and an invite.ics attachment');
  const text = calendarOf(mail);
  if (!text) throw new Error(`expected a calendar in the ${kindOf(mail)} mail, found none`);
  const invite = readInvite(text);
  t.equal(invite.method, method, `METHOD:${method}`);
  t.equal(invite.vevents, 1, 'one VEVENT: the registrant\'s own session');
  return invite;
}

const noCalendar = (t: Test, mail: CaughtMail) => {
  t.same(calendarParts(mail), [], `no calendar in the ${kindOf(mail)} mail`);
  t.notMatch(mail.raw.toString('utf8'), /text\/calendar|application\/ics/i, 'nor any calendar part in the raw message');
};

// ---------------------------------------------------------------------------------------------

t.test('a confirmation, in Chinese and in English: recipient, subject, code, links and a calendar invitation, sent once', async (t) => {
  const created = await scene.publishedEvent();
  const event = await eventJson(t, created.id);
  const session = event.sessions[0]!;
  t.equal(event.publicUrl, `http://${HOST}/events/${event.id}`, 'the public page the mails link to');
  t.equal(session.startsAt, START);

  const zh = await signUp(t, event.id, { name: '张小明', email: 'zhang.xiaoming@example.cn' });
  // Alice's browser retries her sign-up: the same Idempotency-Key, the first answer, no second mail.
  const aliceBody = { kind: 'individual', name: 'Alice Smith', email: 'alice@example.org', partySize: 1, language: 'en', consentVersion: scene.consentVersion };
  const headers = { 'idempotency-key': 'alice-signup-0001' };
  const firstTry = await scene.call('POST', `/events/${event.id}/registrations`, aliceBody, headers);
  expectStatus(t, firstTry, 201, 'Alice signed up');
  const retry = await scene.call('POST', `/events/${event.id}/registrations`, aliceBody, headers);
  expectStatus(t, retry, 201, 'her retry is answered');
  t.equal(retry.headers['idempotent-replayed'], 'true', 'as a replay');
  const en = firstTry.json<SignedUp>();
  t.equal(retry.json<SignedUp>().registration.id, en.registration.id, 'of the same registration');
  t.equal(zh.emailNotices, true, 'a sign-up with an email address is told mail will come');
  t.equal(en.emailNotices, true);

  const mails = await scene.deliver();
  t.equal(mails.length, 2, 'one mail per sign-up (the replayed one plans none)');
  // The public calendar's UID for the session: the invitation must update that same entry.
  const feed = await scene.app.inject({ url: `/api/v1/events/${event.id}.ics` });
  expectStatus(t, feed, 200, 'the event\'s public calendar');
  const feedUid = readInvite(feed.body).uid;
  t.equal(feedUid, `${session.id}@${HOST}`);

  const cases = [
    { signedUp: zh, address: 'zhang.xiaoming@example.cn', name: '张小明', subject: /^报名成功/, title: event.titleZh, time: '2030年4月22日（周一）09:00–11:00', greeting: '张小明，您好' },
    { signedUp: en, address: 'alice@example.org', name: 'Alice Smith', subject: /^You are registered/, title: event.titleEn!, time: 'Mon 22 Apr 2030, 09:00–11:00', greeting: 'Dear Alice Smith' },
  ];
  for (const c of cases) {
    await t.test(c.address, async (t) => {
      const mail = mailTo(t, mails, c.address);
      t.same(mail.envelope.to, [c.address], 'sent to the registrant only');
      t.same(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value.map((a) => [a.address, a.name]) : null, [[c.address, c.name]], 'To: names the registrant');
      t.equal(kindOf(mail), 'mail.confirmed', 'X-Kepu-Mail-Kind');
      t.match(mail.parsed.subject ?? '', c.subject, 'the subject says it');
      t.ok((mail.parsed.subject ?? '').includes(c.title), 'and names the event');
      t.ok(mail.parsed.from && !Array.isArray(mail.parsed.from) && mail.parsed.from.value[0]?.address === MAIL_FROM_ADDRESS, 'from MAIL_FROM');
      t.match(mail.parsed.messageId ?? '', /^<kepu-\d+@127\.0\.0\.1(:3000)?>$/, 'a Message-ID naming the outbox message');

      const code = c.signedUp.registration.checkInCode;
      for (const [part, body] of [['text', textOf(mail)], ['HTML', htmlOf(mail)]] as const) {
        t.ok(body.includes(c.title), `the ${part} names the event`);
        t.ok(body.includes(c.greeting), `the ${part} greets the registrant`);
        t.ok(body.includes(c.time), `the ${part} gives the time (${c.time})`);
        t.ok(body.includes(code), `the ${part} gives the check-in code ${code}`);
        t.ok(body.includes(event.publicUrl), `the ${part} links the event page`);
        t.ok(body.includes(c.signedUp.manageUrl), `the ${part} gives the manage link`);
      }
      t.match(c.signedUp.manageUrl, new RegExp(`^http://${HOST.replace(/\./g, '\\.')}/manage/m_`));
      const opened = await openLink(c.signedUp.manageUrl);
      expectStatus(t, opened, 200, 'the manage link in the mail opens the registration\'s page');
      t.match(opened.headers['content-type'], /^text\/html/, 'a page for people, not JSON');
      t.ok(opened.body.includes(code), 'showing the registrant\'s own check-in code');
      t.ok(opened.body.includes(c.name), 'and their name');

      const invite = inviteOf(t, mail, 'REQUEST');
      t.equal(invite.uid, `${session.id}@${HOST}`, 'UID: the session at the service\'s host');
      t.equal(invite.uid, feedUid, 'the same UID as the public calendar');
      t.equal(invite.sequence, session.sequence, 'SEQUENCE: the session\'s, as the event shows it');
      t.equal(invite.tzid, event.timezone, 'DTSTART in the event\'s zone');
      t.equal(invite.start, START, 'which is the session\'s start');
      t.equal(invite.end, session.endsAt, 'and its end');
      t.equal(invite.summary, c.title, 'SUMMARY: the title in the registrant\'s language');
      t.equal(invite.status, 'CONFIRMED');
      t.same(invite.attendees, [`mailto:${c.address}`], 'ATTENDEE: the recipient');
      t.equal(invite.organizer, `mailto:${MAIL_FROM_ADDRESS}`, 'ORGANIZER: MAIL_FROM');
    });
  }

  t.same(await scene.deliver(), [], 'delivering again sends nothing more');
  const confirmations = (await messagesOf(t, event.id)).filter((m) => m.kind === 'mail.confirmed');
  t.same(confirmations.map((m) => [m.state, m.attempts]), [['sent', 1], ['sent', 1]], 'each confirmation sent once, in one attempt');
  t.same(mails.map((m) => Number(/^<kepu-(\d+)@/.exec(m.parsed.messageId ?? '')?.[1])).sort((a, b) => a - b), confirmations.map((m) => m.id).sort((a, b) => a - b),
    'the Message-IDs are those of the outbox messages');
});

t.test('the waiting list: a notice with the position, then promotion when a seat is freed or added', async (t) => {
  const created = await scene.publishedEvent({ capacity: 1 });
  const first = await signUp(t, created.id, { name: '李雷', email: 'lilei@example.cn' });
  const second = await signUp(t, created.id, { name: '韩梅梅', email: 'hanmeimei@example.cn' });
  t.equal(first.registration.status, 'confirmed');
  t.equal(second.registration.status, 'waitlisted');
  t.equal(second.registration.waitlistPosition, 1);

  let mails = await scene.deliver();
  t.same(recipients(mails), ['hanmeimei@example.cn', 'lilei@example.cn']);
  t.equal(kindOf(mailTo(t, mails, 'lilei@example.cn')), 'mail.confirmed');
  const waitlisted = mailTo(t, mails, 'hanmeimei@example.cn');
  t.equal(kindOf(waitlisted), 'mail.waitlisted');
  t.match(waitlisted.parsed.subject ?? '', /^已进入候补名单/);
  t.ok(textOf(waitlisted).includes('第1位'), 'the text gives the place on the list');
  t.ok(htmlOf(waitlisted).includes('第1位'), 'and so does the HTML');
  t.ok(textOf(waitlisted).includes(second.manageUrl), 'with the manage link (to leave the list)');
  t.notOk(textOf(waitlisted).includes(second.registration.checkInCode), 'no check-in code: there is no seat yet');
  noCalendar(t, waitlisted);

  const cancelled = await scene.call('POST', `/registrations/${first.manageToken}/cancel`, undefined, {});
  expectStatus(t, cancelled, 200, 'the first cancels through the manage link');
  mails = await scene.deliver();
  t.same(recipients(mails), ['hanmeimei@example.cn', 'lilei@example.cn'], 'both are written to');

  const receipt = mailTo(t, mails, 'lilei@example.cn');
  t.equal(kindOf(receipt), 'mail.cancelled_by_registrant');
  t.match(receipt.parsed.subject ?? '', /^已取消报名/);
  const event = await eventJson(t, created.id);
  t.ok(textOf(receipt).includes(event.titleZh), 'naming the event');
  t.notOk(textOf(receipt).includes(first.registration.checkInCode), 'no check-in code: it no longer admits anyone');
  t.ok(textOf(receipt).includes(first.manageUrl), 'the manage link, to see it or erase the data');
  noCalendar(t, receipt);

  const promoted = mailTo(t, mails, 'hanmeimei@example.cn');
  t.equal(kindOf(promoted), 'mail.promoted');
  t.match(promoted.parsed.subject ?? '', /^候补成功/);
  t.ok(textOf(promoted).includes(second.registration.checkInCode), 'with the check-in code');
  t.ok(htmlOf(promoted).includes(second.registration.checkInCode));
  t.ok(textOf(promoted).includes(second.manageUrl), 'and the manage link');
  const invite = inviteOf(t, promoted, 'REQUEST');
  t.equal(invite.uid, `${event.sessions[0]!.id}@${HOST}`);
  t.equal(invite.sequence, event.sessions[0]!.sequence);
  t.equal(invite.start, START);
  t.same(invite.attendees, ['mailto:hanmeimei@example.cn']);
  t.same(await scene.deliver(), [], 'nothing more');

  const third = await signUp(t, created.id, { name: '周明', email: 'zhouming@example.cn' });
  t.equal(third.registration.status, 'waitlisted');
  t.same((await scene.deliver()).map((m) => [m.envelope.to[0], kindOf(m)]), [['zhouming@example.cn', 'mail.waitlisted']]);
  const raised = await scene.call('PATCH', `/events/${created.id}/sessions/${event.sessions[0]!.id}`, { capacity: 2 });
  expectStatus(t, raised, 200, 'the organizer adds a seat');
  mails = await scene.deliver();
  t.same(mails.map((m) => [m.envelope.to[0], kindOf(m)]), [['zhouming@example.cn', 'mail.promoted']],
    'the one waiting is promoted and told; a capacity change is no news to those booked');
  t.ok(textOf(mails[0]!).includes(third.registration.checkInCode), 'with the check-in code');
});

t.test('change notices: a moved session, a new title or venue reach the booked registrants only, in their language, with the calendar updated', async (t) => {
  const created = await scene.publishedEvent({ capacity: 2 });
  const booked = await signUp(t, created.id, { name: '王芳', email: 'wangfang@example.cn' });
  const gone = await signUp(t, created.id, { name: '赵强', email: 'zhaoqiang@example.cn' });
  expectStatus(t, await scene.call('POST', `/registrations/${gone.manageToken}/cancel`, undefined, {}), 200, 'one cancels');
  const english = await signUp(t, created.id, { name: 'Bob Brown', email: 'bob@example.org', language: 'en' });
  const waiting = await signUp(t, created.id, { name: '孙丽', email: 'sunli@example.cn' });
  t.equal(waiting.registration.status, 'waitlisted', 'the last one waits');

  const before = await scene.deliver();
  const confirmation = inviteOf(t, mailTo(t, before, 'wangfang@example.cn'), 'REQUEST');

  const moved = await scene.call('PATCH', `/events/${created.id}/sessions/${created.sessions[0]!.id}`, { startsAt: '2030-04-23T14:00:00+08:00', endsAt: '2030-04-23T16:00:00+08:00' });
  expectStatus(t, moved, 200, 'the organizer moves the session');
  const event = moved.json<EventDoc>();
  const session = event.sessions[0]!;
  t.equal(session.startsAt, '2030-04-23T06:00:00.000Z');

  let mails = await scene.deliver();
  t.same(recipients(mails), ['bob@example.org', 'wangfang@example.cn'], 'the booked registrants are told; the waitlisted and the cancelled are not');
  const zh = mailTo(t, mails, 'wangfang@example.cn');
  t.equal(kindOf(zh), 'mail.changed');
  t.match(zh.parsed.subject ?? '', /^活动信息变更/);
  for (const body of [textOf(zh), htmlOf(zh)]) {
    t.ok(body.includes('2030年4月23日（周二）14:00–16:00'), 'the new time');
    t.ok(body.includes(booked.registration.checkInCode), 'the check-in code still holds');
    t.ok(body.includes(booked.manageUrl), 'and the manage link');
  }
  const updated = inviteOf(t, zh, 'REQUEST');
  t.equal(updated.uid, confirmation.uid, 'the same UID: it updates the entry');
  t.ok(updated.sequence! > confirmation.sequence!, `a higher SEQUENCE (${confirmation.sequence} → ${updated.sequence})`);
  t.equal(updated.sequence, session.sequence, 'the one the event shows now');
  t.equal(updated.start, '2030-04-23T06:00:00.000Z', 'DTSTART: the new start');
  t.equal(updated.end, '2030-04-23T08:00:00.000Z');
  const en = mailTo(t, mails, 'bob@example.org');
  t.ok(textOf(en).includes('Tue 23 Apr 2030, 14:00–16:00'), 'in English too');
  t.ok(textOf(en).includes(english.registration.checkInCode), 'with Bob\'s own check-in code');
  t.equal(inviteOf(t, en, 'REQUEST').sequence, session.sequence);
  t.same(await scene.deliver(), [], 'one notice per change');

  const switched = await scene.call('PATCH', `/registrations/${booked.manageToken}`, { language: 'en' }, {});
  expectStatus(t, switched, 200, 'Wang Fang switches to English through the manage link');
  t.same(await scene.deliver(), [], 'which sends nothing by itself');

  const renamed = await scene.call('PATCH', `/events/${created.id}`, { titleEn: 'Earth Day talk: the oceans' });
  expectStatus(t, renamed, 200, 'the organizer renames the event in English');
  const after = renamed.json<EventDoc>();
  mails = await scene.deliver();
  t.same(recipients(mails), ['bob@example.org', 'wangfang@example.cn'], 'again the booked registrants only');
  const retitled = mailTo(t, mails, 'bob@example.org');
  t.equal(kindOf(retitled), 'mail.changed');
  t.match(retitled.parsed.subject ?? '', /^Changed: Earth Day talk: the oceans/, 'the English subject has the new title');
  t.ok(textOf(retitled).includes('Earth Day talk: the oceans'), 'so has the text');
  t.ok(htmlOf(retitled).includes('Earth Day talk: the oceans'), 'and the HTML');
  const retitledInvite = inviteOf(t, retitled, 'REQUEST');
  t.equal(retitledInvite.summary, 'Earth Day talk: the oceans', 'SUMMARY too');
  t.equal(retitledInvite.uid, confirmation.uid);
  t.equal(retitledInvite.sequence, after.sessions[0]!.sequence, 'SEQUENCE as the event shows it now');
  t.ok(retitledInvite.sequence! > updated.sequence!, 'higher than the move\'s');
  const switchedMail = mailTo(t, mails, 'wangfang@example.cn');
  t.match(switchedMail.parsed.subject ?? '', /^Changed: Earth Day talk: the oceans/, 'mail follows the language the registrant chose since');
  t.ok(textOf(switchedMail).includes(booked.manageUrl), 'the manage link still the same');

  const venue = await buildVenue(scene.db, { nameZh: '海洋馆报告厅', addressZh: '滨海路8号' });
  const relocated = await scene.call('PATCH', `/events/${created.id}`, { venueId: venue.id });
  expectStatus(t, relocated, 200, 'the organizer sets the venue');
  mails = await scene.deliver();
  t.same(recipients(mails), ['bob@example.org', 'wangfang@example.cn'], 'the booked registrants are told of the venue');
  for (const mail of mails) {
    t.equal(kindOf(mail), 'mail.changed');
    t.ok(textOf(mail).includes('海洋馆报告厅'), `the text to ${mail.envelope.to[0]} names the venue`);
    const located = readInvite(calendarOf(mail) ?? '');
    t.equal(located.sequence, relocated.json<EventDoc>().sessions[0]!.sequence, 'the calendar\'s SEQUENCE rose again');
    t.ok(located.location?.includes('海洋馆报告厅'), `LOCATION names the venue (${located.location})`);
  }
});

t.test('cancelled by the organizer: one registration, then the whole event, each with a calendar CANCEL', async (t) => {
  const created = await scene.publishedEvent();
  await signUp(t, created.id, { name: '周杰', email: 'zhoujie@example.cn' });
  const dropped = await signUp(t, created.id, { name: 'Carol White', email: 'carol@example.org', language: 'en' });
  const confirmations = await scene.deliver();
  const confirmed = inviteOf(t, mailTo(t, confirmations, 'zhoujie@example.cn'), 'REQUEST');

  const one = await scene.call('POST', `/events/${created.id}/registrations/${dropped.registration.id}/cancel`);
  expectStatus(t, one, 200, 'the organizer cancels one registration');
  let mails = await scene.deliver();
  t.same(recipients(mails), ['carol@example.org'], 'only that registrant is told');
  const single = mails[0]!;
  t.equal(kindOf(single), 'mail.cancelled_by_organizer');
  t.match(single.parsed.subject ?? '', /^Registration cancelled: /, 'the subject says the registration is off, not the event');
  t.match(textOf(single), /The organizers have cancelled your registration for/);
  t.ok(textOf(single).includes(dropped.manageUrl), 'the manage link, to see the registration or erase the data');
  t.match(textOf(single), /erase your personal data/);
  const singleInvite = inviteOf(t, single, 'CANCEL');
  t.equal(singleInvite.uid, confirmed.uid, 'the UID of the entry it removes');
  t.equal(singleInvite.status, 'CANCELLED');
  t.ok(singleInvite.sequence! >= confirmed.sequence!, 'SEQUENCE not below the invitation\'s');
  t.same(singleInvite.attendees, ['mailto:carol@example.org']);

  const all = await scene.call('POST', `/events/${created.id}/cancel`);
  expectStatus(t, all, 200, 'the organizer cancels the event');
  const event = all.json<EventDoc>();
  mails = await scene.deliver();
  t.same(recipients(mails), ['zhoujie@example.cn'], 'the remaining registrant is told; the one already cancelled is not told again');
  const whole = mails[0]!;
  t.equal(kindOf(whole), 'mail.cancelled_by_organizer');
  t.match(whole.parsed.subject ?? '', /^活动取消通知/);
  t.ok(textOf(whole).includes(event.titleZh), 'naming the event');
  const wholeInvite = inviteOf(t, whole, 'CANCEL');
  t.equal(wholeInvite.uid, confirmed.uid);
  t.equal(wholeInvite.status, 'CANCELLED');
  t.equal(wholeInvite.sequence, event.sessions[0]!.sequence, 'SEQUENCE as the cancelled event shows it');
  t.ok(wholeInvite.sequence! > confirmed.sequence!, 'higher than the invitation\'s');
  t.same(wholeInvite.attendees, ['mailto:zhoujie@example.cn']);
  t.same(await scene.deliver(), [], 'nothing more');
});

t.test('cancelled by the organizer while only waiting: told so, with no calendar CANCEL for an entry never sent', async (t) => {
  const created = await scene.publishedEvent({ capacity: 1 });
  await signUp(t, created.id, { name: '李雷', email: 'lilei@example.cn' });
  const dropped = await signUp(t, created.id, { name: 'Dave Green', email: 'dave@example.org', language: 'en' });
  const waiting = await signUp(t, created.id, { name: '韩梅梅', email: 'hanmeimei@example.cn' });
  t.same([dropped.registration.status, waiting.registration.status], ['waitlisted', 'waitlisted']);
  await scene.deliver();

  expectStatus(t, await scene.call('POST', `/events/${created.id}/registrations/${dropped.registration.id}/cancel`), 200, 'the organizer takes one off the list');
  let mails = await scene.deliver();
  t.same(recipients(mails), ['dave@example.org']);
  t.equal(kindOf(mails[0]!), 'mail.cancelled_by_organizer');
  t.match(mails[0]!.parsed.subject ?? '', /^Registration cancelled: /);
  t.match(textOf(mails[0]!), /taken you off the waiting list/);
  t.notMatch(textOf(mails[0]!), /calendar/, 'no word of a calendar');
  noCalendar(t, mails[0]!);

  expectStatus(t, await scene.call('POST', `/events/${created.id}/cancel`), 200, 'the organizer cancels the event');
  mails = await scene.deliver();
  t.same(recipients(mails), ['hanmeimei@example.cn', 'lilei@example.cn'], 'the seated and the waiting are told');
  inviteOf(t, mailTo(t, mails, 'lilei@example.cn'), 'CANCEL');
  const onList = mailTo(t, mails, 'hanmeimei@example.cn');
  t.match(onList.parsed.subject ?? '', /^活动取消通知/);
  t.match(textOf(onList), /您在候补名单上的登记也随之取消/);
  noCalendar(t, onList);
});

t.test('an organizer cancels one of two sessions: a CANCEL for that session to its registrants, nothing to the others', async (t) => {
  const created = await scene.publishedEvent({
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-29T09:00:00+08:00', endsAt: '2030-04-29T11:00:00+08:00' },
    ],
  });
  const [early, late] = [...created.sessions].sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  await signUp(t, created.id, { name: '钱程', email: 'qiancheng@example.cn', sessionId: early!.id });
  await signUp(t, created.id, { name: '孔亮', email: 'kongliang@example.cn', sessionId: late!.id });
  const confirmations = await scene.deliver();
  const confirmed = inviteOf(t, mailTo(t, confirmations, 'qiancheng@example.cn'), 'REQUEST');
  t.equal(confirmed.uid, `${early!.id}@${HOST}`, 'the invitation is for the session booked');
  t.equal(inviteOf(t, mailTo(t, confirmations, 'kongliang@example.cn'), 'REQUEST').uid, `${late!.id}@${HOST}`);

  const cancelled = await scene.call('POST', `/events/${created.id}/sessions/${early!.id}/cancel`);
  expectStatus(t, cancelled, 200, 'the organizer cancels the first session');
  const session = cancelled.json<EventDoc>().sessions.find((s) => s.id === early!.id)!;
  const mails = await scene.deliver();
  t.same(recipients(mails), ['qiancheng@example.cn'], 'only its registrant is told');
  t.equal(kindOf(mails[0]!), 'mail.cancelled_by_organizer');
  const invite = inviteOf(t, mails[0]!, 'CANCEL');
  t.equal(invite.uid, confirmed.uid, 'removing the entry the invitation made');
  t.equal(invite.status, 'CANCELLED');
  t.equal(invite.start, '2030-04-22T01:00:00.000Z', 'of that session');
  t.equal(invite.sequence, session.sequence, 'SEQUENCE as the cancelled session shows it');
  t.ok(invite.sequence! > confirmed.sequence!, 'higher than the invitation\'s');
});

t.test('an organizer renews a manage link: the person is mailed the new one, and only the new one works', async (t) => {
  const created = await scene.publishedEvent();
  const person = await signUp(t, created.id, { name: '赵敏', email: 'zhaomin@example.cn' });
  await scene.deliver();
  const renewed = await scene.call('POST', `/events/${created.id}/registrations/${person.registration.id}/manage-link`);
  expectStatus(t, renewed, 200, 'the organizer renews the link');
  const newUrl = renewed.json<SignedUp>().manageUrl;
  t.not(newUrl, person.manageUrl);
  const mails = await scene.deliver();
  t.same(recipients(mails), ['zhaomin@example.cn'], 'the person is told');
  const mail = mails[0]!;
  t.equal(kindOf(mail), 'mail.manage_link_renewed');
  t.match(mail.parsed.subject ?? '', /^您的报名管理链接已更换/);
  t.ok(textOf(mail).includes(newUrl), 'with the new link');
  t.notOk(textOf(mail).includes(person.manageUrl), 'not the old one');
  noCalendar(t, mail);
  t.equal((await openLink(newUrl)).statusCode, 200, 'the new link opens');
  t.equal((await openLink(person.manageUrl)).statusCode, 404, 'the old one no longer does');

  expectStatus(t, await scene.call('POST', `/events/${created.id}/registrations/${person.registration.id}/manage-link`), 200, 'renewed once more');
  t.same((await scene.deliver()).map(kindOf), ['mail.manage_link_renewed'], 'a second renewal is mailed too');
});

t.test('erasing a registration forgets its mail: what was not yet sent never goes', async (t) => {
  const created = await scene.publishedEvent();
  const person = await signUp(t, created.id, { name: '冯雪', email: 'fengxue@example.cn' });
  const ofPerson = () => scene.db.select({ kind: outboxMessages.kind, state: outboxMessages.state }).from(outboxMessages)
    .where(sql`${outboxMessages.payload} ->> 'registrationId' = ${person.registration.id}`);
  t.ok((await ofPerson()).some((r) => r.kind === 'mail.confirmed'), 'the confirmation had been planned');
  expectStatus(t, await scene.call('DELETE', `/registrations/${person.manageToken}`, undefined, {}), 204, 'the registrant erases their data before the confirmation went');
  t.same(await scene.deliver(), [], 'no mail goes');
  t.same(await ofPerson(), [], 'and no message of theirs is kept');
});

t.test('a school class is mailed at its teacher\'s address; a sign-up with only a phone number gets no mail at all', async (t) => {
  const created = await scene.publishedEvent();
  const classRes = await scene.call('POST', `/events/${created.id}/registrations`, {
    kind: 'class', school: '实验小学', gradeClass: '四年级2班', headcount: 32, teacherName: '陈老师', teacherPhone: '13912345678', teacherEmail: 'chen.teacher@example.cn',
    consentVersion: scene.consentVersion,
  }, {});
  expectStatus(t, classRes, 201, 'a class signs up');
  const schoolClass = classRes.json<SignedUp>();
  t.equal(schoolClass.emailNotices, true, 'the teacher gave an address: mail will come');

  const phoneOnly = await signUp(t, created.id, { name: '刘洋', phone: '13800001111', partySize: 2 });
  t.equal(phoneOnly.emailNotices, false, 'only a phone number: the answer says no mail will come');
  const planned = await scene.db.select({ n: count() }).from(outboxMessages)
    .where(sql`${outboxMessages.payload} ->> 'registrationId' = ${phoneOnly.registration.id}`);
  t.equal(planned[0]!.n, 0, 'nothing is planned for it, not even reminders');

  const mails = await scene.deliver();
  t.same(recipients(mails), ['chen.teacher@example.cn'], 'one mail, to the teacher');
  const mail = mails[0]!;
  t.equal(kindOf(mail), 'mail.confirmed');
  for (const [part, body] of [['text', textOf(mail)], ['HTML', htmlOf(mail)]] as const) {
    t.ok(body.includes('陈老师，您好'), `the ${part} greets the teacher`);
    t.ok(body.includes('实验小学') && body.includes('四年级2班'), `names the school and class`);
    t.ok(body.includes('32人'), 'and the headcount');
    t.ok(body.includes(schoolClass.registration.checkInCode), 'with the check-in code');
  }
  t.same(inviteOf(t, mail, 'REQUEST').attendees, ['mailto:chen.teacher@example.cn']);
});

t.test('names and titles cannot inject headers, recipients or markup', async (t) => {
  const title = '地球日<script>alert(1)</script>\r\nBcc: evil@example.org\r\nATTENDEE:mailto:evil@example.org';
  const created = await scene.publishedEvent({ titleZh: title });
  const eve = await signUp(t, created.id, { name: 'Eve\r\nBcc: evil@example.org', email: 'eve@example.org' });
  t.ok(eve.emailNotices);

  const mails = await scene.deliver();
  t.equal(mails.length, 1, 'one mail');
  const mail = mails[0]!;
  t.same(mail.envelope.to, ['eve@example.org'], 'the SMTP envelope has the registrant only');
  const blocks = headerBlocks(mail.raw.toString('utf8'));
  t.ok(blocks.length >= 4, `the message and its parts have headers (${blocks.length} blocks)`);
  t.notMatch(blocks[0]!, /^bcc:/im, 'no Bcc header line in the message');
  t.notOk(blocks.some((b) => /^(bcc|cc|to|attendee):/im.test(b) && b !== blocks[0]), 'nor in any part\'s headers');
  t.same(blocks[0]!.split(/\r\n(?![ \t])/).filter((l) => /^to:/i.test(l)).length, 1, 'one To header');
  t.equal(mail.parsed.bcc, undefined, 'the parsed mail has no Bcc');
  t.equal(mail.parsed.cc, undefined, 'nor Cc');
  t.same(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value.map((a) => a.address) : null, ['eve@example.org'], 'To: the registrant only');
  const subject = mail.parsed.subject ?? '';
  t.notMatch(subject, /[\r\n]/, 'the subject is one line');
  t.ok(subject.includes('<script>alert(1)</script>'), 'the subject keeps the title as text (a header is not HTML)');

  const html = htmlOf(mail);
  t.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the HTML shows the title escaped');
  t.notMatch(html, /<script/i, 'and has no script element');
  t.ok(html.includes('Eve'), 'the HTML greets Eve');

  const invite = inviteOf(t, mail, 'REQUEST');
  t.same(invite.attendees, ['mailto:eve@example.org'], 'the calendar invites Eve only');
  t.ok(invite.summary?.includes('<script>alert(1)</script>'), 'its SUMMARY is the title, as text');
});

t.test('mail is planned in the change\'s transaction: a sign-up that fails plans none', async (t) => {
  const created = await scene.publishedEvent();
  let failing = true;
  t.teardown(() => { failing = false; });
  // Runs after the mail planner, in the same transaction: what the planner wrote must go with it.
  scene.changes.onChange(async (_tx, change) => {
    if (failing && change.entity === 'registration' && change.eventId === created.id) throw new Error('boom');
  });
  const res = await scene.call('POST', `/events/${created.id}/registrations`, { kind: 'individual', name: '吴敏', email: 'wumin@example.cn', partySize: 1, consentVersion: scene.consentVersion }, {});
  t.ok(res.statusCode >= 500, `the sign-up fails (${res.statusCode})`);
  t.equal((await scene.db.select({ n: count() }).from(outboxMessages).where(eq(outboxMessages.eventId, created.id)))[0]!.n, 0, 'no message was planned');
  t.equal((await scene.db.select({ n: count() }).from(registrations).where(eq(registrations.eventId, created.id)))[0]!.n, 0, 'no registration was kept');
  t.same(await scene.deliver(), [], 'no mail goes');

  failing = false;
  const again = await signUp(t, created.id, { name: '吴敏', email: 'wumin@example.cn' });
  const mails = await scene.deliver();
  t.same(recipients(mails), ['wumin@example.cn'], 'once the change commits, its mail goes');
  t.ok(textOf(mails[0]!).includes(again.registration.checkInCode));
});

t.test('a send that fails is logged with the message id and kind, never the person', async (t) => {
  const created = await scene.publishedEvent();
  const logged: { level: string; object: object; message: string }[] = [];
  const entry = (level: string) => (object: object, message: string) => { logged.push({ level, object, message }); };
  const { worker, transport } = mailWorker({
    db: scene.db, config: scene.config, clock: scene.clock, smtpPort: await freePort() /* nothing listens: refused */,
    retry: { maxAttempts: 2, baseDelayMs: 1000, maxDelayMs: 1000 },
    log: { info: entry('info'), warn: entry('warn'), error: entry('error') },
  });
  t.teardown(() => transport.close());

  const person = await signUp(t, created.id, { name: '郑秘密', email: 'zheng.private@example.cn', phone: '13700002222' });
  await worker.drain();
  scene.clock.move(2000);
  await worker.drain();

  const [message] = (await messagesOf(t, created.id)).filter((m) => m.kind === 'mail.confirmed');
  t.match(message, { state: 'failed', attempts: 2 }, 'tried twice, then failed for good');
  t.match(message?.lastError ?? '', /ECONNREFUSED|connect/i, 'the organizer sees why');
  t.same(logged.map((l) => [l.level, (l.object as { messageId?: unknown }).messageId, (l.object as { kind?: unknown }).kind]),
    [['warn', message?.id, 'mail.confirmed'], ['error', message?.id, 'mail.confirmed']], 'each failed attempt logged with the message id and kind');
  const everything = JSON.stringify(logged);
  for (const secret of ['zheng.private', 'example.cn', '郑秘密', '13700002222', person.manageToken, person.registration.checkInCode]) {
    t.notOk(everything.includes(secret), `the logs do not contain ${secret}`);
  }
  t.notOk(everything.includes('@'), 'no address of any kind');
  t.notOk((message?.lastError ?? '').includes('zheng.private'), 'nor does the error the organizer sees');
  t.same(await scene.deliver(), [], 'the failed message is not sent by another worker either');
});
