import { describe, expect, it } from 'vitest';
import { en, interpolate, type MessageKey } from '../i18n/messages';
import { bySavings, customerLabel, customerNames, filterCustomers } from './insights';

const t = (key: MessageKey, vars?: Record<string, string | number>) => interpolate(en[key], vars);

const row = (customerTenantId: string | null, customerName: string | null, estimatedMonthlySavings: string) => ({ customerTenantId, customerName, estimatedMonthlySavings });

describe('savings insights', () => {
  it('orders largest savings first, exactly (decimal strings, not floats), ties by name with no customer last', () => {
    const rows = [row(null, null, '5'), row('t-b', 'Beta', '10.0000000001'), row('t-a', 'Acme', '5'), row('t-c', 'Cee', '10')];
    expect(bySavings(rows).map((r) => r.customerName ?? '—')).toEqual(['Beta', 'Cee', 'Acme', '—']);
    expect(rows[0].customerName).toBeNull(); // the input stays as it was
  });

  it('offers each named customer once, by name, never "no customer"; an unnamed one by its id', () => {
    const list = [row('t-b', 'Beta', '1'), row(null, null, '2'), row('t-a', 'Acme', '3'), row('t-b', 'Beta', '4'), row('t-x', null, '5')];
    expect(filterCustomers(list)).toEqual([
      { id: 't-a', name: 'Acme' },
      { id: 't-b', name: 'Beta' },
      { id: 't-x', name: 't-x' },
    ]);
  });

  it('names a recommendation’s customer from the list, else by id, and "No customer" without one', () => {
    const names = customerNames([row('t-a', 'Acme', '1')]);
    expect(customerLabel(t, 't-a', names)).toBe('Acme');
    expect(customerLabel(t, 't-z', names)).toBe('t-z');
    expect(customerLabel(t, null, names)).toBe('No customer');
  });
});
