import { describe, expect, it } from 'vitest';
import { combinedTotals, moversCsv, sameDays, serviceCsv } from './customerHome';

describe('sameDays', () => {
  it('compares the first days of this month with the same days of the month before', () => {
    expect(sameDays(new Date('2026-12-06T23:59:00Z'))).toEqual({
      month: '2026-12',
      previous: '2026-11',
      day: 6,
      previousDay: 6,
      current: { from: '2026-12-01', to: '2026-12-06' },
      before: { from: '2026-11-01', to: '2026-11-06' },
    });
  });

  it('stops at the end of a shorter month before, and crosses the year', () => {
    const march = sameDays(new Date('2027-03-31T00:00:00Z'));
    expect([march.before, march.previousDay]).toEqual([{ from: '2027-02-01', to: '2027-02-28' }, 28]);
    expect(sameDays(new Date('2028-03-30T12:00:00Z')).before.to).toBe('2028-02-29');
    const january = sameDays(new Date('2027-01-01T00:00:00Z'));
    expect([january.current, january.before]).toEqual([
      { from: '2027-01-01', to: '2027-01-01' },
      { from: '2026-12-01', to: '2026-12-01' },
    ]);
  });

  it('uses the UTC day, not the local one', () => {
    // 23:30 UTC on the 5th is already the 6th east of UTC.
    expect(sameDays(new Date('2026-12-05T23:30:00Z')).day).toBe(5);
  });
});

describe('combinedTotals', () => {
  it('adds several payers month by month, exactly, with missing months as zero', () => {
    const months = ['2026-10', '2026-11', '2026-12'];
    const a = [
      { period: '2026-10', amount: '0.1' },
      { period: '2026-11', amount: '139.79' },
    ];
    const b = [
      { period: '2026-10', amount: '0.2' },
      { period: '2026-12', amount: '-14.5805' },
    ];
    expect(combinedTotals([a, b], months)).toEqual(['0.3', '139.79', '-14.5805']);
    expect(combinedTotals([], months)).toEqual(['0', '0', '0']);
  });
});

describe('CSV tables', () => {
  it('a service row has its name, its code and the exact amount; a custom line item its own name', () => {
    const table = serviceCsv(
      { service: 'Service', code: 'Code', amount: 'Charge', currency: 'Currency' },
      [
        { amount: '145.805', key: { service: 'AmazonEC2', serviceName: 'Amazon Elastic Compute Cloud' } },
        { amount: '-14.5805', key: { service: 'Loyalty-credit', serviceName: null } },
      ],
      'USD',
    );
    expect(table.rows).toEqual([
      ['Amazon Elastic Compute Cloud', 'AmazonEC2', '145.805', 'USD'],
      ['Loyalty-credit', 'Loyalty-credit', '-14.5805', 'USD'],
    ]);
  });

  it('a mover row has both months, the change and its percent (empty when the month before was zero)', () => {
    const table = moversCsv(
      { service: 'S', code: 'C', previous: 'P', current: 'N', change: 'D', changePercent: '%', currency: '$' },
      [{ key: { service: 'AWSLambda', serviceName: 'AWS Lambda' }, previous: '0', current: '3', delta: '3', deltaPercent: null }],
      'USD',
    );
    expect(table.header).toEqual(['S', 'C', 'P', 'N', 'D', '%', '$']);
    expect(table.rows).toEqual([['AWS Lambda', 'AWSLambda', '0', '3', '3', null, 'USD']]);
  });
});
