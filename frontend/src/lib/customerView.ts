// The partner's cost and margin of one customer for a month, from each payer's two answers:
// `costSummary` in UNBLENDED (the AWS cost of the customer's accounts) and in PRO_FORMA (what the
// customer is charged), both with the customer's `customerTenantId`. Decimal strings throughout.

import { percentOf } from './billing';
import { addDecimal, compareDecimal, subtractDecimal } from './decimal';

/** One payer's figures for the month: its AWS cost and its charge, each in the currency the API named. */
export interface PayerCostAndCharge {
  payerId: string;
  cost: { currency: string; total: string };
  charge: { currency: string; total: string };
}

/** One currency's cost, charge and margin (the charge minus the cost; its percentage of the charge). */
export interface MarginRow {
  currency: string;
  cost: string;
  charge: string;
  margin: string;
  /** Of the charge, one decimal place; null when the charge is zero. */
  marginPercent: string | null;
}

/**
 * Sums the payers per currency (never across currencies). A payer whose cost and charge are in
 * different currencies has no margin: it is left out of the rows and named in `mismatched`.
 * Rows are in currency order.
 */
export function costAndMargin(payers: readonly PayerCostAndCharge[]): { rows: MarginRow[]; mismatched: string[] } {
  const sums = new Map<string, { cost: string[]; charge: string[] }>();
  const mismatched: string[] = [];
  for (const p of payers) {
    if (p.cost.currency !== p.charge.currency) {
      mismatched.push(p.payerId);
      continue;
    }
    const sum = sums.get(p.cost.currency) ?? { cost: [], charge: [] };
    sum.cost.push(p.cost.total);
    sum.charge.push(p.charge.total);
    sums.set(p.cost.currency, sum);
  }
  const rows = [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, sum]) => {
      const cost = addDecimal(...sum.cost);
      const charge = addDecimal(...sum.charge);
      const margin = subtractDecimal(charge, cost);
      return { currency, cost, charge, margin, marginPercent: compareDecimal(charge, '0') === 0 ? null : percentOf(margin, charge) };
    });
  return { rows, mismatched };
}
