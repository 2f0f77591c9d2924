import { describe, expect, it } from 'vitest';
import type { ClientError } from '../api/errors';
import { toCsv } from './csv';
import {
  costAllocationPath,
  keyErrors,
  keysChanged,
  keysInput,
  moveRow,
  offeredKeys,
  payersWithKey,
  readBeforeSelected,
  rowProblems,
  tagAmounts,
  tagCsv,
  valueLabel,
  type SelectedKey,
} from './costAllocation';

const tag = (name: string, periodsWithoutIt: string[] = []): SelectedKey => ({ kind: 'TAG', name, periodsWithoutIt });
const category = (name: string, periodsWithoutIt: string[] = []): SelectedKey => ({ kind: 'COST_CATEGORY', name, periodsWithoutIt });

const validation = (field: string, message: string): ClientError => ({
  graphQLErrors: [{ message, extensions: { code: 'VALIDATION', field } } as never],
  networkError: undefined,
  message: `[GraphQL] ${message}`,
});

describe('the settings form’s rows', () => {
  it('sends the rows in order with names trimmed, and sees a change of order as a change', () => {
    const rows = [
      { kind: 'TAG' as const, name: ' team ' },
      { kind: 'COST_CATEGORY' as const, name: 'CostCenter' },
    ];
    expect(keysInput(rows)).toEqual([
      { kind: 'TAG', name: 'team' },
      { kind: 'COST_CATEGORY', name: 'CostCenter' },
    ]);
    expect(keysChanged(rows, [tag('team'), category('CostCenter')])).toBe(false);
    expect(keysChanged([...rows].reverse(), [tag('team'), category('CostCenter')])).toBe(true);
    expect(keysChanged(rows, [tag('team'), tag('CostCenter')])).toBe(true);
    expect(keysChanged([], [])).toBe(false);
  });

  it('checks names as the API does: required, 1–128 characters, AWS’s characters, no key twice (case-sensitive, per kind)', () => {
    const problems = rowProblems([
      { kind: 'TAG', name: 'team' },
      { kind: 'TAG', name: '  ' },
      { kind: 'TAG', name: 'x'.repeat(129) },
      { kind: 'TAG', name: 'bad;name' },
      { kind: 'TAG', name: 'team ' },
      { kind: 'TAG', name: 'Team' },
      { kind: 'COST_CATEGORY', name: 'team' },
      { kind: 'TAG', name: 'aws:cloudformation:stack-name' },
      { kind: 'TAG', name: 'Kostenstelle/Bereich = A+B @ 团队_1.x' },
    ]);
    expect([...problems]).toEqual([
      [1, 'required'],
      [2, 'tooLong'],
      [3, 'characters'],
      [4, 'duplicate'],
    ]);
    expect(rowProblems([{ kind: 'TAG', name: '团'.repeat(128) }]).size).toBe(0);
  });

  it('moves a row up or down, and not past either end', () => {
    expect(moveRow(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveRow(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveRow(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moveRow(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });

  it('puts the API’s VALIDATION errors on the row they name, or under the list', () => {
    expect(keyErrors(validation('keys[1].name', 'keys[1].name: must be 1 to 128 characters'), 2).fields).toEqual({ row1: 'must be 1 to 128 characters' });
    expect(keyErrors(validation('keys[0]', 'keys[0]: selected twice'), 2).fields).toEqual({ row0: 'selected twice' });
    expect(keyErrors(validation('keys', 'keys: at most 5'), 2).fields).toEqual({ list: 'at most 5' });
    expect(keyErrors(validation('name', 'name: only letters…'), 2).fields).toEqual({ list: 'only letters…' });
    // A row that is not there any more, or another field: above the form.
    expect(keyErrors(validation('keys[4].name', 'keys[4].name: bad'), 2).form?.code).toBe('VALIDATION');
    expect(keyErrors(validation('payerId', 'payerId: unknown'), 2).form?.message).toBe('payerId: unknown');
  });

  it('links to a payer’s page', () => {
    expect(costAllocationPath('p-1')).toBe('/payers/p-1/cost-allocation');
  });
});

describe('keys over several payers', () => {
  const byPayer = new Map([
    ['p-1', [tag('team'), category('CostCenter', ['2026-11'])]],
    ['p-2', [category('CostCenter'), tag('env')]],
    ['p-3', []],
  ]);

  it('offers every key once, in the order of the first payer that has it', () => {
    expect(offeredKeys(['p-1', 'p-2', 'p-3'].map((id) => byPayer.get(id)!))).toEqual([
      { kind: 'TAG', name: 'team' },
      { kind: 'COST_CATEGORY', name: 'CostCenter' },
      { kind: 'TAG', name: 'env' },
    ]);
    expect(offeredKeys([[], []])).toEqual([]);
  });

  it('asks only the payers that selected the key, and names those that read the month before it', () => {
    const ids = ['p-1', 'p-2', 'p-3'];
    expect(payersWithKey(byPayer, ids, { kind: 'COST_CATEGORY', name: 'CostCenter' })).toEqual(['p-1', 'p-2']);
    expect(payersWithKey(byPayer, ids, { kind: 'TAG', name: 'CostCenter' })).toEqual([]);
    expect(readBeforeSelected(byPayer, ids, { kind: 'COST_CATEGORY', name: 'CostCenter' }, '2026-11')).toEqual(['p-1']);
    expect(readBeforeSelected(byPayer, ids, { kind: 'COST_CATEGORY', name: 'CostCenter' }, '2026-12')).toEqual([]);
  });
});

describe('cost by a key’s value', () => {
  const groups = [
    { amount: '10', key: { tag: 'web' } },
    { amount: '250.5', key: { tag: '' } },
    { amount: '99.99', key: { tag: '=cmd|calc!A1' } },
    { amount: '10', key: { tag: 'api' } },
    { amount: '10', key: { tag: null } },
    { amount: '-3', key: { tag: 'credits' } },
  ];

  it('sorts by amount, largest first; equal amounts by value, the empty value last', () => {
    expect(tagAmounts(groups).map((r) => `${r.value}=${r.amount}`)).toEqual(['=260.5', '=cmd|calc!A1=99.99', 'api=10', 'web=10', 'credits=-3']);
    expect(tagAmounts([{ amount: '5', key: { tag: 'b' } }, { amount: '5', key: { tag: '' } }, { amount: '5', key: { tag: 'a' } }]).map((r) => r.value)).toEqual(['a', 'b', '']);
  });

  it('names the empty value', () => {
    expect(valueLabel('', 'No team')).toBe('No team');
    expect(valueLabel('web', 'No team')).toBe('web');
  });

  it('writes a formula-safe CSV with the empty value named and the amounts exact', () => {
    const table = tagCsv({ value: 'team', amount: 'Cost', currency: 'Currency' }, tagAmounts(groups.slice(0, 3)), 'USD', 'No team');
    expect(toCsv(table.header, table.rows).slice(1).split('\r\n')).toEqual(['team,Cost,Currency', 'No team,250.5,USD', "'=cmd|calc!A1,99.99,USD", 'web,10,USD', '']);
  });
});
