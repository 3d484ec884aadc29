import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { Database } from '../../src/db/client.js';
import { accountUnits, accounts, authSessions, type Role } from '../../src/db/schema/index.js';
import { secretHash } from '../../src/modules/accounts/secrets.js';
import { adminHeaders, type build } from './build.js';

type App = Awaited<ReturnType<typeof build>>['app'];
export const STAFF_PASSWORD = 'correct horse battery staple';

/**
 * A staff member signed in through the admin UI's own login form: invited by the test
 * admin, password set through the invitation link, then the form posted. Returns the cookie
 * header for later requests and the CSRF token the pages put in their forms.
 */
export async function staffSession(app: App, { role = 'admin', unitIds = [] as string[], email = `${Math.random().toString(36).slice(2)}@example.cn` } = {}) {
  await invitedStaff(app, { role, unitIds, email });
  const login = await postForm(app, '/admin/login', { email, password: STAFF_PASSWORD });
  if (login.statusCode !== 303) throw new Error(`login failed: ${login.statusCode} ${login.body.slice(0, 300)}`);
  const session = login.cookies.find((c) => c.name === 'kepu_session');
  const cookie = `kepu_session=${session!.value}`;
  const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
  return { email, cookie, csrf: me.json<{ csrfToken: string }>().csrfToken, accountId: me.json<{ account: { id: string } }>().account.id };
}

/** A staff account invited by the test admin, its password set through the invitation link (signs in with STAFF_PASSWORD). */
export async function invitedStaff(app: App, { role = 'admin', unitIds = [] as string[], email = `${Math.random().toString(36).slice(2)}@example.cn`, displayName = '工作人员' } = {}) {
  const invited = await app.inject({ method: 'POST', url: '/api/v1/accounts', headers: adminHeaders, payload: { email, displayName, role, unitIds } });
  if (invited.statusCode !== 201) throw new Error(`invitation failed: ${invited.body}`);
  const secret = new URL(invited.json<{ inviteUrl: string }>().inviteUrl).searchParams.get('secret')!;
  const set = await app.inject({ method: 'POST', url: '/api/v1/auth/password-link', payload: { secret, password: STAFF_PASSWORD } });
  if (set.statusCode !== 204) throw new Error(`password not set: ${set.body}`);
  return { email, password: STAFF_PASSWORD, accountId: invited.json<{ account: { id: string } }>().account.id };
}

/** Posts a form as a browser does (application/x-www-form-urlencoded; repeated names for lists). */
export function postForm(app: App, url: string, fields: Record<string, string | number | (string | number)[]>, cookie?: string): Promise<LightMyRequestResponse> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, String(v));
  return app.inject({ method: 'POST', url, payload: body.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) } });
}

/** A page's text, with tags removed and whitespace collapsed, for assertions about what a reader sees. */
export const textOf = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();

/**
 * A staff session written straight into the database: for tests of what pages show and do,
 * where the sign-in itself (argon2, slow by design) is not what is tested.
 */
export async function quickSession(db: Database, { role = 'admin' as Role, unitIds = [] as string[], displayName = '工作人员' } = {}) {
  const email = `${randomBytes(5).toString('hex')}@example.cn`;
  const [account] = await db.insert(accounts).values({ email, displayName, role }).returning();
  if (unitIds.length) await db.insert(accountUnits).values(unitIds.map((unitId) => ({ accountId: account!.id, unitId })));
  const secret = randomBytes(24).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  await db.insert(authSessions).values({ accountId: account!.id, secretHash: secretHash(secret), csrfToken: csrf, expiresAt: new Date('2100-01-01T00:00:00Z') });
  return { email, cookie: `kepu_session=${secret}`, csrf, accountId: account!.id };
}

/** The message a page shows by a field (Field's markup), or undefined. */
export const fieldErrorOf = (html: string, field: string) => html.match(new RegExp(`<p class="error" id="f-${field.replace(/\./g, '-')}-error">([^<]*)</p>`))?.[1];
