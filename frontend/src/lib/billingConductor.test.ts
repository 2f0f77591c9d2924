import { describe, expect, it } from 'vitest';
import { importedCounts, otherMode, overallSync, syncCounts, syncObjectKind } from './billingConductor';

const failure = (name: string) => ({ kind: 'billing group', id: name, name, error: 'AccessDeniedException: not allowed' });

describe('billing mode', () => {
  it('switches to the other mode', () => {
    expect(otherMode('NATIVE')).toBe('BILLING_CONDUCTOR');
    expect(otherMode('BILLING_CONDUCTOR')).toBe('NATIVE');
  });

  it('counts objects by sync state, failed first, leaving out empty states', () => {
    expect(syncCounts({ synced: 3, pending: 0, failed: [failure('a'), failure('b')] })).toEqual([
      { status: 'FAILED', count: 2 },
      { status: 'SYNCED', count: 3 },
    ]);
    expect(syncCounts({ synced: 0, pending: 4, failed: [] })).toEqual([{ status: 'PENDING', count: 4 }]);
    expect(syncCounts({ synced: 0, pending: 0, failed: [] })).toEqual([]);
  });

  it('rolls the payer up to its worst state, and to none in native mode', () => {
    expect(overallSync({ mode: 'BILLING_CONDUCTOR', synced: 5, pending: 1, failed: [failure('a')] })).toBe('FAILED');
    expect(overallSync({ mode: 'BILLING_CONDUCTOR', synced: 5, pending: 1, failed: [] })).toBe('PENDING');
    expect(overallSync({ mode: 'BILLING_CONDUCTOR', synced: 5, pending: 0, failed: [] })).toBe('SYNCED');
    expect(overallSync({ mode: 'BILLING_CONDUCTOR', synced: 0, pending: 0, failed: [] })).toBeNull();
    // In native mode nothing is pushed: never-pushed objects count as pending but mean nothing.
    expect(overallSync({ mode: 'NATIVE', synced: 0, pending: 7, failed: [failure('a')] })).toBeNull();
  });

  it('translates the kinds the API names in words, and leaves unknown ones alone', () => {
    expect(syncObjectKind('billing group')).toBe('billingGroup');
    expect(syncObjectKind('Custom line item')).toBe('customLineItem');
    expect(syncObjectKind('pricing rule')).toBe('pricingRule');
    expect(syncObjectKind('pricing plan')).toBe('pricingPlan');
    expect(syncObjectKind('savings plan')).toBeNull();
  });

  it('lists what an import brought in, only the kinds it brought', () => {
    expect(importedCounts({ pricingRules: 2, pricingPlans: 1, billingGroups: 0, customLineItems: 3 })).toEqual([
      { kind: 'pricingRule', count: 2 },
      { kind: 'pricingPlan', count: 1 },
      { kind: 'customLineItem', count: 3 },
    ]);
    expect(importedCounts({ pricingRules: 0, pricingPlans: 0, billingGroups: 0, customLineItems: 0 })).toEqual([]);
  });
});
