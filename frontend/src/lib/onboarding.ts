// The onboarding page's logic: health and step badges (an icon and a word beside the colour, so
// colour is never the only signal), health worst first, which contract stands for a customer,
// the createContract and updateContract inputs from the form, the endContract date check, and
// the state of each cost export and its checks.

import type {
  ContractFieldsFragment,
  ContractRenewal,
  CostExportValidationFieldsFragment,
  CreateContractInput,
  HealthStatus,
  OnboardingStepStatus,
  UpdateContractInput,
} from '../generated/graphql';
import { compareDecimal } from './decimal';

/** Worst first, as the API orders the roll-up: FAILED > WARNING > NOT_AVAILABLE > SUCCESS. */
const HEALTH_RANK: Record<HealthStatus, number> = { FAILED: 0, WARNING: 1, NOT_AVAILABLE: 2, SUCCESS: 3 };

export const HEALTH_BADGE: Record<HealthStatus, { className: string; icon: string }> = {
  SUCCESS: { className: 'status-on', icon: '✓' },
  WARNING: { className: 'status-warn', icon: '!' },
  FAILED: { className: 'status-off', icon: '✕' },
  NOT_AVAILABLE: { className: 'status-none', icon: '–' },
};

export const STEP_BADGE: Record<OnboardingStepStatus, { className: string; icon: string }> = {
  DONE: { className: 'status-on', icon: '✓' },
  IN_PROGRESS: { className: 'status-warn', icon: '…' },
  BLOCKED: { className: 'status-off', icon: '✕' },
  NOT_STARTED: { className: 'status-none', icon: '○' },
};

/** Entries worst first; equal health keeps the API's order (a stable sort). */
export function worstFirst<T extends { health: HealthStatus }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => HEALTH_RANK[a.health] - HEALTH_RANK[b.health]);
}

/** The worst of some healths (SUCCESS for none). */
export function worstHealth(healths: readonly HealthStatus[]): HealthStatus {
  return worstFirst(healths.map((health) => ({ health })))[0]?.health ?? 'SUCCESS';
}

const CONTRACT_RANK: Record<ContractFieldsFragment['status'], number> = { ACTIVE: 0, PENDING: 1, ENDED: 2 };

/** The contract that stands for a customer: the active one, else the next to start, else the last that ended. */
export function contractOf(customerTenantId: string, contracts: readonly ContractFieldsFragment[]): ContractFieldsFragment | null {
  const own = contracts.filter((c) => c.customerTenantId === customerTenantId);
  own.sort((a, b) => CONTRACT_RANK[a.status] - CONTRACT_RANK[b.status] || (a.status === 'PENDING' ? a.startDate.localeCompare(b.startDate) : b.startDate.localeCompare(a.startDate)));
  return own[0] ?? null;
}

export interface ContractForm {
  name: string;
  startDate: string;
  endDate: string;
  renewal: ContractRenewal;
  payerIds: string[];
  billingEmail: string;
  contractChangeEmail: string;
  invoicePrefix: string;
  currency: string;
  /** Percent, as typed (a decimal). */
  taxRate: string;
  taxInclusive: boolean;
  /** Days, as typed. */
  paymentTermsDays: string;
  /** Of invoices and their mail. */
  language: InvoiceLanguage;
}

/** The languages invoices are rendered in (the API's `language`). */
export const INVOICE_LANGUAGES = ['en', 'zh-CN'] as const;
export type InvoiceLanguage = (typeof INVOICE_LANGUAGES)[number];

export function emptyContractForm(today: string): ContractForm {
  return {
    name: '',
    startDate: today,
    endDate: '',
    renewal: 'AUTO',
    payerIds: [],
    billingEmail: '',
    contractChangeEmail: '',
    invoicePrefix: '',
    currency: 'USD',
    taxRate: '0',
    taxInclusive: false,
    paymentTermsDays: '30',
    language: 'en',
  };
}

export interface ContractProblems {
  endDate?: 'required' | 'beforeStart';
  /** 0–100 with at most 4 decimals (the API checks the same). */
  taxRate?: 'invalid';
  /** A whole number of days, 0–365. */
  paymentTermsDays?: 'invalid';
}

/**
 * What the browser can tell before sending: a fixed term needs its end, the end comes after the
 * start, the tax rate is a percentage and the payment terms whole days.
 */
