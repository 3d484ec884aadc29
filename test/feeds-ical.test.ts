import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import ICAL from 'ical.js';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app.js';
import { adminHeaders, build } from './helpers/build.js';
import { buildAudiences, buildObservance, buildTown, buildUnit, buildVenue, eventBody } from './helpers/factories.js';
import { problem } from './helpers/problem.js';

type App = Awaited<ReturnType<typeof buildApp>>;
type Json = Record<string, any>;
type Headers = Record<string, string>;

/** What a calendar means, as either parser reads it: times as UTC instants, text unescaped. */
type ReadEvent = {
  uid: string; summary: string | null; description: string | null; location: string | null;
  start: string | null; end: string | null; startTzid: string | null; endTzid: string | null;
  sequence: number | null; status: string | null; categories: string[]; geo: [number, number] | null; url: string | null;
};
type Reading = {
  name: string | null; wrName: string | null; refreshInterval: string | null; publishedTtl: string | null; method: string | null;
  timezones: string[]; events: ReadEvent[];
};

const str = (value: unknown) => (value === null || value === undefined ? null : String(value));

/** A time resolved through the calendar's VTIMEZONE; null when its TZID has none (ical.js would silently read it as floating). */
function instant(time: ICAL.Time | null, tzid: string | null) {
  if (!time) return null;
  if (tzid && time.zone?.tzid !== tzid) return null;
  return time.toJSDate().toISOString();
}

// ical.js knows RFC 5545's properties, not RFC 7986's NAME nor X-WR-CALNAME: unknown ones it
// leaves escaped. Both are TEXT; tell it so, as a client that supports them would know.
for (const property of ['name', 'x-wr-calname']) {
  (ICAL.design.icalendar.property as Record<string, { defaultType: string }>)[property] = { defaultType: 'text' };
}

function readWithIcalJs(text: string): Reading {
  const calendar = ICAL.Component.fromString(text);
  // Only this calendar's own zones: nothing left from an earlier calendar may resolve its times.
  ICAL.TimezoneService.reset();
  const timezones = calendar.getAllSubcomponents('vtimezone').map((component) => {
    const zone = new ICAL.Timezone(component);
    ICAL.TimezoneService.register(zone);
    return zone.tzid;
  });
  const events = calendar.getAllSubcomponents('vevent').map((component): ReadEvent => {
    const event = new ICAL.Event(component);
    const startTzid = str(component.getFirstProperty('dtstart')?.getParameter('tzid'));
    const endTzid = str(component.getFirstProperty('dtend')?.getParameter('tzid'));
    const geo = component.getFirstPropertyValue('geo') as [number, number] | null;
    return {
      uid: event.uid,
      summary: str(component.getFirstPropertyValue('summary')),
      description: str(component.getFirstPropertyValue('description')),
      location: str(component.getFirstPropertyValue('location')),
      start: instant(event.startDate, startTzid),
      end: instant(event.endDate, endTzid),
      startTzid,
      endTzid,
      sequence: component.hasProperty('sequence') ? event.sequence : null,
      status: str(component.getFirstPropertyValue('status')),
      categories: component.getAllProperties('categories').flatMap((p) => p.getValues().map(String)),
      geo: geo ? [Number(geo[0]), Number(geo[1])] : null,
      url: str(component.getFirstPropertyValue('url')),
    };
  });
  return {
    name: str(calendar.getFirstPropertyValue('name')),
    wrName: str(calendar.getFirstPropertyValue('x-wr-calname')),
    refreshInterval: str(calendar.getFirstPropertyValue('refresh-interval')),
    publishedTtl: str(calendar.getFirstPropertyValue('x-published-ttl')),
    method: str(calendar.getFirstPropertyValue('method')),
    timezones: timezones.sort(),
    events,
  };
}

// Python's icalendar is the second, independent reader. Only Debian's python3 has it (CI installs it).
const PYTHON = '/usr/bin/python3';
const PARSE_SCRIPT = fileURLToPath(new URL('./helpers/parse_ical.py', import.meta.url));
const pythonSkip = spawnSync(PYTHON, ['-c', 'import icalendar'], { stdio: 'ignore' }).status === 0
  ? false
  : `needs python3-icalendar (Debian) for ${PYTHON}; .ci/run installs it`;

