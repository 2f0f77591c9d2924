import { describe, expect, it } from 'vitest';
import { billingTotals, marginSlices, percentOf } from './billing';

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
