import type { Grant, Role, TokenScope } from '../../db/schema/index.js';

/** Who is calling, with the rights that apply to this request. */
export type Principal =
  | { kind: 'anonymous' }
  | {
      kind: 'account';
      accountId: string;
      role: Role;
      grants: Grant[];
      /** Units the caller acts for on this request (a unit-bound token narrows its owner's). */
      unitIds: string[];
      scope: TokenScope;
      via: 'session' | 'token';
      tokenId?: string;
    };

export type SignedIn = Extract<Principal, { kind: 'account' }>;

export const isSignedIn = (p: Principal): p is SignedIn => p.kind === 'account';
export const isAdmin = (p: Principal) => isSignedIn(p) && p.role === 'admin';

/**
 * May the caller manage objects owned by `unitId`? Admins may manage all; organizers their
 * units'; checkers only what check-in needs (`checkIn`), for their units' events.
 */
export function mayManageUnit(p: Principal, unitId: string, { checkIn = false } = {}): boolean {
  if (!isSignedIn(p)) return false;
  if (p.role === 'admin') return true;
  return (p.role === 'organizer' || (checkIn && p.role === 'checker')) && p.unitIds.includes(unitId);
}

/** Venues and themed days: admins, and organizers granted them. */
export const mayManage = (p: Principal, grant: Grant) => isSignedIn(p) && (p.role === 'admin' || (p.role === 'organizer' && p.grants.includes(grant)));

/** What a caller may see of events: everything, their units' drafts too, or only the public. */
export type Viewer = { kind: 'public' } | { kind: 'all' } | { kind: 'units'; unitIds: string[] };
export function viewerOf(p: Principal): Viewer {
  if (!isSignedIn(p)) return { kind: 'public' };
  return p.role === 'admin' ? { kind: 'all' } : { kind: 'units', unitIds: p.unitIds };
}
