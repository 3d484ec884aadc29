import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { seedDatabase } from '../../seeds/seed.js';
import { build } from './build.js';

/** Debian's chromium, installed by .ci/run; a test that needs it fails (never skips) without it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(process.cwd(), 'test-artifacts');

const freePort = () => new Promise<number>((resolve, reject) => {
  const server = createServer();
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});

type Test = { teardown(fn: () => unknown): void };

/** The whole service listening on a port of its own, on a fresh database with the demo data. */
export async function startSite(t: Test, { seed = true } = {}) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const site = await build(t, { config: { PUBLIC_BASE_URL: baseUrl, HOST: '127.0.0.1', PORT: port, SIGNUP_RATE_LIMIT_PER_MINUTE: 10_000, LOGIN_RATE_LIMIT_PER_MINUTE: 10_000 } });
  if (seed) await seedDatabase(site.db, { timezone: site.config.CALENDAR_TIMEZONE });
  await site.app.listen({ port, host: '127.0.0.1' });
  return { ...site, baseUrl };
}

/** Headless Debian chromium with the flags these machines need (no background networking: the network is closed). */
export async function openBrowser(t: Test): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  return browser;
}

export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP = { viewport: { width: 1280, height: 900 } };

export async function newPage(browser: Browser, device: typeof PHONE | typeof DESKTOP = DESKTOP, baseURL?: string): Promise<Page> {
  const context = await browser.newContext({ ...device, ...(baseURL ? { baseURL } : {}), locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(15_000);
  return context.newPage();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };

/** axe-core in the page: the violations of impact serious or critical (WCAG 2.1 A and AA rules). */
export async function seriousViolations(page: Page): Promise<{ id: string; impact: string | null; help: string; targets: string[] }[]> {
  // Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays on.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** The journey's last page, kept as a test artifact (test-artifacts/, ignored by git). */
export async function saveScreenshot(page: Page, name: string) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The field whose label is this text (labels end with their "required"/"optional" marker). */
export const labelled = (page: Page, text: string) => page.getByLabel(new RegExp(`^${escapeRegExp(text)}\\s*[（(]`));

/** A published event made through the API, as an organizer would, for the journeys that start from it. */
export async function publishedEvent(baseUrl: string, headers: Record<string, string>, body: Record<string, unknown>) {
  const created = await fetch(`${baseUrl}/api/v1/events`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (created.status !== 201) throw new Error(`event not created: ${await created.text()}`);
  const event = await created.json() as { id: string; sessions: { id: string }[] };
  const published = await fetch(`${baseUrl}/api/v1/events/${event.id}/publish`, { method: 'POST', headers });
  if (published.status !== 200) throw new Error(`event not published: ${await published.text()}`);
  return event;
}
