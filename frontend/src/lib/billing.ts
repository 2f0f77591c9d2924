// Billing figures for display: the margin donut's slices, and sums over billing groups, all on
// decimal strings (no floats until a chart coordinate).

import { monthsBetween } from './costs';
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

export interface ReportLine {
  key: string;
  /** By service: the service's name as AWS shows it (the code when the data has none). */
  serviceName?: string | null;
  customLineItem: boolean;
  awsCost: string;
  proformaCost: string;
  margin: string;
  marginPercentage: string | null;
}

/** A bar of the report's chart: a row of the table, or (`key` null) the sum of `count` rows. */
export interface ReportBar {
  key: string | null;
  amount: string;
  count: number;
}

/**
 * A group's cost report as its table and its chart show it, over the same rows: by period, every
 * month from `from` to `to` in order (a month without a line is a row of zeros), then the custom
 * line items; by service or account, the lines largest first. The chart has a bar per row, except
 * that beyond `keep` bars the smallest rows add up to one last bar, so the chart always covers
 * exactly what the table lists.
 */
export function reportView(
  lines: readonly ReportLine[],
  groupBy: 'SERVICE' | 'ACCOUNT' | 'PERIOD',
  from: string,
  to: string,
  keep = 12,
): { rows: ReportLine[]; bars: ReportBar[] } {
  let rows: ReportLine[];
  if (groupBy === 'PERIOD') {
    const byKey = new Map(lines.filter((l) => !l.customLineItem).map((l) => [l.key, l]));
    const months = monthsBetween(from, to);
    rows = [
      ...months.map((m) => byKey.get(m) ?? { key: m, customLineItem: false, awsCost: '0', proformaCost: '0', margin: '0', marginPercentage: null }),
      ...lines.filter((l) => l.customLineItem || !months.includes(l.key)),
    ];
  } else {
    rows = [...lines].sort((a, b) => compareDecimal(b.proformaCost, a.proformaCost));
  }
  const bar = (l: ReportLine): ReportBar => ({ key: l.key, amount: l.proformaCost, count: 1 });
  if (groupBy === 'PERIOD' || rows.length <= keep) return { rows, bars: rows.map(bar) };
  const rest = rows.slice(keep - 1);
  return { rows, bars: [...rows.slice(0, keep - 1).map(bar), { key: null, amount: addDecimal(...rest.map((l) => l.proformaCost)), count: rest.length }] };
}
