import { describe, expect, it } from 'vitest';
import type { ContractFieldsFragment } from '../generated/graphql';
import {
  backToOnboarding,
  bringInLinks,
  bringInPayerIds,
  checkItems,
  contractFormOf,
  contractInput,
  contractOf,
  contractProblems,
  contractUpdateInput,
  dayBefore,
  emptyContractForm,
  endDateProblem,
  exportsInOrder,
  exportState,
  worstFirst,
  worstHealth,
} from './onboarding';

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
  taxRate: '0',
  taxInclusive: false,
  paymentTermsDays: 30,
  language: 'en',
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
      taxRate: '0',
      taxInclusive: false,
      paymentTermsDays: 30,
      language: 'en',
    });
  });

  it('checks the tax rate and the payment terms, and sends them as numbers', () => {
    const form = { ...emptyContractForm('2026-11-23'), taxRate: ' 20.5 ', paymentTermsDays: '14', taxInclusive: true, language: 'zh-CN' as const };
    expect(contractProblems(form)).toEqual({});
    expect(contractInput('c1', form)).toMatchObject({ taxRate: '20.5', taxInclusive: true, paymentTermsDays: 14, language: 'zh-CN' });
    for (const taxRate of ['', '-1', '100.5', '20,5', '1.23456', 'ten']) expect(contractProblems({ ...form, taxRate }), taxRate).toEqual({ taxRate: 'invalid' });
    expect(contractProblems({ ...form, taxRate: '100' })).toEqual({});
    for (const paymentTermsDays of ['', '366', '1.5', '-3']) expect(contractProblems({ ...form, paymentTermsDays }), paymentTermsDays).toEqual({ paymentTermsDays: 'invalid' });
    expect(contractProblems({ ...form, renewal: 'FIXED_TERM', taxRate: 'x' })).toEqual({ endDate: 'required', taxRate: 'invalid' });
  });
});

describe('editing and ending a contract', () => {
  const current: ContractFieldsFragment = {
    ...contract('k1', 'c1', 'ACTIVE', '2026-01-01'),
    name: 'Initech 2026',
    endDate: '2026-12-31',
    renewal: 'MANUAL',
    payerIds: ['p1', 'p2'],
    invoicePrefix: 'INIT-',
  };

  it('starts from the contract as it is, and sends nothing when nothing changed', () => {
    const form = contractFormOf(current);
    expect(form).toMatchObject({ name: 'Initech 2026', startDate: '2026-01-01', endDate: '2026-12-31', renewal: 'MANUAL', payerIds: ['p1', 'p2'] });
    expect(contractUpdateInput(current, form)).toEqual({});
    // The same payers in another order, and a code typed in lower case, are no change.
    expect(contractUpdateInput(current, { ...form, payerIds: ['p2', 'p1'], invoicePrefix: 'init-', currency: ' usd ' })).toEqual({});
    expect(contractFormOf({ ...current, endDate: null }).endDate).toBe('');
    // The API's "20.00" and the form's "20" are the same rate: nothing to send.
    const taxed = { ...current, taxRate: '20.00', paymentTermsDays: 14, language: 'zh-CN' };
    expect(contractUpdateInput(taxed, { ...contractFormOf(taxed), taxRate: '20' })).toEqual({});
    expect(contractUpdateInput(taxed, { ...contractFormOf(taxed), taxRate: '19', taxInclusive: true, paymentTermsDays: '30', language: 'en' })).toEqual({
      taxRate: '19',
      taxInclusive: true,
      paymentTermsDays: 30,
      language: 'en',
    });
  });

  it('sends only what changed, normalized', () => {
    const form = contractFormOf(current);
    expect(contractUpdateInput(current, { ...form, name: ' Initech 2027 ', billingEmail: ' ap2@initech.example', invoicePrefix: 'in-27' })).toEqual({
      name: 'Initech 2027',
      billingEmail: 'ap2@initech.example',
      invoicePrefix: 'IN-27',
    });
    expect(contractUpdateInput(current, { ...form, payerIds: ['p1'], currency: 'eur', renewal: 'AUTO', startDate: '2025-12-01' })).toEqual({
      payerIds: ['p1'],
      currency: 'EUR',
      renewal: 'AUTO',
      startDate: '2025-12-01',
    });
  });

  it('clears the end date with null (open-ended) and sets one that was not there', () => {
    expect(contractUpdateInput(current, { ...contractFormOf(current), endDate: '' })).toEqual({ endDate: null });
    const open = { ...current, endDate: null };
    expect(contractUpdateInput(open, { ...contractFormOf(open), endDate: '2027-03-31' })).toEqual({ endDate: '2027-03-31' });
  });

  it('checks the end date of ending: given, and not before the start', () => {
    expect(endDateProblem(current, '')).toBe('required');
    expect(endDateProblem(current, '2026-1-5')).toBe('required');
    expect(endDateProblem(current, '2025-12-31')).toBe('beforeStart');
    expect(endDateProblem(current, '2026-01-01')).toBeNull(); // inclusive: a one-day contract
    expect(endDateProblem(current, '2026-06-30')).toBeNull();
  });

  it('the day before, across months and a leap day', () => {
    expect(dayBefore('2026-03-01')).toBe('2026-02-28');
    expect(dayBefore('2028-03-01')).toBe('2028-02-29');
    expect(dayBefore('2027-01-01')).toBe('2026-12-31');
    expect(dayBefore('2026-11-23')).toBe('2026-11-22');
  });
});

