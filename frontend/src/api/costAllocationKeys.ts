import { useCallback, useEffect, useState } from 'react';
import { useClient, type CombinedError } from 'urql';
import { CostAllocationKeysDocument } from '../generated/graphql';
import type { SelectedKey } from '../lib/costAllocation';

export type PayersKeysState =
  | { status: 'loading' }
  | { status: 'error'; error: CombinedError }
  | { status: 'ready'; byPayer: ReadonlyMap<string, readonly SelectedKey[]> };

/**
 * The cost allocation keys each payer selected (`costAllocationKeys`, one question per payer,
 * asked together), by payer id; asked again on `reload`. Any error is the answer.
 */
export function usePayersKeys(payerIds: readonly string[]): PayersKeysState & { reload: () => void } {
  const client = useClient();
  const [state, setState] = useState<PayersKeysState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const key = payerIds.join(',');
  useEffect(() => {
    let stopped = false;
    setState({ status: 'loading' });
    const ids = key ? key.split(',') : [];
    void Promise.all(
      ids.map((payerId) =>
        client
          .query(CostAllocationKeysDocument, { payerId }, { requestPolicy: 'network-only' })
          .toPromise()
          .then((result) => ({ payerId, result })),
      ),
    ).then((answers) => {
      if (stopped) return;
      const failed = answers.find((a) => a.result.error);
      if (failed?.result.error) return setState({ status: 'error', error: failed.result.error });
      setState({ status: 'ready', byPayer: new Map(answers.map((a) => [a.payerId, a.result.data?.costAllocationKeys ?? []])) });
    });
    return () => {
      stopped = true;
    };
  }, [client, key, attempt]);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { ...state, reload };
}
