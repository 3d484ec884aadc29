import { and, eq, gt, isNull, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { accountUnits, accounts, apiTokens, authSessions } from '../../db/schema/index.js';
import type { SignedIn } from './principal.js';

export async function unitIdsOf(db: Executor, accountId: string): Promise<string[]> {
  return (await db.select({ unitId: accountUnits.unitId }).from(accountUnits).where(eq(accountUnits.accountId, accountId))).map((r) => r.unitId);
}

/** The principal behind a live, unrevoked token of an enabled account, or undefined. */
export async function principalForToken(db: Executor, hash: string, now: Date): Promise<SignedIn | undefined> {
  const [row] = await db.select({
    tokenId: apiTokens.id, scope: apiTokens.scope, tokenUnitId: apiTokens.unitId, lastUsedAt: apiTokens.lastUsedAt,
    accountId: accounts.id, role: accounts.role, grants: accounts.grants,
  }).from(apiTokens).innerJoin(accounts, eq(apiTokens.accountId, accounts.id))
    .where(and(eq(apiTokens.secretHash, hash), isNull(apiTokens.revokedAt), isNull(accounts.disabledAt),
      or(isNull(apiTokens.expiresAt), gt(apiTokens.expiresAt, now))));
  if (!row) return undefined;
  const owned = await unitIdsOf(db, row.accountId);
  // A token is never wider than its owner today: a unit the owner left drops out of it.
  const unitIds = row.tokenUnitId ? owned.filter((id) => id === row.tokenUnitId) : owned;
  // last_used_at to the minute: a write per request would make every read a write.
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId));
  }
  return {
    kind: 'account', accountId: row.accountId, role: row.role, grants: row.grants, unitIds,
    // A unit-bound token of an admin acts as an organizer of that unit only.
    ...(row.tokenUnitId && row.role === 'admin' ? { role: 'organizer' as const, unitIds: [row.tokenUnitId] } : {}),
    scope: row.scope, via: 'token', tokenId: row.tokenId,
  };
}

export async function principalForSession(db: Executor, hash: string, now: Date): Promise<{ principal: SignedIn; csrfToken: string; sessionId: string } | undefined> {
  const [row] = await db.select({
    sessionId: authSessions.id, csrfToken: authSessions.csrfToken, lastSeenAt: authSessions.lastSeenAt,
    accountId: accounts.id, role: accounts.role, grants: accounts.grants,
  }).from(authSessions).innerJoin(accounts, eq(authSessions.accountId, accounts.id))
    .where(and(eq(authSessions.secretHash, hash), gt(authSessions.expiresAt, now), isNull(accounts.disabledAt)));
  if (!row) return undefined;
  if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
    // postgres.js takes no Date inside raw SQL (PGlite does): the instant goes as ISO text.
    await db.update(authSessions).set({ lastSeenAt: now, expiresAt: sql`greatest(${authSessions.expiresAt}, ${new Date(now.getTime() + SESSION_IDLE_MS).toISOString()}::timestamptz)` })
      .where(eq(authSessions.id, row.sessionId));
  }
  return {
    principal: { kind: 'account', accountId: row.accountId, role: row.role, grants: row.grants, unitIds: await unitIdsOf(db, row.accountId), scope: 'write', via: 'session' },
    csrfToken: row.csrfToken,
    sessionId: row.sessionId,
  };
}

/** A session lasts 12 hours from its last use. */
export const SESSION_IDLE_MS = 12 * 3600_000;
