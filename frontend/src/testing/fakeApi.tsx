// A page test's harness: a fake GraphQL server behind a real urql client, the page rendered on a
// route with the signed-in user's context, and the helpers that wait for it and act on it like a
// person would. Used with `render` (./render), in happy-dom.
import { act, type ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import { Client, fetchExchange, Provider } from 'urql';
import { MeProvider } from '../auth/MeProvider';
import { render, type Rendered } from './render';

/** One GraphQL request, as the client sends it. */
export interface Operation {
  operationName: string;
  variables: Record<string, unknown>;
}
export type GraphQLError = { message: string; extensions: { code: string; field?: string } };
/** What the fake server answers to one request. */
export type Answer = { data?: unknown; errors?: GraphQLError[] };
export type Handler = (op: Operation) => Answer | Promise<Answer>;

/**
 * A GraphQL client whose "server" is `handler`; every request is recorded in `calls`. Given
 * `{ current }`, each request asks whatever handler `current` holds then (a test may swap it).
 */
export function fakeApi(handler: Handler | { current: Handler }) {
  const calls: Operation[] = [];
  const fetch = async (_url: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Operation;
    calls.push(body);
    const answer = typeof handler === 'function' ? handler(body) : handler.current(body);
    return new Response(JSON.stringify(await answer), { headers: { 'content-type': 'application/json' } });
  };
  const client = new Client({ url: 'http://localhost/graphql', exchanges: [fetchExchange], preferGetMethod: false, fetch });
  return { client, calls };
}

/**
 * Renders `element` with `client`, at `entry` in a memory router, inside the signed-in user's
 * context; with `path`, as the element of that route (for pages that read its parameters).
 */
export function renderRoute({ client, entry, path, element }: { client: Client; entry: string; path?: string; element: ReactNode }): Promise<Rendered> {
  return render(
    <Provider value={client}>
      <MemoryRouter initialEntries={[entry]}>
        <MeProvider>
          {path === undefined ? (
            element
          ) : (
            <Routes>
              <Route path={path} element={element} />
            </Routes>
          )}
        </MeProvider>
      </MemoryRouter>
    </Provider>,
  );
}

/** One turn: lets the fake server answer and React render. */
const turn = () =>
  act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 0));
  });

/**
 * Lets the fake server answer and React render, until `ready` holds (or fails after a while,
 * with the text of `view`, else of the whole document).
 */
export async function until(ready: () => boolean, view?: Rendered | null) {
  for (let i = 0; i < 100 && !ready(); i += 1) await turn();
  if (!ready()) throw new Error(`never ready:\n${view ? view.container.textContent : document.body.textContent}`);
}

/** A few more turns (10 unless told), for what must *not* appear once the page has settled. */
export async function settle(turns = 10) {
  for (let i = 0; i < turns; i += 1) await turn();
}

/** An element's text with its white space collapsed. */
export const clean = (s: string | null | undefined) => s?.replace(/\s+/g, ' ').trim() ?? '';

/** Sets a control's value as a person would (React listens to input and change events). */
export async function setValue(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string) {
  await act(async () => {
    Object.getOwnPropertyDescriptor(Object.getPrototypeOf(control), 'value')!.set!.call(control, value);
    control.dispatchEvent(new Event(control instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  });
}
