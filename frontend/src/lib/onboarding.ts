// The onboarding page's logic: health and step badges (an icon and a word beside the colour, so
// colour is never the only signal), health worst first, which contract stands for a customer,
// and the createContract input from the form.

import type { ContractFieldsFragment, ContractRenewal, CreateContractInput, HealthStatus, OnboardingStepStatus } from '../generated/graphql';

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
}

export function emptyContractForm(today: string): ContractForm {
  return { name: '', startDate: today, endDate: '', renewal: 'AUTO', payerIds: [], billingEmail: '', contractChangeEmail: '', invoicePrefix: '', currency: 'USD' };
}

/** What the browser can tell before sending: a fixed term needs its end, and the end comes after the start. */
export function contractProblems(form: ContractForm): { endDate?: 'required' | 'beforeStart' } {
  if (form.renewal === 'FIXED_TERM' && form.endDate === '') return { endDate: 'required' };
  if (form.endDate !== '' && form.startDate !== '' && form.endDate < form.startDate) return { endDate: 'beforeStart' };
  return {};
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
  };
}
