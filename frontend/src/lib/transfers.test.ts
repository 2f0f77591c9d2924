import { describe, expect, it } from 'vitest';
import type { BillingTransferStatus } from '../generated/graphql';
import {
  earliestEndMonth,
  earliestMonth,
  emptyInviteForm,
  endProblem,
  inviteInput,
  inviteProblems,
  newestFirst,
  parseTarget,
  transferActions,
} from './transfers';

const group = { passthrough: true, pricingPlanId: null, billingConductorArn: null, createdAt: '2026-12-02T00:00:00Z' };
const state = (status: BillingTransferStatus, extra: { endMonth?: string; grouped?: boolean } = {}) => ({
  status,
  endMonth: extra.endMonth ?? null,
  billingGroup: extra.grouped ? group : null,
});

// Mid-month and on the first, in UTC (a late evening in America is already the next day in UTC).
const dec6 = new Date('2026-12-06T10:00:00Z');
const jan1 = new Date('2027-01-01T00:30:00Z');

describe('transferActions', () => {
  it('lets admins withdraw an invitation, end and price an accepted or active transfer', () => {
    expect(transferActions(state('INVITED'), true)).toEqual(['withdraw']);
    expect(transferActions(state('ACCEPTED'), true)).toEqual(['end', 'createGroup']);
    expect(transferActions(state('ACTIVE', { grouped: true }), true)).toEqual(['end']);
    expect(transferActions(state('ACTIVE', { endMonth: '2027-03' }), true)).toEqual(['createGroup']);
  });

  it('offers nothing on a finished transfer, nor to anyone but admins', () => {
    for (const status of ['DECLINED', 'EXPIRED', 'WITHDRAWN', 'ENDED'] as const) expect(transferActions(state(status), true)).toEqual([]);
    for (const status of ['INVITED', 'ACCEPTED', 'ACTIVE'] as const) expect(transferActions(state(status), false)).toEqual([]);
  });
});

describe('months', () => {
  it('starts next month, or this month on the first (UTC)', () => {
    expect(earliestMonth(dec6)).toBe('2027-01');
    expect(earliestMonth(jan1)).toBe('2027-01');
    expect(emptyInviteForm(dec6).startMonth).toBe('2027-01');
  });

  it('ends after the start month and not in the past', () => {
    expect(earliestEndMonth('2026-10', dec6)).toBe('2027-01');
    expect(earliestEndMonth('2027-03', dec6)).toBe('2027-04');
    expect(endProblem('2026-10', '2027-01', dec6)).toBeNull();
    expect(endProblem('2026-10', '2026-12', dec6)).toBe('past');
    expect(endProblem('2027-03', '2027-03', dec6)).toBe('notAfterStart');
    expect(endProblem('2027-03', '', dec6)).toBe('required');
  });
});

describe('the invitation', () => {
  const form = { target: '', startMonth: '2027-01', name: '', notes: '' };

  it('reads a 12-digit account id (dashes allowed) or an email, and refuses anything else', () => {
    expect(parseTarget(' 1234-5678-9012 ')).toEqual({ managementAccountId: '123456789012', email: null });
    expect(parseTarget('billing@initech.example')).toEqual({ managementAccountId: null, email: 'billing@initech.example' });
    expect(parseTarget('12345678901')).toBe('accountId');
    expect(parseTarget('billing@initech')).toBe('email');
    expect(parseTarget('initech')).toBe('neither');
    expect(parseTarget('  ')).toBe('required');
  });

  it('refuses the payer itself, a month in the past and over-long text, by field', () => {
    expect(inviteProblems({ ...form, target: '111111111111' }, '111111111111', dec6)).toEqual({ target: 'self' });
    expect(inviteProblems({ ...form, target: '222222222222', startMonth: '2026-12' }, '111111111111', dec6)).toEqual({ startMonth: 'past' });
    expect(inviteProblems({ ...form, target: '222222222222', startMonth: '2027-01' }, '111111111111', jan1)).toEqual({});
    expect(inviteProblems({ ...form, target: '222222222222', name: 'x'.repeat(129), notes: '注'.repeat(1025) }, '111111111111', dec6)).toEqual({
      name: 'tooLong',
      notes: 'tooLong',
    });
    expect(inviteProblems({ ...form, target: '222222222222', name: '名'.repeat(128) }, '111111111111', dec6)).toEqual({});
  });

  it('sends the first of the month, the target in its own field, and no empty text', () => {
    expect(inviteInput('p-1', { ...form, target: 'billing@initech.example', name: '  ', notes: ' Welcome ' })).toEqual({
      payerId: 'p-1',
      managementAccountId: null,
      email: 'billing@initech.example',
      startDate: '2027-01-01',
      name: null,
      notes: 'Welcome',
    });
  });
});

describe('newestFirst', () => {
  it('orders by when the transfer was invited, newest first', () => {
    const list = [{ id: 'a', createdAt: '2026-10-01T00:00:00Z' }, { id: 'b', createdAt: '2026-12-01T09:00:00Z' }, { id: 'c', createdAt: '2026-11-15T00:00:00+08:00' }];
    expect(newestFirst(list).map((x) => x.id)).toEqual(['b', 'c', 'a']);
  });
});
