import { and, asc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import { accountLinks, accountUnits, accounts, apiTokens, authSessions, units, type Grant, type Role, type TokenScope } from '../../db/schema/index.js';
import type { Clock } from '../../lib/clock.js';
import { Problem, conflict, fieldError, notFound, unprocessable } from '../../lib/problems.js';
import { unitIdsOf, SESSION_IDLE_MS } from './accounts.queries.js';
import type { SignedIn } from './principal.js';
import { actorOf, recordAudit, type Actor } from '../audit/audit.js';
import { decoyHash, hashPassword, newSecret, secretHash, verifyPassword } from './secrets.js';
import { seal } from '../../lib/seal.js';
import { enqueue } from '../outbox/outbox.js';
import { ACCOUNT_LINK_SEAL, EMAIL_CHANNEL, MAIL_KINDS, type AccountMailPayload } from '../mail/kinds.js';

/** After this many failures in a row, each further one locks the account for twice as long. */
const FREE_FAILURES = 3;
const FIRST_LOCK_MS = 15_000;
const MAX_LOCK_MS = 3600_000;
const LINK_VALID_MS = { invite: 7 * 24 * 3600_000, reset: 3600_000 } as const;

export const lockFor = (failures: number) =>
  failures < FREE_FAILURES ? 0 : Math.min(FIRST_LOCK_MS * 2 ** (failures - FREE_FAILURES), MAX_LOCK_MS);

const invalidLogin = () => new Problem(401, 'invalid_login', 'The email or password is wrong.');

export type AccountInput = { email: string; displayName: string; role: Role; unitIds?: string[]; grants?: Grant[] };

/** Where an invitation or reset link leads: the admin UI's page that sets the password. */
export const passwordLinkUrl = (baseUrl: string, secret: string) => `${baseUrl}/admin/password?secret=${secret}`;

export function createAccountsService({ db, clock, secretKey }: { db: Database; clock: Clock; secretKey: string }) {
  async function checkUnits(unitIds: string[]) {
    if (unitIds.length === 0) return;
    const found = new Set((await db.select({ id: units.id }).from(units).where(inArray(units.id, unitIds))).map((u) => u.id));
    const errors = unitIds.flatMap((id, i) => (found.has(id) ? [] : [fieldError(`/unitIds/${i}`, 'no such unit')]));
    if (errors.length) throw unprocessable('unknown_reference', 'Some units do not exist.', errors);
  }

  /**
   * A one-time link, stored as a hash, and its mail planned in the same transaction: the
   * secret travels to the worker sealed under SECRET_KEY, unreadable in the database.
   */
  async function issueLink(tx: Executor, accountId: string, purpose: 'invite' | 'reset') {
    const secret = newSecret();
    const expiresAt = new Date(clock.now().getTime() + LINK_VALID_MS[purpose]);
    const [link] = await tx.insert(accountLinks).values({ accountId, purpose, secretHash: secretHash(secret), expiresAt }).returning({ id: accountLinks.id });
    const kind = purpose === 'invite' ? MAIL_KINDS.accountInvite : MAIL_KINDS.passwordReset;
    const payload: AccountMailPayload = { accountId, sealedSecret: seal(secretKey, ACCOUNT_LINK_SEAL, secret), expiresAt: expiresAt.toISOString() };
    await enqueue(tx, { kind, channel: EMAIL_CHANNEL, payload, dedupeKey: `${kind}:${link!.id}` }, clock.now());
    return secret;
  }

  async function describe(accountId: string) {
    const [row] = await db.select({ id: accounts.id, email: accounts.email, displayName: accounts.displayName, role: accounts.role, grants: accounts.grants, disabledAt: accounts.disabledAt, hasPassword: sql<boolean>`${accounts.passwordHash} is not null` })
      .from(accounts).where(eq(accounts.id, accountId));
    if (!row) throw notFound('account', accountId);
    return { ...row, unitIds: await unitIdsOf(db, accountId), disabledAt: row.disabledAt?.toISOString() ?? null };
  }

  async function checkPassword(email: string, password: string): Promise<string> {
    const now = clock.now();
    const [row] = await db.select().from(accounts).where(eq(accounts.email, email.toLowerCase()));
    if (!row || !row.passwordHash || row.disabledAt) {
      await verifyPassword(await decoyHash(), password);
      throw invalidLogin();
    }
    if (row.lockedUntil && row.lockedUntil > now) {
      const seconds = Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 1000);
      throw new Problem(429, 'login_locked', `Too many failed logins; try again in ${seconds} s.`, { retryAfter: seconds });
    }
    if (!(await verifyPassword(row.passwordHash, password))) {
      const [updated] = await db.update(accounts).set({ failedLogins: sql`${accounts.failedLogins} + 1` }).where(eq(accounts.id, row.id)).returning({ failedLogins: accounts.failedLogins });
      const lock = lockFor(updated!.failedLogins);
      if (lock) await db.update(accounts).set({ lockedUntil: new Date(now.getTime() + lock) }).where(eq(accounts.id, row.id));
      throw invalidLogin();
    }
    if (row.failedLogins > 0) await db.update(accounts).set({ failedLogins: 0, lockedUntil: null }).where(eq(accounts.id, row.id));
    return row.id;
  }

  async function setPassword(accountId: string, password: string, link?: string) {
    const passwordHash = await hashPassword(password);
    await db.transaction(async (tx) => {
      if (link) {
        // Only one use wins, even when two arrive at once.
        const used = await tx.update(accountLinks).set({ usedAt: clock.now() }).where(and(eq(accountLinks.id, link), isNull(accountLinks.usedAt))).returning({ id: accountLinks.id });
        if (used.length === 0) throw new Problem(410, 'link_expired', 'This link has been used or has expired; ask for a new one.');
      }
      await tx.update(accounts).set({ passwordHash, failedLogins: 0, lockedUntil: null, updatedAt: sql`now()` }).where(eq(accounts.id, accountId));
      await tx.delete(authSessions).where(eq(authSessions.accountId, accountId));
    });
  }

  return {
    describe,

    async list() {
      const rows = await db.select({ id: accounts.id }).from(accounts).orderBy(asc(accounts.email));
      return Promise.all(rows.map((r) => describe(r.id)));
    },

    /** A new account and its invitation link (the secret is returned once). */
    async invite(input: AccountInput, actor: Actor = null) {
      const unitIds = input.unitIds ?? [];
      await checkUnits(unitIds);
      if (input.role !== 'admin' && unitIds.length === 0) throw unprocessable('invalid_account', 'Organizers and checkers act for at least one unit.', [fieldError('/unitIds', 'needs at least one unit')]);
      const id = await db.transaction(async (tx) => {
        const [row] = await tx.insert(accounts).values({ email: input.email.toLowerCase(), displayName: input.displayName, role: input.role, grants: input.grants ?? [] }).returning({ id: accounts.id });
        if (unitIds.length) await tx.insert(accountUnits).values(unitIds.map((unitId) => ({ accountId: row!.id, unitId })));
        await recordAudit(tx, actor, { action: 'invited', objectKind: 'account', objectId: row!.id });
        return { id: row!.id, secret: await issueLink(tx, row!.id, 'invite') };
      });
      return { account: await describe(id.id), inviteSecret: id.secret };
    },

    async update(accountId: string, input: Partial<Omit<AccountInput, 'email'>> & { disabled?: boolean }, actor: Actor = null) {
      const current = await describe(accountId);
      if (input.unitIds) await checkUnits(input.unitIds);
      if ((input.role ?? current.role) !== 'admin' && (input.unitIds ?? current.unitIds).length === 0) {
        throw unprocessable('invalid_account', 'Organizers and checkers act for at least one unit.', [fieldError('/unitIds', 'needs at least one unit')]);
      }
      await db.transaction(async (tx) => {
        const { unitIds, disabled, ...fields } = input;
        await tx.update(accounts).set({ ...fields, ...(disabled === undefined ? {} : { disabledAt: disabled ? clock.now() : null }), updatedAt: sql`now()` }).where(eq(accounts.id, accountId));
        if (unitIds) {
          await tx.delete(accountUnits).where(eq(accountUnits.accountId, accountId));
          if (unitIds.length) await tx.insert(accountUnits).values(unitIds.map((unitId) => ({ accountId, unitId })));
        }
        // Disabling ends every session at once; tokens stop working through the account check.
        if (disabled) await tx.delete(authSessions).where(eq(authSessions.accountId, accountId));
        await recordAudit(tx, actor, { action: 'updated', objectKind: 'account', objectId: accountId, changedFields: Object.keys(input) });
      });
      return describe(accountId);
    },

    /**
     * "Forgot my password": a reset link mailed to the account's address, valid an hour.
     * Nothing tells the asker whether the address has an account.
     */
    async requestPasswordReset(email: string): Promise<void> {
      const [row] = await db.select({ id: accounts.id, disabledAt: accounts.disabledAt }).from(accounts).where(eq(accounts.email, email.trim().toLowerCase()));
      if (!row || row.disabledAt) return;
      await db.transaction(async (tx) => {
        await issueLink(tx, row.id, 'reset');
        await recordAudit(tx, null, { action: 'password_reset_requested', objectKind: 'account', objectId: row.id });
      });
    },

    /** Sets the password through an invitation or reset link; the link works once. */
    async usePasswordLink(secret: string, password: string) {
      const now = clock.now();
      const [link] = await db.select().from(accountLinks)
        .where(and(eq(accountLinks.secretHash, secretHash(secret)), isNull(accountLinks.usedAt), gt(accountLinks.expiresAt, now)));
      if (!link) throw new Problem(410, 'link_expired', 'This link has been used or has expired; ask for a new one.');
      await setPassword(link.accountId, password, link.id);
      return link.accountId;
    },

    /**
     * Checks a password; failures lock the account for a growing time (15 s, 30 s, … up
     * to an hour) so guessing is slow even across many processes: the count is in the row.
     */
    async login(email: string, password: string) {
      const accountId = await checkPassword(email, password);
      const secret = newSecret();
      const csrfToken = newSecret();
      await db.insert(authSessions).values({ accountId, secretHash: secretHash(secret), csrfToken, expiresAt: new Date(clock.now().getTime() + SESSION_IDLE_MS) });
      return { sessionSecret: secret, csrfToken, account: await describe(accountId) };
    },

    /** A new password after the current one; every session ends, this one too. */
    async changePassword(accountId: string, currentPassword: string, newPassword: string) {
      const { email } = await describe(accountId);
      await checkPassword(email, currentPassword);
      await setPassword(accountId, newPassword);
    },

    logout: (sessionId: string) => db.delete(authSessions).where(eq(authSessions.id, sessionId)),

    /** A token for the caller's own rights or narrower; the secret is returned once. */
    async createToken(owner: SignedIn, input: { name: string; scope: TokenScope; unitId?: string | null; expiresAt?: string | null }) {
      if (input.unitId && owner.role !== 'admin' && !owner.unitIds.includes(input.unitId)) {
        throw unprocessable('invalid_token', 'A token cannot reach a unit its owner does not act for.', [fieldError('/unitId', 'not one of your units')]);
      }
      if (input.unitId) await checkUnits([input.unitId]);
      if (owner.scope === 'read' && input.scope === 'write') throw new Problem(403, 'forbidden', 'A read-only token cannot make a write token.');
      const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
      if (expiresAt && expiresAt <= clock.now()) throw unprocessable('invalid_token', 'The expiry is in the past.', [fieldError('/expiresAt', 'must be in the future')]);
      // Made through a token: never wider than that token (its unit, its expiry).
      if (owner.tokenId) {
        const [parent] = await db.select({ unitId: apiTokens.unitId, expiresAt: apiTokens.expiresAt }).from(apiTokens).where(eq(apiTokens.id, owner.tokenId));
        if (parent?.unitId && input.unitId !== parent.unitId) throw new Problem(403, 'forbidden', 'A token bound to a unit can only make tokens bound to that unit.');
        if (parent?.expiresAt && (!expiresAt || expiresAt > parent.expiresAt)) throw new Problem(403, 'forbidden', 'A token cannot make a token that outlives it.');
      }
      const secret = newSecret('kepu_');
      const row = await db.transaction(async (tx) => {
        const [inserted] = await tx.insert(apiTokens).values({
          accountId: owner.accountId, name: input.name, prefix: secret.slice(0, 9), secretHash: secretHash(secret),
          scope: input.scope, unitId: input.unitId ?? null, expiresAt,
        }).returning();
        await recordAudit(tx, actorOf(owner), { action: 'created', objectKind: 'api_token', objectId: inserted!.id, unitId: inserted!.unitId });
        return inserted!;
      });
      return { token: presentToken(row), secret };
    },

    async listTokens(accountId: string) {
      const rows = await db.select().from(apiTokens).where(eq(apiTokens.accountId, accountId)).orderBy(asc(apiTokens.createdAt));
      return rows.map(presentToken);
    },

    async revokeToken(owner: SignedIn, tokenId: string) {
      const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, tokenId));
      if (!row || (row.accountId !== owner.accountId && owner.role !== 'admin')) throw notFound('token', tokenId);
      if (row.revokedAt) throw conflict('already_revoked', 'The token is already revoked.');
      const revoked = await db.transaction(async (tx) => {
        const [updated] = await tx.update(apiTokens).set({ revokedAt: clock.now() }).where(eq(apiTokens.id, tokenId)).returning();
        await recordAudit(tx, actorOf(owner), { action: 'revoked', objectKind: 'api_token', objectId: tokenId, unitId: updated!.unitId });
        return updated!;
      });
      return presentToken(revoked);
    },
  };
}
export type AccountsService = ReturnType<typeof createAccountsService>;

export function presentToken(row: typeof apiTokens.$inferSelect) {
  return {
    id: row.id, name: row.name, prefix: row.prefix, scope: row.scope, unitId: row.unitId,
    expiresAt: row.expiresAt?.toISOString() ?? null, revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null, createdAt: row.createdAt.toISOString(),
  };
}
