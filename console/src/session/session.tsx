import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';

export interface SignedInUser {
  id: string;
  name: string;
  isAdmin: boolean;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: SignedInUser;
}

interface SessionState {
  session: Session | null;
  /** Why the last session ended, shown on the sign-in page. */
  notice: string | null;
  signIn(accessKey: string, secretKey: string): Promise<void>;
  signOut(notice?: string): void;
}

// Session storage at most (the rule): the token survives a reload of this tab, never
// the browser, and is never in localStorage or a URL. The secret key is never stored.
const STORAGE_KEY = 'stagecraft.session';

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(readStoredSession);
  const [notice, setNotice] = useState<string | null>(null);

  const signOut = useCallback((why?: string) => {
    sessionStorage.removeItem(STORAGE_KEY);
    setSession(null);
    setNotice(why ?? null);
  }, []);

  const signIn = useCallback(async (accessKey: string, secretKey: string) => {
    const created = await post<{ createSession: { accessToken: string; expiresAt: string } }>(
      'mutation SignIn($accessKey: String!, $secretKey: String!) { createSession(accessKey: $accessKey, secretKey: $secretKey) { accessToken expiresAt } }',
      { accessKey, secretKey },
    );
    const { accessToken, expiresAt } = created.createSession;
    const { me } = await post<{ me: SignedInUser }>('query Me { me { id name isAdmin } }', {}, accessToken);
    const next = { token: accessToken, expiresAt, user: me };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setNotice(null);
    setSession(next);
  }, []);

  // An expired token is not refreshed behind the user's back: they sign in again.
  useEffect(() => {
    if (!session) return;
    const remaining = Date.parse(session.expiresAt) - Date.now();
    const timer = setTimeout(
      () => signOut('Your session expired. Sign in again.'),
      Math.max(0, Math.min(remaining, 2 ** 31 - 1)),
    );
    return () => clearTimeout(timer);
  }, [session, signOut]);

  const value = useMemo(() => ({ session, notice, signIn, signOut }), [session, notice, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in session; only for pages shown after sign-in. */
export function useSignedIn(): Session {
  const { session } = useSession();
  if (!session) throw new Error('useSignedIn before sign-in');
  return session;
}

function readStoredSession(): Session | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    return stored && Date.parse(stored.expiresAt) > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

/** Sign-in happens before there is a client for the token. */
async function post<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new Error('The platform could not be reached. Try again.');
  }
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data)
    throw new Error(body.errors?.[0]?.message ?? `The platform answered HTTP ${response.status}.`);
  return body.data;
}
