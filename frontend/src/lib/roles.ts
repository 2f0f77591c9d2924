// What the signed-in user may do, derived from `me { memberships { role tenant payer } }`, so
// the UI can hide actions the API would refuse. The API still decides every request.

import type { Role } from '../generated/graphql';

export type { Role };

const RANK: Record<Role, number> = { VIEWER: 1, OPERATOR: 2, ADMIN: 3 };

/** Every role, least powerful first, as role pickers list them. */
export const ROLES: readonly Role[] = ['VIEWER', 'OPERATOR', 'ADMIN'];

/**
 * What every form that grants a role (a user, a membership, an API token) starts with: the least
 * powerful one, as docs/api.md advises. More is a deliberate choice.
 */
export const DEFAULT_ROLE: Role = 'VIEWER';

export interface MembershipLike {
  role: Role;
  tenant: { id: string } | null;
  payer?: { id: string } | null;
}

export function atLeast(role: Role | null | undefined, needed: Role): boolean {
  return !!role && RANK[role] >= RANK[needed];
}

export function maxRole(roles: Iterable<Role | null | undefined>): Role | null {
  let best: Role | null = null;
  for (const role of roles) if (role && (!best || RANK[role] > RANK[best])) best = role;
  return best;
}

/** The highest role the user holds anywhere (what the navigation shows). */
export function highestRole(memberships: readonly MembershipLike[]): Role | null {
  return maxRole(memberships.map((m) => m.role));
}

/**
 * The user's role on one tenant: the highest role held on it or on any ancestor (a role on a
 * node applies to its whole subtree). `parentOf` maps each visible tenant id to its parent id.
 */
export function roleOnTenant(
  tenantId: string,
  memberships: readonly MembershipLike[],
  parentOf: ReadonlyMap<string, string | null>,
): Role | null {
  const held = new Map<string, Role>();
  for (const m of memberships) {
    if (!m.tenant) continue;
    held.set(m.tenant.id, maxRole([held.get(m.tenant.id), m.role]) as Role);
  }
  let best: Role | null = null;
  const seen = new Set<string>();
  for (let id: string | null | undefined = tenantId; id && !seen.has(id); id = parentOf.get(id)) {
    seen.add(id);
    best = maxRole([best, held.get(id)]);
  }
  return best;
}

/** The capabilities the UI shows or hides. */
export interface Abilities {
  /** Create API tokens, and other operator work as it arrives. */
  write: boolean;
  /** Create tenants and users, grant and revoke roles, disable users. */
  administer: boolean;
}

export function abilities(memberships: readonly MembershipLike[]): Abilities {
  const top = highestRole(memberships);
  return { write: atLeast(top, 'OPERATOR'), administer: atLeast(top, 'ADMIN') };
}

/**
 * The user's role on a payer: a membership on the payer itself, or the role on the payer's
 * tenant (and its ancestors).
 */
export function roleOnPayer(
  payer: { id: string; tenant: { id: string } | null },
  memberships: readonly MembershipLike[],
  parentOf: ReadonlyMap<string, string | null>,
): Role | null {
  const direct = maxRole(memberships.filter((m) => m.payer?.id === payer.id).map((m) => m.role));
  const viaTenant = payer.tenant ? roleOnTenant(payer.tenant.id, memberships, parentOf) : null;
  return maxRole([direct, viaTenant]);
}

/** What the payer and account pages show, by the role on the payer (mirrors the API's checks). */
export interface PayerAbilities {
  /** Check the connection, sync, create/invite/move accounts, attach and detach SCPs. */
  operate: boolean;
  /** Edit or remove the payer, close accounts, create SCPs. */
  administer: boolean;
}

export function payerAbilities(role: Role | null): PayerAbilities {
  return { operate: atLeast(role, 'OPERATOR'), administer: atLeast(role, 'ADMIN') };
}

export interface MembershipWithKind {
  role: Role;
  tenant: { id: string; kind: string } | null;
  payer?: { id: string } | null;
}

/**
 * An end customer: every role the user holds is on a customer tenant (none on a payer or a
 * partner tier). They see only their own charges.
 */
export function isEndCustomer(memberships: readonly MembershipWithKind[]): boolean {
  return memberships.length > 0 && memberships.every((m) => !m.payer && m.tenant?.kind === 'CUSTOMER');
}
