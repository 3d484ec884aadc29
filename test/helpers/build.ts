import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { Clock } from '../../src/lib/clock.js';
import { createChangeRecorder, type ChangeRecorder } from '../../src/modules/changes/change-recorder.js';
import { testDatabase } from './database.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

type Test = { teardown(fn: () => unknown): void };

/** An app on a database of its own, closed when the test ends. Requests go through app.inject. */
export async function build(t: Test, overrides: { config?: Partial<Config>; clock?: Clock; changes?: ChangeRecorder } = {}) {
  const database = await testDatabase(t);
  const config = { ...loadConfig({ LOG_LEVEL: 'silent', ADMIN_TOKEN }), ...overrides.config };
  const changes = overrides.changes ?? createChangeRecorder();
  const app = await buildApp({ config, database, clock: overrides.clock, changes });
  t.teardown(() => app.close());
  return { app, db: database.db, database, config, changes };
}
