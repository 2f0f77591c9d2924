import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider, type Client } from 'urql';
import { createClient, createSession } from '../api/client';
import { LogoutDocument } from '../generated/graphql';
import type { Session, SignOutReason, Tokens } from './session';

export type AuthStatus = 'restoring' | 'signedIn' | 'signedOut';

interface AuthContextValue {
  status: AuthStatus;
  /** Why the last session ended, for the sign-in page. */
  endReason: SignOutReason | null;
  signIn: (tokens: Tokens) => void;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function SessionProvider({ children, session: given }: { children: ReactNode; session?: Session }) {
  const [session] = useState(() => given ?? createSession());
  const [client, setClient] = useState<Client>(() => createClient(session));
  const [status, setStatus] = useState<AuthStatus>(() =>
    session.status === 'signedIn' ? 'signedIn' : session.canRestore ? 'restoring' : 'signedOut',
  );
  const [endReason, setEndReason] = useState<SignOutReason | null>(null);

  useEffect(
    () =>
      session.subscribe((next, reason) => {
        setStatus(next);
        if (next === 'signedOut') {
          setEndReason(reason ?? 'logout');
          // Drop every cached result of the old session.
          setClient(createClient(session));
        } else {
          setEndReason(null);
        }
      }),
    [session],
  );

  useEffect(() => {
    if (status === 'restoring') {
      void session.restore().then((ok) => {
        if (!ok) setStatus('signedOut');
      });
    }
    // Only once, at start.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const signIn = useCallback((tokens: Tokens) => session.signIn(tokens), [session]);
  const signOut = useCallback(async () => {
    try {
      await client.mutation(LogoutDocument, {}).toPromise();
    } finally {
      session.signOut('logout');
    }
  }, [client, session]);

  const value = useMemo(() => ({ status, endReason, signIn, signOut }), [status, endReason, signIn, signOut]);
  return (
    <AuthContext.Provider value={value}>
      <UrqlProvider value={client}>{children}</UrqlProvider>
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside SessionProvider');
  return value;
}
