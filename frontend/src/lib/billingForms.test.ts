import { describe, expect, it } from 'vitest';
import type { BillingGroupFieldsFragment, CustomLineItemFieldsFragment, PricingPlanFieldsFragment, PricingRuleFieldsFragment } from '../generated/graphql';
import {
  changesAnything,
  checkAmount,
  effectivePrimary,
  emptyItemForm,
  emptyPlanForm,
  emptyRuleForm,
  groupCreateInput,
  groupFormOf,
  groupUpdateInput,
  itemAmountProblem,
  itemCreateInput,
  itemFormOf,
  itemUpdateInput,
  normalize,
  periodRangeProblem,
  planCreateInput,
  planFormOf,
  planUpdateInput,
  ruleAmountProblem,
  ruleCreateInput,
  ruleFormOf,
  ruleUpdateInput,
} from './billingForms';

const rule: PricingRuleFieldsFragment = {
  id: 'r1',
  payerId: 'p1',
  name: 'Markup10',
  description: '',
  scope: 'SERVICE',
  type: 'MARKUP',
  modifierPercentage: '10.00',
  service: 'AmazonEC2',
  billingEntity: null,
  usageType: null,
  operation: null,
  freeTier: null,
};

const plan: PricingPlanFieldsFragment = {
  id: 'pl1',
  payerId: 'p1',
  name: 'Standard',
  description: 'the usual',
  base: 'LIST',
  passTax: false,
  passCredits: true,
  passRefunds: false,
  passPartnerDiscounts: false,
  pricingRules: [
    { id: 'r1', name: 'Markup10' },
    { id: 'r2', name: 'Ec2Off' },
  ],
};

const group: BillingGroupFieldsFragment = {
  id: 'g1',
  payerId: 'p1',
  name: 'Initech',
  description: '',
  primaryAccountId: '111111111111',
  accountIds: ['111111111111', '222222222222'],
  pricingPlanId: 'pl1',
  customerTenantId: 't9',
  abcSyncStatus: null,
  abcSyncError: null,
  createdAt: '2026-11-01T00:00:00Z',
};

const flatItem: CustomLineItemFieldsFragment = {
  id: 'i1',
  billingGroupId: 'g1',
  name: 'Support-fee',
  description: '',
  chargeType: 'FEE',
  flatAmount: '250',
  percentage: null,
  billingPeriodStart: '2026-11',
  billingPeriodEnd: null,
  childItemIds: [],
  linkedAccountId: null,
  excludeSavingsPlanNegation: false,
  currency: 'USD',
};

describe('amounts', () => {
  it('accepts plain decimals with at most two significant decimals, up to the maximum', () => {
    expect(checkAmount('10', '100')).toBeNull();
    expect(checkAmount(' 99.99 ', '100')).toBeNull();
    expect(checkAmount('100.00', '100')).toBeNull();
    expect(checkAmount('1.500', '100')).toBeNull(); // a trailing zero is not a third decimal
    expect(checkAmount('.5', '100')).toBeNull();
    expect(checkAmount('0', '100')).toBeNull();
    expect(checkAmount('-0', '100')).toBeNull();
  });

  it('says what is wrong', () => {
    expect(checkAmount('', '100')).toEqual({ kind: 'required' });
    expect(checkAmount('   ', '100')).toEqual({ kind: 'required' });
    expect(checkAmount('1,000', '1000000')).toEqual({ kind: 'format' });
    expect(checkAmount('1e3', '1000000')).toEqual({ kind: 'format' });
    expect(checkAmount('abc', '100')).toEqual({ kind: 'format' });
    expect(checkAmount('.', '100')).toEqual({ kind: 'format' });
    expect(checkAmount('-5', '100')).toEqual({ kind: 'negative' });
    expect(checkAmount('10.123', '100')).toEqual({ kind: 'decimals' });
    expect(checkAmount('100.01', '100')).toEqual({ kind: 'max', max: '100' });
  });

  it('uses the limit of the rule type and of the item kind', () => {
    expect(ruleAmountProblem({ type: 'DISCOUNT', modifier: '100.5' })).toEqual({ kind: 'max', max: '100' });
    expect(ruleAmountProblem({ type: 'MARKUP', modifier: '150' })).toBeNull();
    expect(ruleAmountProblem({ type: 'TIERING', modifier: '' })).toBeNull();
    expect(itemAmountProblem({ kind: 'percentage', amount: '10000.01' })).toEqual({ kind: 'max', max: '10000' });
    expect(itemAmountProblem({ kind: 'flat', amount: '10000.01' })).toBeNull();
    expect(itemAmountProblem({ kind: 'flat', amount: '1000000.01' })).toEqual({ kind: 'max', max: '1000000' });
  });

  it('normalizes what the API reads', () => {
    expect(normalize(' +12. ')).toBe('12');
    expect(normalize('.25')).toBe('0.25');
    expect(normalize('-.25')).toBe('-0.25');
  });
});

