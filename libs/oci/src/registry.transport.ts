import { causeOf, type RegistryAuth } from './registry.auth';
import { codeForStatus, parseDistributionError, RegistryError } from './registry.error';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RegistryRequest {
  method: HttpMethod;
  /** A path under the registry (`/v2/…`) or an absolute URL (an upload `Location`). */
  url: string | URL;
  /** Token scopes this request needs, e.g. `repository:app:pull,push`. */
  scopes: string[];
  headers?: Record<string, string>;
  /** A stream body is sent once: a 401 to it cannot be retried (send a request that learns auth first). */
  body?: Buffer | ReadableStream<Uint8Array>;
  /** Statuses that count as success; any other becomes a RegistryError. */
  ok: readonly number[];
  /** For messages: what was being done, e.g. `GET manifest app:1.0`. */
  operation: string;
}

const MAX_REDIRECTS = 5;

/**
 * For a streamed body. Without `redirect: 'error'` and `window: null` undici's fetch clones the
 * request (for a redirect it could never replay anyway) and the clone's unread tee branch holds
 * every chunk sent, i.e. the whole upload (nodejs/undici#4058, unfixed in Node 20's undici 6).
 */
const STREAM_BODY_INIT = { duplex: 'half', redirect: 'error', window: null } as const;
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface RegistryTransportOptions {
  registry: string;
  baseUrl: URL;
  auth: RegistryAuth;
  fetch: typeof fetch;
  signal?: AbortSignal;
  userAgent: string;
}

/**
 * One HTTP exchange with a registry: credentials only to the registry's own origin, one retry
 * after a 401 with what the challenge asked for, redirects followed by hand (GET/HEAD), and every
 * failure turned into a RegistryError whose message holds no query string and no credential.
 */
export class RegistryTransport {
  constructor(private readonly options: RegistryTransportOptions) {}

  get baseUrl(): URL {
    return this.options.baseUrl;
  }

  resolve(url: string | URL): URL {
    return new URL(url, this.options.baseUrl);
  }

  async send(request: RegistryRequest): Promise<Response> {
    let url = this.resolve(request.url);
    let authorization = this.options.auth.authorizationFor(request.scopes);
    let retriedAuth = false;
    for (let hop = 0; ; ) {
      const response = await this.exchange(request, url, authorization);
      if (response.status === 401 && !retriedAuth && this.sameOrigin(url) && !(request.body instanceof ReadableStream)) {
        retriedAuth = true;
        await discard(response);
        authorization = await this.options.auth.answer(
          response.headers.get('www-authenticate'),
          request.scopes,
          this.options.signal,
        );
        continue;
      }
      const location = response.headers.get('location');
      if (isRedirect(response.status) && location && (request.method === 'GET' || request.method === 'HEAD')) {
        await discard(response);
        if (++hop > MAX_REDIRECTS) throw this.error(request, 'PROTOCOL_ERROR', response.status, 'too many redirects');
        url = new URL(location, url);
        continue;
      }
      if (request.ok.includes(response.status)) return response;
      throw await this.errorFrom(request, response);
    }
  }

  /** A RegistryError for a response the caller found wrong (a missing header, a bad digest). */
  error(
    request: Pick<RegistryRequest, 'operation'>,
    code: RegistryError['code'],
    status: number | null,
    why: string,
  ): RegistryError {
    return new RegistryError(code, status, this.redact(`registry ${this.options.registry}: ${request.operation}: ${why}`));
  }

  private async exchange(request: RegistryRequest, url: URL, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = { 'User-Agent': this.options.userAgent, ...request.headers };
    if (authorization && this.sameOrigin(url)) headers['Authorization'] = authorization;
    try {
      return await this.options.fetch(url, {
        method: request.method,
        headers,
        body: request.body,
        redirect: 'manual',
        signal: this.options.signal,
        ...(request.body instanceof ReadableStream && STREAM_BODY_INIT),
      });
    } catch (err) {
      if (this.options.signal?.aborted) throw this.options.signal.reason;
      const cause = causeOf(err);
      if (cause === 'EGRESS_DENIED')
        throw this.error(
          request,
          'UNREACHABLE',
          null,
          `${url.host} is not allowed by the egress policy (docs/security.md#egress)`,
        );
      throw this.error(request, 'UNREACHABLE', null, `no answer from ${url.host} (${cause})`);
    }
  }

  private sameOrigin(url: URL): boolean {
    return url.origin === this.options.baseUrl.origin;
  }

  private async errorFrom(request: RegistryRequest, response: Response): Promise<RegistryError> {
    const body = request.method === 'HEAD' ? '' : await readText(response, MAX_ERROR_BODY_BYTES);
    const parsed = parseDistributionError(body);
    const code = parsed?.code ?? codeForStatus(response.status);
    const said = parsed?.message ? ` (${parsed.message})` : '';
    return new RegistryError(
      code,
      response.status,
      this.redact(`registry ${this.options.registry}: ${request.operation}: ${response.status} ${code}${said}`),
      parsed?.detail,
    );
  }

  private redact(message: string): string {
    let result = message;
    for (const secret of this.options.auth.secrets) {
      if (secret.length > 0) result = result.split(secret).join('***');
    }
    return result;
  }
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** Frees the connection of a response whose body is not needed. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // already consumed or errored: nothing to free
  }
}

/** The body as text, at most `limit` bytes of it. */
async function readText(response: Response, limit: number): Promise<string> {
  try {
    return (await readLimited(response, limit)).toString('utf8');
  } catch {
    return '';
  }
}

/** Reads a whole body into memory, failing (and freeing the connection) past `limit` bytes. */
export async function readLimited(response: Response, limit: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await discard(response);
    throw new RangeError(`body of ${declared} bytes is over the limit of ${limit}`);
  }
  if (!response.body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new RangeError(`body is over the limit of ${limit} bytes`);
    }
    parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(parts, total);
}
