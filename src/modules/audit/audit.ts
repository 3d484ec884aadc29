import type { Executor } from '../../db/client.js';
import { auditLog } from '../../db/schema/index.js';
import { isSignedIn, type Principal } from '../accounts/principal.js';

/** Who made a change: an account (through a session or one of its tokens), or the system (seeding). */
export type Actor = { accountId: string; tokenId: string | null } | null;

export const actorOf = (principal: Principal): Actor =>
  isSignedIn(principal) ? { accountId: principal.accountId, tokenId: principal.tokenId ?? null } : null;

export type AuditEntry = {
  action: string;
  objectKind: string;
  objectId: string;
  unitId?: string | null;
  /** Names only, never values: erasing a person's data never has to touch the log. */
  changedFields?: string[];
};

/** Appends one entry inside the caller's transaction, so the log and the change commit together. */
export async function recordAudit(tx: Executor, actor: Actor, entry: AuditEntry) {
  await tx.insert(auditLog).values({
    actorAccountId: actor?.accountId ?? null,
    actorTokenId: actor?.tokenId ?? null,
    action: entry.action,
    objectKind: entry.objectKind,
    objectId: entry.objectId,
    unitId: entry.unitId ?? null,
    changedFields: entry.changedFields ?? [],
  });
}