function readWithPython(text: string): Reading {
  const run = spawnSync(PYTHON, [PARSE_SCRIPT], { input: text, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`);
  const reading = JSON.parse(run.stdout) as Reading;
  const iso = (value: string | null) => (value === null ? null : new Date(value).toISOString());
  return { ...reading, events: reading.events.map((e) => ({ ...e, start: iso(e.start), end: iso(e.end) })) };
}

const PARSERS = [
  { name: 'ical.js', read: readWithIcalJs, skip: false as const },
  { name: 'Python icalendar', read: readWithPython, skip: pythonSkip },
];

/** Runs the same assertions on what each parser reads, each in a subtest named for the parser. */
async function eachParser(t: Test, text: string, check: (t: Test, reading: Reading) => void | Promise<void>) {
  for (const parser of PARSERS) {
    await t.test(`as ${parser.name} reads it`, { skip: parser.skip }, async (t) => {
      let reading: Reading;
      try {
        reading = parser.read(text);
      } catch (error) {
        t.fail(`${parser.name} cannot read the calendar: ${String(error)}`);
        return;
      }
      await check(t, reading);
    });
  }
}

/** A GET that must answer with a calendar; the raw bytes are kept for the octet-level checks. */
async function calendarAt(t: Test, app: App, url: string, headers: Headers = {}) {
  const res = await app.inject({ url, headers });
  t.equal(res.statusCode, 200, `GET ${url}: 200${res.statusCode === 200 ? '' : ` (${res.body.slice(0, 300)})`}`);
  t.match(res.headers['content-type'], /^text\/calendar; charset=utf-8/i, `GET ${url}: text/calendar in UTF-8`);
  return { res, text: res.body, raw: res.rawPayload };
}

/** An app on its own database, with the seed audiences and a unit to own events. */
async function setup(t: Test, overrides: Parameters<typeof build>[1] = {}) {
  const built = await build(t, overrides);
  await buildAudiences(built.db);
  const unit = await buildUnit(built.db);
  const host = new URL(built.config.PUBLIC_BASE_URL).host;
  return { ...built, unit, uidOf: (sessionId: string) => `${sessionId}@${host}` };
}

const eventJson = async (app: App, id: string): Promise<Json> => {
  const res = await app.inject({ url: `/api/v1/events/${id}`, headers: adminHeaders });
  if (res.statusCode !== 200) throw new Error(`event ${id}: ${res.body}`);
  return res.json();
};

/** An event made (and unless told, published) through the API; answers as the event's JSON. */
async function createEvent(app: App, ownerUnitId: string, overrides: Record<string, unknown> = {}, { day = '2030-04-22', publish = true } = {}): Promise<Json> {
  const created = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(ownerUnitId, overrides, day) });
  if (created.statusCode !== 201) throw new Error(`event not created: ${created.body}`);
  const { id } = created.json();
  if (publish) {
    const published = await app.inject({ method: 'POST', url: `/api/v1/events/${id}/publish`, headers: adminHeaders });
    if (published.statusCode !== 200) throw new Error(`event not published: ${published.body}`);
  }
  return eventJson(app, id);
}

/** An admin call that must succeed (the change itself is not under test here). */
async function change(app: App, method: 'POST' | 'PATCH', url: string, payload?: object) {
  const res = await app.inject({ method, url, headers: adminHeaders, ...(payload ? { payload } : {}) });
  if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Json;
}

const byUid = (reading: Reading) => new Map(reading.events.map((e) => [e.uid, e]));
const uidsOf = (reading: Reading) => reading.events.map((e) => e.uid).sort();

/** Every VEVENT is one of these sessions, every session is there, and its times are the stored instants. */
function assertSessions(t: Test, reading: Reading, expected: { event: Json; session: Json }[], uidOf: (id: string) => string) {
  t.same(uidsOf(reading), expected.map(({ session }) => uidOf(session.id)).sort(), 'one VEVENT per expected session, no others');
  const events = byUid(reading);
  for (const { event, session } of expected) {
    const read = events.get(uidOf(session.id));
    if (!read) continue;
    t.equal(read.startTzid, event.timezone, `DTSTART of ${session.id} carries the event's TZID ${event.timezone}`);
    t.equal(read.start, session.startsAt, `DTSTART of ${session.id} is the stored instant`);
    t.equal(read.end, session.endsAt, `DTEND of ${session.id} is the stored instant`);
  }
}

/** Physical lines of the raw bytes, split at CRLF only. */
function physicalLines(raw: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let at = raw.indexOf('\r\n', start); at !== -1; at = raw.indexOf('\r\n', start)) {
    lines.push(raw.subarray(start, at));
    start = at + 2;
  }
  if (start < raw.length) lines.push(raw.subarray(start));
  return lines;
}

/** A property's value read by hand from the raw text: unfolded (RFC 5545 §3.1) and unescaped (§3.3.11). */
function unfoldedValues(text: string, name: string): string[] {
  const unfolded = text.replace(/\r\n[ \t]/g, '');
  return unfolded.split('\r\n').flatMap((line) => {
    const match = new RegExp(`^${name}(?:;[^:]*)?:(.*)$`).exec(line);
    return match ? [match[1]!.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c))] : [];
  });
}

const plusDays = (date: Date, days: number) => new Date(date.getTime() + days * 24 * 3600_000);

