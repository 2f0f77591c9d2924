import { describe, expect, it } from 'vitest';
import type { ContractFieldsFragment } from '../generated/graphql';
import { contractInput, contractOf, contractProblems, emptyContractForm, worstFirst, worstHealth } from './onboarding';

const contract = (id: string, customerTenantId: string, status: ContractFieldsFragment['status'], startDate: string): ContractFieldsFragment => ({
  id,
  name: id,
  customerTenantId,
  startDate,
  endDate: null,
  renewal: 'AUTO',
  status,
  payerIds: [],
  billingEmail: 'billing@example.com',
  contractChangeEmail: 'contracts@example.com',
  invoicePrefix: 'INV',
  currency: 'USD',
});

describe('health', () => {
  it('orders worst first, keeping the order of equals', () => {
    const entries = [
      { name: 'a', health: 'SUCCESS' as const },
      { name: 'b', health: 'NOT_AVAILABLE' as const },
      { name: 'c', health: 'FAILED' as const },
      { name: 'd', health: 'WARNING' as const },
      { name: 'e', health: 'FAILED' as const },
    ];
    expect(worstFirst(entries).map((e) => e.name)).toEqual(['c', 'e', 'd', 'b', 'a']);
    expect(entries[0].name).toBe('a'); // the input stays as it was
    expect(worstHealth(['SUCCESS', 'NOT_AVAILABLE', 'WARNING'])).toBe('WARNING');
    expect(worstHealth([])).toBe('SUCCESS');
  });
});

describe('contracts', () => {
  it("picks the customer's active contract, else the next pending one, else the last ended one", () => {
    const all = [
      contract('ended-old', 'c1', 'ENDED', '2024-01-01'),
      contract('ended-new', 'c1', 'ENDED', '2025-01-01'),
      contract('pending-late', 'c1', 'PENDING', '2027-06-01'),
      contract('pending-soon', 'c1', 'PENDING', '2027-01-01'),
      contract('other', 'c2', 'ACTIVE', '2026-01-01'),
    ];
    expect(contractOf('c1', all)?.id).toBe('pending-soon');
    expect(contractOf('c1', [...all, contract('active', 'c1', 'ACTIVE', '2026-01-01')])?.id).toBe('active');
    expect(contractOf('c1', all.filter((c) => c.status !== 'PENDING'))?.id).toBe('ended-new');
    expect(contractOf('c3', all)).toBeNull();
  });

  it('checks the end date and maps the form', () => {
    const form = { ...emptyContractForm('2026-11-23'), name: ' Initech 2026 ', invoicePrefix: ' init-', currency: 'eur', billingEmail: ' ap@initech.example ', contractChangeEmail: 'legal@initech.example' };
    expect(contractProblems(form)).toEqual({});
    expect(contractProblems({ ...form, renewal: 'FIXED_TERM' })).toEqual({ endDate: 'required' });
    expect(contractProblems({ ...form, endDate: '2026-11-22' })).toEqual({ endDate: 'beforeStart' });
    expect(contractProblems({ ...form, endDate: '2026-11-23' })).toEqual({}); // inclusive: a one-day contract
    expect(contractInput('c1', form)).toEqual({
      customerTenantId: 'c1',
      name: 'Initech 2026',
      startDate: '2026-11-23',
      endDate: null,
      renewal: 'AUTO',
      payerIds: [],
      billingEmail: 'ap@initech.example',
      contractChangeEmail: 'legal@initech.example',
      invoicePrefix: 'INIT-',
      currency: 'EUR',
    });
  });
});
