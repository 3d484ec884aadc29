import { eq } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { accounts, apiTokens } from '../../db/schema/index.js';
import { hashPassword, newSecret, secretHash } from './secrets.js';

export const DEMO_ADMIN_EMAIL = 'admin@kepu.local';

export type FirstAdmin =
  | { created: false }
  | { created: true; email: string; oneTimePassword?: string; demoToken?: string };

/**
 * Makes sure someone can sign in: with no administrator yet, creates one from
 * ADMIN_EMAIL/ADMIN_PASSWORD, or (the demo) with a generated password to print once and
 * an API token for the README's curl lines. Several processes may race here: the
 * unique email lets one win.
 */
export async function ensureFirstAdmin(db: Database, options: { email?: string; password?: string; demo: boolean }): Promise<FirstAdmin> {
  const [existing] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.role, 'admin')).limit(1);
  if (existing || (!options.email && !options.demo)) return { created: false };
  const email = (options.email ?? DEMO_ADMIN_EMAIL).toLowerCase();
  const oneTimePassword = options.password ? undefined : newSecret().slice(0, 16);
  const [row] = await db.insert(accounts).values({
    email, displayName: '管理员 Administrator', role: 'admin', passwordHash: await hashPassword(options.password ?? oneTimePassword!),
  }).onConflictDoNothing().returning({ id: accounts.id });
  if (!row) return { created: false };
  let demoToken: string | undefined;
  if (options.demo) {
    demoToken = newSecret('kepu_');
    await db.insert(apiTokens).values({ accountId: row.id, name: 'demo (README curl tour)', prefix: demoToken.slice(0, 9), secretHash: secretHash(demoToken), scope: 'write' });
  }
  return { created: true, email, oneTimePassword, demoToken };
}
