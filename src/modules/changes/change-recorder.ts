import { sql, type SQL } from 'drizzle-orm';
import { eventUnits, events, tombstones } from '../../db/schema/index.js';
import type { Transaction } from '../../db/client.js';
import { recordAudit, type Actor } from '../audit/audit.js';

export type ChangeAction = 'created' | 'updated' | 'deleted' | 'published' | 'cancelled' | 'submitted' | 'returned';

type ChangeBase = { action: ChangeAction; eventId: string; ownerUnitId: string; changedFields: string[]; calendarVisible: boolean; actor: Actor };

/** What happened to a registration; the mail planner (mail/planner.ts) turns these into notices. */
export type RegistrationAction = 'created' | 'promoted' | 'updated' | 'cancelled' | 'checked_in' | 'check_in_undone' | 'erased' | 'link_renewed';
export type RegistrationChange = {
  entity: 'registration'; action: RegistrationAction; registrationId: string; eventId: string; sessionId: string;
  ownerUnitId: string; status: string; changedFields: string[]; actor: Actor;
};
export type Change = (ChangeBase & { entity: 'event' }) | (ChangeBase & { entity: 'session'; sessionId: string }) | RegistrationChange;

/**
 * Who may learn of the deletion is read from the event row, so it is recorded before the row
 * goes: the owner and co-organizing units, and the public if the event was ever published.
 */
async function leaveTombstone(tx: Transaction, change: ChangeBase & ({ entity: 'event' } | { entity: 'session'; sessionId: string })) {
  const event = sql.param(change.eventId);
  await tx.insert(tombstones).values({
    ...(change.entity === 'event' ? { kind: 'event', objectId: change.eventId } : { kind: 'session', objectId: change.sessionId, parentId: change.eventId }),
    unitIds: sql`array(select ${sql.param(change.ownerUnitId)}::uuid union select ${eventUnits.unitId} from ${eventUnits} where ${eventUnits.eventId} = ${event})`,
    wasPublished: sql`coalesce((select ${events.publishedAt} is not null from ${events} where ${events.id} = ${event}), false)`,
  });
}

/** Runs inside the transaction of the change: whatever it writes commits or rolls back with it. */
export type ChangeListener = (tx: Transaction, change: Change) => Promise<void>;

/**
 * How a listener takes part in a resident's sign-up made by one statement outside any
 * transaction (registrations.service.ts: no BEGIN and COMMIT round trips, and the session's
 * lock is held for that statement only). `cte` is what the listener would write in the
 * transaction, as the body of a data-modifying CTE over `registration`, the new row (every
 * column of the table; its status, confirmed or waitlisted, is decided in the statement);
 * `afterCommit` is what it does in this process once the statement has committed.
 */
export type SignUpParticipation = {
  cte?: (registration: SQL) => SQL;
  afterCommit?: (change: RegistrationChange) => void;
};

/**
 * The one door every change of an event, session or registration passes through, inside its
 * transaction. Deletions leave tombstones here, every change an audit entry; mail, feed-cache invalidation and
 * webhooks subscribe with `onChange` and so stay atomic with the change itself. A resident's
 * sign-up may instead be a single statement (`signUpInStatement`): what listeners write is
 * part of that statement, so it is just as atomic.
 */
export function createChangeRecorder() {
  const listeners: { listener: ChangeListener; signUp?: SignUpParticipation }[] = [];
  return {
    /** `signUp`: how the listener takes part in a sign-up made in one statement; without it no sign-up is made so. */
    onChange(listener: ChangeListener, signUp?: SignUpParticipation) {
      listeners.push({ listener, signUp });
    },
    /**
     * For a resident's sign-up in one statement (no actor, so nothing to audit): the listeners'
     * CTEs over `registration`, and what to run once it committed; null when some listener
     * cannot take part, and then the sign-up runs in a transaction and goes through `record`.
     */
    signUpInStatement(registration: SQL): { ctes: SQL[]; committed(change: RegistrationChange): void } | null {
      if (listeners.some((l) => !l.signUp)) return null;
      return {
        ctes: listeners.flatMap((l) => (l.signUp?.cte ? [l.signUp.cte(registration)] : [])),
        committed: (change) => { for (const l of listeners) l.signUp?.afterCommit?.(change); },
      };
    },
    async record(tx: Transaction, change: Change): Promise<void> {
      if (change.entity !== 'registration' && change.action === 'deleted') await leaveTombstone(tx, change);
      // A resident's own sign-ups and changes are in the registration's history; staff actions
      // on registrations (check-in, cancelling, promoting) are audited like any other.
      if (change.entity !== 'registration' || change.actor !== null) {
        await recordAudit(tx, change.actor, {
          action: change.action, objectKind: change.entity,
          objectId: change.entity === 'event' ? change.eventId : change.entity === 'session' ? change.sessionId : change.registrationId,
          unitId: change.ownerUnitId, changedFields: change.changedFields,
        });
      }
      for (const { listener } of listeners) await listener(tx, change);
    },
  };
}
export type ChangeRecorder = ReturnType<typeof createChangeRecorder>;