export function contractProblems(form: ContractForm): ContractProblems {
  const problems: ContractProblems = {};
  if (form.renewal === 'FIXED_TERM' && form.endDate === '') problems.endDate = 'required';
  else if (form.endDate !== '' && form.startDate !== '' && form.endDate < form.startDate) problems.endDate = 'beforeStart';
  const rate = form.taxRate.trim();
  if (!/^\d{1,3}(\.\d{1,4})?$/.test(rate) || compareDecimal(rate, '100') > 0) problems.taxRate = 'invalid';
  const days = form.paymentTermsDays.trim();
  if (!/^\d{1,3}$/.test(days) || Number(days) > 365) problems.paymentTermsDays = 'invalid';
  return problems;
}

/** Codes are upper case (`inv-` → `INV-`, `usd` → `USD`); an empty end date is open-ended. */
export function contractInput(customerTenantId: string, form: ContractForm): CreateContractInput {
  return {
    customerTenantId,
    name: form.name.trim(),
    startDate: form.startDate,
    endDate: form.endDate || null,
    renewal: form.renewal,
    payerIds: form.payerIds,
    billingEmail: form.billingEmail.trim(),
    contractChangeEmail: form.contractChangeEmail.trim(),
    invoicePrefix: form.invoicePrefix.trim().toUpperCase(),
    currency: form.currency.trim().toUpperCase(),
    taxRate: form.taxRate.trim(),
    taxInclusive: form.taxInclusive,
    paymentTermsDays: Number(form.paymentTermsDays.trim()),
    language: form.language,
  };
}

/** The form holding a contract as it is (an open end is an empty date). */
export function contractFormOf(contract: ContractFieldsFragment): ContractForm {
  return {
    name: contract.name,
    startDate: contract.startDate,
    endDate: contract.endDate ?? '',
    renewal: contract.renewal,
    payerIds: [...contract.payerIds],
    billingEmail: contract.billingEmail,
    contractChangeEmail: contract.contractChangeEmail,
    invoicePrefix: contract.invoicePrefix,
    currency: contract.currency,
    taxRate: contract.taxRate,
    taxInclusive: contract.taxInclusive,
    paymentTermsDays: String(contract.paymentTermsDays),
    language: contract.language === 'zh-CN' ? 'zh-CN' : 'en',
  };
}

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/**
 * The updateContract input: only what differs from the contract (the API keeps a missing field),
 * normalized as on create; clearing the end date sends null (open-ended). Empty when nothing changed.
 */
export function contractUpdateInput(contract: ContractFieldsFragment, form: ContractForm): UpdateContractInput {
  const next = contractInput(contract.customerTenantId, form);
  const input: UpdateContractInput = {};
  if (next.name !== contract.name) input.name = next.name;
  if (next.startDate !== contract.startDate) input.startDate = next.startDate;
  if ((next.endDate ?? null) !== (contract.endDate ?? null)) input.endDate = next.endDate ?? null;
  if (next.renewal !== contract.renewal) input.renewal = next.renewal;
  if (!sameIds(next.payerIds ?? [], contract.payerIds)) input.payerIds = next.payerIds;
  if (next.billingEmail !== contract.billingEmail) input.billingEmail = next.billingEmail;
  if (next.contractChangeEmail !== contract.contractChangeEmail) input.contractChangeEmail = next.contractChangeEmail;
  if (next.invoicePrefix !== contract.invoicePrefix) input.invoicePrefix = next.invoicePrefix;
  if (next.currency !== contract.currency) input.currency = next.currency;
  if (compareDecimal(next.taxRate ?? '0', contract.taxRate) !== 0) input.taxRate = next.taxRate;
  if (next.taxInclusive !== contract.taxInclusive) input.taxInclusive = next.taxInclusive;
  if (next.paymentTermsDays !== contract.paymentTermsDays) input.paymentTermsDays = next.paymentTermsDays;
  if (next.language !== contract.language) input.language = next.language;
  return input;
}

/** Ending a contract: a date is needed, not before the start (the API says the same; the browser says it first). */
export function endDateProblem(contract: Pick<ContractFieldsFragment, 'startDate'>, endDate: string): 'required' | 'beforeStart' | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate)) return 'required';
  if (endDate < contract.startDate) return 'beforeStart';
  return null;
}

