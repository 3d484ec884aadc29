import type { Lookup } from '../../src/modules/webhooks/safe-request.js';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/lib/clock.js';
import type { Database } from '../../src/db/client.js';
import { accountUnits, accounts, apiTokens, type Role, type TokenScope } from '../../src/db/schema/index.js';
import { secretHash } from '../../src/modules/accounts/secrets.js';
import { createChangeRecorder, type ChangeRecorder } from '../../src/modules/changes/change-recorder.js';
import { testDatabase } from './database.js';

/** Manage links in tests are derived with this key (the processes of one test share it). */
export const TEST_SECRET_KEY = 'test-secret-key-0123456789abcdef0123456789';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** An account with an API token whose secret the test knows; returns headers that use it. */
export async function buildAccount(db: Database, { role = 'organizer' as Role, unitIds = [] as string[], scope = 'write' as TokenScope, token = `test-${Math.random().toString(36).slice(2)}-token`, tokenUnitId = null as string | null, email = `${Math.random().toString(36).slice(2)}@example.cn` } = {}) {
  const [account] = await db.insert(accounts).values({ email, displayName: '测试用户', role }).returning();
  if (unitIds.length) await db.insert(accountUnits).values(unitIds.map((unitId) => ({ accountId: account!.id, unitId })));
  const [row] = await db.insert(apiTokens).values({ accountId: account!.id, name: 'test', prefix: token.slice(0, 9), secretHash: secretHash(token), scope, unitId: tokenUnitId }).returning();
  return { account: account!, tokenId: row!.id, headers: { authorization: `Bearer ${token}` } };
}

type Test = { teardown(fn: () => unknown): void };

/** An app on a database of its own, closed when the test ends. Requests go through app.inject. */
export async function build(t: Test, overrides: { config?: Partial<Config>; clock?: Clock; changes?: ChangeRecorder; webhookLookup?: Lookup } = {}) {
  const database = await testDatabase(t);
  // Tests read public seat counts right after their own sign-ups: no coalescing of the cache's
  // drops (test/http-cache.test.ts covers it).
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', SECRET_KEY: TEST_SECRET_KEY }), PUBLIC_SEATS_REFRESH_MS: 0, ...overrides.config };
  await buildAccount(database.db, { role: 'admin', token: ADMIN_TOKEN, email: 'admin@example.cn' });
  const changes = overrides.changes ?? createChangeRecorder();
  const app = await buildApp({ config, database, clock: overrides.clock, changes, ...(overrides.webhookLookup ? { webhookLookup: overrides.webhookLookup } : {}) });
  t.teardown(() => app.close());
  return { app, db: database.db, database, config, changes };
}
