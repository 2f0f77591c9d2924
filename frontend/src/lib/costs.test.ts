import { describe, expect, it } from 'vitest';
import { barOption, donutOption, lastMonths, latestMonthWithData, monthlyTotals, monthsBetween, monthsEnding, monthsRange, openingMonth, previousMonth, serviceLabel, topMovers, trendOption } from './costs';

const change = (delta: string, current = '10') => ({ current, previous: '0', delta, deltaPercent: null, isNew: false, isGone: false });

describe('months', () => {
  it('lists the last 12 months oldest first, across a year boundary', () => {
    const months = lastMonths(new Date('2026-02-15T12:00:00Z'), 12);
    expect(months).toHaveLength(12);
    expect(months[0]).toBe('2025-03');
    expect(months[10]).toBe('2026-01');
    expect(months[11]).toBe('2026-02');
  });

  it('ranges from the first day to the last day (leap years too)', () => {
    expect(monthsRange(['2023-03', '2024-02'])).toEqual({ from: '2023-03-01', to: '2024-02-29' });
    expect(monthsRange(['2026-11'])).toEqual({ from: '2026-11-01', to: '2026-11-30' });
  });

  it('fills months without data with zero', () => {
    expect(monthlyTotals([{ period: '2026-02', amount: '5.5' }], ['2026-01', '2026-02'])).toEqual(['0', '5.5']);
  });
});

describe('topMovers', () => {
  it('sorts by the size of the change, decreases included, exactly', () => {
    const changes = [change('5'), change('-20'), change('0'), change('19.9999999999'), change('-0.01')];
    expect(topMovers(changes, 3).map((c) => c.delta)).toEqual(['-20', '19.9999999999', '5']);
  });

  it('breaks ties by the current amount and leaves out unchanged keys', () => {
    const changes = [change('3', '4'), change('-3', '40'), change('0.000', '100')];
    expect(topMovers(changes, 10).map((c) => c.current)).toEqual(['40', '4']);
  });
});

describe('chart options', () => {
  it('the trend plots one bar per month and the tooltip shows the exact amount', () => {
    const option = trendOption({ months: ['2026-01', '2026-02'], totals: ['0', '1234.565'], currency: 'USD', lang: 'en', name: 'Cost' });
    expect(option.xAxis.data).toEqual(['2026-01', '2026-02']);
    expect(option.series[0].data).toEqual([0, 1234.56]);
    expect(option.tooltip.formatter([{ dataIndex: 1 }])).toBe('2026-02<br/>Cost: $1,234.56');
    expect(option.aria.decal.show).toBe(true);
  });

  it('the donut has one slice per group and formats in Chinese', () => {
    const option = donutOption({
      slices: [
        { label: 'AmazonEC2', amount: '100.005' },
        { label: 'AmazonS3', amount: '0.5' },
      ],
      currency: 'USD',
      lang: 'zh',
      name: 'By service',
    });
    expect(option.series[0].data).toEqual([
      { name: 'AmazonEC2', value: 100 },
      { name: 'AmazonS3', value: 0.5 },
    ]);
    expect(option.tooltip.formatter({ name: 'AmazonEC2', percent: 99.5 })).toBe('AmazonEC2: US$100.00 (99.5%)');
  });

  it("a service slice shows AWS's name, with the code in its tooltip", () => {
    const option = donutOption({
      slices: [
        { label: 'Amazon CloudWatch', code: 'AmazonCloudWatch', amount: '3' },
        { label: 'AmazonNoName', code: 'AmazonNoName', amount: '1' },
      ],
      currency: 'USD',
      lang: 'en',
      name: 'By service',
    });
    expect(option.series[0].data.map((d) => d.name)).toEqual(['Amazon CloudWatch', 'AmazonNoName']);
    expect(option.tooltip.formatter({ name: 'Amazon CloudWatch', percent: 75 })).toBe('Amazon CloudWatch (AmazonCloudWatch): $3.00 (75%)');
    expect(option.tooltip.formatter({ name: 'AmazonNoName', percent: 25 })).toBe('AmazonNoName: $1.00 (25%)');
    // Long names are cut beside the ring, whole in the legend's tooltip.
    expect(option.legend.textStyle).toEqual({ width: 160, overflow: 'truncate' });
    expect(option.legend.tooltip.show).toBe(true);
    const bars = barOption({ slices: [{ label: 'AWS Key Management Service', code: 'awskms', amount: '2' }], currency: 'USD', lang: 'en', name: 'x' });
    expect(bars.tooltip.formatter([{ dataIndex: 0 }])).toBe('AWS Key Management Service (awskms): $2.00');
  });

  it('a service without a name shows its code', () => {
    expect(serviceLabel('Amazon CloudWatch', 'AmazonCloudWatch')).toBe('Amazon CloudWatch');
    expect(serviceLabel(null, 'AmazonNoName')).toBe('AmazonNoName');
    expect(serviceLabel('  ', 'AmazonNoName')).toBe('AmazonNoName');
    expect(serviceLabel(undefined, null)).toBe('—');
  });

  it('the category bars keep the order they are given', () => {
    const option = barOption({ slices: [{ label: 'Compute', amount: '9' }, { label: 'Storage', amount: '1' }], currency: 'USD', lang: 'en', name: 'x' });
    expect(option.yAxis.data).toEqual(['Compute', 'Storage']);
    expect(option.tooltip.formatter([{ dataIndex: 1 }])).toBe('Storage: $1.00');
  });
});