/** The day before `today` (YYYY-MM-DD, UTC): the end date that ends a contract at once. */
export function dayBefore(today: string): string {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

type Export = CostExportValidationFieldsFragment['exports'][number];
export type ExportState = 'IN_USE' | 'VALID' | 'INVALID';

/** An export in the latest validation: read by ingestion, usable, or not usable. */
export function exportState(validation: Pick<CostExportValidationFieldsFragment, 'selectedExport'>, x: Pick<Export, 'name' | 'valid'>): ExportState {
  if (!x.valid) return 'INVALID';
  return validation.selectedExport === x.name ? 'IN_USE' : 'VALID';
}

/** The exports to show: the one in use first, then the usable ones, then the rest, each group in the API's order. */
export function exportsInOrder<T extends Pick<Export, 'name' | 'valid'>>(validation: Pick<CostExportValidationFieldsFragment, 'selectedExport'>, exports: readonly T[]): T[] {
  const rank: Record<ExportState, number> = { IN_USE: 0, VALID: 1, INVALID: 2 };
  return [...exports].sort((a, b) => rank[exportState(validation, a)] - rank[exportState(validation, b)]);
}

export const CHECK_KEYS = ['KIND', 'FORMAT', 'RESOURCE_IDS', 'SPLIT_COST_ALLOCATION', 'GRANULARITY', 'BUCKET_REGION', 'BUCKET_READABLE', 'DELIVERED_FILE'] as const;
export type ExportCheckKey = (typeof CHECK_KEYS)[number];
const KNOWN_CHECKS: ReadonlySet<string> = new Set(CHECK_KEYS);

export interface CheckItem {
  /** The check's key when this client knows it (to translate its name), else null. */
  known: ExportCheckKey | null;
  key: string;
  /** ADVISED: not met, but not needed here (the export stays usable). */
  status: 'PASSED' | 'FAILED' | 'ADVISED';
  reason: string;
  /** What to change; only for a failed check. */
  fix: string | null;
}

/** How each check status shows: badge class, mark and words. */
export const CHECK_BADGE = { PASSED: 'status-on', FAILED: 'status-off', ADVISED: 'status-warn' } as const satisfies Record<CheckItem['status'], string>;
export const CHECK_MARK = { PASSED: '✓', FAILED: '✕', ADVISED: '!' } as const satisfies Record<CheckItem['status'], string>;
export const CHECK_WORDS = { PASSED: 'exports.passed', FAILED: 'exports.failed', ADVISED: 'exports.advised' } as const satisfies Record<CheckItem['status'], string>;

/** An export's checks for the list: failed first, then advice, then passed (each in the API's order), each with its fix only when not met. */
export function checkItems(checks: readonly Export['checks'][number][]): CheckItem[] {
  const items = checks.map(
    (c): CheckItem => ({
      known: KNOWN_CHECKS.has(c.key) ? (c.key as ExportCheckKey) : null,
      key: c.key,
      // Only a check the API marks as not required is advice.
      status: c.passed ? 'PASSED' : c.required === false ? 'ADVISED' : 'FAILED',
      reason: c.reason,
      fix: !c.passed && c.fix ? c.fix : null,
    }),
  );
  return [...items.filter((c) => c.status === 'FAILED'), ...items.filter((c) => c.status === 'ADVISED'), ...items.filter((c) => c.status === 'PASSED')];
}

/**
 * The payers a customer's AWS usage can come in under (docs/onboarding.md, "Linked accounts or
 * Billing Transfer"): those its contracts cover, ACTIVE or PENDING (a new customer's contract
 * often starts on the first of next month, as a billing transfer does). Ended contracts do not
 * count. Each payer once, in the order the contracts name them.
 */
export function bringInPayerIds(contracts: readonly Pick<ContractFieldsFragment, 'status' | 'payerIds'>[]): string[] {
  const ids = contracts.filter((c) => c.status !== 'ENDED').flatMap((c) => c.payerIds);
  return [...new Set(ids)];
}

/** Where onboarding sends a customer's people for each way in; the transfer invite carries the way back. */
export function bringInLinks(payerId: string, tenantId: string, customerId: string): { accounts: string; transfer: string } {
  const back = new URLSearchParams({ invite: '1', from: 'onboarding', customer: customerId });
  if (tenantId) back.set('tenant', tenantId);
  return { accounts: `/payers/${encodeURIComponent(payerId)}/accounts`, transfer: `/payers/${encodeURIComponent(payerId)}/transfers?${back}` };
}

/**
 * The way back to one customer's onboarding from a page opened from it
 * (`?from=onboarding&customer=…&tenant=…`), or null when it was not.
 */
export function backToOnboarding(params: URLSearchParams): string | null {
  const customer = params.get('customer');
  if (params.get('from') !== 'onboarding' || !customer) return null;
  const back = new URLSearchParams();
  const tenant = params.get('tenant');
  if (tenant) back.set('tenant', tenant);
  back.set('customer', customer);
  return `/onboarding?${back}`;
}