t.test('every calendar is read by both parsers, with times resolved through its own VTIMEZONE', async (t) => {
  const { app, unit, uidOf } = await setup(t);
  const shanghai = await createEvent(app, unit.id, {
    registrationMode: 'both', capacity: 10,
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-23T19:30:00+08:00', endsAt: '2030-04-23T21:00:00+08:00' },
    ],
  });
  // Summer and winter, so a VTIMEZONE without its DST rules is off by an hour in one of them.
  const berlin = await createEvent(app, unit.id, {
    titleZh: '柏林科普交流', timezone: 'Europe/Berlin',
    sessions: [
      { startsAt: '2030-07-15T10:00:00+02:00', endsAt: '2030-07-15T12:00:00+02:00' },
      { startsAt: '2030-01-15T10:00:00+01:00', endsAt: '2030-01-15T12:00:00+01:00' },
    ],
  });
  t.equal(shanghai.timezone, 'Asia/Shanghai', 'events default to the calendar zone');
  t.equal(berlin.timezone, 'Europe/Berlin', 'or the one given on create');
  const consent = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const signUp = await app.inject({
    method: 'POST', url: `/api/v1/events/${shanghai.id}/registrations`,
    payload: { kind: 'individual', name: '赵时区', phone: '13800000001', sessionId: shanghai.sessions[1].id, consentVersion: consent },
  });
  t.equal(signUp.statusCode, 201, `signed up (${signUp.body.slice(0, 200)})`);
  const { manageToken } = signUp.json<{ manageToken: string }>();

  const all = (event: Json) => event.sessions.map((session: Json) => ({ event, session }));
  const calendars = [
    { url: '/feeds/events.ics', sessions: [...all(shanghai), ...all(berlin)], zones: ['Asia/Shanghai', 'Europe/Berlin'] },
    { url: `/api/v1/events/${shanghai.id}.ics`, sessions: all(shanghai), zones: ['Asia/Shanghai'] },
    { url: `/api/v1/events/${berlin.id}.ics`, sessions: all(berlin), zones: ['Europe/Berlin'] },
    { url: `/api/v1/registrations/${manageToken}.ics`, sessions: [{ event: shanghai, session: shanghai.sessions[1] }], zones: ['Asia/Shanghai'] },
  ];
  for (const calendar of calendars) {
    await t.test(calendar.url.replace(manageToken, ':token'), async (t) => {
      const { text } = await calendarAt(t, app, calendar.url);
      t.match(text, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/, 'starts as an RFC 5545 calendar');
      t.equal(text.match(/^DTSTAMP:\d{8}T\d{6}Z$/gm)?.length, calendar.sessions.length, 'every VEVENT has its (required) DTSTAMP in UTC');
      await eachParser(t, text, (t, reading) => {
        t.ok(reading.method === null || reading.method === 'PUBLISH', `METHOD absent or PUBLISH (got ${reading.method})`);
        for (const zone of calendar.zones) t.ok(reading.timezones.includes(zone), `a VTIMEZONE for ${zone} (got ${reading.timezones.join(', ')})`);
        assertSessions(t, reading, calendar.sessions, uidOf);
      });
    });
  }

  await t.test('Berlin times are written as Berlin wall-clock times on both sides of DST', async (t) => {
    const { text } = await calendarAt(t, app, `/api/v1/events/${berlin.id}.ics`);
    t.match(text, /\r\nDTSTART;TZID=Europe\/Berlin:20300715T100000\r\n/, 'summer: 10:00 local (08:00Z, CEST)');
    t.match(text, /\r\nDTSTART;TZID=Europe\/Berlin:20300115T100000\r\n/, 'winter: 10:00 local (09:00Z, CET)');
    t.same(berlin.sessions.map((s: Json) => s.startsAt).sort(), ['2030-01-15T09:00:00.000Z', '2030-07-15T08:00:00.000Z'], 'as stored');
  });
});

t.test('a UID is the session id at the service host, the same in every render and after changes', async (t) => {
  const { app, unit, uidOf } = await setup(t);
  const event = await createEvent(app, unit.id, {
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-29T09:00:00+08:00', endsAt: '2030-04-29T11:00:00+08:00' },
    ],
  });
  const expected = event.sessions.map((s: Json) => uidOf(s.id)).sort();
  const uidsAt = async (url: string, headers: Headers = {}) => uidsOf(readWithIcalJs((await calendarAt(t, app, url, headers)).text));

  t.same(await uidsAt(`/api/v1/events/${event.id}.ics`), expected, 'the event\'s calendar: <sessionId>@<host>');
  t.same(await uidsAt(`/api/v1/events/${event.id}.ics`, adminHeaders), expected, 'rendered afresh for a signed-in caller: the same');
  t.same(await uidsAt(`/api/v1/events/${event.id}.ics?lang=en`), expected, 'in English: the same');
  t.same(await uidsAt('/feeds/events.ics'), expected, 'the feed: the same');

  await change(app, 'PATCH', `/api/v1/events/${event.id}`, { titleZh: '改名后的地球日讲座', titleEn: 'Renamed lecture' });
  await change(app, 'PATCH', `/api/v1/events/${event.id}/sessions/${event.sessions[0].id}`, { startsAt: '2030-04-24T14:00:00+08:00', endsAt: '2030-04-24T16:00:00+08:00' });
  const { text } = await calendarAt(t, app, `/api/v1/events/${event.id}.ics`);
  await eachParser(t, text, (t, reading) => {
    t.same(uidsOf(reading), expected, 'renamed and moved: the UIDs are unchanged');
    const moved = byUid(reading).get(uidOf(event.sessions[0].id));
    t.equal(moved?.start, '2030-04-24T06:00:00.000Z', 'the UID now carries the new time');
    t.equal(moved?.summary, '改名后的地球日讲座', 'and the new title');
  });
  t.same(await uidsAt('/feeds/events.ics'), expected, 'the feed after the changes: the same UIDs');
});

