import { describe, expect, it } from 'vitest';
import { abilities, atLeast, DEFAULT_ROLE, highestRole, roleOnTenant, isEndCustomer, payerAbilities, ROLES, roleOnPayer } from './roles';

const parents = new Map<string, string | null>([
  ['root', null],
  ['dist', 'root'],
  ['res', 'dist'],
  ['cust', 'res'],
  ['other', 'root'],
]);

describe('roles', () => {
  it('ranks roles', () => {
    expect(atLeast('ADMIN', 'OPERATOR')).toBe(true);
    expect(atLeast('VIEWER', 'OPERATOR')).toBe(false);
    expect(atLeast(null, 'VIEWER')).toBe(false);
  });

  it('forms start with the least powerful role, and pickers list it first', () => {
    expect(DEFAULT_ROLE).toBe('VIEWER');
    expect(ROLES[0]).toBe(DEFAULT_ROLE);
    for (const role of ROLES) expect(atLeast(role, DEFAULT_ROLE)).toBe(true);
    expect([...ROLES].sort((a, b) => Number(atLeast(a, b)) - Number(atLeast(b, a)))).toEqual(ROLES);
  });

  it('the highest role anywhere drives the navigation', () => {
    expect(highestRole([])).toBeNull();
    expect(highestRole([{ role: 'VIEWER', tenant: { id: 'a' } }, { role: 'OPERATOR', tenant: { id: 'b' } }])).toBe('OPERATOR');
  });

  it('a viewer may not write or administer', () => {
    expect(abilities([{ role: 'VIEWER', tenant: { id: 'cust' } }])).toEqual({ write: false, administer: false });
    expect(abilities([{ role: 'OPERATOR', tenant: { id: 'cust' } }])).toEqual({ write: true, administer: false });
    expect(abilities([{ role: 'ADMIN', tenant: null, payer: { id: 'p' } }])).toEqual({ write: true, administer: true });
  });

  it('a role on a tenant applies to its subtree, not to its parent or siblings', () => {
    const memberships = [{ role: 'ADMIN' as const, tenant: { id: 'dist' } }];
    expect(roleOnTenant('cust', memberships, parents)).toBe('ADMIN');
    expect(roleOnTenant('dist', memberships, parents)).toBe('ADMIN');
    expect(roleOnTenant('root', memberships, parents)).toBeNull();
    expect(roleOnTenant('other', memberships, parents)).toBeNull();
  });

  it('takes the strongest of several roles along the path', () => {
    const memberships = [
      { role: 'VIEWER' as const, tenant: { id: 'root' } },
      { role: 'OPERATOR' as const, tenant: { id: 'res' } },
    ];
    expect(roleOnTenant('cust', memberships, parents)).toBe('OPERATOR');
    expect(roleOnTenant('dist', memberships, parents)).toBe('VIEWER');
  });

  it('survives a cycle in bad data', () => {
    const cyclic = new Map<string, string | null>([
      ['a', 'b'],
      ['b', 'a'],
    ]);
    expect(roleOnTenant('a', [{ role: 'VIEWER', tenant: { id: 'b' } }], cyclic)).toBe('VIEWER');
  });
});

describe('payer roles and end customers', () => {
  const parents = new Map<string, string | null>([
    ['root', null],
    ['acme', 'root'],
    ['globex', 'acme'],
  ]);

  it('the role on a payer comes from its tenant chain or a payer membership, the higher wins', () => {
    const payer = { id: 'p1', tenant: { id: 'globex' } };
    expect(roleOnPayer(payer, [{ role: 'VIEWER', tenant: { id: 'acme' } }], parents)).toBe('VIEWER');
    expect(roleOnPayer(payer, [{ role: 'VIEWER', tenant: { id: 'acme' } }, { role: 'OPERATOR', tenant: null, payer: { id: 'p1' } }], parents)).toBe('OPERATOR');
    expect(roleOnPayer(payer, [{ role: 'ADMIN', tenant: null, payer: { id: 'other' } }], parents)).toBeNull();
    expect(roleOnPayer({ id: 'p1', tenant: null }, [{ role: 'ADMIN', tenant: { id: 'root' } }], parents)).toBeNull();
  });

  it('gates payer actions: viewers nothing, operators operate, admins everything', () => {
    expect(payerAbilities('VIEWER')).toEqual({ operate: false, administer: false });
    expect(payerAbilities(null)).toEqual({ operate: false, administer: false });
    expect(payerAbilities('OPERATOR')).toEqual({ operate: true, administer: false });
    expect(payerAbilities('ADMIN')).toEqual({ operate: true, administer: true });
  });

  it('an end customer holds roles only on customer tenants', () => {
    expect(isEndCustomer([{ role: 'ADMIN', tenant: { id: 'c', kind: 'CUSTOMER' } }])).toBe(true);
    expect(isEndCustomer([{ role: 'VIEWER', tenant: { id: 'c', kind: 'CUSTOMER' } }, { role: 'VIEWER', tenant: { id: 'r', kind: 'RESELLER' } }])).toBe(false);
    expect(isEndCustomer([{ role: 'VIEWER', tenant: null, payer: { id: 'p' } }])).toBe(false);
    expect(isEndCustomer([])).toBe(false);
  });
});
