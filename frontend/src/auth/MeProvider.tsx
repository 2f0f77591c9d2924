import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { MeDocument, type UserFieldsFragment } from '../generated/graphql';
import { abilities, highestRole, type Abilities, type Role } from '../lib/roles';
import { ErrorState, LoadingState } from '../components/States';

interface MeValue {
  me: UserFieldsFragment;
  role: Role | null;
  can: Abilities;
  /** The server runs the demo's mail sink and this user (a global admin) may read its outbox. */
  demoOutbox: boolean;
  reload: () => void;
}

const MeContext = createContext<MeValue | null>(null);

/** Loads the signed-in user once; pages read it with `useMe()`. */
export function MeProvider({ children }: { children: ReactNode }) {
  const [result, reexecute] = useQuery({ query: MeDocument });
  const value = useMemo<MeValue | null>(() => {
    const me = result.data?.me;
    if (!me) return null;
    return {
      me,
      role: highestRole(me.memberships),
      can: abilities(me.memberships),
      demoOutbox: result.data?.demoOutboxEnabled ?? false,
      reload: () => reexecute({ requestPolicy: 'network-only' }),
    };
  }, [result.data, reexecute]);
  if (!value) {
    if (result.error) return <ErrorState error={result.error} onRetry={() => reexecute({ requestPolicy: 'network-only' })} />;
    return <LoadingState />;
  }
  return <MeContext.Provider value={value}>{children}</MeContext.Provider>;
}

export function useMe(): MeValue {
  const value = useContext(MeContext);
  if (!value) throw new Error('useMe outside MeProvider');
  return value;
}