t.test('SEQUENCE rises when a time or the title changes; STATUS is CONFIRMED', async (t) => {
  const { app, unit, uidOf } = await setup(t);
  const event = await createEvent(app, unit.id);
  const session = event.sessions[0];
  const url = `/api/v1/events/${event.id}.ics`;
  const read = async () => {
    const reading = readWithIcalJs((await calendarAt(t, app, url)).text);
    const stored = (await eventJson(app, event.id)).sessions[0];
    const vevent = byUid(reading).get(uidOf(session.id));
    t.equal(vevent?.sequence, stored.sequence, `SEQUENCE is the session's stored sequence (${stored.sequence})`);
    return vevent!;
  };

  const first = await read();
  t.equal(first.status, 'CONFIRMED', 'a scheduled session is CONFIRMED');
  await change(app, 'PATCH', `/api/v1/events/${event.id}/sessions/${session.id}`, { startsAt: '2030-04-22T10:00:00+08:00', endsAt: '2030-04-22T12:00:00+08:00' });
  const moved = await read();
  t.ok(moved.sequence! > first.sequence!, `the session moved: SEQUENCE ${first.sequence} → ${moved.sequence}`);
  await change(app, 'PATCH', `/api/v1/events/${event.id}`, { titleZh: '新标题的讲座' });
  const renamed = await read();
  t.ok(renamed.sequence! > moved.sequence!, `the title changed: SEQUENCE ${moved.sequence} → ${renamed.sequence}`);
  // Calendars re-prompt people on a higher SEQUENCE: a description edit is not worth that.
  await change(app, 'PATCH', `/api/v1/events/${event.id}`, { descriptionZh: '补充说明：请提前十分钟到场。' });
  const described = await read();
  t.equal(described.sequence, renamed.sequence, 'a description edit leaves SEQUENCE alone');
  t.equal(described.status, 'CONFIRMED', 'and it is still CONFIRMED');

  const { text } = await calendarAt(t, app, url);
  await eachParser(t, text, (t, reading) => {
    t.match(reading.events[0], { sequence: renamed.sequence, status: 'CONFIRMED', summary: '新标题的讲座', start: '2030-04-22T02:00:00.000Z' }, 'the last SEQUENCE, the new time and title');
  });
});