describe('pricing rules', () => {
  it('sends only the fields of the chosen scope', () => {
    const form = { ...emptyRuleForm(), name: ' S3-sku ', scope: 'SKU' as const, type: 'DISCOUNT' as const, modifier: '20', service: 'AmazonS3', usageType: 'TimedStorage-ByteHrs', operation: 'StandardStorage', billingEntity: 'AWS' };
    expect(ruleCreateInput('p1', form)).toEqual({
      payerId: 'p1',
      name: 'S3-sku',
      description: null,
      scope: 'SKU',
      type: 'DISCOUNT',
      modifierPercentage: '20',
      service: 'AmazonS3',
      billingEntity: null,
      usageType: 'TimedStorage-ByteHrs',
      operation: 'StandardStorage',
      freeTier: null,
    });
    const entity = ruleCreateInput('p1', { ...form, scope: 'BILLING_ENTITY', billingEntity: 'AWS Marketplace' });
    expect([entity.service, entity.billingEntity, entity.usageType, entity.operation]).toEqual([null, 'AWS Marketplace', null, null]);
  });

  it('makes a free-tier rule GLOBAL without a modifier', () => {
    const input = ruleCreateInput('p1', { ...emptyRuleForm(), name: 'NoFreeTier', scope: 'SERVICE', service: 'AmazonEC2', type: 'TIERING', modifier: '5', freeTier: false });
    expect(input).toMatchObject({ scope: 'GLOBAL', type: 'TIERING', modifierPercentage: null, service: null, freeTier: false });
  });

  it('updates only what changed, and never scope or type', () => {
    const form = ruleFormOf(rule);
    expect(form.modifier).toBe('10');
    expect(ruleUpdateInput(rule, form)).toEqual({});
    expect(ruleUpdateInput(rule, { ...form, modifier: '10.0' })).toEqual({});
    expect(ruleUpdateInput(rule, { ...form, name: 'Markup12 ', modifier: '12', scope: 'GLOBAL' })).toEqual({ name: 'Markup12', modifierPercentage: '12' });
    const tiering: PricingRuleFieldsFragment = { ...rule, scope: 'GLOBAL', type: 'TIERING', modifierPercentage: '0', service: null, freeTier: true };
    expect(ruleUpdateInput(tiering, { ...ruleFormOf(tiering), freeTier: false })).toEqual({ freeTier: false });
  });
});

describe('pricing plans', () => {
  it('maps the form, and updates the rule set as a whole', () => {
    expect(planCreateInput('p1', { ...emptyPlanForm(), name: ' Gold ', ruleIds: ['r1'], passTax: true })).toEqual({
      payerId: 'p1',
      name: 'Gold',
      description: null,
      base: 'LIST',
      pricingRuleIds: ['r1'],
      passTax: true,
      passCredits: false,
      passRefunds: false,
      passPartnerDiscounts: false,
    });
    const form = planFormOf(plan);
    expect(planUpdateInput(plan, form)).toEqual({});
    expect(planUpdateInput(plan, { ...form, ruleIds: ['r2', 'r1'] })).toEqual({}); // order does not matter
    expect(planUpdateInput(plan, { ...form, ruleIds: ['r2'], passCredits: false, base: 'AMORTIZED' })).toEqual({ pricingRuleIds: ['r2'], passCredits: false, base: 'AMORTIZED' });
  });
});

