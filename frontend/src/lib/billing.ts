// Billing figures for display: the margin donut's slices, and sums over billing groups, all on
// decimal strings (no floats until a chart coordinate).

import { addDecimal, compareDecimal, percentChange } from './decimal';

export interface GroupFigures {
  billingGroupName: string;
  awsCost: string;
  proformaCost: string;
  margin: string;
}

/**
 * Slices of the margin donut: one per group with a positive margin, largest first. Groups that
 * lose money cannot be a slice of a whole; `losses` names them so the page can say so.
 */
export function marginSlices(groups: readonly GroupFigures[]): { slices: { label: string; amount: string }[]; losses: string[] } {
  const slices = groups
    .filter((g) => compareDecimal(g.margin, '0') > 0)
    .map((g) => ({ label: g.billingGroupName, amount: g.margin }))
    .sort((a, b) => compareDecimal(b.amount, a.amount));
  const losses = groups.filter((g) => compareDecimal(g.margin, '0') < 0).map((g) => g.billingGroupName);
  return { slices, losses };
}

/** Totals over groups, with the overall margin percentage (of the pro-forma charge). */
export function billingTotals(groups: readonly GroupFigures[]): { awsCost: string; proformaCost: string; margin: string; marginPercent: string | null } {
  const awsCost = addDecimal(...groups.map((g) => g.awsCost));
  const proformaCost = addDecimal(...groups.map((g) => g.proformaCost));
  const margin = addDecimal(...groups.map((g) => g.margin));
  const marginPercent = compareDecimal(proformaCost, '0') === 0 ? null : percentOf(margin, proformaCost);
  return { awsCost, proformaCost, margin, marginPercent };
}

/** `part` as a percentage of `whole`, one decimal place. */
export function percentOf(part: string, whole: string): string | null {
  // percentChange(whole + part, whole) = part / whole.
  return percentChange(addDecimal(whole, part), whole);
}
