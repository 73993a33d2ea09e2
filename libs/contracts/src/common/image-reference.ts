// The distribution spec's reference grammar, in the parts a user types: an optional registry
// host (with a port), a lower-case repository path, an optional tag and an optional digest.
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  /** The registry host, or null for Docker Hub. */
  registry: string | null;
  repository: string;
  tag: string | null;
  digest: string | null;
}

/** Splits an image reference; null with `problem` set when it breaks the grammar. */
export function parseImageReference(
  value: string,
): { reference: ImageReference; problem: null } | { reference: null; problem: string } {
  const fail = (problem: string) => ({ reference: null, problem });
  if (value.length === 0 || value.length > 255) return fail('must be 1 to 255 characters');
  let rest = value;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return fail('a digest must be sha256: followed by 64 lower-case hex digits');
  }
  let tag: string | null = null;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return fail('a tag must be 1 to 128 letters, digits, _, . and -, not starting with . or -');
  }
  const parts = rest.split('/');
  let registry: string | null = null;
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    registry = parts.shift()!;
    if (!HOST.test(registry)) return fail(`${registry} is not a registry host`);
  }
  if (parts.length === 0 || parts.some((part) => !PATH_COMPONENT.test(part))) {
    return fail(
      'the repository must be lower-case letters and digits, separated by ., _, __ or - within a path component and / between components',
    );
  }
  return { reference: { registry, repository: parts.join('/'), tag, digest }, problem: null };
}
