// A `fetch` for the GraphQL client that adds the access token and makes refresh transparent:
// when the API answers UNAUTHENTICATED, it refreshes the session once and retries the request
// once; when the refresh fails, the session signs out (and the app shows the sign-in page).

import type { Session } from './session';

/** Operations that are not made with a session, so an UNAUTHENTICATED answer is final. */
const SESSIONLESS_OPERATIONS = new Set(['Login', 'RefreshSession', 'BootstrapAdmin', 'SetPassword']);

interface GraphQLBody {
  errors?: { extensions?: { code?: unknown } }[];
}

export function hasErrorCode(body: unknown, code: string): boolean {
  const errors = (body as GraphQLBody | null)?.errors;
  return Array.isArray(errors) && errors.some((e) => e?.extensions?.code === code);
}

function operationName(init: RequestInit | undefined): string | null {
  if (typeof init?.body !== 'string') return null;
  try {
    const parsed = JSON.parse(init.body) as { operationName?: unknown };
    return typeof parsed.operationName === 'string' ? parsed.operationName : null;
  } catch {
    return null;
  }
}

function withToken(init: RequestInit | undefined, token: string | null): RequestInit {
  const headers = new Headers(init?.headers);
  if (token) headers.set('Authorization', `Bearer ${token}`);
  else headers.delete('Authorization');
  return { ...init, headers };
}

export function createAuthFetch(session: Session, baseFetch: typeof fetch = (...args) => fetch(...args)): typeof fetch {
  return async (input, init) => {
    const sentWith = session.accessToken;
    const response = await baseFetch(input, withToken(init, sentWith));
    const name = operationName(init);
    if (name !== null && SESSIONLESS_OPERATIONS.has(name)) return response;

    // Read the body to look for UNAUTHENTICATED, then hand back an equivalent response.
    const text = await response.text();
    const copy = () =>
      new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      return copy();
    }
    if (!hasErrorCode(body, 'UNAUTHENTICATED')) return copy();
    if (sentWith === null && !session.canRestore) return copy();

    if (!(await session.refresh(sentWith))) return copy();
    const retried = await baseFetch(input, withToken(init, session.accessToken));
    const retriedText = await retried.text();
    let retriedBody: unknown = null;
    try {
      retriedBody = JSON.parse(retriedText);
    } catch {
      // not JSON: pass it on as it is
    }
    // Rejected even with brand-new tokens: the session is over (user disabled, sessions ended).
    if (hasErrorCode(retriedBody, 'UNAUTHENTICATED')) session.signOut('expired');
    return new Response(retriedText, { status: retried.status, statusText: retried.statusText, headers: retried.headers });
  };
}
