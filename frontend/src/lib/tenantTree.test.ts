import { describe, expect, it } from 'vitest';
import { buildTree, childKinds, flatten, type TenantLike } from './tenantTree';

const t = (id: string, kind: TenantLike['kind'], parent: string | null, name = id): TenantLike => ({
  id,
  name,
  kind,
  parent: parent ? { id: parent } : null,
});

describe('tenant tree', () => {
  it('nests children under parents, sorted by tier then name', () => {
    const tree = buildTree([
      t('c1', 'CUSTOMER', 'root', 'Zeta'),
      t('root', 'PLATFORM', null),
      t('d1', 'DISTRIBUTOR', 'root', 'Beta'),
      t('d2', 'DISTRIBUTOR', 'root', 'Alpha'),
      t('r1', 'RESELLER', 'd1'),
    ]);
    expect(tree).toHaveLength(1);
    expect(tree[0].children.map((n) => n.tenant.name)).toEqual(['Alpha', 'Beta', 'Zeta']);
    expect(flatten(tree).map((n) => [n.tenant.id, n.depth])).toEqual([
      ['root', 0],
      ['d2', 1],
      ['d1', 1],
      ['r1', 2],
      ['c1', 1],
    ]);
  });

  it('a tenant whose parent is not visible is a root', () => {
    const tree = buildTree([t('r1', 'RESELLER', 'hidden'), t('c1', 'CUSTOMER', 'r1')]);
    expect(tree.map((n) => n.tenant.id)).toEqual(['r1']);
    expect(tree[0].children.map((n) => n.tenant.id)).toEqual(['c1']);
  });

  it('allows the same parent and child kinds as the API', () => {
    expect(childKinds('PLATFORM')).toEqual(['DISTRIBUTOR', 'RESELLER', 'CUSTOMER']);
    expect(childKinds('DISTRIBUTOR')).toEqual(['RESELLER', 'CUSTOMER']);
    expect(childKinds('RESELLER')).toEqual(['CUSTOMER']);
    expect(childKinds('CUSTOMER')).toEqual([]);
  });
});
