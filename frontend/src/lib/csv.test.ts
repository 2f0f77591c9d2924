import { describe, expect, it } from 'vitest';
import { BOM, csvBlob, csvCell, csvFileName, defuseFormula, toCsv } from './csv';

/** An RFC 4180 reader (for the round trip): quoted fields may hold commas, quotes and line breaks. */
function parse(csv: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i += 1) {
    const c = csv[i];
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && csv[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += 1;
    } else field += c;
  }
  if (field !== '' || row.length > 0) throw new Error(`the last line has no CRLF: ${JSON.stringify(csv)}`);
  return rows;
}

describe('formula injection', () => {
  it.each([
    ['=HYPERLINK("http://evil.example","click")', `'=HYPERLINK("http://evil.example","click")`],
    ['+cmd|/C calc!A0', "'+cmd|/C calc!A0"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1:A9)', "'@SUM(A1:A9)"],
    ['\tleading tab', "'\tleading tab"],
    ['\rleading carriage return', "'\rleading carriage return"],
    ['-', "'-"],
    ['--1', "'--1"],
    ['-1e5', "'-1e5"],
    ['- 3', "'- 3"],
    ['-.5', "'-.5"],
    ['\uFF1DSUM(A1)', "'\uFF1DSUM(A1)"],
    ['\uFF20x', "'\uFF20x"],
  ])('%j starts with a formula character: prefixed', (input, expected) => {
    expect(defuseFormula(input)).toBe(expected);
  });

  it.each(['-12.50', '-0.0000000001', '-3', '0', '1234567890.1234567891', 'Amazon EC2', 'a=b', 'AWS Lambda - Edge', ''])(
    '%j is left alone (a plain number, or nothing a spreadsheet would evaluate)',
    (input) => {
      expect(defuseFormula(input)).toBe(input);
    },
  );

  it('a negative amount stays a number in the file, a formula does not, numbers as numbers too', () => {
    expect(csvCell('-14.5805')).toBe('-14.5805');
    expect(csvCell(-14.5)).toBe('-14.5');
    expect(csvCell('=1+1')).toBe("'=1+1");
  });
});

describe('RFC 4180 quoting', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rinside', '"cr\rinside"'],
  ])('%j is written %j', (input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });

  it('defuses first, then quotes: the apostrophe is inside the quotes', () => {
    expect(csvCell('=A1,"x"')).toBe(`"'=A1,""x"""`);
    expect(csvCell('\r\n=1')).toBe(`"'\r\n=1"`);
  });

  it('null and undefined are empty cells; a non-finite number is refused', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(() => csvCell(Number.NaN)).toThrow();
  });
});

describe('toCsv', () => {
  const file = toCsv(['Service', 'Amount'], [
    ['Amazon Elastic Compute Cloud - Compute', '145.805'],
    ['Loyalty-credit', '-14.5805'],
    ['=cmd, "quoted"\nname', '1'],
    ['亚马逊 云', null],
  ]);

  it('starts with the UTF-8 byte order mark, once', () => {
    expect(file.startsWith(BOM)).toBe(true);
    expect(file.slice(1).includes(BOM)).toBe(false);
    expect(new TextEncoder().encode(file).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });

  it('ends every line with CRLF, a header first', () => {
    expect(file.slice(1).split('\r\n')).toEqual([
      'Service,Amount',
      'Amazon Elastic Compute Cloud - Compute,145.805',
      'Loyalty-credit,-14.5805',
      `"'=cmd, ""quoted""\nname",1`,
      '亚马逊 云,',
      '',
    ]);
  });

  it('reads back as the same table (but for the defused cell)', () => {
    expect(parse(file.slice(1))).toEqual([
      ['Service', 'Amount'],
      ['Amazon Elastic Compute Cloud - Compute', '145.805'],
      ['Loyalty-credit', '-14.5805'],
      ["'=cmd, \"quoted\"\nname", '1'],
      ['亚马逊 云', ''],
    ]);
  });

  it('defuses the header too', () => {
    expect(toCsv(['@who'], []).slice(1)).toBe("'@who\r\n");
  });

  it('is saved as UTF-8 CSV', async () => {
    const blob = csvBlob(file);
    expect(blob.type).toBe('text/csv;charset=utf-8');
    expect(new Uint8Array(await blob.arrayBuffer()).slice(0, 3)).toEqual(new Uint8Array([0xef, 0xbb, 0xbf]));
  });
});

describe('csvFileName', () => {
  it('is lower case with dashes and .csv', () => {
    expect(csvFileName('Charges by service', '2026-12')).toBe('charges-by-service-2026-12.csv');
    expect(csvFileName('../etc/passwd')).toBe('etc-passwd.csv');
    expect(csvFileName('按服务')).toBe('export.csv');
  });
});
