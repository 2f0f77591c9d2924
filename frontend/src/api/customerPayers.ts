import { useCallback, useEffect, useState } from 'react';
import { useClient, type Client, type CombinedError } from 'urql';
import { CostSummaryDocument, MyPayerIdsDocument } from '../generated/graphql';
import type { DateRange } from '../lib/customerHome';

/** A payer the end customer's billing groups are on, with their monthly charges over the range asked. */
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
 * The payers an end customer's billing groups are on (`myPayerIds`), each with its monthly
 * PRO_FORMA series over `range`. One `costSummary` per payer, not one for all of them: the API
 * refuses to sum payers that bill in different currencies, and each answer carries its payer's
 * currency. No payers, no cost question. Any error is the answer.
 */
export async function findCustomerPayers(client: Client, range: DateRange): Promise<CustomerPayersState> {
  const network = { requestPolicy: 'network-only' } as const;
  const mine = await client.query(MyPayerIdsDocument, {}, network).toPromise();
  if (mine.error) return { status: 'error', error: mine.error };
  const ids = mine.data?.myPayerIds ?? [];
  const answers = await Promise.all(
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
  for (const { id, result } of answers) {
    if (result.error) return { status: 'error', error: result.error };
    const summary = result.data?.costSummary;
    if (summary) payers.push({ id, currency: summary.currency, series: summary.series.map((p) => ({ period: p.period, amount: p.amount })) });
  }
  return { status: 'ready', payers };
}

/** `findCustomerPayers` for a component, asked again on `reload`. */
export function useCustomerPayers(range: DateRange): CustomerPayersState & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<CustomerPayersState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let stopped = false;
    setState({ status: 'loading' });
    void findCustomerPayers(client, { from: range.from, to: range.to }).then((next) => {
      if (!stopped) setState(next);
    });
    return () => {
      stopped = true;
    };
  }, [client, range.from, range.to, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
