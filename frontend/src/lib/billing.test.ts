import { describe, expect, it } from 'vitest';
import { billingTotals, marginSlices, percentOf, reportView } from './billing';
import { addDecimal } from './decimal';

const group = (name: string, aws: string, proforma: string, margin: string) => ({ billingGroupName: name, awsCost: aws, proformaCost: proforma, margin });

describe('billing figures', () => {
  it('the margin donut has the groups that earn, largest first, and names those that lose', () => {
    const { slices, losses } = marginSlices([group('A', '100', '110', '10'), group('B', '50', '45', '-5'), group('C', '10', '30', '20'), group('D', '1', '1', '0')]);
    expect(slices).toEqual([
      { label: 'C', amount: '20' },
      { label: 'A', amount: '10' },
    ]);
    expect(losses).toEqual(['B']);
  });

  it('totals add exactly and the margin is a share of the pro-forma charge', () => {
    const totals = billingTotals([group('A', '0.1', '0.2', '0.1'), group('B', '0.2', '0.4', '0.2')]);
    expect(totals).toEqual({ awsCost: '0.3', proformaCost: '0.6', margin: '0.3', marginPercent: '50.0' });
    expect(billingTotals([]).marginPercent).toBeNull();
  });

  it('percentOf rounds to one place', () => {
    expect(percentOf('1', '3')).toBe('33.3');
    expect(percentOf('-2', '3')).toBe('-66.7');
    expect(percentOf('1', '0')).toBeNull();
  });
});

describe("a cost report's table and chart", () => {
  const line = (key: string, proformaCost: string, customLineItem = false) => ({ key, customLineItem, awsCost: proformaCost, proformaCost, margin: '0', marginPercentage: null });

  it('by period: every month of the range in order, in the table and the chart alike', () => {
    const { rows, bars } = reportView([line('2026-03', '3'), line('2026-01', '1')], 'PERIOD', '2025-12', '2026-03');
    expect(rows.map((r) => r.key)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03']);
    expect(bars.map((b) => b.key)).toEqual(rows.map((r) => r.key));
    expect(rows[0].proformaCost).toBe('0');
  });

  it('by period over more than 12 months: the chart still covers every month', () => {
    const { rows, bars } = reportView([], 'PERIOD', '2024-01', '2026-12');
    expect(rows).toHaveLength(36);
    expect(bars).toHaveLength(36);
  });

  it('by service: largest first; beyond 12 bars the rest add up to one, so the chart totals the table', () => {
    const lines = Array.from({ length: 20 }, (_, i) => line(`S${i}`, String(i + 1)));
    const { rows, bars } = reportView(lines, 'SERVICE', '2026-01', '2026-01');
    expect(rows).toHaveLength(20);
    expect(rows[0].key).toBe('S19');
    expect(bars).toHaveLength(12);
    expect(bars[11]).toEqual({ key: null, amount: addDecimal(...rows.slice(11).map((r) => r.proformaCost)), count: 9 });
    expect(addDecimal(...bars.map((b) => b.amount))).toBe(addDecimal(...rows.map((r) => r.proformaCost)));
  });
});
