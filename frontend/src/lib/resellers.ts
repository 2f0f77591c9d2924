// Price stacking (docs/channel.md, "a reseller prices on top of its distributor"): which payer is
// a reseller's (priced from its distributor's billing group, with no AWS access, so the pages
// offer no AWS action on it), and which billing groups of a distributor may give their customer
// a payer of its own. The API still decides every request.

import type { PayerFieldsFragment, TenantKind } from '../generated/graphql';

/** A reseller's payer: status RESELLER, or priced from an upstream billing group. */
export function isResellerPayer(payer: Pick<PayerFieldsFragment, 'status'> & { upstreamBillingGroupId?: string | null }): boolean {
  return payer.status === 'RESELLER' || !!payer.upstreamBillingGroupId;
}

/** Tenant kinds that price a tier below them, and so may get a payer over a group. */
const PRICING_KINDS: ReadonlySet<TenantKind> = new Set(['RESELLER', 'DISTRIBUTOR']);

/**
 * Whether a group's row offers "Give <customer> its own payer" (to the payer's admins): the group
 * has a customer, and that customer is a reseller or distributor — or its kind is unknown here
 * (a tenant the caller cannot list), in which case the API's VALIDATION answer says why not.
 */
export function offersResellerPayer(customerTenantId: string | null | undefined, kindOf: (tenantId: string) => TenantKind | undefined): boolean {
  if (!customerTenantId) return false;
  const kind = kindOf(customerTenantId);
  return kind === undefined || PRICING_KINDS.has(kind);
}

/** The tenants a billing group may bill: end customers, and resellers or distributors to price on top. */
export function groupCustomerKinds(kind: TenantKind): boolean {
  return kind === 'CUSTOMER' || PRICING_KINDS.has(kind);
}

/** The most characters the API takes for a payer's name. */
export const PAYER_NAME_MAX = 200;

/** Why a new payer's name is refused before asking the API, or null. */
export function payerNameProblem(name: string): 'required' | 'tooLong' | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'required';
  if ([...trimmed].length > PAYER_NAME_MAX) return 'tooLong';
  return null;
}
