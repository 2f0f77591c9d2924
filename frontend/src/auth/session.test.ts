import { describe, expect, it, vi } from 'vitest';
import { REFRESH_TOKEN_KEY, Session, type Tokens } from './session';

function memoryStore() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => void map.set(k, v),
    removeItem: (k: string) => void map.delete(k),
  };
}

const tokens = (n: number): Tokens => ({ accessToken: `a${n}`, refreshToken: `r${n}`, expiresAt: '2030-01-01T00:00:00Z' });

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Session', () => {
  it('keeps the access token in memory and only the refresh token in storage', () => {
    const store = memoryStore();
    const session = new Session(vi.fn(), store);
    session.signIn(tokens(1));
    expect(session.accessToken).toBe('a1');
    expect([...store.map.entries()]).toEqual([[REFRESH_TOKEN_KEY, 'r1']]);
  });

  it('refreshes with the current refresh token and rotates it', async () => {
    const store = memoryStore();
    const refresher = vi.fn(async () => tokens(2));
    const session = new Session(refresher, store);
    session.signIn(tokens(1));
    await expect(session.refresh('a1')).resolves.toBe(true);
    expect(refresher).toHaveBeenCalledWith('r1');
    expect(session.accessToken).toBe('a2');
    expect(store.getItem(REFRESH_TOKEN_KEY)).toBe('r2');
  });

  it('shares one refresh between concurrent callers (a refresh token works once)', async () => {
    const gate = deferred<Tokens>();
    const refresher = vi.fn(() => gate.promise);
    const session = new Session(refresher, memoryStore());
    session.signIn(tokens(1));
    const first = session.refresh('a1');
    const second = session.refresh('a1');
    gate.resolve(tokens(2));
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    expect(refresher).toHaveBeenCalledTimes(1);
  });

  it('does not refresh again for a request sent with a token that was already replaced', async () => {
    const refresher = vi.fn(async () => tokens(2));
    const session = new Session(refresher, memoryStore());
    session.signIn(tokens(1));
    await session.refresh('a1');
    await expect(session.refresh('a1')).resolves.toBe(true);
    expect(refresher).toHaveBeenCalledTimes(1);
  });

  it('signs out, clearing storage and telling listeners, when the refresh is refused', async () => {
    const store = memoryStore();
    const session = new Session(async () => Promise.reject(new Error('UNAUTHENTICATED')), store);
    const events: string[] = [];
    session.subscribe((status, reason) => events.push(`${status}:${reason ?? ''}`));
    session.signIn(tokens(1));
    await expect(session.refresh('a1')).resolves.toBe(false);
    expect(session.accessToken).toBeNull();
    expect(session.status).toBe('signedOut');
    expect(store.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(events).toEqual(['signedIn:', 'signedOut:expired']);
  });

  it('restores a session after a reload from the stored refresh token', async () => {
    const store = memoryStore();
    store.setItem(REFRESH_TOKEN_KEY, 'r7');
    const refresher = vi.fn(async () => tokens(8));
    const session = new Session(refresher, store);
    expect(session.canRestore).toBe(true);
    await expect(session.restore()).resolves.toBe(true);
    expect(refresher).toHaveBeenCalledWith('r7');
    expect(session.accessToken).toBe('a8');
  });

  it('has nothing to refresh when never signed in', async () => {
    const refresher = vi.fn();
    const session = new Session(refresher, memoryStore());
    await expect(session.refresh(null)).resolves.toBe(false);
    expect(refresher).not.toHaveBeenCalled();
  });

  it('logout forgets everything', () => {
    const store = memoryStore();
    const session = new Session(vi.fn(), store);
    const listener = vi.fn();
    session.subscribe(listener);
    session.signIn(tokens(1));
    session.signOut();
    expect(session.accessToken).toBeNull();
    expect(store.map.size).toBe(0);
    expect(listener).toHaveBeenLastCalledWith('signedOut', 'logout');
  });
});
