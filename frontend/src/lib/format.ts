// Formatting of money and dates for display.
//
// Money arrives from the API as decimal strings (up to 10 decimal places for CUR lines) and is
// never turned into a JavaScript number: rounding is done on the digits, and only the rounded
// string goes to Intl (which formats decimal strings exactly). Rounding is half-to-even, the
// same as rust_decimal's `round_dp` on the server, so a displayed total matches the API's.

import type { Lang } from '../i18n/messages';

const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

const LOCALES: Record<Lang, string> = { en: 'en-US', zh: 'zh-CN' };

/** Rounds a decimal string to `places` digits after the point, half to even. */
export function roundDecimal(value: string, places: number): string {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new RangeError(`not a decimal number: ${JSON.stringify(value)}`);
  const [, sign = '', intPart, fraction = ''] = match;
  const kept = fraction.slice(0, places).padEnd(places, '0');
  const rest = fraction.slice(places);
  let digits = (intPart + kept).replace(/^0+(?=\d)/, '');
  const first = rest.charAt(0);
  const beyondHalf = /[1-9]/.test(rest.slice(1));
  const lastKept = Number(digits.charAt(digits.length - 1));
  const roundUp = first > '5' || (first === '5' && (beyondHalf || lastKept % 2 === 1));
  if (roundUp) digits = incrementDigits(digits);
  const whole = digits.length > places ? digits.slice(0, digits.length - places) : '0';
  const frac = places > 0 ? digits.slice(-places).padStart(places, '0') : '';
  const isZero = /^0*$/.test(whole + frac);
  const out = places > 0 ? `${whole}.${frac}` : whole;
  return sign === '-' && !isZero ? `-${out}` : out;
}

function incrementDigits(digits: string): string {
  const chars = digits.split('');
  for (let i = chars.length - 1; i >= 0; i -= 1) {
    if (chars[i] === '9') {
      chars[i] = '0';
    } else {
      chars[i] = String(Number(chars[i]) + 1);
      return chars.join('');
    }
  }
  return `1${chars.join('')}`;
}

/** Decimal places of a currency's minor unit as Intl (ISO 4217) has them: 2 for USD, 0 for JPY. */
export function currencyPlaces(currency: string): number {
  try {
    return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/**
 * A plotted number (a chart axis tick) as a decimal string, without exponent notation, so it goes
 * through the same formatting as the exact amounts.
 */
export function numberToDecimal(value: number): string {
  if (!Number.isFinite(value)) return '0';
  return value.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 });
}

/**
 * THE money format of the app, for every amount shown (totals, lines, custom line items, chart
 * axes and tooltips): the amount with its currency, in the viewer's language, rounded half to
 * even to the currency's minor unit, e.g. ("1234.565", "USD", "en") → "$1,234.56". An amount
 * is a decimal string from the API (exact); a number is only ever a chart coordinate.
 */
export function formatMoney(amount: string | number, currency: string, lang: Lang): string {
  const decimal = typeof amount === 'number' ? numberToDecimal(amount) : amount;
  // Not an ISO 4217 code (should not happen): the amount, then whatever the API named.
  if (!/^[A-Z]{3}$/.test(currency)) return `${formatDecimal(decimal, lang, 2)} ${currency}`.trim();
  const places = currencyPlaces(currency);
  const rounded = roundDecimal(decimal, places);
  const format = new Intl.NumberFormat(LOCALES[lang], {
    style: 'currency',
    currency,
    minimumFractionDigits: places,
    maximumFractionDigits: places,
  });
  // Intl formats a numeric string exactly (no float in between) in every current engine.
  return format.format(rounded as unknown as number);
}

/** A date and time in the viewer's time zone (or `timeZone`), e.g. "Jan 5, 2026, 14:03". */
export function formatDateTime(iso: string, lang: Lang, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], {
    dateStyle: 'medium',
    timeStyle: 'short',
    hourCycle: 'h23',
    timeZone,
  }).format(date);
}

/** A calendar date, e.g. "Jan 5, 2026" / "2026年1月5日". */
export function formatDate(iso: string, lang: Lang, timeZone?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: 'medium', timeZone }).format(date);
}

/** A billing month (`YYYY-MM`), e.g. "December 2026" / "2026年12月". */
export function formatMonth(month: string, lang: Lang): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
  return new Intl.DateTimeFormat(LOCALES[lang], { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(date);
}

/** "in 3 days" / "2 hours ago", in the coarsest unit that is at least 1. */
export function formatRelative(iso: string, lang: Lang, now: Date = new Date()): string {
  const diffSeconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const format = new Intl.RelativeTimeFormat(LOCALES[lang], { numeric: 'auto' });
  for (const [unit, seconds] of units) {
    if (Math.abs(diffSeconds) >= seconds) return format.format(Math.trunc(diffSeconds / seconds), unit);
  }
  return format.format(diffSeconds, 'second');
}

/** The value for an `<input type="date">` `days` from `now`, in local time. */
export function dateInputValue(now: Date, days: number): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days);
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}

/** End of the given local calendar day (`YYYY-MM-DD`), as RFC 3339 UTC for the API. */
export function endOfLocalDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d, 23, 59, 59).toISOString();
}

/** A quantity that is not money (usage amounts), e.g. "1,234.567". Money goes through `formatMoney`. */
export function formatDecimal(amount: string, lang: Lang, places = 2): string {
  const format = new Intl.NumberFormat(LOCALES[lang], { minimumFractionDigits: places, maximumFractionDigits: places });
  return format.format(roundDecimal(amount, places) as unknown as number);
}
