/** Error codes of the distribution spec, as registries send them in `{"errors":[{"code":…}]}`. */
export const DISTRIBUTION_ERROR_CODES = [
  'BLOB_UNKNOWN',
  'BLOB_UPLOAD_INVALID',
  'BLOB_UPLOAD_UNKNOWN',
  'DIGEST_INVALID',
  'MANIFEST_BLOB_UNKNOWN',
  'MANIFEST_INVALID',
  'MANIFEST_UNKNOWN',
  'MANIFEST_UNVERIFIED',
  'NAME_INVALID',
  'NAME_UNKNOWN',
  'SIZE_INVALID',
  'TAG_INVALID',
  'RANGE_INVALID',
  'UNAUTHORIZED',
  'DENIED',
  'UNSUPPORTED',
  'TOOMANYREQUESTS',
  'UNKNOWN',
] as const;

/** Codes this client sets itself, when the registry sent none or the fault was found client-side. */
export const CLIENT_ERROR_CODES = [
  /** No HTTP answer: connection refused, DNS, TLS, timeout, aborted. */
  'UNREACHABLE',
  /** An HTTP error without a distribution error body (a proxy's 502, a 404 on HEAD). */
  'HTTP_ERROR',
  /** The bytes received do not match the digest they were asked for or announced with. */
  'DIGEST_MISMATCH',
  /** An index without a manifest for the wanted platform. */
  'PLATFORM_UNAVAILABLE',
  /** A manifest type this client does not handle (schema 1, artifacts). */
  'UNSUPPORTED_MEDIA_TYPE',
  /** A manifest or config over the size limit. */
  'TOO_LARGE',
  /** The registry broke the protocol (missing Location, wrong Range, bad token answer). */
  'PROTOCOL_ERROR',
] as const;

export type RegistryErrorCode = (typeof DISTRIBUTION_ERROR_CODES)[number] | (typeof CLIENT_ERROR_CODES)[number];

const KNOWN_CODES = new Set<string>(DISTRIBUTION_ERROR_CODES);

/**
 * A failed registry operation. `message` names the registry, the operation and the path (never a
 * query string, header or credential); `status` is the HTTP status, or null without an answer.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(
    readonly code: RegistryErrorCode,
    readonly status: number | null,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

export interface DistributionErrorBody {
  code: RegistryErrorCode;
  message: string | null;
  detail?: unknown;
}

/** The first entry of a distribution error body, or null when the body is not one. */
export function parseDistributionError(body: string): DistributionErrorBody | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  const errors = (parsed as { errors?: unknown })?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  const first = errors[0] as { code?: unknown; message?: unknown; detail?: unknown };
  if (typeof first?.code !== 'string') return null;
  return {
    code: KNOWN_CODES.has(first.code) ? (first.code as RegistryErrorCode) : 'UNKNOWN',
    message: typeof first.message === 'string' ? first.message : null,
    detail: first.detail,
  };
}

/** The code to use for an error answer without a distribution error body. */
export function codeForStatus(status: number): RegistryErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'DENIED';
  if (status === 429) return 'TOOMANYREQUESTS';
  return 'HTTP_ERROR';
}
