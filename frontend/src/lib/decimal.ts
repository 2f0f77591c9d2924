// Exact arithmetic on the API's decimal strings (money), through BigInt scaled integers, so a
// sum, difference or comparison never passes through a float.

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Digits after the point kept internally (the API sends at most 10 for CUR lines). */
export const SCALE = 10;
const FACTOR = 10n ** BigInt(SCALE);

/** A decimal string as an integer count of 10⁻¹⁰ units (extra digits are truncated). */
export function toUnits(value: string): bigint {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new RangeError(`not a decimal number: ${JSON.stringify(value)}`);
  const [, sign = '', whole, fraction = ''] = match;
  const units = BigInt(whole) * FACTOR + BigInt(fraction.slice(0, SCALE).padEnd(SCALE, '0'));
  return sign === '-' ? -units : units;
}

/** Back to a plain decimal string without trailing zeros ("12.5", "-0.25", "3"). */
export function fromUnits(units: bigint): string {
  const negative = units < 0n;
  const abs = negative ? -units : units;
  const whole = abs / FACTOR;
  const fraction = (abs % FACTOR).toString().padStart(SCALE, '0').replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : `${whole}`;
  return negative && abs !== 0n ? `-${text}` : text;
}

export function compareDecimal(a: string, b: string): number {
  const d = toUnits(a) - toUnits(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

export function addDecimal(...values: string[]): string {
  return fromUnits(values.reduce((sum, v) => sum + toUnits(v), 0n));
}

export function subtractDecimal(a: string, b: string): string {
  return fromUnits(toUnits(a) - toUnits(b));
}

export function absDecimal(value: string): string {
  const units = toUnits(value);
  return fromUnits(units < 0n ? -units : units);
}

export function isNegative(value: string): boolean {
  return toUnits(value) < 0n;
}

/**
 * The change from `previous` to `current` in percent, as a decimal string with one digit after
 * the point (rounded half away from zero); null when `previous` is zero.
 */
export function percentChange(current: string, previous: string): string | null {
  const prev = toUnits(previous);
  if (prev === 0n) return null;
  const diff = toUnits(current) - prev;
  const denominator = prev < 0n ? -prev : prev;
  // tenths of a percent, rounded half away from zero
  const scaled = diff * 1000n;
  const negative = scaled < 0n;
  const abs = negative ? -scaled : scaled;
  const tenths = (abs + denominator / 2n) / denominator;
  const text = `${tenths / 10n}.${tenths % 10n}`;
  return negative && tenths !== 0n ? `-${text}` : text;
}

/**
 * A number for drawing only (chart coordinates need one); labels and tooltips format the
 * original decimal string instead.
 */
export function plotValue(value: string): number {
  return Number(fromUnits((toUnits(value) / 10n ** 8n) * 10n ** 8n));
}