t.test('cancelled sessions and cancelled events stay in the feed as CANCELLED for 30 days', async (t) => {
  // The service stamps a session's cancellation with the database's now(): the test clock starts at the real time.
  const clock = { at: new Date(), now() { return this.at; } };
  const start = clock.at;
  const { app, unit, uidOf } = await setup(t, { clock });
  const two = [
    { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
    { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' },
  ];
  const partly = await createEvent(app, unit.id, { titleZh: '部分取消的活动', sessions: two });
  const onlyOne = await createEvent(app, unit.id, { titleZh: '唯一场次取消的活动' }, { day: '2030-05-01' });
  const whole = await createEvent(app, unit.id, { titleZh: '整体取消的活动', sessions: two.map((s) => ({ startsAt: s.startsAt.replace('-04-', '-06-'), endsAt: s.endsAt.replace('-04-', '-06-') })) });
  const before = byUid(readWithIcalJs((await calendarAt(t, app, '/feeds/events.ics')).text));

  await change(app, 'POST', `/api/v1/events/${partly.id}/sessions/${partly.sessions[0].id}/cancel`);
  await change(app, 'POST', `/api/v1/events/${onlyOne.id}/sessions/${onlyOne.sessions[0].id}/cancel`);
  await change(app, 'POST', `/api/v1/events/${whole.id}/cancel`);

  const cancelled = [partly.sessions[0], onlyOne.sessions[0], ...whole.sessions].map((s: Json) => uidOf(s.id));
  const live = uidOf(partly.sessions[1].id);
  const names: Record<string, string> = {
    [uidOf(partly.sessions[0].id)]: 'the cancelled session of an event that goes on',
    [uidOf(onlyOne.sessions[0].id)]: 'the cancelled only session of an event',
    [uidOf(whole.sessions[0].id)]: 'the first session of a cancelled event',
    [uidOf(whole.sessions[1].id)]: 'the second session of a cancelled event',
  };
  // Signed in, so each read renders afresh: the 5-second answer cache knows nothing of the test clock.
  const feedAt = async (days: number) => {
    clock.at = plusDays(start, days);
    return (await calendarAt(t, app, '/feeds/events.ics', adminHeaders)).text;
  };

  await t.test('right after the cancellations', async (t) => {
    await eachParser(t, await feedAt(0), (t, reading) => {
      const events = byUid(reading);
      for (const uid of cancelled) {
        const vevent = events.get(uid);
        t.equal(vevent?.status, 'CANCELLED', `${names[uid]}: still there, STATUS:CANCELLED`);
        t.ok(vevent && vevent.sequence! > before.get(uid)!.sequence!, `${names[uid]}: SEQUENCE rose (${before.get(uid)?.sequence} → ${vevent?.sequence})`);
      }
      t.equal(events.get(live)?.status, 'CONFIRMED', 'the other session of the event that goes on: CONFIRMED');
    });
  });

  await t.test('the event\'s own calendar agrees', async (t) => {
    const reading = readWithIcalJs((await calendarAt(t, app, `/api/v1/events/${onlyOne.id}.ics`)).text);
    t.equal(byUid(reading).get(uidOf(onlyOne.sessions[0].id))?.status, 'CANCELLED', 'the cancelled only session: CANCELLED in its event\'s calendar');
  });

  await t.test('29 days later', async (t) => {
    const reading = readWithIcalJs(await feedAt(29));
    const events = byUid(reading);
    for (const uid of cancelled) t.equal(events.get(uid)?.status, 'CANCELLED', `${names[uid]}: still there`);
    t.equal(events.get(live)?.status, 'CONFIRMED', 'the other session of the event that goes on: CONFIRMED');
  });

  await t.test('31 days later', async (t) => {
    const reading = readWithIcalJs(await feedAt(31));
    t.same(uidsOf(reading), [live], 'only the live session is left: the cancelled ones are gone');
  });
});

t.test('text with iCal\'s special characters and long Chinese text survives, in lines of at most 75 octets', async (t) => {
  const { app, unit } = await setup(t);
  const title = '讲座,逗号;分号\n换行\\反斜杠: 结束';
  const description = Array.from({ length: 24 }, (_, i) =>
    `第${i + 1}段：科学普及是提高全民科学素质的重要途径，欢迎大家参加;带上孩子,一起观测星空🔭。`).join('\n');
  t.ok(description.length > 600, `a long description (${description.length} characters)`);
  const event = await createEvent(app, unit.id, { titleZh: title, descriptionZh: description, registrationMode: 'individual', capacity: 5 });
  t.equal(event.titleZh, title, 'stored as given');
  const consent = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const signUp = await app.inject({ method: 'POST', url: `/api/v1/events/${event.id}/registrations`, payload: { kind: 'individual', name: '钱转义', phone: '13800000002', consentVersion: consent } });
  t.equal(signUp.statusCode, 201, 'signed up');

  // The event's and the registration's calendars are named after the event: its title is in NAME too.
  const calendars = [
    { url: '/feeds/events.ics', name: '科普日历' },
    { url: `/api/v1/events/${event.id}.ics`, name: title },
    { url: `/api/v1/registrations/${signUp.json().manageToken}.ics`, name: title },
  ];
  for (const calendar of calendars) {
    await t.test(calendar.url.replace(/registrations\/[^/]+\.ics$/, 'registrations/:token.ics'), async (t) => {
      const { text, raw } = await calendarAt(t, app, calendar.url);
      await eachParser(t, text, (t, reading) => {
        t.equal(reading.events[0]?.summary, title, 'SUMMARY: exactly the title');
        t.ok(reading.events[0]?.description?.startsWith(`${description}\n\n`), 'DESCRIPTION: exactly the description, then the links');
        t.equal(reading.name, calendar.name, 'NAME: exactly the calendar\'s name');
        t.equal(reading.wrName, calendar.name, 'X-WR-CALNAME: exactly the calendar\'s name');
      });

      const lines = physicalLines(raw);
      const long = lines.filter((line) => line.length > 75);
      t.same(long.map((line) => `${line.length}: ${line.toString('utf8')}`), [], 'no physical line is over 75 octets');
      const torn = lines.filter((line) => { try { new TextDecoder('utf-8', { fatal: true }).decode(line); return false; } catch { return true; } });
      t.same(torn.map((line) => line.toString('hex')), [], 'every physical line is valid UTF-8 by itself: no fold splits a character');
      t.same(lines.filter((line) => line.includes('\n') || line.includes('\r')).map(String), [], 'no bare CR or LF inside a line');
      t.ok(raw.subarray(-2).equals(Buffer.from('\r\n')), 'the calendar ends with CRLF (RFC 5545 §3.4: "END:VCALENDAR" CRLF)');
      t.notOk(text.includes('\uFFFD'), 'the text decodes without replacement characters');
      t.same(unfoldedValues(text, 'SUMMARY'), [title], 'unfolded by hand, SUMMARY gives back the title');
      t.ok(unfoldedValues(text, 'DESCRIPTION')[0]?.startsWith(`${description}\n\n`), 'unfolded by hand, DESCRIPTION gives back the description');
      t.same(unfoldedValues(text, 'X-WR-CALNAME'), [calendar.name], 'unfolded by hand, X-WR-CALNAME gives back the name');
    });
  }
});

t.test('the calendar is named, in Chinese or English, and says how often to refresh', async (t) => {
  const { app, db, unit, uidOf } = await setup(t);
  const earthDay = await buildObservance(db, { kind: 'fixed_date', month: 4, day: 22 }, { nameZh: '世界地球日', nameEn: 'Earth Day' });
  const scienceDay = await buildObservance(db, { kind: 'fixed_date', month: 9, day: 20 }, { nameZh: '全国科普日', nameEn: 'National Science Popularization Day' });
  const onEarthDay = await createEvent(app, unit.id, { observanceId: earthDay.id });
  const onScienceDay = await createEvent(app, unit.id, { observanceId: scienceDay.id }, { day: '2030-09-20' });
  const onNoDay = await createEvent(app, unit.id, {}, { day: '2030-05-10' });

  await t.test('by default, in Chinese', async (t) => {
    const { text } = await calendarAt(t, app, '/feeds/events.ics');
    await eachParser(t, text, (t, reading) => {
      t.equal(reading.name, '科普日历', 'NAME');
      t.equal(reading.wrName, '科普日历', 'X-WR-CALNAME');
      t.ok(reading.refreshInterval && ICAL.Duration.fromString(reading.refreshInterval).toSeconds() > 0, `REFRESH-INTERVAL is a duration (${reading.refreshInterval})`);
      t.ok(reading.publishedTtl && ICAL.Duration.fromString(reading.publishedTtl).toSeconds() > 0, `X-PUBLISHED-TTL is a duration (${reading.publishedTtl})`);
      t.ok(reading.method === null || reading.method === 'PUBLISH', `METHOD absent or PUBLISH (got ${reading.method})`);
      t.equal(reading.events.length, 3, 'all three events');
    });
  });

  await t.test('with lang=en, in English', async (t) => {
    const { text } = await calendarAt(t, app, '/feeds/events.ics?lang=en');
    await eachParser(t, text, (t, reading) => {
      t.equal(reading.name, 'Kepu Calendar', 'NAME');
      t.equal(reading.wrName, 'Kepu Calendar', 'X-WR-CALNAME');
      t.equal(reading.events[0]?.summary, 'Earth Day lecture', 'titles in English too');
    });
  });

  await t.test('one themed day\'s feed has only its events, and is named after it', async (t) => {
    const { text } = await calendarAt(t, app, `/feeds/events.ics?observance=${earthDay.slug}`);
    await eachParser(t, text, (t, reading) => {
      t.same(uidsOf(reading), [uidOf(onEarthDay.sessions[0].id)], `only the ${earthDay.nameZh} event`);
      t.match(reading.name, /^科普日历.*世界地球日$/, `NAME names the day (${reading.name})`);
      t.equal(reading.wrName, reading.name, 'X-WR-CALNAME the same');
    });
    const en = readWithIcalJs((await calendarAt(t, app, `/feeds/events.ics?observance=${earthDay.slug}&lang=en`)).text);
    t.match(en.name, /^Kepu Calendar.*Earth Day$/, `in English (${en.name})`);
    const other = readWithIcalJs((await calendarAt(t, app, `/feeds/events.ics?observance=${scienceDay.slug}`)).text);
    t.same(uidsOf(other), [uidOf(onScienceDay.sessions[0].id)], `only the ${scienceDay.nameZh} event`);
    t.notOk(uidsOf(other).includes(uidOf(onNoDay.sessions[0].id)), 'an event on no themed day is in neither');
  });
});

t.test('a VEVENT has the place, its coordinates, the event\'s page, its themed day and audiences, and how to register', async (t) => {
  const { app, db, unit, uidOf } = await setup(t);
  const museum = await buildVenue(db, {
    nameZh: '密云区科技馆', nameEn: 'Miyun Science Museum', addressZh: '北京市密云区鼓楼东大街1号', addressEn: '1 Gulou East Street, Miyun',
    latitude: 40.3765, longitude: 116.8434,
  });
  const square = await buildVenue(db, { nameZh: '文化广场', addressZh: '密云区滨河路' });
  const earthDay = await buildObservance(db, { kind: 'fixed_date', month: 4, day: 22 }, { nameZh: '世界地球日', nameEn: 'Earth Day' });
  const lecture = await createEvent(app, unit.id, { venueId: museum.id, observanceId: earthDay.id, audiences: ['elderly'], registrationMode: 'both', capacity: 50 });
  const fair = await createEvent(app, unit.id, { titleZh: '广场科普集市', type: 'science_fair', venueId: square.id, registrationMode: 'none' }, { day: '2030-04-27' });

  await t.test('in Chinese', async (t) => {
    const { text } = await calendarAt(t, app, '/feeds/events.ics');
    await eachParser(t, text, (t, reading) => {
      const withRegistration = byUid(reading).get(uidOf(lecture.sessions[0].id));
      const open = byUid(reading).get(uidOf(fair.sessions[0].id));
      if (!withRegistration || !open) return void t.fail('both events are in the feed');
      t.match(withRegistration.location, '密云区科技馆', 'LOCATION: the venue');
      t.match(withRegistration.location, '北京市密云区鼓楼东大街1号', 'LOCATION: its address');
      t.ok(withRegistration.geo && Math.abs(withRegistration.geo[0] - 40.3765) < 1e-6 && Math.abs(withRegistration.geo[1] - 116.8434) < 1e-6, `GEO: latitude;longitude (${withRegistration.geo})`);
      t.equal(withRegistration.url, lecture.publicUrl, 'URL: the event\'s public page');
      t.ok(withRegistration.categories.includes('世界地球日'), `CATEGORIES: the themed day (${withRegistration.categories})`);
      t.ok(withRegistration.categories.includes('老年人'), 'CATEGORIES: the audience');
      t.match(withRegistration.description, lecture.publicUrl, 'DESCRIPTION: the public page');
      t.match(withRegistration.description, /报名/, 'DESCRIPTION: how to register');

      t.match(open.location, '文化广场', 'LOCATION of a venue without coordinates');
      t.match(open.location, '密云区滨河路', 'and its address');
      t.equal(open.geo, null, 'no GEO without coordinates');
      t.equal(open.url, fair.publicUrl, 'URL: that event\'s public page');
      t.match(open.description, fair.publicUrl, 'DESCRIPTION: its public page');
      t.match(open.description, /无需报名/, 'DESCRIPTION: no registration needed');
    });
  });

  await t.test('in English', async (t) => {
    const { text } = await calendarAt(t, app, `/api/v1/events/${lecture.id}.ics?lang=en`);
    await eachParser(t, text, (t, reading) => {
      const vevent = reading.events[0];
      if (!vevent) return void t.fail('the event is there');
      t.match(vevent.location, 'Miyun Science Museum', 'LOCATION: the venue in English');
      t.match(vevent.location, '1 Gulou East Street, Miyun', 'and its address in English');
      t.ok(vevent.categories.includes('Earth Day'), `CATEGORIES in English (${vevent.categories})`);
      t.ok(vevent.categories.includes('Older people'), 'and the audience in English');
      t.equal(vevent.url, lecture.publicUrl, 'URL: the public page');
      t.match(vevent.description, lecture.publicUrl, 'DESCRIPTION: the public page');
      t.match(vevent.description, /regist/i, 'DESCRIPTION: how to register');
    });
  });
});

t.test('the feed\'s filters narrow it', async (t) => {
  const { app, db, unit, uidOf } = await setup(t);
  const other = await buildUnit(db, { nameZh: '区气象局' });
  const [northTown, southTown] = [await buildTown(db, { nameZh: '北庄镇' }), await buildTown(db, { nameZh: '南城镇' })];
  const north = await buildVenue(db, { nameZh: '北庄科普馆', townId: northTown.id });
  const south = await buildVenue(db, { nameZh: '南城图书馆', townId: southTown.id });
  const a = await createEvent(app, unit.id, { titleZh: '北庄星空讲座', type: 'lecture', venueId: north.id, audiences: ['elderly'] });
  const b = await createEvent(app, other.id, { titleZh: '南城气象展览', type: 'exhibition', venueId: south.id, audiences: ['farmers'] }, { day: '2030-04-23' });
  // Co-organized by the first unit: its feed has it too.
  const c = await createEvent(app, other.id, { titleZh: '联合科普工作坊', type: 'workshop', coUnitIds: [unit.id] }, { day: '2030-04-24' });
  const uid = (event: Json) => uidOf(event.sessions[0].id);

  const cases: [string, Json[]][] = [
    [`town=${northTown.slug}`, [a]], [`town=${southTown.slug}`, [b]],
    [`venue=${north.slug}`, [a]], [`venue=${south.slug}`, [b]],
    ['audience=elderly', [a]], ['audience=farmers', [b]],
    [`unit=${unit.slug}`, [a, c]], [`unit=${other.slug}`, [b, c]],
    ['type=lecture', [a]], ['type=exhibition', [b]],
    [`q=${encodeURIComponent('气象')}`, [b]],
  ];
  t.same(uidsOf(readWithIcalJs((await calendarAt(t, app, '/feeds/events.ics')).text)), [a, b, c].map(uid).sort(), 'unfiltered: all three');
  for (const [query, expected] of cases) {
    const reading = readWithIcalJs((await calendarAt(t, app, `/feeds/events.ics?${query}`)).text);
    t.same(uidsOf(reading), expected.map(uid).sort(), `?${decodeURIComponent(query)}: ${expected.map((e) => e.titleZh).join(', ')}`);
  }
});

t.test('no calendar but the registrant\'s own shows who signed up', async (t) => {
  const { app, unit, uidOf } = await setup(t);
  const event = await createEvent(app, unit.id, {
    registrationMode: 'both', capacity: 20,
    sessions: [
      { startsAt: '2030-04-22T09:00:00+08:00', endsAt: '2030-04-22T11:00:00+08:00' },
      { startsAt: '2030-04-23T09:00:00+08:00', endsAt: '2030-04-23T11:00:00+08:00' },
    ],
  });
  const consent = (await app.inject({ url: '/api/v1/consent' })).json<{ version: string }>().version;
  const people = [
    { name: '欧阳隐私', phone: '13912340001', email: 'ouyang.private@example.cn', session: 1 },
    { name: '司马保密', phone: '13912340002', email: 'sima.secret@example.cn', session: 0 },
    { name: 'Privacy Person', phone: '13912340003', email: 'privacy.person@example.org', session: 1 },
  ];
  const registrations: { token: string; code: string; sessionId: string }[] = [];
  for (const person of people) {
    const res = await app.inject({
      method: 'POST', url: `/api/v1/events/${event.id}/registrations`,
      payload: { kind: 'individual', name: person.name, phone: person.phone, email: person.email, sessionId: event.sessions[person.session].id, consentVersion: consent },
    });
    t.equal(res.statusCode, 201, `${person.name} signed up (${res.body.slice(0, 200)})`);
    const body = res.json();
    registrations.push({ token: body.manageToken, code: body.registration.checkInCode, sessionId: body.registration.sessionId });
  }
  const secrets = [...people.flatMap((p) => [p.name, p.phone, p.email]), ...registrations.flatMap((r) => [r.token, r.code])];
  const leaks = (text: string) => {
    const unfolded = text.replace(/\r\n[ \t]/g, '');
    return secrets.filter((secret) => unfolded.toLowerCase().includes(secret.toLowerCase()));
  };

  for (const url of ['/feeds/events.ics', `/api/v1/events/${event.id}.ics`]) {
    t.same(leaks((await calendarAt(t, app, url)).text), [], `${url}: no name, phone, email, token or check-in code`);
    t.same(leaks((await calendarAt(t, app, url, adminHeaders)).text), [], `${url} for an administrator: none either`);
  }

  await t.test('a registration\'s calendar has the booked session only, and is private', async (t) => {
    const own = registrations[0]!;
    const { res, text } = await calendarAt(t, app, `/api/v1/registrations/${own.token}.ics`);
    t.equal(res.headers['cache-control'], 'private, no-store', 'never kept by shared caches');
    t.equal(own.sessionId, event.sessions[1].id, 'booked the second session');
    await eachParser(t, text, (t, reading) => {
      t.same(uidsOf(reading), [uidOf(own.sessionId)], 'only the booked session, not the other one');
    });
    const others = people.slice(1).flatMap((p) => [p.name, p.phone, p.email]);
    t.same(others.filter((secret) => text.replace(/\r\n[ \t]/g, '').includes(secret)), [], 'nothing of the other registrants');
  });

  await t.test('a wrong token finds nothing', async (t) => {
    problem(t, await app.inject({ url: `/api/v1/registrations/${randomBytes(24).toString('base64url')}.ics` }), 404, 'registration_not_found');
    const real = registrations[0]!.token;
    const altered = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A');
    problem(t, await app.inject({ url: `/api/v1/registrations/${altered}.ics` }), 404, 'registration_not_found');
  });
});

t.test('a draft is in no public calendar', async (t) => {
  const { app, unit, uidOf } = await setup(t);
  const published = await createEvent(app, unit.id, { titleZh: '已发布的讲座' });
  const draft = await createEvent(app, unit.id, { titleZh: '尚未发布的草稿讲座' }, { day: '2030-04-25', publish: false });
  t.equal(draft.status, 'draft', 'a draft, never published');

  problem(t, await app.inject({ url: `/api/v1/events/${draft.id}.ics` }), 404, 'event_not_found');
  for (const query of ['', `?unit=${unit.slug}`, `?q=${encodeURIComponent('草稿')}`, '?lang=en']) {
    const { text } = await calendarAt(t, app, `/feeds/events.ics${query}`);
    const reading = readWithIcalJs(text);
    t.notOk(uidsOf(reading).includes(uidOf(draft.sessions[0].id)), `/feeds/events.ics${query}: not the draft's session`);
    t.notOk(text.replace(/\r\n[ \t]/g, '').includes('尚未发布的草稿讲座'), `/feeds/events.ics${query}: not its title`);
  }
  const reading = readWithIcalJs((await calendarAt(t, app, '/feeds/events.ics')).text);
  t.same(uidsOf(reading), [uidOf(published.sessions[0].id)], 'the published event is');
});

t.test('a feed reader polling with If-None-Match gets 304 until something changes', async (t) => {
  const { app, unit } = await setup(t);
  const event = await createEvent(app, unit.id);
  const url = '/feeds/events.ics';
  const get = (headers: Headers = {}) => app.inject({ url, headers });
  const etagOf = (res: LightMyRequestResponse) => String(res.headers.etag ?? '');

  const first = await get();
  t.equal(first.statusCode, 200, 'the first poll: 200');
  const etag = etagOf(first);
  t.ok(etag, `an ETag (${etag})`);

  const again = await get({ 'if-none-match': etag });
  t.equal(again.statusCode, 304, 'unchanged: 304');
  t.equal(again.rawPayload.length, 0, 'with no body');
  t.equal(etagOf(again), etag, 'and the same ETag');

  // A change elsewhere drops the answer cache; the feed renders again to the same bytes.
  const unrelated = await app.inject({ method: 'POST', url: '/api/v1/events', headers: adminHeaders, payload: eventBody(unit.id, { titleZh: '无关的草稿' }, '2030-05-02') });
  t.equal(unrelated.statusCode, 201, 'an unrelated draft is made');
  const rerendered = await get({ 'if-none-match': etag });
  t.equal(rerendered.statusCode, 304, 'rendered afresh from the same data: still 304');

  await change(app, 'PATCH', `/api/v1/events/${event.id}`, { titleZh: '更新后的讲座标题' });
  const changed = await get({ 'if-none-match': etag });
  t.equal(changed.statusCode, 200, 'after a change to the event: 200');
  t.not(etagOf(changed), etag, 'with a new ETag');
  t.match(changed.body, '更新后的讲座标题', 'and the new content');
  t.equal((await get({ 'if-none-match': etagOf(changed) })).statusCode, 304, 'the new ETag is answered with 304 in turn');
});
