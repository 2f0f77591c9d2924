import { describe, expect, it, vi } from 'vitest';
import { createAuthFetch } from './authFetch';
import { Session, type Tokens } from './session';

const tokens = (n: number): Tokens => ({ accessToken: `a${n}`, refreshToken: `r${n}`, expiresAt: '2030-01-01T00:00:00Z' });

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
const unauthenticated = () => json({ data: null, errors: [{ message: 'session ended', extensions: { code: 'UNAUTHENTICATED' } }] });
const ok = (data: unknown) => json({ data });

function request(operationName: string) {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ operationName, query: '…' }) };
}

function authOf(init: RequestInit | undefined): string | null {
  return new Headers(init?.headers).get('authorization');
}

describe('createAuthFetch', () => {
  it('sends the access token as a bearer token', async () => {
    const session = new Session(vi.fn());
    session.signIn(tokens(1));
    const base = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => ok({ me: { id: '1' } }));
    const response = await createAuthFetch(session, base)('/graphql', request('Me'));
    expect(authOf(base.mock.calls[0][1])).toBe('Bearer a1');
    expect(await response.json()).toEqual({ data: { me: { id: '1' } } });
  });

  it('on UNAUTHENTICATED refreshes once and retries with the new token', async () => {
    const refresher = vi.fn(async () => tokens(2));
    const session = new Session(refresher);
    session.signIn(tokens(1));
    const base = vi.fn().mockResolvedValueOnce(unauthenticated()).mockResolvedValueOnce(ok({ me: { id: '1' } }));
    const response = await createAuthFetch(session, base)('/graphql', request('Me'));
    expect(refresher).toHaveBeenCalledTimes(1);
    expect(base).toHaveBeenCalledTimes(2);
    expect(authOf(base.mock.calls[1][1])).toBe('Bearer a2');
    expect(await response.json()).toEqual({ data: { me: { id: '1' } } });
  });

  it('two requests failing together share one refresh', async () => {
    const refresher = vi.fn(async () => tokens(2));
    const session = new Session(refresher);
    session.signIn(tokens(1));
    const base = vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) =>
      authOf(init) === 'Bearer a1' ? unauthenticated() : ok({ ok: true }),
    );
    const f = createAuthFetch(session, base);
    const [a, b] = await Promise.all([f('/graphql', request('Users')), f('/graphql', request('Tenants'))]);
    expect(refresher).toHaveBeenCalledTimes(1);
    expect((await a.json()).data).toEqual({ ok: true });
    expect((await b.json()).data).toEqual({ ok: true });
  });

  it('when the refresh fails, signs out and returns the original error', async () => {
    const session = new Session(async () => Promise.reject(new Error('refused')));
    const ended = vi.fn();
    session.signIn(tokens(1));
    session.subscribe(ended);
    const base = vi.fn(async () => unauthenticated());
    const response = await createAuthFetch(session, base)('/graphql', request('Me'));
    expect(base).toHaveBeenCalledTimes(1);
    expect(ended).toHaveBeenCalledWith('signedOut', 'expired');
    expect((await response.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('retries only once: rejected again with new tokens means the session is over', async () => {
    const refresher = vi.fn(async () => tokens(2));
    const session = new Session(refresher);
    session.signIn(tokens(1));
    const base = vi.fn(async () => unauthenticated());
    await createAuthFetch(session, base)('/graphql', request('Me'));
    expect(base).toHaveBeenCalledTimes(2);
    expect(refresher).toHaveBeenCalledTimes(1);
    expect(session.status).toBe('signedOut');
  });

  it('never refreshes for a failed sign-in', async () => {
    const refresher = vi.fn(async () => tokens(2));
    const session = new Session(refresher);
    session.signIn(tokens(1));
    const base = vi.fn(async () => unauthenticated());
    await createAuthFetch(session, base)('/graphql', request('Login'));
    expect(refresher).not.toHaveBeenCalled();
    expect(base).toHaveBeenCalledTimes(1);
  });

  it('passes other errors through untouched', async () => {
    const refresher = vi.fn();
    const session = new Session(refresher);
    session.signIn(tokens(1));
    const body = { data: null, errors: [{ message: 'email: is not valid', extensions: { code: 'VALIDATION', field: 'email' } }] };
    const base = vi.fn(async () => json(body));
    const response = await createAuthFetch(session, base)('/graphql', request('CreateUser'));
    expect(await response.json()).toEqual(body);
    expect(refresher).not.toHaveBeenCalled();
  });
});
