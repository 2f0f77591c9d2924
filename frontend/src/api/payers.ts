import { useMemo } from 'react';
import { PayersDocument, type PayerFieldsFragment } from '../generated/graphql';
import { useMe } from '../auth/MeProvider';
import { payerAbilities, roleOnPayer, type PayerAbilities } from '../lib/roles';
import { parentMap } from '../lib/tenantTree';
import { useAllTenants } from './tenants';
import { usePagedList } from './usePagedList';

/** Every payer the caller can see (all pages). */
export function useAllPayers() {
  return usePagedList(PayersDocument, (d) => d.payers, { all: true });
}

/** What the caller may do on each payer, by payer id. */
export function usePayerAbilities(payers: readonly PayerFieldsFragment[]): (payerId: string) => PayerAbilities {
  const { me } = useMe();
  const tenants = useAllTenants();
  return useMemo(() => {
    const parents = parentMap(tenants.nodes);
    const byId = new Map(payers.map((p) => [p.id, payerAbilities(roleOnPayer(p, me.memberships, parents))]));
    return (id: string) => byId.get(id) ?? payerAbilities(null);
  }, [payers, me.memberships, tenants.nodes]);
}
