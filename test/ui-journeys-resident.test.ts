import t, { type Test } from 'tap';
import { zh } from '../src/ui/i18n/zh/index.js';
import { adminHeaders } from './helpers/build.js';
import { labelled, newPage, openBrowser, PHONE, publishedEvent, saveScreenshot, startSite } from './helpers/browser.js';
import { invitedStaff } from './helpers/ui.js';

/** Browser journeys of residents and teachers, in Debian's chromium, each against a running service on a fresh database. */

type Unit = { id: string };

async function scene(t: Test) {
  const site = await startSite(t);
  const units = await (await fetch(`${site.baseUrl}/api/v1/units`)).json() as { items?: Unit[] } | Unit[];
  const unit = (Array.isArray(units) ? units : units.items!)[0]!;
  const earthDay = await (await fetch(`${site.baseUrl}/api/v1/observances/earth-day`)).json() as { id: string; nameZh: string };
  const browser = await openBrowser(t);
  return { ...site, unit, earthDay, browser };
}

t.test('a resident on a phone finds an event through the Earth Day page, signs up, sees the QR code, and cancels through the manage link', async (t) => {
  const { baseUrl, browser, unit, earthDay } = await scene(t);
  const event = await publishedEvent(baseUrl, adminHeaders, {
    titleZh: '地球日亲子自然观察', type: 'workshop', ownerUnitId: unit.id, observanceId: earthDay.id, capacity: 30, registrationMode: 'individual',
    sessions: [{ startsAt: '2027-04-22T09:30:00+08:00', endsAt: '2027-04-22T11:30:00+08:00' }],
  });

  const page = await newPage(browser, PHONE, baseUrl);
  await page.goto('/');
  await page.getByRole('link', { name: zh['nav.observances'], exact: true }).first().click();
  await page.getByRole('link', { name: earthDay.nameZh, exact: true }).first().click();
  await page.waitForURL(/\/observances\/earth-day/);
  await page.getByRole('link', { name: '地球日亲子自然观察' }).first().click();
  await page.waitForURL(new RegExp(`/events/${event.id}`));

  await labelled(page, zh['site.signup.name']).fill('王阿姨');
  await labelled(page, zh['site.signup.phone']).fill('13800138000');
  await labelled(page, zh['site.signup.partySize']).fill('2');
  await page.getByLabel(zh['site.signup.consent']).check();
  await page.getByRole('button', { name: zh['site.signup.submit'] }).click();
  await page.waitForURL(/\/manage\/m_/);
  const manageUrl = page.url();

  t.ok(await page.getByText(zh['site.manage.doneSignedUp']).isVisible(), 'the confirmation says the sign-up worked');
  const qr = page.getByRole('img', { name: /签到二维码/ });
  t.ok(await qr.isVisible(), 'the QR code is shown');
  const registration = await (await fetch(`${baseUrl}/api/v1/registrations/${new URL(manageUrl).pathname.split('/').pop()}`)).json() as { status: string; checkInCode: string; headcount: number };
  t.equal(registration.status, 'confirmed');
  t.equal(registration.headcount, 2);
  t.ok(await page.getByText(registration.checkInCode, { exact: true }).first().isVisible(), 'with the check-in code in plain type');

  // Later, from the link kept (a new visit).
  await page.goto(manageUrl);
  await page.getByRole('link', { name: zh['site.manage.cancelLink'] }).click();
  await page.getByRole('button', { name: zh['site.manage.cancelSubmit'] }).click();
  await page.getByText(zh['site.manage.doneCancelled']).waitFor();
  const after = await (await fetch(`${baseUrl}/api/v1/registrations/${new URL(manageUrl).pathname.split('/').pop()}`)).json() as { status: string };
  t.equal(after.status, 'cancelled', 'the API shows it cancelled');
  await saveScreenshot(page, 'resident-signs-up-and-cancels');
});

t.test('a teacher\'s class of 40 waits for a session with 30 seats left, and is confirmed when an organizer raises the capacity', async (t) => {
  const { baseUrl, browser, unit, app } = await scene(t);
  const event = await publishedEvent(baseUrl, adminHeaders, {
    titleZh: '科技馆研学：水的旅行', type: 'study_tour', ownerUnitId: unit.id, registrationMode: 'class', capacity: 50,
    sessions: [{ startsAt: '2027-03-22T09:00:00+08:00', endsAt: '2027-03-22T11:30:00+08:00' }],
  });
  // Another school took 20 of the 50 seats: 30 are left.
  const consent = (await (await fetch(`${baseUrl}/api/v1/consent`)).json() as { version: string }).version;
  const first = await fetch(`${baseUrl}/api/v1/events/${event.id}/registrations`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'class', school: '穆家峪镇中心小学', gradeClass: '四年级1班', headcount: 20, teacherName: '陈老师', teacherPhone: '13600136000', consentVersion: consent }),
  });
  t.equal(first.status, 201, 'the first class is booked');

  const teacher = await newPage(browser, PHONE, baseUrl);
  await teacher.goto(`/events/${event.id}`);
  await labelled(teacher, zh['site.signup.school']).fill('溪翁庄镇中心小学');
  await labelled(teacher, zh['site.signup.gradeClass']).fill('五年级2班');
  await labelled(teacher, zh['site.signup.headcount']).fill('40');
  await labelled(teacher, zh['site.signup.teacherName']).fill('刘老师');
  await labelled(teacher, zh['site.signup.teacherEmail']).fill('liu.laoshi@example.cn');
  await teacher.getByLabel(zh['site.signup.consent']).check();
  await teacher.getByRole('button', { name: zh['site.signup.submit'] }).click();
  await teacher.waitForURL(/\/manage\/m_/);
  t.ok(await teacher.getByText(zh['site.manage.waitlisted'].replace('{position}', '1')).isVisible(), 'on the waiting list, first');
  const manageUrl = teacher.url();

  const organizer = await invitedStaff(app, { role: 'organizer', unitIds: [unit.id] });
  const staff = await newPage(browser, undefined, baseUrl);
  await staff.goto('/admin');
  await labelled(staff, zh['auth.email']).fill(organizer.email);
  await labelled(staff, zh['auth.password']).fill(organizer.password);
  await staff.getByRole('button', { name: zh['auth.submit'] }).click();
  await staff.waitForURL((url) => url.pathname === '/admin');
  await staff.goto(`/admin/events/${event.id}`);
  await staff.getByRole('link', { name: new RegExp(`^${zh['adminEvents.session.edit']} `) }).first().click();
  await labelled(staff, zh['adminEvents.field.session.capacity']).fill('60');
  await staff.getByRole('button', { name: zh['form.save'] }).click();
  await staff.waitForLoadState();

  await teacher.goto(manageUrl);
  t.ok(await teacher.getByText(zh['site.manage.status.confirmed']).isVisible(), 'the class is confirmed now');
  const token = new URL(manageUrl).pathname.split('/').pop();
  t.equal((await (await fetch(`${baseUrl}/api/v1/registrations/${token}`)).json() as { status: string }).status, 'confirmed');
  await saveScreenshot(teacher, 'teacher-class-waits-then-confirmed');
});
