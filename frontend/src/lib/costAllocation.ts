// Cost allocation tags and cost categories (#22 item 4), as plain functions: the keys a partner
// selects per payer (the form's rows, the checks the browser makes before sending, the API's
// field errors per row), the keys several payers share, and cost by a key's value (sorted, the
// empty value named, its CSV). Amounts stay decimal strings.

import type { ClientError, MappedErrors } from '../api/errors';
import { mapErrors } from '../api/errors';
import type { CostAllocationKeyInput, CostAllocationKeyKind } from '../generated/graphql';
import type { CsvCell } from './csv';
import type { CsvTable } from './customerHome';
import { addDecimal, compareDecimal } from './decimal';

/** How many keys a payer may select (the API refuses more). */
export const MAX_KEYS = 5;

/** The longest key name the API accepts, in characters. */
export const NAME_MAX = 128;

/** Every kind, as the kind picker lists them. */
export const KINDS: readonly CostAllocationKeyKind[] = ['TAG', 'COST_CATEGORY'];

/** A key as the pages handle it (the API's `CostAllocationKey` has these and more). */
export interface KeyLike {
  kind: CostAllocationKeyKind;
  name: string;
}

/** A selected key as the API returns it. */
export interface SelectedKey extends KeyLike {
  periodsWithoutIt: readonly string[];
}

/** One row of the settings form: what the person typed. */
export interface KeyRow {
  kind: CostAllocationKeyKind;
  name: string;
}

/** Letters, digits, spaces and `_ . : / = + - @` (AWS's own rule for tag keys). */
const NAME_PATTERN = /^[\p{L}\p{N} _.:/=+\-@]+$/u;

/** Where a payer's keys are chosen (its Cost allocation tags page). */
export function costAllocationPath(payerId: string): string {
  return `/payers/${payerId}/cost-allocation`;
}

/** One key's identity: kind and name (case-sensitive, as AWS spells it). */
export function keyId(key: KeyLike): string {
  return `${key.kind}:${key.name}`;
}

export function sameKey(a: KeyLike, b: KeyLike): boolean {
  return a.kind === b.kind && a.name === b.name;
}

/** The form's rows for the keys the payer has. */
export function rowsOf(keys: readonly KeyLike[]): KeyRow[] {
  return keys.map((k) => ({ kind: k.kind, name: k.name }));
}

/** What `setCostAllocationKeys` is sent: the rows in order, names trimmed. */
export function keysInput(rows: readonly KeyRow[]): CostAllocationKeyInput[] {
  return rows.map((r) => ({ kind: r.kind, name: r.name.trim() }));
}

/** Whether the rows select other keys (or another order) than the payer has. */
export function keysChanged(rows: readonly KeyRow[], saved: readonly KeyLike[]): boolean {
  const asked = keysInput(rows);
  return asked.length !== saved.length || asked.some((k, i) => !sameKey(k, saved[i]));
}

export type NameProblem = 'required' | 'tooLong' | 'characters' | 'duplicate';

/**
 * What the browser finds wrong with each row before sending (the API checks the same): a name
 * 1–128 characters of letters, digits, spaces and `_ . : / = + - @`, no key twice. By row index;
 * an empty map when all is well.
 */
export function rowProblems(rows: readonly KeyRow[]): Map<number, NameProblem> {
  const problems = new Map<number, NameProblem>();
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const name = row.name.trim();
    if (name === '') problems.set(i, 'required');
    else if ([...name].length > NAME_MAX) problems.set(i, 'tooLong');
    else if (!NAME_PATTERN.test(name)) problems.set(i, 'characters');
    else if (seen.has(keyId({ kind: row.kind, name }))) problems.set(i, 'duplicate');
    seen.add(keyId({ kind: row.kind, name }));
  });
  return problems;
}

