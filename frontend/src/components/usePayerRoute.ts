import { useParams } from 'react-router';
import { useQuery } from 'urql';
import { usePayerAbilities } from '../api/payers';
import { PayerDocument } from '../generated/graphql';

/** Loads the payer of the current route (`:payerId`) and the caller's abilities on it. */
export function usePayerRoute() {
  const { payerId = '' } = useParams();
  const [result, reexecute] = useQuery({ query: PayerDocument, variables: { id: payerId } });
  const payer = result.data?.payer ?? null;
  const can = usePayerAbilities(payer ? [payer] : [])(payerId);
  return { payerId, payer, can, result, retry: () => reexecute({ requestPolicy: 'network-only' }) };
}
