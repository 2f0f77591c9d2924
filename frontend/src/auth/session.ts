// The signed-in session: tokens, and the one place that refreshes them.
//
// The access token lives only in this object's memory: never in localStorage or a cookie.
//
// The refresh token is kept in memory too, and mirrored into sessionStorage so that a reload of
// the tab does not sign the person out. Why sessionStorage is acceptable here:
//   - it is per tab and is emptied when the tab closes; other tabs and other sites never see it;
//   - it is single-use: every refresh rotates it, and the API ends the whole session when a
//     used one is presented again, so a copy read by an attacker is worth one race at most;
//   - script injected into the page (the only thing that could read it) could equally call the
//     API with the in-memory access token, so memory-only would not protect against that.
// Caveat: "Duplicate tab" copies sessionStorage; whichever copy refreshes second presents a used
// token and the API ends the session for both (it fails closed: both go to the sign-in page).
// An httpOnly refresh cookie set by the API would be better still (see frontend/README.md).

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** RFC 3339; when the access token expires. */
  expiresAt: string;
}

/** Exchanges a refresh token for new tokens; rejects (or throws) when the API refuses it. */
export type Refresher = (refreshToken: string) => Promise<Tokens>;

export type SessionStatus = 'signedIn' | 'signedOut';
export type SignOutReason = 'logout' | 'expired';
export type SessionListener = (status: SessionStatus, reason?: SignOutReason) => void;

/** The subset of the Web Storage API the session needs (so tests can pass a fake). */
export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const REFRESH_TOKEN_KEY = 'pb.refreshToken';

export class Session {
  private tokens: Tokens | null = null;
  private inflight: Promise<boolean> | null = null;
  private readonly listeners = new Set<SessionListener>();

  constructor(
    private readonly refresher: Refresher,
    private readonly store: KeyValueStore | null = null,
  ) {}

  get accessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  get status(): SessionStatus {
    return this.tokens ? 'signedIn' : 'signedOut';
  }

  /** Whether a reload left a refresh token behind that `restore()` can use. */
  get canRestore(): boolean {
    return this.tokens === null && !!this.store?.getItem(REFRESH_TOKEN_KEY);
  }

  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts a session with the tokens from `login`. */
  signIn(tokens: Tokens): void {
    this.setTokens(tokens);
    this.emit('signedIn');
  }

  /** Forgets every token (memory and sessionStorage). */
  signOut(reason: SignOutReason = 'logout'): void {
    const had = this.tokens !== null || this.inflight !== null || !!this.store?.getItem(REFRESH_TOKEN_KEY);
    this.tokens = null;
    this.store?.removeItem(REFRESH_TOKEN_KEY);
    if (had) this.emit('signedOut', reason);
  }

  /** After a reload: trades the stored refresh token for fresh tokens. */
  async restore(): Promise<boolean> {
    if (this.tokens) return true;
    const stored = this.store?.getItem(REFRESH_TOKEN_KEY);
    if (!stored) return false;
    return this.runRefresh(stored);
  }

  /**
   * Gets new tokens after the API answered UNAUTHENTICATED to a request sent with
   * `rejectedAccessToken`. Concurrent callers share one refresh (a refresh token works once,
   * so two refreshes with it would end the session), and a caller whose token has already been
   * replaced by someone else's refresh just retries with the new one.
   * Resolves true when there is a (new) access token to retry with; false after signing out.
   */
  refresh(rejectedAccessToken: string | null): Promise<boolean> {
    if (this.inflight) return this.inflight;
    if (this.tokens && rejectedAccessToken !== null && this.tokens.accessToken !== rejectedAccessToken) {
      return Promise.resolve(true);
    }
    const refreshToken = this.tokens?.refreshToken ?? this.store?.getItem(REFRESH_TOKEN_KEY) ?? null;
    if (!refreshToken) return Promise.resolve(false);
    return this.runRefresh(refreshToken);
  }

  private runRefresh(refreshToken: string): Promise<boolean> {
    if (this.inflight) return this.inflight;
    const wasSignedIn = this.tokens !== null;
    const run = (async () => {
      try {
        const tokens = await this.refresher(refreshToken);
        this.setTokens(tokens);
        if (!wasSignedIn) this.emit('signedIn');
        return true;
      } catch {
        this.inflight = null;
        this.signOut('expired');
        return false;
      } finally {
        this.inflight = null;
      }
    })();
    this.inflight = run;
    return run;
  }

  private setTokens(tokens: Tokens): void {
    this.tokens = tokens;
    this.store?.setItem(REFRESH_TOKEN_KEY, tokens.refreshToken);
  }

  private emit(status: SessionStatus, reason?: SignOutReason): void {
    for (const listener of [...this.listeners]) listener(status, reason);
  }
}
