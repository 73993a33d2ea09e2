// Turns whatever client-node throws into a short, readable reason that never carries the request's
// credentials (client-node's own messages embed response headers and bodies, so they are not used).
import { STATUS_CODES } from 'node:http';

export type KubeErrorKind = 'http' | 'tls' | 'network' | 'timeout' | 'unknown';

export interface KubeErrorDescription {
  kind: KubeErrorKind;
  /** The HTTP status when the server answered. */
  status?: number;
  /** The Status `reason` the server gave (AlreadyExists, Conflict, Expired, …). */
  statusReason?: string;
  reason: string;
}

const UNKNOWN_AUTHORITY = 'TLS: certificate signed by unknown authority';

const NETWORK_CODES: Record<string, [KubeErrorKind, string]> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ['tls', UNKNOWN_AUTHORITY],
  UNABLE_TO_GET_ISSUER_CERT: ['tls', UNKNOWN_AUTHORITY],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ['tls', UNKNOWN_AUTHORITY],
  SELF_SIGNED_CERT_IN_CHAIN: ['tls', UNKNOWN_AUTHORITY],
  DEPTH_ZERO_SELF_SIGNED_CERT: ['tls', UNKNOWN_AUTHORITY],
  CERT_HAS_EXPIRED: ['tls', 'TLS: the server certificate has expired'],
  CERT_NOT_YET_VALID: ['tls', 'TLS: the server certificate is not yet valid'],
  ERR_TLS_CERT_ALTNAME_INVALID: ['tls', 'TLS: the server certificate is not valid for this host name'],
  ERR_SSL_WRONG_VERSION_NUMBER: ['tls', 'TLS: handshake failed (is the server speaking HTTPS?)'],
  EPROTO: ['tls', 'TLS: handshake failed'],
  ECONNREFUSED: ['network', 'connection refused'],
  ENOTFOUND: ['network', 'host not found'],
  EAI_AGAIN: ['network', 'host name lookup failed'],
  ETIMEDOUT: ['network', 'connection timed out'],
  ECONNRESET: ['network', 'connection reset by the server'],
  EPIPE: ['network', 'connection reset by the server'],
  ERR_STREAM_PREMATURE_CLOSE: ['network', 'connection closed by the server'],
  EHOSTUNREACH: ['network', 'host unreachable'],
  EGRESS_DENIED: ['network', 'the address is not allowed by the egress policy'],
  ENETUNREACH: ['network', 'network unreachable'],
  // undici's own (client-node 2 makes its requests with undici's fetch; the error is the TypeError's cause).
  UND_ERR_SOCKET: ['network', 'connection reset by the server'],
  UND_ERR_CONNECT_TIMEOUT: ['network', 'connection timed out'],
  UND_ERR_HEADERS_TIMEOUT: ['timeout', 'timed out'],
  UND_ERR_BODY_TIMEOUT: ['timeout', 'timed out'],
};

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
}

function statusBody(body: unknown): StatusBody | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (parsed && typeof parsed === 'object' && (parsed as StatusBody).kind === 'Status') return parsed as StatusBody;
  return undefined;
}

/**
 * Describes an error from a client-node call. With `includeServerMessage`, the API server's own
 * Status message is appended (for example `namespaces "x" is forbidden: …`); it comes from the
 * server, not from our credentials, but is left out of connection checks, where it adds nothing.
 */
export function describeKubeError(err: unknown, options: { includeServerMessage?: boolean } = {}): KubeErrorDescription {
  const e = (err ?? {}) as {
    code?: unknown;
    statusCode?: unknown;
    body?: unknown;
    name?: unknown;
    type?: unknown;
    cause?: unknown;
  };
  // Before the status: an abort is a DOMException, whose numeric `code` (20, 23) is no HTTP status.
  if (e.name === 'AbortError' || e.type === 'aborted' || e.name === 'TimeoutError')
    return { kind: 'timeout', reason: 'timed out' };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (status !== undefined) {
    const body = statusBody(e.body);
    const base = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
    const message =
      options.includeServerMessage && body?.message && status !== 401 ? `${base}: ${body.message.slice(0, 300)}` : base;
    return { kind: 'http', status, statusReason: body?.reason, reason: message };
  }
  const code = typeof e.code === 'string' ? e.code : undefined;
  const known = code ? NETWORK_CODES[code] : undefined;
  if (known) return { kind: known[0], reason: known[1] };
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_TLS_'))
    return { kind: 'tls', reason: `TLS: handshake failed (${code})` };
  if (e.cause && e.cause !== err) return describeKubeError(e.cause, options);
  return { kind: 'unknown', reason: code && /^[A-Z0-9_]{2,40}$/.test(code) ? `request failed (${code})` : 'request failed' };
}

/**
 * True when the error is an HTTP answer carrying a Kubernetes `Status` object: proof that a
 * Kubernetes API server (not merely some open port or web server) answered.
 */
export function isKubernetesStatusError(err: unknown): boolean {
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; body?: unknown };
  const status = typeof e.code === 'number' ? e.code : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  return status !== undefined && isKubernetesStatusBody(e.body);
}

/** True for a response body that is a Kubernetes `Status` object (JSON text or parsed). */
export function isKubernetesStatusBody(body: unknown): boolean {
  return statusBody(body) !== undefined;
}

/** An error from a Kubernetes call whose message is safe to log and to show. */
export class KubeRequestError extends Error {
  readonly kind: KubeErrorKind;
  readonly status?: number;
  readonly statusReason?: string;

  constructor(action: string, cause: unknown) {
    const description = describeKubeError(cause, { includeServerMessage: true });
    super(`${action} failed: ${description.reason}`);
    this.name = 'KubeRequestError';
    this.kind = description.kind;
    this.status = description.status;
    this.statusReason = description.statusReason;
  }
}
