// What the billing forms send: form state → the API's create and update inputs, and the checks
// on amounts and percentages the browser can make before sending (the API checks again and its
// VALIDATION errors still land next to the field).
//
// Update inputs carry only what changed: the API reads a missing field as "keep", and for
// `customerTenantId` / `billingPeriodEnd` an explicit null as "remove".

import type {
  BillingGroupFieldsFragment,
  CreateBillingGroupInput,
  CreateCustomLineItemInput,
  CreatePricingPlanInput,
  CreatePricingRuleInput,
  CustomLineItemChargeType,
  CustomLineItemFieldsFragment,
  PricingPlanBase,
  PricingPlanFieldsFragment,
  PricingRuleFieldsFragment,
  PricingRuleScope,
  PricingRuleType,
  UpdateBillingGroupInput,
  UpdateCustomLineItemInput,
  UpdatePricingPlanInput,
  UpdatePricingRuleInput,
} from '../generated/graphql';
import { compareDecimal } from './decimal';

// ---- amounts ----------------------------------------------------------------------------------

/** Why an amount is refused; `max` is filled for `max`. */
export type AmountProblem = { kind: 'required' | 'format' | 'negative' | 'decimals' | 'max'; max?: string };

/** The API's limits (docs/billing.md): two decimals, and these maxima. */
export const LIMITS = {
  flatAmount: '1000000',
  percentage: '10000',
  markup: '1000000',
  discount: '100',
} as const;

const AMOUNT = /^[+-]?(?=\.?\d)(\d*)(?:\.(\d*))?$/;

/**
 * Checks a typed amount: a plain decimal number (no thousands separators, no exponent), not
 * negative, at most two decimals (trailing zeros do not count, as for the API), at most `max`.
 */
export function checkAmount(value: string, max: string): AmountProblem | null {
  const text = value.trim();
  if (text === '') return { kind: 'required' };
  const match = AMOUNT.exec(text);
  if (!match) return { kind: 'format' };
  if (text.startsWith('-') && compareDecimal(normalize(text), '0') !== 0) return { kind: 'negative' };
  if ((match[2] ?? '').replace(/0+$/, '').length > 2) return { kind: 'decimals' };
  if (compareDecimal(normalize(text), max) > 0) return { kind: 'max', max };
  return null;
}

/** "12." → "12", "+5" → "5", ".5" → "0.5": the form the API's Decimal scalar and `toUnits` read. */
export function normalize(value: string): string {
  let text = value.trim().replace(/^\+/, '');
  if (text.endsWith('.')) text = text.slice(0, -1);
  return text.replace(/^(-?)\./, (_, sign: string) => `${sign}0.`);
}

/** The most a rule's modifier may be, by rule type (a discount cannot exceed 100 %). */
export function modifierMax(type: PricingRuleType): string {
  return type === 'DISCOUNT' ? LIMITS.discount : LIMITS.markup;
}

const trimmedOrNull = (value: string): string | null => value.trim() || null;

// ---- pricing rules ----------------------------------------------------------------------------

export interface RuleForm {
  name: string;
  description: string;
  scope: PricingRuleScope;
  type: PricingRuleType;
  modifier: string;
  service: string;
  billingEntity: string;
  usageType: string;
  operation: string;
  freeTier: boolean;
}

export const BILLING_ENTITIES = ['AWS', 'AWS Marketplace'] as const;

export function emptyRuleForm(): RuleForm {
  return { name: '', description: '', scope: 'GLOBAL', type: 'MARKUP', modifier: '', service: '', billingEntity: 'AWS', usageType: '', operation: '', freeTier: true };
}

export function ruleFormOf(rule: PricingRuleFieldsFragment): RuleForm {
  return {
    name: rule.name,
    description: rule.description,
    scope: rule.scope,
    type: rule.type,
    modifier: rule.type === 'TIERING' ? '' : normalizeStored(rule.modifierPercentage),
    service: rule.service ?? '',
    billingEntity: rule.billingEntity ?? 'AWS',
    usageType: rule.usageType ?? '',
    operation: rule.operation ?? '',
    freeTier: rule.freeTier ?? true,
  };
}

