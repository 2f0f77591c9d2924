import { Client, cacheExchange, fetchExchange } from 'urql';
import { createAuthFetch } from '../auth/authFetch';
import { Session, type Tokens } from '../auth/session';
import { RefreshSessionDocument } from '../generated/graphql';

/** Where the API answers; the dev server and `vite preview` proxy it to the API. */
export const GRAPHQL_URL = '/graphql';

/** A client without credentials, used only to refresh the session. */
function refreshClient(): Client {
  return new Client({ url: GRAPHQL_URL, exchanges: [fetchExchange], preferGetMethod: false, requestPolicy: 'network-only' });
}

export async function refreshTokens(refreshToken: string): Promise<Tokens> {
  const result = await refreshClient().mutation(RefreshSessionDocument, { refreshToken }).toPromise();
  const payload = result.data?.refreshSession;
  if (!payload) throw result.error ?? new Error('refreshSession returned nothing');
  return { accessToken: payload.accessToken, refreshToken: payload.refreshToken, expiresAt: payload.expiresAt };
}

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function createSession(): Session {
  return new Session(refreshTokens, sessionStore());
}

/** A GraphQL client for one session: made anew at sign-out so no cached data outlives it. */
export function createClient(session: Session): Client {
  return new Client({
    url: GRAPHQL_URL,
    exchanges: [cacheExchange, fetchExchange],
    // The API takes POST only (GET /graphql is the GraphiQL page).
    preferGetMethod: false,
    fetch: createAuthFetch(session),
  });
}
