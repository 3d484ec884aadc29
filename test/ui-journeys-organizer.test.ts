import t, { type Test } from 'tap';
import { zh } from '../src/ui/i18n/zh/index.js';
import { adminHeaders } from './helpers/build.js';
import { labelled, newPage, openBrowser, publishedEvent, saveScreenshot, startSite } from './helpers/browser.js';
import { invitedStaff } from './helpers/ui.js';

/** Browser journeys of organizers, in Debian's chromium, each against a running service on a fresh database. */

type Unit = { id: string; slug: string; nameZh: string };

async function scene(t: Test) {
  const site = await startSite(t);
  const units = await (await fetch(`${site.baseUrl}/api/v1/units`)).json() as { items?: Unit[] } | Unit[];
  const unit = (Array.isArray(units) ? units : units.items!)[0]!;
  const organizer = await invitedStaff(site.app, { role: 'organizer', unitIds: [unit.id], displayName: '李组织' });
  const browser = await openBrowser(t);
  return { ...site, unit, organizer, browser };
}

async function signIn(page: import('playwright-core').Page, email: string, password: string) {
  await page.goto('/admin');
  await labelled(page, zh['auth.email']).fill(email);
  await labelled(page, zh['auth.password']).fill(password);
  await page.getByRole('button', { name: zh['auth.submit'] }).click();
  await page.waitForURL((url) => url.pathname === '/admin');
}

t.test('an organizer signs in, creates an event with two sessions on Earth Day, and publishes it', async (t) => {
  const { baseUrl, browser, organizer, unit } = await scene(t);
  const page = await newPage(browser, undefined, baseUrl);
  await signIn(page, organizer.email, organizer.password);

  await page.goto('/admin/events/new');
  await labelled(page, zh['adminEvents.field.titleZh']).fill('地球日湿地观鸟');
  await labelled(page, zh['adminEvents.field.type']).selectOption({ label: zh['adminEvents.type.study_tour'] });
  await labelled(page, zh['adminEvents.field.ownerUnit']).selectOption(unit.id);
  await labelled(page, zh['adminEvents.field.observance']).selectOption({ label: '世界地球日' });
  await page.getByRole('radio', { name: zh['adminEvents.mode.individual'], exact: true }).check();
  await labelled(page, zh['adminEvents.field.capacity']).fill('25');
  const starts = page.getByLabel(new RegExp(`^${zh['adminEvents.field.session.startsAt']}`));
  const ends = page.getByLabel(new RegExp(`^${zh['adminEvents.field.session.endsAt']}`));
  await starts.nth(0).fill('2027-04-22T09:00');
  await ends.nth(0).fill('2027-04-22T11:00');
  await starts.nth(1).fill('2027-04-24T14:00');
  await ends.nth(1).fill('2027-04-24T16:00');
  await page.getByRole('button', { name: zh['adminEvents.form.create'] }).click();
  await page.waitForURL(/\/admin\/events\/[0-9a-f-]{36}/);
  const eventId = /\/admin\/events\/([0-9a-f-]{36})/.exec(page.url())![1]!;

  await page.getByRole('button', { name: zh['adminEvents.action.publish'] }).click();
  await page.waitForLoadState();
  const event = await (await fetch(`${baseUrl}/api/v1/events/${eventId}`)).json() as {
    status: string; titleZh: string; observance: { slug: string } | null; sessions: { startsAt: string }[]; ownerUnit: { id: string };
  };
  t.equal(event.status, 'published', 'the public API shows it published');
  t.equal(event.titleZh, '地球日湿地观鸟');
  t.equal(event.observance?.slug, 'earth-day');
  t.equal(event.ownerUnit.id, unit.id);
  t.same(event.sessions.map((s) => s.startsAt), ['2027-04-22T01:00:00.000Z', '2027-04-24T06:00:00.000Z'], 'two sessions, read in the event\'s zone (Asia/Shanghai)');
  await page.goto(`/events/${eventId}`);
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), '地球日湿地观鸟', 'the public page is up');
  await saveScreenshot(page, 'organizer-creates-and-publishes');
});

t.test('an organizer checks a resident in by typing the code, and can undo it', async (t) => {
  const { baseUrl, browser, organizer, unit } = await scene(t);
  const event = await publishedEvent(baseUrl, adminHeaders, {
    titleZh: '天文台开放夜', type: 'open_day', ownerUnitId: unit.id, capacity: 20, registrationMode: 'individual',
    sessions: [{ startsAt: '2027-05-01T19:00:00+08:00', endsAt: '2027-05-01T21:00:00+08:00' }],
  });
  const consent = (await (await fetch(`${baseUrl}/api/v1/consent`)).json() as { version: string }).version;
  const signedUp = await fetch(`${baseUrl}/api/v1/events/${event.id}/registrations`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'individual', name: '赵大爷', phone: '13900139000', partySize: 2, consentVersion: consent }),
  });
  const { registration } = await signedUp.json() as { registration: { id: string; checkInCode: string } };

  const page = await newPage(browser, undefined, baseUrl);
  await signIn(page, organizer.email, organizer.password);
  await page.goto(`/admin/events/${event.id}/check-in`);
  await labelled(page, zh['adminRegistrations.checkIn.code']).fill(registration.checkInCode.toLowerCase());
  await page.getByRole('button', { name: zh['adminRegistrations.checkIn.submit'], exact: true }).click();
  await page.getByText(zh['adminRegistrations.checkIn.doneTitle']).waitFor();
  t.ok(await page.getByText('赵大爷').count() > 0, 'the page says who was checked in');

  const list = await fetch(`${baseUrl}/api/v1/events/${event.id}/registrations`, { headers: adminHeaders });
  const listed = (await list.json() as { items: { id: string; status: string; checkedInHeadcount: number | null }[] }).items.find((r) => r.id === registration.id)!;
  t.equal(listed.status, 'attended', 'the registration is attended');
  t.equal(listed.checkedInHeadcount, 2);
  await saveScreenshot(page, 'organizer-checks-in');

  await page.getByRole('button', { name: zh['adminRegistrations.checkIn.undo'] }).click();
  await page.waitForLoadState();
  const after = await fetch(`${baseUrl}/api/v1/events/${event.id}/registrations`, { headers: adminHeaders });
  t.equal((await after.json() as { items: { id: string; status: string }[] }).items.find((r) => r.id === registration.id)!.status, 'confirmed', 'undo puts it back');
});
