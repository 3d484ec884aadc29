import t, { type Test } from 'tap';
import type { Page } from 'playwright-core';
import { zh } from '../src/ui/i18n/zh/index.js';
import { adminHeaders } from './helpers/build.js';
import { labelled, newPage, openBrowser, PHONE, publishedEvent, saveScreenshot, seriousViolations, startSite } from './helpers/browser.js';
import { invitedStaff } from './helpers/ui.js';

/**
 * In Debian's chromium: the language switch on every page, and axe-core on the pages
 * residents and organizers use most (no violation of impact serious or critical).
 */

type Unit = { id: string };

async function scene(t: Test) {
  const site = await startSite(t);
  const units = await (await fetch(`${site.baseUrl}/api/v1/units`)).json() as { items?: Unit[] } | Unit[];
  const unit = (Array.isArray(units) ? units : units.items!)[0]!;
  const earthDay = await (await fetch(`${site.baseUrl}/api/v1/observances/earth-day`)).json() as { id: string };
  const event = await publishedEvent(site.baseUrl, adminHeaders, {
    titleZh: '地球日科普讲座', titleEn: 'Earth Day lecture', type: 'lecture', ownerUnitId: unit.id, observanceId: earthDay.id,
    capacity: 50, registrationMode: 'both', audiences: ['youth'],
    sessions: [
      { startsAt: '2027-04-22T09:00:00+08:00', endsAt: '2027-04-22T11:00:00+08:00' },
      { startsAt: '2027-04-23T09:00:00+08:00', endsAt: '2027-04-23T11:00:00+08:00' },
    ],
  });
  const consent = (await (await fetch(`${site.baseUrl}/api/v1/consent`)).json() as { version: string }).version;
  const signedUp = await (await fetch(`${site.baseUrl}/api/v1/events/${event.id}/registrations`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'individual', sessionId: event.sessions[0]!.id, name: '孙奶奶', email: 'sun@example.cn', consentVersion: consent }),
  })).json() as { manageUrl: string };
  const organizer = await invitedStaff(site.app, { role: 'admin' });
  const browser = await openBrowser(t);
  return { ...site, unit, event, managePath: new URL(signedUp.manageUrl).pathname, organizer, browser };
}

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/admin/login');
  await labelled(page, zh['auth.email']).fill(email);
  await labelled(page, zh['auth.password']).fill(password);
  await page.getByRole('button', { name: zh['auth.submit'] }).click();
  await page.waitForURL((url) => url.pathname === '/admin');
}

const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).first().textContent();

t.test('the English switch works on every page, and back', async (t) => {
  const { baseUrl, browser, event, managePath, organizer } = await scene(t);
  const page = await newPage(browser, undefined, baseUrl);
  const publicPages = ['/', '/?view=month&month=2027-04', '/observances', '/observances/earth-day', `/events/${event.id}`, managePath, '/admin/login', '/admin/password-reset'];
  const adminPages = ['/admin', '/admin/events', '/admin/events/new', `/admin/events/${event.id}`, `/admin/events/${event.id}/edit`,
    `/admin/events/${event.id}/registrations`, `/admin/events/${event.id}/check-in`, `/admin/events/${event.id}/attendance`, '/admin/venues',
    '/admin/observances', '/admin/observances/earth-day', '/admin/observances/earth-day/edit', '/admin/campaigns', '/admin/units', '/admin/units/new',
    '/admin/accounts', '/admin/tokens', '/admin/audit', '/admin/mail', '/admin/webhooks', '/admin/reports', '/admin/events/import'];

  const visit = async (path: string) => {
    await page.goto(path);
    t.equal(await page.getAttribute('html', 'lang'), 'zh-CN', `${path} starts in Chinese`);
    const chinese = await h1(page);
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    const english = await h1(page);
    t.not(english, chinese, `${path}: the heading is in English (${english})`);
    const navigation = await page.locator('nav').first().locator('a:not([data-testid="lang-switch"]), button').allInnerTexts();
    t.notMatch(navigation.join(' '), /[\u4e00-\u9fff]/, `${path}: the navigation is in English (but the way back, 中文)`);
    await page.getByTestId('lang-switch').click();
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    t.equal(await h1(page), chinese, `${path}: and back in Chinese`);
  };
  for (const path of publicPages) await visit(path);
  await signIn(page, organizer.email, organizer.password);
  for (const path of adminPages) await visit(path);
  await saveScreenshot(page, 'language-switch');
});

t.test('no serious or critical accessibility violations on the home, event, sign-up and admin event pages', async (t) => {
  const { baseUrl, browser, event, organizer } = await scene(t);
  const phone = await newPage(browser, PHONE, baseUrl);
  const check = async (page: Page, label: string) => t.same(await seriousViolations(page), [], `${label}: no serious or critical violations`);

  // The checker is live: a field without a label, and grey on grey, are found.
  await phone.setContent('<html lang="zh-CN"><head><title>x</title></head><body><main><h1>x</h1><input type="text"><p style="color:#bbb;background:#ccc">低对比度</p></main></body></html>');
  t.same((await seriousViolations(phone)).map((v) => v.id).sort(), ['color-contrast', 'label'], 'axe-core reports what it should');

  await phone.goto('/');
  await check(phone, 'home (phone)');
  await phone.goto('/?view=month&month=2027-04');
  await check(phone, 'home, month calendar (phone)');
  await phone.goto('/observances/earth-day');
  await check(phone, 'Earth Day page (phone)');
  await phone.goto(`/events/${event.id}`);
  await check(phone, 'event page with the sign-up form (phone)');
  // The form as it comes back refused: messages by the fields.
  await phone.getByRole('button', { name: zh['site.signup.submit'] }).click();
  await phone.waitForLoadState();
  t.ok(await phone.locator('.error-summary').isVisible(), 'the refused form shows its errors');
  await check(phone, 'sign-up form with errors (phone)');

  const desktop = await newPage(browser, undefined, baseUrl);
  await signIn(desktop, organizer.email, organizer.password);
  await desktop.goto(`/events/${event.id}?lang=en`);
  await check(desktop, 'event page in English');
  await desktop.goto(`/events/${event.id}?lang=zh`);
  for (const path of ['/admin', '/admin/events', '/admin/events/new', `/admin/events/${event.id}`, `/admin/events/${event.id}/edit`, `/admin/events/${event.id}/registrations`, `/admin/events/${event.id}/check-in`, '/admin/reports', '/admin/events/import', '/admin/webhooks']) {
    await desktop.goto(path);
    await check(desktop, path);
  }
  await saveScreenshot(desktop, 'accessibility-admin-check-in');
});