/** The rows with row `index` moved by `by` (−1 up, +1 down); unchanged at either end. */
export function moveRow<T>(rows: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= rows.length || to < 0 || to >= rows.length) return [...rows];
  const next = [...rows];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}

/** Where an API error about the keys belongs: one row (`keys[2].name`, `keys[2]`), or the list. */
export type KeyErrorPlace = 'list' | `row${number}`;

/**
 * Maps the API's errors onto the form: a VALIDATION error on `keys[i]` (or `keys[i].name`,
 * `keys[i].kind`) goes to row i; on `keys`, `name` or `kind` (no row named) to the list; others
 * above the form.
 */
export function keyErrors(error: ClientError | null | undefined, rowCount: number): MappedErrors<KeyErrorPlace> {
  const fields: Record<string, KeyErrorPlace> = { keys: 'list', name: 'list', kind: 'list' };
  for (let i = 0; i < rowCount; i += 1) {
    for (const suffix of ['', '.name', '.kind']) {
      fields[`keys[${i}]${suffix}`] = `row${i}`;
      fields[`keys.${i}${suffix}`] = `row${i}`;
    }
  }
  return mapErrors(error, fields);
}

/**
 * The keys to offer over several payers: every key any of them selected, once, in the order of
 * the first payer that has it (so one payer's keys keep its own order).
 */
export function offeredKeys(keysPerPayer: readonly (readonly SelectedKey[])[]): KeyLike[] {
  const offered: KeyLike[] = [];
  for (const keys of keysPerPayer) for (const k of keys) if (!offered.some((o) => sameKey(o, k))) offered.push({ kind: k.kind, name: k.name });
  return offered;
}

/** The payers (ids) whose selection has `key`: the only ones a question grouped by it may name. */
export function payersWithKey(byPayer: ReadonlyMap<string, readonly SelectedKey[]>, payerIds: readonly string[], key: KeyLike): string[] {
  return payerIds.filter((id) => (byPayer.get(id) ?? []).some((k) => sameKey(k, key)));
}

/** Whether `month` was read before `key` was selected on any of `payerIds` (its cost shows without a value). */
export function readBeforeSelected(byPayer: ReadonlyMap<string, readonly SelectedKey[]>, payerIds: readonly string[], key: KeyLike, month: string): string[] {
  return payerIds.filter((id) => (byPayer.get(id) ?? []).some((k) => sameKey(k, key) && k.periodsWithoutIt.includes(month)));
}

/** One value of a key with its amount; `value` "" is cost without a value. */
export interface TagAmount {
  value: string;
  amount: string;
}

/**
 * The groups of a `groupBy: [TAG]` answer as values, largest amount first (equal amounts by
 * value, the empty value last among them). A group without a `tag` counts as without a value
 * (added to the empty value's, so each value is one row).
 */
export function tagAmounts(groups: readonly { amount: string; key: { tag?: string | null } }[]): TagAmount[] {
  const byValue = new Map<string, string>();
  for (const g of groups) {
    const value = g.key.tag ?? '';
    const before = byValue.get(value);
    byValue.set(value, before === undefined ? g.amount : addDecimal(before, g.amount));
  }
  return [...byValue]
    .map(([value, amount]) => ({ value, amount }))
    .sort((a, b) => compareDecimal(b.amount, a.amount) || (a.value === '' ? 1 : 0) - (b.value === '' ? 1 : 0) || a.value.localeCompare(b.value));
}

/** A value as shown: itself, or `none` (e.g. "No team") for cost without a value. */
export function valueLabel(value: string, none: string): string {
  return value === '' ? none : value;
}

/** The CSV of cost by a key's value: value (or `none`), amount, currency. */
export function tagCsv(header: { value: string; amount: string; currency: string }, rows: readonly TagAmount[], currency: string, none: string): CsvTable {
  return {
    header: [header.value, header.amount, header.currency],
    rows: rows.map((r): CsvCell[] => [valueLabel(r.value, none), r.amount, currency]),
  };
}
