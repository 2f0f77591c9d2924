// Turns the API's cost answers into what the overview shows: month lists, the biggest movers,
// and ECharts options. Amounts stay decimal strings; only chart coordinates become numbers.

import type { Lang } from '../i18n/messages';
import { absDecimal, compareDecimal, plotValue } from './decimal';
import { formatMoney } from './format';

/** `YYYY-MM` of a date, in UTC (billing periods are UTC months). */
export function monthOf(date: Date): string {
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** `YYYY-MM` of this month (UTC): the period a page shows first. */
export function currentMonth(): string {
  return monthOf(new Date());
}

/** The `count` months ending with the month of `now`, oldest first. */
export function lastMonths(now: Date, count: number): string[] {
  const months: string[] = [];
  for (let i = count - 1; i >= 0; i -= 1) {
    months.push(monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - i, 1))));
  }
  return months;
}

/** The `count` months ending with `month` (`YYYY-MM`), oldest first. */
export function monthsEnding(month: string, count: number): string[] {
  const [y, m] = month.split('-').map(Number);
  return lastMonths(new Date(Date.UTC(y, m - 1, 1)), count);
}

/** The month before `month` (`YYYY-MM`). */
export function previousMonth(month: string): string {
  return monthsEnding(month, 2)[0];
}

/** Every month from `from` to `to` (`YYYY-MM`, both included; none when `to` is before `from`). */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let m = from; m <= to && out.length < 1200; m = nextMonth(m)) out.push(m);
  return out;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return monthOf(new Date(Date.UTC(y, m, 1)));
}

/** The latest of `months` whose amount in `points` (a monthly series) is not zero; null if none. */
export function latestMonthWithData(points: readonly { period: string; amount: string }[], months: readonly string[]): string | null {
  const totals = monthlyTotals(points, months);
  for (let i = months.length - 1; i >= 0; i -= 1) if (compareDecimal(totals[i], '0') !== 0) return months[i];
  return null;
}

/** The month a page opens on, and the empty month it stands in for (null when none). */
export interface OpeningMonth {
  month: string;
  /** This month, when it has no data yet and an earlier month is shown instead. */
  insteadOf: string | null;
}

/**
 * What a page that shows one month opens on: this month when it has data; otherwise the latest of
 * the 12 months before it that has some (the page says so); with no data at all, this month.
 */
export function openingMonth(current: string, points: readonly { period: string; amount: string }[]): OpeningMonth {
  const months = monthsEnding(current, 13);
  const latest = latestMonthWithData(points, months);
  if (latest === null || latest === current) return { month: current, insteadOf: null };
  return { month: latest, insteadOf: current };
}