describe('billing groups', () => {
  it('takes the first member as primary until one is chosen, and keeps it a member', () => {
    expect(effectivePrimary({ members: [], primary: '' })).toBe('');
    expect(effectivePrimary({ members: ['222222222222', '111111111111'], primary: '' })).toBe('222222222222');
    expect(effectivePrimary({ members: ['222222222222', '111111111111'], primary: '111111111111' })).toBe('111111111111');
    expect(effectivePrimary({ members: ['222222222222'], primary: '111111111111' })).toBe('222222222222');
  });

  it('creates with the default plan and no customer when none is chosen', () => {
    const form = { name: ' Acme ', description: '', members: ['111111111111'], primary: '', planId: '', customerTenantId: '' };
    expect(groupCreateInput('p1', form, 'pl1', '2026-11')).toEqual({
      payerId: 'p1',
      name: 'Acme',
      description: null,
      primaryAccountId: '111111111111',
      accountIds: ['111111111111'],
      pricingPlanId: 'pl1',
      customerTenantId: null,
      billingPeriod: '2026-11',
    });
  });

  it('updates only what changed, with the period members change from; null removes the customer', () => {
    const form = groupFormOf(group);
    expect(groupUpdateInput(group, form, '2026-11')).toEqual({ billingPeriod: '2026-11' });
    expect(changesAnything(groupUpdateInput(group, form, '2026-11'))).toBe(false);
    expect(groupUpdateInput(group, { ...form, members: ['222222222222', '111111111111'] }, '2026-11')).toEqual({ billingPeriod: '2026-11' });
    const changed = groupUpdateInput(group, { ...form, members: ['222222222222', '333333333333'], customerTenantId: '', description: 'moved' }, '2026-12');
    expect(changed).toEqual({
      billingPeriod: '2026-12',
      description: 'moved',
      accountIds: ['222222222222', '333333333333'],
      primaryAccountId: '222222222222', // the old primary left
      customerTenantId: null,
    });
    expect(changesAnything(changed)).toBe(true);
  });
});

describe('custom line items', () => {
  it('sends flatAmount for FLAT and percentage (with its base) for PERCENTAGE', () => {
    const flat = itemCreateInput({ ...emptyItemForm('g1'), name: 'Fee', kind: 'flat', amount: '150.34', childItemIds: ['i9'], excludeSavingsPlanNegation: true });
    expect(flat).toEqual({
      billingGroupId: 'g1',
      name: 'Fee',
      description: null,
      chargeType: 'FEE',
      flatAmount: '150.34',
      percentage: null,
      childItemIds: [],
      billingPeriodStart: null,
      billingPeriodEnd: null,
      linkedAccountId: null,
      excludeSavingsPlanNegation: false,
    });
    const pct = itemCreateInput({ ...emptyItemForm('g1'), name: 'Credit10', chargeType: 'CREDIT', kind: 'percentage', amount: '10', start: '2026-11', end: '2027-01', excludeSavingsPlanNegation: true });
    expect(pct).toMatchObject({ chargeType: 'CREDIT', flatAmount: null, percentage: '10', billingPeriodStart: '2026-11', billingPeriodEnd: '2027-01', excludeSavingsPlanNegation: true });
    // A percentage of other items has no Savings Plan rows to exclude.
    expect(itemCreateInput({ ...emptyItemForm('g1'), kind: 'percentage', amount: '5', childItemIds: ['i1'], excludeSavingsPlanNegation: true }).excludeSavingsPlanNegation).toBe(false);
  });

  it('checks the period range', () => {
    expect(periodRangeProblem('2026-11', '2026-11')).toBe(true);
    expect(periodRangeProblem('2026-11', '2026-10')).toBe(true);
    expect(periodRangeProblem('2026-11', '2026-12')).toBe(false);
    expect(periodRangeProblem('2026-11', '')).toBe(false);
  });

  it('updates the amount of the kind the item has, and null makes it recurring', () => {
    const form = itemFormOf(flatItem);
    expect(form).toMatchObject({ kind: 'flat', amount: '250', end: '' });
    expect(itemUpdateInput(flatItem, form)).toEqual({});
    expect(itemUpdateInput(flatItem, { ...form, amount: '250.00' })).toEqual({});
    expect(itemUpdateInput(flatItem, { ...form, amount: '300', end: '2027-01' })).toEqual({ flatAmount: '300', billingPeriodEnd: '2027-01' });
    const limited = { ...flatItem, billingPeriodEnd: '2027-01' };
    expect(itemUpdateInput(limited, { ...itemFormOf(limited), end: '' })).toEqual({ billingPeriodEnd: null });
    const pct: CustomLineItemFieldsFragment = { ...flatItem, flatAmount: null, percentage: '10', chargeType: 'CREDIT' };
    expect(itemUpdateInput(pct, { ...itemFormOf(pct), amount: '12.5', childItemIds: ['i1'] })).toEqual({ percentage: '12.5', childItemIds: ['i1'] });
  });
});
