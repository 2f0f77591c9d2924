import { useEffect, useState } from 'react';
import { useClient } from 'urql';
import { LinkedAccountsDocument, type LinkedAccountsQuery } from '../generated/graphql';
import { PAGE_SIZE } from './usePagedList';

/**
 * The names of the payers' member accounts, by account id (every page of `linkedAccounts` of
 * each payer), to show beside ids in cost tables. An account not synced has no name here.
 */
export function useAccountNames(payerIds: readonly string[]): ReadonlyMap<string, string> {
  const client = useClient();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const key = [...payerIds].sort().join(',');
  useEffect(() => {
    let stopped = false;
    void (async () => {
      const found = new Map<string, string>();
      for (const payerId of key ? key.split(',') : []) {
        let after: string | null = null;
        do {
          const result = await client.query(LinkedAccountsDocument, { payerId, filter: null, first: PAGE_SIZE, after }, { requestPolicy: 'network-only' }).toPromise();
          if (stopped) return;
          const page: LinkedAccountsQuery['linkedAccounts'] | undefined = result.data?.linkedAccounts;
          if (!page) break;
          for (const a of page.nodes) found.set(a.accountId, a.name);
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
      }
      if (!stopped) setNames(found);
    })();
    return () => {
      stopped = true;
    };
  }, [client, key]);
  return names;
}