/** The fields a scope and type take: a TIERING rule is GLOBAL and has no modifier. */
export function ruleFieldsShown(chosenScope: PricingRuleScope, type: PricingRuleType) {
  const scope = ruleScopeOf(chosenScope, type);
  return {
    scope: type !== 'TIERING',
    modifier: type !== 'TIERING',
    freeTier: type === 'TIERING',
    service: scope === 'SERVICE' || scope === 'SKU',
    billingEntity: scope === 'BILLING_ENTITY',
    sku: scope === 'SKU',
  };
}

export function ruleScopeOf(scope: PricingRuleScope, type: PricingRuleType): PricingRuleScope {
  return type === 'TIERING' ? 'GLOBAL' : scope;
}

/** Only the fields of the chosen scope and type are sent; the others would be refused or ignored. */
export function ruleCreateInput(payerId: string, form: RuleForm): CreatePricingRuleInput {
  const shown = ruleFieldsShown(form.scope, form.type);
  return {
    payerId,
    name: form.name.trim(),
    description: form.description.trim() || null,
    scope: ruleScopeOf(form.scope, form.type),
    type: form.type,
    modifierPercentage: shown.modifier ? normalize(form.modifier) || null : null,
    service: shown.service ? trimmedOrNull(form.service) : null,
    billingEntity: shown.billingEntity ? form.billingEntity : null,
    usageType: shown.sku ? trimmedOrNull(form.usageType) : null,
    operation: shown.sku ? trimmedOrNull(form.operation) : null,
    freeTier: shown.freeTier ? form.freeTier : null,
  };
}

/** Scope and type never change after creation; name, description, modifier and free tier may. */
export function ruleUpdateInput(rule: PricingRuleFieldsFragment, form: RuleForm): UpdatePricingRuleInput {
  const input: UpdatePricingRuleInput = {};
  if (form.name.trim() !== rule.name) input.name = form.name.trim();
  if (form.description.trim() !== rule.description) input.description = form.description.trim();
  if (rule.type !== 'TIERING') {
    const modifier = normalize(form.modifier);
    if (modifier === '' || !AMOUNT.test(modifier) || compareDecimal(modifier, rule.modifierPercentage) !== 0) input.modifierPercentage = modifier;
  } else if (form.freeTier !== (rule.freeTier ?? true)) {
    input.freeTier = form.freeTier;
  }
  return input;
}

/** The modifier a form can check before sending, or null when the rule type has none. */
export function ruleAmountProblem(form: Pick<RuleForm, 'type' | 'modifier'>): AmountProblem | null {
  return form.type === 'TIERING' ? null : checkAmount(form.modifier, modifierMax(form.type));
}

// ---- pricing plans ----------------------------------------------------------------------------

export interface PlanForm {
  name: string;
  description: string;
  base: PricingPlanBase;
  ruleIds: string[];
  passTax: boolean;
  passCredits: boolean;
  passRefunds: boolean;
  passPartnerDiscounts: boolean;
}

const PASSES = ['passTax', 'passCredits', 'passRefunds', 'passPartnerDiscounts'] as const;

export function emptyPlanForm(): PlanForm {
  return { name: '', description: '', base: 'LIST', ruleIds: [], passTax: false, passCredits: false, passRefunds: false, passPartnerDiscounts: false };
}

export function planFormOf(plan: PricingPlanFieldsFragment): PlanForm {
  return {
    name: plan.name,
    description: plan.description,
    base: plan.base,
    ruleIds: plan.pricingRules.map((r) => r.id),
    passTax: plan.passTax,
    passCredits: plan.passCredits,
    passRefunds: plan.passRefunds,
    passPartnerDiscounts: plan.passPartnerDiscounts,
  };
}

export function planCreateInput(payerId: string, form: PlanForm): CreatePricingPlanInput {
  return {
    payerId,
    name: form.name.trim(),
    description: form.description.trim() || null,
    base: form.base,
    pricingRuleIds: form.ruleIds,
    passTax: form.passTax,
    passCredits: form.passCredits,
    passRefunds: form.passRefunds,
    passPartnerDiscounts: form.passPartnerDiscounts,
  };
}