/** The inclusive date range of a list of months: first day of the first to last day of the last. */
export function monthsRange(months: readonly string[]): { from: string; to: string } {
  const first = months[0];
  const last = months[months.length - 1];
  const [y, m] = last.split('-').map(Number);
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${first}-01`, to: `${last}-${String(lastDay).padStart(2, '0')}` };
}

/** Per month amount (missing months are "0"), in the order of `months`. */
export function monthlyTotals(series: readonly { period: string; amount: string }[], months: readonly string[]): string[] {
  const byMonth = new Map<string, string>();
  for (const point of series) byMonth.set(point.period.slice(0, 7), point.amount);
  return months.map((m) => byMonth.get(m) ?? '0');
}

export interface Change {
  current: string;
  previous: string;
  delta: string;
  deltaPercent: string | null;
  isNew: boolean;
  isGone: boolean;
}

/**
 * The `limit` largest movers by the size of their change (increases and decreases alike),
 * ties broken by the larger current amount; unchanged keys are left out.
 */
export function topMovers<C extends Change>(changes: readonly C[], limit: number): C[] {
  return changes
    .filter((c) => compareDecimal(c.delta, '0') !== 0)
    .slice()
    .sort((a, b) => compareDecimal(absDecimal(b.delta), absDecimal(a.delta)) || compareDecimal(b.current, a.current))
    .slice(0, limit);
}

/** Groups beyond the first `keep` (largest first) are summed into one "other" slice. */
export function withOther<G extends { amount: string }>(groups: readonly G[], keep: number): { shown: G[]; rest: G[] } {
  return { shown: groups.slice(0, keep), rest: groups.slice(keep) };
}

// --- ECharts options (plain objects, so they can be unit-tested without a canvas) ---

/** A money axis's tick labels: the same format as every amount (currency included). */
export function moneyAxis(currency: string, lang: Lang) {
  return (value: number) => formatMoney(value, currency, lang);
}

/** Fill patterns on top of colours, so the charts do not rely on colour alone. */
const ARIA = { enabled: true, label: { enabled: false }, decal: { show: true } } as const;

export interface TrendInput {
  months: string[];
  totals: string[];
  currency: string;
  lang: Lang;
  name: string;
}

export function trendOption({ months, totals, currency, lang, name }: TrendInput) {
  return {
    aria: ARIA,
    grid: { left: 70, right: 20, top: 30, bottom: 30 },
    tooltip: {
      trigger: 'axis',
      // The tooltip formats the exact decimal, not the plotted number.
      formatter: (params: { dataIndex: number }[]) => {
        const i = params[0]?.dataIndex ?? 0;
        return `${months[i]}<br/>${name}: ${formatMoney(totals[i], currency, lang)}`;
      },
    },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value', axisLabel: { formatter: moneyAxis(currency, lang), hideOverlap: true } },
    series: [{ name, type: 'bar', data: totals.map(plotValue), itemStyle: { color: '#0b5cad' } }],
  };
}

/** What to show for a service: its name as AWS shows it, or else its code. */
export function serviceLabel(name: string | null | undefined, code: string | null | undefined): string {
  return name?.trim() || code || '—';
}

export interface DonutInput {
  /** `code`: a service's code, shown beside its name in the tooltip. */
  slices: { label: string; amount: string; code?: string | null }[];
  currency: string;
  lang: Lang;
  name: string;
}

export function donutOption({ slices, currency, lang, name }: DonutInput) {
  const exact = new Map(slices.map((s) => [s.label, s]));
  return {
    aria: ARIA,
    tooltip: {
      trigger: 'item',
      formatter: (p: { name: string; percent: number }) => {
        const slice = exact.get(p.name);
        const code = slice?.code && slice.code !== p.name ? ` (${slice.code})` : '';
        return `${p.name}${code}: ${formatMoney(slice?.amount ?? '0', currency, lang)} (${p.percent}%)`;
      },
    },
    // Service names are long ("Amazon Elastic Compute Cloud"): cut to fit beside the ring, whole on hover.
    legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', textStyle: { width: 160, overflow: 'truncate' }, tooltip: { show: true } },
    series: [
      {
        name,
        type: 'pie',
        radius: ['45%', '72%'],
        center: ['35%', '50%'],
        avoidLabelOverlap: true,
        label: { show: false },
        data: slices.map((s) => ({ name: s.label, value: plotValue(s.amount) })),
      },
    ],
  };
}

export function barOption({ slices, currency, lang, name }: DonutInput) {
  const labels = slices.map((s) => s.label);
  return {
    aria: ARIA,
    grid: { left: 140, right: 30, top: 10, bottom: 30 },
    tooltip: {
      trigger: 'axis',
      formatter: (params: { dataIndex: number }[]) => {
        const s = slices[params[0]?.dataIndex ?? 0];
        const code = s?.code && s.code !== s.label ? ` (${s.code})` : '';
        return s ? `${s.label}${code}: ${formatMoney(s.amount, currency, lang)}` : '';
      },
    },
    // Money labels are wide: fewer ticks, and a label that would overlap its neighbour is left out.
    xAxis: { type: 'value', splitNumber: 4, axisLabel: { formatter: moneyAxis(currency, lang), hideOverlap: true } },
    yAxis: { type: 'category', data: labels, inverse: true },
    series: [{ name, type: 'bar', data: slices.map((s) => plotValue(s.amount)), itemStyle: { color: '#067647' } }],
  };
}
