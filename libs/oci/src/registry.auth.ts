import { RegistryError } from './registry.error';
import type { AuthChallenge } from './www-authenticate';
import { parseWwwAuthenticate } from './www-authenticate';

export interface RegistryCredentials {
  username: string;
  password: string;
}

interface CachedToken {
  authorization: string;
  expiresAt: number;
}

/** Docker treats shorter lifetimes as 60 s; a token is dropped a little before it expires. */
const MIN_TOKEN_SECONDS = 60;
const EXPIRY_MARGIN_MS = 5_000;

/** Answers a Bearer challenge's scopes with a token it signs itself; see RegistryClientOptions.tokenSource. */
export type RegistryTokenSource = (scopes: string[]) => Promise<string>;

export interface RegistryAuthOptions {
  registry: string;
  credentials?: RegistryCredentials;
  tokenSource?: RegistryTokenSource;
  /** Whether credentials may go to a plain-http token realm (insecure or loopback registries). */
  allowHttpRealm: boolean;
  fetch: typeof fetch;
  now?: () => number;
}

/**
 * Answers a registry's `WWW-Authenticate` challenges and remembers what it learned: after one
 * Basic challenge every request carries Basic credentials; after a Bearer challenge tokens are
 * fetched from the realm and cached per scope set until they expire.
 */
export class RegistryAuth {
  private mode: 'unknown' | 'basic' | 'bearer' = 'unknown';
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<CachedToken>>();
  private readonly now: () => number;

  constructor(private readonly options: RegistryAuthOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Values a message must never contain. */
  get secrets(): string[] {
    const c = this.options.credentials;
    return c ? [c.password, basicToken(c)] : [];
  }

  /** The Authorization header to send up front for these scopes, when one is known. */
  authorizationFor(scopes: string[]): string | undefined {
    if (this.mode === 'basic' && this.options.credentials) return `Basic ${basicToken(this.options.credentials)}`;
    if (this.mode !== 'bearer') return undefined;
    const cached = this.tokens.get(scopeKey(scopes));
    if (!cached) return undefined;
    if (cached.expiresAt > this.now()) return cached.authorization;
    this.tokens.delete(scopeKey(scopes));
    return undefined;
  }

  /** After a 401: the Authorization header to retry with; throws when the challenge cannot be met. */
  async answer(header: string | null, scopes: string[], signal?: AbortSignal): Promise<string> {
    const challenges = header ? parseWwwAuthenticate(header) : [];
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) return (await this.fetchToken(bearer, scopes, signal)).authorization;
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!this.options.credentials) throw this.unauthorized('requires credentials (Basic) and none are configured');
      this.mode = 'basic';
      return `Basic ${basicToken(this.options.credentials)}`;
    }
    const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
    throw this.unauthorized(`answered 401 with an unsupported authentication challenge (${schemes})`);
  }

  private fetchToken(challenge: AuthChallenge, scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const key = scopeKey(scopes);
    this.tokens.delete(key); // the registry refused what we had
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.requestToken(challenge, scopes, signal).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async requestToken(challenge: AuthChallenge, scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const wanted = [...new Set([...(challenge.params['scope'] ?? '').split(' ').filter(Boolean), ...scopes])];
    if (this.options.tokenSource) {
      const cached = {
        authorization: `Bearer ${await this.options.tokenSource(wanted)}`,
        expiresAt: this.now() + MIN_TOKEN_SECONDS * 1000,
      };
      this.mode = 'bearer';
      this.tokens.set(scopeKey(scopes), cached);
      return cached;
    }
    const realm = challenge.params['realm'];
    let url: URL;
    try {
      url = new URL(realm ?? '');
    } catch {
      throw this.protocol('sent a Bearer challenge without a valid realm URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw this.protocol('sent a token realm that is not http(s)');
    const credentials = this.options.credentials;
    if (credentials && url.protocol === 'http:' && !this.options.allowHttpRealm) {
      throw this.unauthorized(`refusing to send credentials to the plain-http token realm ${url.host}`);
    }
    if (challenge.params['service']) url.searchParams.set('service', challenge.params['service']);
    for (const scope of wanted) url.searchParams.append('scope', scope);

    const headers: Record<string, string> = { Accept: 'application/json' };
    if (credentials) headers['Authorization'] = `Basic ${basicToken(credentials)}`;
    let response: Response;
    try {
      response = await this.options.fetch(url, { headers, signal, redirect: 'follow' });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new RegistryError(
        'UNREACHABLE',
        null,
        `registry ${this.options.registry}: token endpoint ${url.host}${url.pathname} unreachable (${causeOf(err)})`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const code = response.status === 401 ? 'UNAUTHORIZED' : response.status === 403 ? 'DENIED' : 'HTTP_ERROR';
      throw new RegistryError(
        code,
        response.status,
        `registry ${this.options.registry}: token endpoint ${url.host}${url.pathname} answered ${response.status}`,
      );
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw this.protocol('token endpoint answered something that is not JSON');
    }
    const token = typeof body.token === 'string' ? body.token : typeof body.access_token === 'string' ? body.access_token : null;
    if (!token) throw this.protocol('token endpoint answered without a token');
    const seconds = typeof body.expires_in === 'number' ? Math.max(body.expires_in, MIN_TOKEN_SECONDS) : MIN_TOKEN_SECONDS;
    const cached = { authorization: `Bearer ${token}`, expiresAt: this.now() + seconds * 1000 - EXPIRY_MARGIN_MS };
    this.mode = 'bearer';
    this.tokens.set(scopeKey(scopes), cached);
    return cached;
  }

  private unauthorized(why: string): RegistryError {
    return new RegistryError('UNAUTHORIZED', 401, `registry ${this.options.registry} ${why}`);
  }

  private protocol(why: string): RegistryError {
    return new RegistryError('PROTOCOL_ERROR', null, `registry ${this.options.registry}: ${why}`);
  }
}

function basicToken(credentials: RegistryCredentials): string {
  return Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

export function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } })?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return err instanceof Error ? err.message : String(err);
}