describe('cost exports', () => {
  const check = (key: string, passed: boolean, fix: string | null = null, required = true) => ({ key, passed, required, reason: `${key} found`, fix });
  const exp = (name: string, valid: boolean) => ({ name, valid });

  it('marks each export in use, usable or not usable', () => {
    const validation = { selectedExport: 'cur2-daily' };
    expect(exportState(validation, exp('cur2-daily', true))).toBe('IN_USE');
    expect(exportState(validation, exp('cur2-hourly', true))).toBe('VALID');
    expect(exportState(validation, exp('focus', false))).toBe('INVALID');
    // A selected export that later fails its checks is not usable any more.
    expect(exportState(validation, exp('cur2-daily', false))).toBe('INVALID');
    expect(exportState({ selectedExport: null }, exp('cur2-daily', true))).toBe('VALID');
  });

  it('orders exports in use first, then usable, then the rest', () => {
    const list = [exp('focus', false), exp('b', true), exp('legacy', false), exp('a', true)];
    expect(exportsInOrder({ selectedExport: 'a' }, list).map((x) => x.name)).toEqual(['a', 'b', 'focus', 'legacy']);
    expect(list[0].name).toBe('focus'); // the input stays as it was
  });

  it("maps checks to a status, failed first, with a fix only for a failed check and unknown keys kept", () => {
    const items = checkItems([
      check('KIND', true, 'ignored for a passed check'),
      check('GRANULARITY', false, 'Choose daily or hourly granularity'),
      check('NEW_CHECK', false),
      check('FORMAT', true),
    ]);
    expect(items.map((c) => [c.key, c.status])).toEqual([
      ['GRANULARITY', 'FAILED'],
      ['NEW_CHECK', 'FAILED'],
      ['KIND', 'PASSED'],
      ['FORMAT', 'PASSED'],
    ]);
    expect(items[0]).toEqual({ known: 'GRANULARITY', key: 'GRANULARITY', status: 'FAILED', reason: 'GRANULARITY found', fix: 'Choose daily or hourly granularity' });
    expect(items[1].known).toBeNull();
    expect(items[1].fix).toBeNull();
    expect(items[2].fix).toBeNull();
  });

  it('puts advice (a check not required) after the failures and keeps its fix', () => {
    const items = checkItems([
      check('RESOURCE_IDS', false, 'Turn on resource ids if you use such tools', false),
      check('KIND', true),
      check('FORMAT', false, 'Use Parquet'),
    ]);
    expect(items.map((c) => [c.key, c.status])).toEqual([
      ['FORMAT', 'FAILED'],
      ['RESOURCE_IDS', 'ADVISED'],
      ['KIND', 'PASSED'],
    ]);
    expect(items[1].fix).toBe('Turn on resource ids if you use such tools');
  });
});

describe('bringing a customer in', () => {
  it('takes the payers of contracts in force or to come, each once, and not of ended ones', () => {
    const c = (status: ContractFieldsFragment['status'], payerIds: string[]) => ({ status, payerIds });
    expect(bringInPayerIds([c('ACTIVE', ['p-1', 'p-2']), c('PENDING', ['p-2', 'p-3']), c('ENDED', ['p-4'])])).toEqual(['p-1', 'p-2', 'p-3']);
    expect(bringInPayerIds([c('ENDED', ['p-4']), c('ACTIVE', [])])).toEqual([]);
    expect(bringInPayerIds([])).toEqual([]);
  });

  it('links to the payer’s accounts, and to its transfers with the invite open and the way back', () => {
    expect(bringInLinks('p-1', 't-res', 't-cust')).toEqual({
      accounts: '/payers/p-1/accounts',
      transfer: '/payers/p-1/transfers?invite=1&from=onboarding&customer=t-cust&tenant=t-res',
    });
  });

  it('goes back to onboarding only from a page opened from it, for a customer', () => {
    expect(backToOnboarding(new URLSearchParams('invite=1&from=onboarding&customer=t-cust&tenant=t-res'))).toBe('/onboarding?tenant=t-res&customer=t-cust');
    expect(backToOnboarding(new URLSearchParams('from=onboarding&customer=t-cust'))).toBe('/onboarding?customer=t-cust');
    expect(backToOnboarding(new URLSearchParams('invite=1'))).toBeNull();
    expect(backToOnboarding(new URLSearchParams('from=elsewhere&customer=t-cust'))).toBeNull();
    expect(backToOnboarding(new URLSearchParams('from=onboarding'))).toBeNull();
  });
});
