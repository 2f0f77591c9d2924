import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dateInputValue, endOfLocalDay, formatDate, formatDateTime, formatDecimal, formatMoney, formatMonth, formatRelative, roundDecimal } from './format';

describe('roundDecimal (half to even, on the digits)', () => {
  it.each([
    ['1.005', 2, '1.00'],
    ['1.015', 2, '1.02'],
    ['1.0150000001', 2, '1.02'],
    ['2.675', 2, '2.68'],
    ['2.665', 2, '2.66'],
    ['0.125', 2, '0.12'],
    ['0.135', 2, '0.14'],
    ['9.995', 2, '10.00'],
    ['999.999', 2, '1000.00'],
    ['12', 2, '12.00'],
    ['0.0000000001', 2, '0.00'],
    ['-0.004', 2, '0.00'],
    ['-1.235', 2, '-1.24'],
    ['123456789012345678.1234567891', 2, '123456789012345678.12'],
    ['7.5', 0, '8'],
    ['6.5', 0, '6'],
  ])('%s to %i places is %s', (value, places, expected) => {
    expect(roundDecimal(value, places)).toBe(expected);
  });

  it('refuses what is not a decimal', () => {
    expect(() => roundDecimal('1e3', 2)).toThrow(RangeError);
    expect(() => roundDecimal('abc', 2)).toThrow(RangeError);
  });
});

describe('formatMoney', () => {
  it('formats USD in English and Chinese', () => {
    expect(formatMoney('1234567.891', 'USD', 'en')).toBe('$1,234,567.89');
    expect(formatMoney('1234567.891', 'USD', 'zh')).toBe('US$1,234,567.89');
  });

  it('stays exact beyond float precision', () => {
    // 2^53 + 1 is not representable as a double.
    expect(formatMoney('9007199254740993.005', 'USD', 'en')).toBe('$9,007,199,254,740,993.00');
  });

  it('shows negative amounts (credits)', () => {
    expect(formatMoney('-12.5', 'USD', 'en')).toBe('-$12.50');
  });

  it('formats CNY', () => {
    expect(formatMoney('88.8', 'CNY', 'zh')).toBe('¥88.80');
  });

  it("rounds to the currency's minor unit (none for yen)", () => {
    expect(formatMoney('1234.5', 'JPY', 'en')).toBe('¥1,234');
    expect(formatMoney('1235.5', 'JPY', 'en')).toBe('¥1,236');
    expect(formatMoney('0.125', 'EUR', 'en')).toBe('€0.12');
  });

  it('formats a chart coordinate (a number) exactly like an amount, without exponents', () => {
    expect(formatMoney(1500, 'USD', 'en')).toBe('$1,500.00');
    expect(formatMoney(1500, 'USD', 'en')).toBe(formatMoney('1500', 'USD', 'en'));
    expect(formatMoney(1e21, 'USD', 'en')).toBe('$1,000,000,000,000,000,000,000.00');
    expect(formatMoney(1e-7, 'USD', 'en')).toBe('$0.00');
    expect(formatMoney(Number.NaN, 'USD', 'en')).toBe('$0.00');
  });

  it('keeps an unknown currency code beside the amount rather than guessing', () => {
    expect(formatMoney('12.5', '', 'en')).toBe('12.50');
    expect(formatMoney('12.5', 'usd?', 'en')).toBe('12.50 usd?');
  });
});

describe('money is formatted one way everywhere', () => {
  // Every .tsx under src/: money fields never go through formatDecimal or roundDecimal with a
  // currency glued on; formatMoney (with the currency) is the one way to show an amount.
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.tsx') ? [join(dir, e.name)] : []));
  const sources = files(fileURLToPath(new URL('..', import.meta.url))).map((f) => ({ f, text: readFileSync(f, 'utf8') }));
  const MONEY = '(cost|total|amount|awsCost|proformaCost|margin|flatAmount|projected|monthToDate|delta|current|previous)';

  it('finds the pages', () => {
    expect(sources.length).toBeGreaterThan(20);
  });

  it.each([
    ['formatDecimal of a money field', new RegExp(`formatDecimal\\([\\w.?]*\\b${MONEY}\\b`, 'i')],
    ['a rounded amount followed by a currency', /roundDecimal\([^)]*\)\s*\}\s*\$\{[^}]*currency/],
    ['a currency code glued after an amount', /\}\s+\{?[\w.?]*\.currency\}/],
  ])('no %s', (_what, pattern) => {
    const offenders = sources.filter(({ text }) => pattern.test(text)).map(({ f }) => f);
    expect(offenders).toEqual([]);
  });
});

describe('dates', () => {
  const iso = '2026-01-05T14:03:00Z';

  it('formats a date in each language', () => {
    expect(formatDate(iso, 'en', 'UTC')).toBe('Jan 5, 2026');
    expect(formatDate(iso, 'zh', 'UTC')).toBe('2026年1月5日');
  });

  it('formats date and time in the given time zone, 24-hour', () => {
    expect(formatDateTime(iso, 'en', 'UTC')).toBe('Jan 5, 2026, 14:03');
    expect(formatDateTime(iso, 'zh', 'Asia/Shanghai')).toBe('2026年1月5日 22:03');
  });

  it('names a billing month', () => {
    expect(formatMonth('2026-12', 'en')).toBe('December 2026');
    expect(formatMonth('2026-12', 'zh')).toBe('2026年12月');
    expect(formatMonth('soon', 'en')).toBe('soon');
  });

  it('leaves an unparseable value as it is', () => {
    expect(formatDate('not a date', 'en')).toBe('not a date');
  });

  it('formats relative times', () => {
    const now = new Date('2026-01-05T12:00:00Z');
    expect(formatRelative('2026-01-05T10:00:00Z', 'en', now)).toBe('2 hours ago');
    expect(formatRelative('2026-01-08T12:00:00Z', 'en', now)).toBe('in 3 days');
    expect(formatRelative('2026-01-04T12:00:00Z', 'zh', now)).toBe('昨天');
    expect(formatRelative('2026-01-05T11:59:58Z', 'en', now)).toBe('2 seconds ago');
  });

  it('date inputs count local calendar days, and end of day is sent as UTC', () => {
    expect(dateInputValue(new Date(2026, 0, 30), 3)).toBe('2026-02-02');
    const end = new Date(endOfLocalDay('2026-02-02'));
    expect([end.getFullYear(), end.getMonth(), end.getDate(), end.getHours(), end.getMinutes()]).toEqual([2026, 1, 2, 23, 59]);
  });
});

describe('formatDecimal', () => {
  it('rounds half to even on the digits and groups per language', () => {
    expect(formatDecimal('1234567.125', 'en')).toBe('1,234,567.12');
    expect(formatDecimal('1234567.135', 'zh')).toBe('1,234,567.14');
    expect(formatDecimal('-0.004', 'en')).toBe('0.00');
    expect(formatDecimal('12345678901234567.89', 'en')).toBe('12,345,678,901,234,567.89');
  });
});
