import { useMemo } from 'react';
import { TenantsDocument, type Role, type TenantFieldsFragment } from '../generated/graphql';
import { atLeast, roleOnTenant, type MembershipLike } from '../lib/roles';
import { buildTree, flatten, parentMap } from '../lib/tenantTree';
import { usePagedList } from './usePagedList';

/** Every tenant the caller can see (all pages). */
export function useAllTenants() {
  return usePagedList(TenantsDocument, (d) => d.tenants, { all: true });
}

export interface TenantOption {
  id: string;
  label: string;
  tenant: TenantFieldsFragment;
}

/** Tenants, in tree order and indented by depth, on which the caller holds at least `needed`. */
export function useTenantOptions(
  tenants: readonly TenantFieldsFragment[],
  memberships: readonly MembershipLike[],
  needed: Role,
): TenantOption[] {
  return useMemo(() => {
    const parents = parentMap(tenants);
    return flatten(buildTree(tenants))
      .filter((n) => atLeast(roleOnTenant(n.tenant.id, memberships, parents), needed))
      .map((n) => ({ id: n.tenant.id, label: `${'\u00a0\u00a0'.repeat(n.depth)}${n.tenant.name}`, tenant: n.tenant }));
  }, [tenants, memberships, needed]);
}
