// CSV files the web app builds itself (the customer home's tables): RFC 4180, UTF-8 with a byte
// order mark (so spreadsheet programs read Chinese and currency signs right), CRLF line ends, and
// safe to open in a spreadsheet: a text cell that a spreadsheet would take for a formula is
// prefixed with an apostrophe.

/** What a cell may hold; null and undefined are empty cells. */
export type CsvCell = string | number | null | undefined;

/** The byte order mark every file starts with. */
export const BOM = '\uFEFF';

/**
 * Characters that make a spreadsheet read a cell as a formula: OWASP's list, plus the full-width
 * forms of the first four (some spreadsheet programs, with an East Asian input method, take those
 * as formulas too; the names here may be Chinese).
 */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/**
 * A plain decimal number ("-12.50", "3", "-0.0000000001"): kept as it is, so amounts (which the
 * API sends as decimal strings, and credits are negative) stay numbers in the spreadsheet. Only
 * digits, one optional leading minus and one optional fraction: "-1+2", "-1e5", "- 3" or "--1"
 * are not numbers and are escaped.
 */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** A cell's text with formula injection defused (before quoting). */
export function defuseFormula(text: string): string {
  if (text === '' || PLAIN_NUMBER.test(text)) return text;
  return FORMULA_START.has(text[0]) ? `'${text}` : text;
}

/** One cell as it appears in the file: defused, then quoted when RFC 4180 requires it. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? numberText(value) : defuseFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return String(value);
}

/** A whole file: the BOM, a header row, then the rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(','));
  return `${BOM}${lines.map((line) => `${line}\r\n`).join('')}`;
}

/** The file as a Blob to save. */
export function csvBlob(csv: string): Blob {
  return new Blob([csv], { type: 'text/csv;charset=utf-8' });
}

/** A file name from its parts: lower case, letters, digits and dashes only, `.csv` at the end. */
export function csvFileName(...parts: string[]): string {
  const stem = parts
    .map((p) => p.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, ''))
    .filter((p) => p !== '')
    .join('-');
  return `${stem || 'export'}.csv`;
}
