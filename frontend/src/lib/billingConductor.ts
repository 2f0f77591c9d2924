// A payer's billing mode and how far its billing objects are in step with AWS Billing Conductor
// (ABC): which mode a switch goes to, the objects counted by sync state with a badge each (an
// icon and a word beside the colour), the failed ones with AWS's reason, and an import's outcome.

import type { BillingConductorStatusFieldsFragment, BillingMode, BillingSyncStatus, ImportBillingConductorMutation } from '../generated/graphql';

export const SYNC_BADGE: Record<BillingSyncStatus, { className: string; icon: string }> = {
  SYNCED: { className: 'status-on', icon: '✓' },
  PENDING: { className: 'status-warn', icon: '…' },
  FAILED: { className: 'status-off', icon: '✕' },
};

/** The mode a switch offers: the other one. */
export function otherMode(mode: BillingMode): BillingMode {
  return mode === 'NATIVE' ? 'BILLING_CONDUCTOR' : 'NATIVE';
}

export interface SyncCount {
  status: BillingSyncStatus;
  count: number;
}

/** Objects by sync state, failed first (what needs a person), leaving out the states with none. */
export function syncCounts(status: Pick<BillingConductorStatusFieldsFragment, 'synced' | 'pending' | 'failed'>): SyncCount[] {
  const all: SyncCount[] = [
    { status: 'FAILED', count: status.failed.length },
    { status: 'PENDING', count: status.pending },
    { status: 'SYNCED', count: status.synced },
  ];
  return all.filter((c) => c.count > 0);
}

/**
 * The state of the payer as a whole: null in NATIVE mode (nothing is pushed) or with no billing
 * objects; else FAILED when any object failed, PENDING while any waits, SYNCED when all are.
 */
export function overallSync(status: Pick<BillingConductorStatusFieldsFragment, 'mode' | 'synced' | 'pending' | 'failed'>): BillingSyncStatus | null {
  if (status.mode !== 'BILLING_CONDUCTOR') return null;
  return syncCounts(status)[0]?.status ?? null;
}

/** The API names a failed object's kind in words; these are the ones the page translates. */
export type SyncObjectKind = 'billingGroup' | 'pricingPlan' | 'pricingRule' | 'customLineItem';
const KINDS: Record<string, SyncObjectKind> = {
  'billing group': 'billingGroup',
  'pricing plan': 'pricingPlan',
  'pricing rule': 'pricingRule',
  'custom line item': 'customLineItem',
};

/** The translatable kind of a failed object, or null for one this client does not know (shown as the API wrote it). */
export function syncObjectKind(kind: string): SyncObjectKind | null {
  return KINDS[kind.trim().toLowerCase()] ?? null;
}

export type ImportReport = ImportBillingConductorMutation['importBillingConductor'];
export type ImportCounts = Omit<ImportReport, 'skipped'>;

/** What an import brought in, as (kind, count) for the kinds it brought any of, in ABC's order. */
export function importedCounts(report: ImportCounts): { kind: SyncObjectKind; count: number }[] {
  const all: { kind: SyncObjectKind; count: number }[] = [
    { kind: 'pricingRule', count: report.pricingRules },
    { kind: 'pricingPlan', count: report.pricingPlans },
    { kind: 'billingGroup', count: report.billingGroups },
    { kind: 'customLineItem', count: report.customLineItems },
  ];
  return all.filter((c) => c.count > 0);
}
