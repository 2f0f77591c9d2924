// The end customer's home, as plain functions: which days "this month so far" compares, the
// monthly totals over several payers, and the rows of each table's CSV. Amounts stay decimal
// strings (the CSV carries them exactly, unrounded).

import type { CsvCell } from './csv';
import { addDecimal } from './decimal';
import { monthOf, monthlyTotals, previousMonth, serviceLabel } from './costs';

/** An inclusive date range (`YYYY-MM-DD`). */
export interface DateRange {
  from: string;
  to: string;
}

/** This month so far and the same days of last month. */
export interface SameDays {
  month: string;
  previous: string;
  /** The last day of this month counted (today's day of the month, UTC). */
  day: number;
  /** The last day of last month counted: `day`, or that month's last day when it is shorter. */
  previousDay: number;
  current: DateRange;
  before: DateRange;
}

const pad = (n: number) => String(n).padStart(2, '0');

function daysIn(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/**
 * The days "this month so far" covers on `today` (UTC: billing periods are UTC months), and the
 * same days of the month before (1 to 31 March against 1 to 28 February).
 */
export function sameDays(today: Date): SameDays {
  const month = monthOf(today);
  const previous = previousMonth(month);
  const day = today.getUTCDate();
  const previousDay = Math.min(day, daysIn(previous));
  return {
    month,
    previous,
    day,
    previousDay,
    current: { from: `${month}-01`, to: `${month}-${pad(day)}` },
    before: { from: `${previous}-01`, to: `${previous}-${pad(previousDay)}` },
  };
}

/** Monthly totals summed over several payers' series, in the order of `months`. */
export function combinedTotals(seriesPerPayer: readonly (readonly { period: string; amount: string }[])[], months: readonly string[]): string[] {
  const totals = months.map(() => '0');
  for (const series of seriesPerPayer) {
    monthlyTotals(series, months).forEach((amount, i) => {
      totals[i] = addDecimal(totals[i], amount);
    });
  }
  return totals;
}

/** A table for a CSV file: its header and its rows. */
export interface CsvTable {
  header: string[];
  rows: CsvCell[][];
}

interface KeyedAmount {
  amount: string;
  key: { service?: string | null; serviceName?: string | null; accountId?: string | null; accountName?: string | null; serviceCategory?: string | null };
}

export function trendCsv(header: { month: string; amount: string; currency: string }, months: readonly string[], totals: readonly string[], currency: string): CsvTable {
  return { header: [header.month, header.amount, header.currency], rows: months.map((m, i) => [m, totals[i], currency]) };
}

export function serviceCsv(
  header: { service: string; code: string; amount: string; currency: string },
  groups: readonly KeyedAmount[],
  currency: string,
): CsvTable {
  return {
    header: [header.service, header.code, header.amount, header.currency],
    rows: groups.map((g) => [serviceLabel(g.key.serviceName, g.key.service), g.key.service ?? '', g.amount, currency]),
  };
}

export function accountCsv(header: { account: string; name: string; amount: string; currency: string }, groups: readonly KeyedAmount[], currency: string): CsvTable {
  return { header: [header.account, header.name, header.amount, header.currency], rows: groups.map((g) => [g.key.accountId ?? '', g.key.accountName ?? '', g.amount, currency]) };
}

export function categoryCsv(header: { category: string; amount: string; currency: string }, groups: readonly KeyedAmount[], currency: string): CsvTable {
  return { header: [header.category, header.amount, header.currency], rows: groups.map((g) => [g.key.serviceCategory ?? '', g.amount, currency]) };
}

export interface MoverLike {
  key: { service?: string | null; serviceName?: string | null };
  previous: string;
  current: string;
  delta: string;
  deltaPercent: string | null;
}

export function moversCsv(
  header: { service: string; code: string; previous: string; current: string; change: string; changePercent: string; currency: string },
  movers: readonly MoverLike[],
  currency: string,
): CsvTable {
  return {
    header: [header.service, header.code, header.previous, header.current, header.change, header.changePercent, header.currency],
    rows: movers.map((c) => [serviceLabel(c.key.serviceName, c.key.service), c.key.service ?? '', c.previous, c.current, c.delta, c.deltaPercent, currency]),
  };
}