describe('the month a page opens on', () => {
  const series = (amounts: Record<string, string>) => Object.entries(amounts).map(([period, amount]) => ({ period, amount }));

  it('is this month when it has data', () => {
    expect(openingMonth('2026-12', series({ '2026-11': '5', '2026-12': '0.01' }))).toEqual({ month: '2026-12', insteadOf: null });
  });

  it('is the latest month with data when this one has none yet, and says which it stands in for', () => {
    expect(openingMonth('2026-12', series({ '2026-10': '7', '2026-11': '5' }))).toEqual({ month: '2026-11', insteadOf: '2026-12' });
    expect(openingMonth('2026-01', series({ '2025-03': '1', '2025-06': '2', '2026-01': '0' }))).toEqual({ month: '2025-06', insteadOf: '2026-01' });
    // Credits make a negative month: that is data too.
    expect(openingMonth('2026-12', series({ '2026-11': '-3' }))).toEqual({ month: '2026-11', insteadOf: '2026-12' });
  });

  it('is this month when nothing in the last year has data', () => {
    expect(openingMonth('2026-12', [])).toEqual({ month: '2026-12', insteadOf: null });
    expect(openingMonth('2026-12', series({ '2025-10': '9' }))).toEqual({ month: '2026-12', insteadOf: null });
  });

  it('counts months across years', () => {
    expect(monthsEnding('2026-02', 3)).toEqual(['2025-12', '2026-01', '2026-02']);
    expect(previousMonth('2026-01')).toBe('2025-12');
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsBetween('2026-02', '2026-01')).toEqual([]);
    expect(latestMonthWithData(series({ '2026-01': '1', '2026-02': '0' }), ['2026-01', '2026-02'])).toBe('2026-01');
  });
});

describe('money axes', () => {
  it('label ticks with the currency, like every amount', () => {
    const option = trendOption({ months: ['2026-01'], totals: ['1500'], currency: 'USD', lang: 'en', name: 'Cost' });
    expect(option.yAxis.axisLabel.formatter(1500)).toBe('$1,500.00');
    const bars = barOption({ slices: [{ label: 'Compute', amount: '9' }], currency: 'CNY', lang: 'zh', name: 'x' });
    expect(bars.xAxis.axisLabel.formatter(2000)).toBe('¥2,000.00');
  });
});
