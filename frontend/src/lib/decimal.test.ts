import { describe, expect, it } from 'vitest';
import { absDecimal, addDecimal, compareDecimal, fromUnits, percentChange, plotValue, subtractDecimal, toUnits } from './decimal';

describe('decimal', () => {
  it('adds exactly where floats would not', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('1234567890123.0000000001', '0.0000000009')).toBe('1234567890123.000000001');
    expect(addDecimal()).toBe('0');
  });

  it('subtracts and compares, with signs', () => {
    expect(subtractDecimal('10', '12.5')).toBe('-2.5');
    expect(compareDecimal('-1', '0.5')).toBe(-1);
    expect(compareDecimal('2.50', '2.5')).toBe(0);
    expect(compareDecimal('100', '99.9999999999')).toBe(1);
    expect(absDecimal('-3.25')).toBe('3.25');
  });

  it('round-trips through units and refuses non-numbers', () => {
    expect(fromUnits(toUnits('-0.000'))).toBe('0');
    expect(fromUnits(toUnits('+42.10'))).toBe('42.1');
    expect(() => toUnits('1e5')).toThrow(RangeError);
    expect(() => toUnits('abc')).toThrow(RangeError);
  });

  it('percent change to one decimal place, null from zero', () => {
    expect(percentChange('110', '100')).toBe('10.0');
    expect(percentChange('90', '100')).toBe('-10.0');
    expect(percentChange('1', '3')).toBe('-66.7');
    expect(percentChange('200.05', '100')).toBe('100.1');
    expect(percentChange('5', '0')).toBeNull();
    expect(percentChange('100', '100')).toBe('0.0');
  });

  it('plot values are numbers rounded to cents', () => {
    expect(plotValue('1234.5678')).toBe(1234.56);
    expect(plotValue('-2.999')).toBe(-2.99);
  });
});
