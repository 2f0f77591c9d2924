import { useCallback, useEffect, useState } from 'react';
import { useClient, type Client, type CombinedError } from 'urql';
import { CostSummaryDocument, CustomerContractPayersDocument, CustomerPayerCandidatesDocument } from '../generated/graphql';
import type { DateRange } from '../lib/customerHome';
import { uniqueIds } from '../lib/customerHome';
import { firstErrorCode } from './errors';

/** A payer the end customer has charges on, with their monthly charges over the range asked. */
export interface CustomerPayer {
  id: string;
  currency: string;
  series: { period: string; amount: string }[];
}

export type CustomerPayersState =
  | { status: 'loading' }
  | { status: 'error'; error: CombinedError }
  | { status: 'ready'; payers: CustomerPayer[] };

/**
 * The payers an end customer's charges are on, each with its monthly PRO_FORMA series over
 * `range`. The API gives end customers no list of those payers, so this gathers candidates from
 * what they can read (payers on their own tenant, their contracts' payers, their invoices'
 * payers) and asks each for its series: a payer where they have no billing group answers
 * NOT_FOUND and is left out. Any other error is the answer.
 */
export async function findCustomerPayers(client: Client, tenantIds: readonly string[], range: DateRange): Promise<CustomerPayersState> {
  const network = { requestPolicy: 'network-only' } as const;
  const [candidates, ...contracts] = await Promise.all([
    client.query(CustomerPayerCandidatesDocument, {}, network).toPromise(),
    ...tenantIds.map((tenantId) => client.query(CustomerContractPayersDocument, { tenantId }, network).toPromise()),
  ]);
  for (const r of [candidates, ...contracts]) if (r.error) return { status: 'error', error: r.error };
  const ids = uniqueIds(
    candidates.data?.payers.nodes.map((p) => p.id) ?? [],
    contracts.flatMap((c) => c.data?.contracts.flatMap((k) => k.payerIds) ?? []),
    candidates.data?.invoices.map((i) => i.payerId) ?? [],
  );
  const probes = await Promise.all(
    ids.map((id) =>
      client
        .query(
          CostSummaryDocument,
          { input: { payerIds: [id], from: range.from, to: range.to, granularity: 'MONTH', groupBy: [], metric: 'PRO_FORMA' } },
          network,
        )
        .toPromise()
        .then((result) => ({ id, result })),
    ),
  );
  const payers: CustomerPayer[] = [];
  for (const { id, result } of probes) {
    if (result.error) {
      if (firstErrorCode(result.error) === 'NOT_FOUND') continue;
      return { status: 'error', error: result.error };
    }
    const summary = result.data?.costSummary;
    if (summary) payers.push({ id, currency: summary.currency, series: summary.series.map((p) => ({ period: p.period, amount: p.amount })) });
  }
  return { status: 'ready', payers };
}

/** `findCustomerPayers` for a component, asked again on `reload`. */
export function useCustomerPayers(tenantIds: readonly string[], range: DateRange): CustomerPayersState & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<CustomerPayersState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const tenants = tenantIds.join(',');
  useEffect(() => {
    let stopped = false;
    setState({ status: 'loading' });
    void findCustomerPayers(client, tenants ? tenants.split(',') : [], { from: range.from, to: range.to }).then((next) => {
      if (!stopped) setState(next);
    });
    return () => {
      stopped = true;
    };
  }, [client, tenants, range.from, range.to, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
