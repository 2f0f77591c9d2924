import { useCallback, useEffect, useState } from 'react';
import { useClient, type Client, type CombinedError } from 'urql';
import { CostSummaryDocument, CustomerViewBillingGroupsDocument, CustomerViewPayersDocument, MyPayerIdsDocument } from '../generated/graphql';
import type { DateRange } from '../lib/customerHome';

/** A payer the end customer's billing groups are on, with their monthly charges over the range asked. */
export interface CustomerPayer {
  id: string;
  currency: string;
  series: { period: string; amount: string }[];
}

/** Partner side: a payer the customer has billing groups on, by name, with those groups' names. */
export interface CustomerPayerName {
  id: string;
  name: string;
  groups: string[];
}

export type CustomerPayersState =
  | { status: 'loading' }
  | { status: 'error'; error: CombinedError }
  | {
      status: 'ready';
      payers: CustomerPayer[];
      /** Partner side only: the payers found, by name. */
      named?: CustomerPayerName[];
      /** Partner side only: the partner sees more payers than the ones looked at. */
      morePayers?: boolean;
    };

/** How many of the partner's payers the customer view looks at (one `billingGroups` each). */
export const CUSTOMER_VIEW_PAYERS = 100;

const network = { requestPolicy: 'network-only' } as const;

type Found = { status: 'error'; error: CombinedError } | { status: 'ready'; ids: string[]; named?: CustomerPayerName[]; morePayers?: boolean };

/** An end customer's payers: those their billing groups are on (`myPayerIds`). */
async function ownPayerIds(client: Client): Promise<Found> {
  const mine = await client.query(MyPayerIdsDocument, {}, network).toPromise();
  if (mine.error) return { status: 'error', error: mine.error };
  return { status: 'ready', ids: mine.data?.myPayerIds ?? [] };
}

/**
 * Partner side: the payers on which `customerTenantId` has billing groups. The first
 * CUSTOMER_VIEW_PAYERS payers the partner sees, then each one's `billingGroups` (in parallel),
 * keeping the payers with a group of that customer: 1 + at most 100 requests. Any error is the answer.
 */
async function customersPayerIds(client: Client, customerTenantId: string): Promise<Found> {
  const list = await client.query(CustomerViewPayersDocument, { first: CUSTOMER_VIEW_PAYERS }, network).toPromise();
  if (list.error) return { status: 'error', error: list.error };
  const payers = list.data?.payers.nodes ?? [];
  const answers = await Promise.all(
    payers.map((p) =>
      client
        .query(CustomerViewBillingGroupsDocument, { payerId: p.id }, network)
        .toPromise()
        .then((result) => ({ payer: p, result })),
    ),
  );
  const named: CustomerPayerName[] = [];
  for (const { payer, result } of answers) {
    if (result.error) return { status: 'error', error: result.error };
    const groups = (result.data?.billingGroups ?? []).filter((g) => g.customerTenantId === customerTenantId).map((g) => g.name);
    if (groups.length > 0) named.push({ id: payer.id, name: payer.name, groups });
  }
  return { status: 'ready', ids: named.map((p) => p.id), named, morePayers: list.data?.payers.pageInfo.hasNextPage ?? false };
}

/**
 * The payers an end customer's billing groups are on (`myPayerIds`) — or, with
 * `customerTenantId` (partner side), the payers that customer has billing groups on — each with
 * its monthly PRO_FORMA series over `range` (that customer's part when one is named). One
 * `costSummary` per payer, not one for all of them: the API refuses to sum payers that bill in
 * different currencies, and each answer carries its payer's currency. No payers, no cost
 * question. Any error is the answer.
 */
export async function findCustomerPayers(client: Client, range: DateRange, customerTenantId?: string): Promise<CustomerPayersState> {
  const found = customerTenantId ? await customersPayerIds(client, customerTenantId) : await ownPayerIds(client);
  if (found.status === 'error') return found;
  const answers = await Promise.all(
    found.ids.map((id) =>
      client
        .query(
          CostSummaryDocument,
          {
            input: {
              payerIds: [id],
              from: range.from,
              to: range.to,
              granularity: 'MONTH',
              groupBy: [],
              metric: 'PRO_FORMA',
              ...(customerTenantId ? { customerTenantId } : {}),
            },
          },
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
  return customerTenantId ? { status: 'ready', payers, named: found.named, morePayers: found.morePayers } : { status: 'ready', payers };
}

/** `findCustomerPayers` for a component, asked again on `reload`. */
export function useCustomerPayers(range: DateRange, customerTenantId?: string): CustomerPayersState & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<CustomerPayersState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let stopped = false;
    setState({ status: 'loading' });
    void findCustomerPayers(client, { from: range.from, to: range.to }, customerTenantId).then((next) => {
      if (!stopped) setState(next);
    });
    return () => {
      stopped = true;
    };
  }, [client, range.from, range.to, customerTenantId, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