export function planUpdateInput(plan: PricingPlanFieldsFragment, form: PlanForm): UpdatePricingPlanInput {
  const input: UpdatePricingPlanInput = {};
  if (form.name.trim() !== plan.name) input.name = form.name.trim();
  if (form.description.trim() !== plan.description) input.description = form.description.trim();
  if (form.base !== plan.base) input.base = form.base;
  if (!sameSet(form.ruleIds, plan.pricingRules.map((r) => r.id))) input.pricingRuleIds = form.ruleIds;
  for (const pass of PASSES) if (form[pass] !== plan[pass]) input[pass] = form[pass];
  return input;
}

// ---- billing groups ---------------------------------------------------------------------------

export interface GroupForm {
  name: string;
  description: string;
  members: string[];
  /** Empty: the first member. */
  primary: string;
  /** Empty: the first plan offered. */
  planId: string;
  /** Empty: no customer tenant. */
  customerTenantId: string;
}

export function emptyGroupForm(): GroupForm {
  return { name: '', description: '', members: [], primary: '', planId: '', customerTenantId: '' };
}

export function groupFormOf(group: BillingGroupFieldsFragment): GroupForm {
  return {
    name: group.name,
    description: group.description,
    members: [...group.accountIds],
    primary: group.primaryAccountId,
    planId: group.pricingPlanId,
    customerTenantId: group.customerTenantId ?? '',
  };
}

/** The primary account the form stands for: the chosen one while it is a member, else the first member. */
export function effectivePrimary(form: Pick<GroupForm, 'members' | 'primary'>): string {
  return form.members.includes(form.primary) ? form.primary : (form.members[0] ?? '');
}

export function groupCreateInput(payerId: string, form: GroupForm, defaultPlanId: string, billingPeriod: string): CreateBillingGroupInput {
  return {
    payerId,
    name: form.name.trim(),
    description: form.description.trim() || null,
    primaryAccountId: effectivePrimary(form),
    accountIds: form.members,
    pricingPlanId: form.planId || defaultPlanId,
    customerTenantId: form.customerTenantId || null,
    billingPeriod,
  };
}

/**
 * A new member list applies from `billingPeriod` on (leavers end there, joiners start there), so
 * the period always goes along: the API also checks the primary account against the members of
 * that period.
 */
export function groupUpdateInput(group: BillingGroupFieldsFragment, form: GroupForm, billingPeriod: string): UpdateBillingGroupInput {
  const input: UpdateBillingGroupInput = { billingPeriod };
  if (form.name.trim() !== group.name) input.name = form.name.trim();
  if (form.description.trim() !== group.description) input.description = form.description.trim();
  if (!sameSet(form.members, group.accountIds)) input.accountIds = form.members;
  const primary = effectivePrimary(form);
  if (primary !== group.primaryAccountId) input.primaryAccountId = primary;
  if (form.planId && form.planId !== group.pricingPlanId) input.pricingPlanId = form.planId;
  const customer = form.customerTenantId || null;
  if (customer !== (group.customerTenantId ?? null)) input.customerTenantId = customer;
  return input;
}

// ---- custom line items ------------------------------------------------------------------------

export type ItemKind = 'flat' | 'percentage';

export interface ItemForm {
  billingGroupId: string;
  name: string;
  description: string;
  chargeType: CustomLineItemChargeType;
  kind: ItemKind;
  amount: string;
  /** `YYYY-MM`; empty: the current period (create) or unchanged (edit). */
  start: string;
  /** `YYYY-MM`, exclusive; empty: recurring. */
  end: string;
  /** Empty: booked on the group's primary account. */
  linkedAccountId: string;
  /** PERCENTAGE items only: a percentage of these FLAT items instead of the group's charge. */
  childItemIds: string[];
  excludeSavingsPlanNegation: boolean;
}

