import { describe, expect, it } from 'vitest';
import { costAndMargin } from './customerView';

const payer = (payerId: string, cost: [string, string], charge: [string, string]) => ({
  payerId,
  cost: { currency: cost[0], total: cost[1] },
  charge: { currency: charge[0], total: charge[1] },
});

describe('costAndMargin', () => {
  it('sums the payers of one currency: margin = charge − cost, its share of the charge to one place', () => {
    // 141.2245 + 10 = 151.2245 charged; 113.5 + 8 = 121.5 cost; 29.7245 margin; 29.7245 / 151.2245 = 19.656…%.
    expect(costAndMargin([payer('p-1', ['USD', '113.5'], ['USD', '141.2245']), payer('p-2', ['USD', '8'], ['USD', '10'])])).toEqual({
      rows: [{ currency: 'USD', cost: '121.5', charge: '151.2245', margin: '29.7245', marginPercent: '19.7' }],
      mismatched: [],
    });
  });

  it('never sums across currencies: one row per currency, in currency order', () => {
    const { rows } = costAndMargin([payer('p-1', ['USD', '100'], ['USD', '120']), payer('p-2', ['EUR', '50'], ['EUR', '55'])]);
    expect(rows.map((r) => [r.currency, r.cost, r.charge, r.margin, r.marginPercent])).toEqual([
      ['EUR', '50', '55', '5', '9.1'],
      ['USD', '100', '120', '20', '16.7'],
    ]);
  });

  it('a payer whose cost and charge differ in currency has no margin and is named, not summed', () => {
    expect(costAndMargin([payer('p-1', ['USD', '100'], ['USD', '90']), payer('p-2', ['USD', '40'], ['EUR', '50'])])).toEqual({
      rows: [{ currency: 'USD', cost: '100', charge: '90', margin: '-10', marginPercent: '-11.1' }],
      mismatched: ['p-2'],
    });
  });

  it('no charge: no percentage (not a division by zero)', () => {
    expect(costAndMargin([payer('p-1', ['USD', '3.2'], ['USD', '0'])]).rows).toEqual([{ currency: 'USD', cost: '3.2', charge: '0', margin: '-3.2', marginPercent: null }]);
  });
});
