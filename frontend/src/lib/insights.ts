// Savings insights (AWS Cost Optimization Hub recommendations as the API last pulled them): the
// order rows are shown in, the customer names recommendations carry, and the CSV files of the
// tables (built in the browser, formula-safe by lib/csv.ts).

import type { CustomerSavingsFieldsFragment, OptimizationHubStatus, OptimizationRecommendationFieldsFragment } from '../generated/graphql';
import type { Translate } from '../i18n';
import { codeLabel } from '../i18n/codes';
import type { CsvTable } from './customerHome';
import { compareDecimal } from './decimal';

/** The badge class of an enrollment state (null: never pulled). */
export const HUB_STATUS_CLASS: Record<OptimizationHubStatus | 'none', string> = {
  ACTIVE: 'status-on',
  INACTIVE: 'status-warn',
  ACCESS_DENIED: 'status-off',
  FAILED: 'status-off',
  none: 'status-none',
};

/** Largest savings first; ties by customer name, no customer last (a copy; the input stays). */
export function bySavings<T extends { estimatedMonthlySavings: string; customerName?: string | null }>(rows: readonly T[]): T[] {
  return [...rows].sort(
    (a, b) =>
      compareDecimal(b.estimatedMonthlySavings, a.estimatedMonthlySavings) ||
      (a.customerName ?? '\uffff').localeCompare(b.customerName ?? '\uffff'),
  );
}

/** Customer names by tenant id, from a byCustomer list (which names them). */
export function customerNames(byCustomer: readonly Pick<CustomerSavingsFieldsFragment, 'customerTenantId' | 'customerName'>[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const c of byCustomer) if (c.customerTenantId && c.customerName) names.set(c.customerTenantId, c.customerName);
  return names;
}

/** The customers a filter offers: those of a byCustomer list with an id, once each, by name. */
export function filterCustomers(byCustomer: readonly Pick<CustomerSavingsFieldsFragment, 'customerTenantId' | 'customerName'>[]): { id: string; name: string }[] {
  const names = customerNames(byCustomer);
  for (const c of byCustomer) if (c.customerTenantId && !names.has(c.customerTenantId)) names.set(c.customerTenantId, c.customerTenantId);
  return [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** A customer's name as shown: its name, its id when unnamed, "No customer" without one. */
export function customerLabel(t: Translate, id: string | null, names: ReadonlyMap<string, string>, name?: string | null): string {
  if (!id) return t('insights.noCustomer');
  return name ?? names.get(id) ?? id;
}

/** The "By customer" table as CSV (and the Overview's upsell list, with the payer's name). */
export function savingsByCustomerCsv(t: Translate, rows: readonly CustomerSavingsFieldsFragment[], payerName?: (payerId: string) => string): CsvTable {
  const names = customerNames(rows);
  return {
    header: [
      t('insights.customer'),
      t('insights.customerId'),
      ...(payerName ? [t('upsell.payer')] : []),
      t('insights.countColumn'),
      t('insights.savings'),
      t('insights.currency'),
    ],
    rows: rows.map((r) => [
      customerLabel(t, r.customerTenantId, names, r.customerName),
      r.customerTenantId ?? '',
      ...(payerName ? [payerName(r.payerId)] : []),
      r.recommendationCount,
      r.estimatedMonthlySavings,
      r.currency,
    ]),
  };
}

/** A recommendations table as CSV; `names` gives customers' names (partner side only). */
export function recommendationsCsv(t: Translate, rows: readonly OptimizationRecommendationFieldsFragment[], names: ReadonlyMap<string, string> | null): CsvTable {
  const yesNo = (v: boolean) => (v ? t('insights.yes') : t('insights.no'));
  return {
    header: [
      t('insights.account'),
      ...(names ? [t('insights.customer')] : []),
      t('insights.region'),
      t('insights.resourceType'),
      t('insights.resourceId'),
      t('insights.action'),
      t('insights.current'),
      t('insights.recommended'),
      t('insights.effort'),
      t('insights.restart'),
      t('insights.rollback'),
      t('insights.cost'),
      t('insights.savings'),
      t('insights.currency'),
    ],
    rows: rows.map((r) => [
      r.accountId,
      ...(names ? [customerLabel(t, r.customerTenantId, names)] : []),
      r.region,
      r.resourceType,
      r.resourceId,
      codeLabel(t, 'optimizationAction', r.actionType),
      r.currentSummary,
      r.recommendedSummary,
      codeLabel(t, 'effort', r.implementationEffort),
      yesNo(r.restartNeeded),
      yesNo(r.rollbackPossible),
      r.estimatedMonthlyCost,
      r.estimatedMonthlySavings,
      r.currency,
    ]),
  };
}