export function emptyItemForm(billingGroupId = ''): ItemForm {
  return {
    billingGroupId,
    name: '',
    description: '',
    chargeType: 'FEE',
    kind: 'flat',
    amount: '',
    start: '',
    end: '',
    linkedAccountId: '',
    childItemIds: [],
    excludeSavingsPlanNegation: false,
  };
}

export function itemFormOf(item: CustomLineItemFieldsFragment): ItemForm {
  const flat = item.flatAmount !== null;
  return {
    billingGroupId: item.billingGroupId,
    name: item.name,
    description: item.description,
    chargeType: item.chargeType,
    kind: flat ? 'flat' : 'percentage',
    amount: normalizeStored((flat ? item.flatAmount : item.percentage) ?? ''),
    start: item.billingPeriodStart,
    end: item.billingPeriodEnd ?? '',
    linkedAccountId: item.linkedAccountId ?? '',
    childItemIds: [...item.childItemIds],
    excludeSavingsPlanNegation: item.excludeSavingsPlanNegation,
  };
}

export function itemAmountProblem(form: Pick<ItemForm, 'kind' | 'amount'>): AmountProblem | null {
  return checkAmount(form.amount, form.kind === 'flat' ? LIMITS.flatAmount : LIMITS.percentage);
}

/** An end must come after the start (it is exclusive); `YYYY-MM` strings compare as text. */
export function periodRangeProblem(start: string, end: string): boolean {
  return start !== '' && end !== '' && end <= start;
}

/** FLAT sends `flatAmount`, PERCENTAGE sends `percentage` (with its child items and switches). */
export function itemCreateInput(form: ItemForm): CreateCustomLineItemInput {
  const amount = normalize(form.amount) || null;
  const percentage = form.kind === 'percentage';
  return {
    billingGroupId: form.billingGroupId,
    name: form.name.trim(),
    description: form.description.trim() || null,
    chargeType: form.chargeType,
    flatAmount: percentage ? null : amount,
    percentage: percentage ? amount : null,
    childItemIds: percentage ? form.childItemIds : [],
    billingPeriodStart: form.start || null,
    billingPeriodEnd: form.end || null,
    linkedAccountId: form.linkedAccountId || null,
    excludeSavingsPlanNegation: percentage && form.childItemIds.length === 0 ? form.excludeSavingsPlanNegation : false,
  };
}

/** The kind, charge type, group and linked account stay (the API cannot change them). */
export function itemUpdateInput(item: CustomLineItemFieldsFragment, form: ItemForm): UpdateCustomLineItemInput {
  const input: UpdateCustomLineItemInput = {};
  const flat = item.flatAmount !== null;
  if (form.name.trim() !== item.name) input.name = form.name.trim();
  if (form.description.trim() !== item.description) input.description = form.description.trim();
  const amount = normalize(form.amount);
  const stored = (flat ? item.flatAmount : item.percentage) ?? '';
  if (amount === '' || !AMOUNT.test(amount) || compareDecimal(amount, stored) !== 0) {
    if (flat) input.flatAmount = amount;
    else input.percentage = amount;
  }
  if (form.start && form.start !== item.billingPeriodStart) input.billingPeriodStart = form.start;
  const end = form.end || null;
  if (end !== (item.billingPeriodEnd ?? null)) input.billingPeriodEnd = end;
  if (!flat) {
    if (!sameSet(form.childItemIds, item.childItemIds)) input.childItemIds = form.childItemIds;
    if (form.excludeSavingsPlanNegation !== item.excludeSavingsPlanNegation) input.excludeSavingsPlanNegation = form.excludeSavingsPlanNegation;
  }
  return input;
}

/** Whether an update input changes anything beyond the always-sent billing period. */
export function changesAnything(input: object): boolean {
  return Object.keys(input).some((k) => k !== 'billingPeriod');
}

// ---- helpers ----------------------------------------------------------------------------------

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(b);
  return a.every((x) => set.has(x));
}

/** A stored decimal as a person would type it: "10.00000000" → "10", "2.50" → "2.5". */
export function normalizeStored(value: string): string {
  if (!value.includes('.')) return value;
  return value.replace(/0+$/, '').replace(/\.$/, '');
}
