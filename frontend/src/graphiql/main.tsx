// GraphiQL, built into frontend/dist with the web app and served by the API at GET /graphql:
// every script, style, font and editor worker comes from this origin, so it works on a network
// without internet and under the server's Content-Security-Policy (no CDN, no inline script).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';

type Params = { query: string; operationName?: string | null; variables?: unknown };

// Sign in with the `login` mutation, or create an API token, and put
// {"Authorization": "Bearer …"} in the headers tab.
async function fetcher(params: Params, opts?: { headers?: Record<string, unknown> }) {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  for (const [k, v] of Object.entries(opts?.headers ?? {})) headers[k] = String(v);
  const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify(params) });
  return res.json();
}

const defaultQuery = `# Partner Billing GraphQL API.
# Sign in with the login mutation (or use an API token), then add to Headers:
#   {"Authorization": "Bearer <accessToken>"}
{
  me {
    email
  }
}
`;

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <GraphiQL fetcher={fetcher} defaultQuery={defaultQuery} />
  </StrictMode>,
);
