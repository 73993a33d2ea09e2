/** Docker Hub, as references name it, and the host its API is served from. */
export const DOCKER_HUB = 'docker.io';
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

export interface ParsedImageReference {
  /** Host with an optional port; `docker.io` when the reference names none. */
  registry: string;
  /** The repository path inside the registry; `library/x` for a Docker Hub official image `x`. */
  repository: string;
  tag?: string;
  digest?: string;
}

// The grammar of github.com/distribution/reference, rule by rule.
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOST = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

export const IMAGE_REFERENCE_RULES = {
  host: 'a registry host is DNS labels (letters, digits, inner hyphens) joined by dots, or [IPv6], with an optional :port',
  pathComponent:
    'each repository path component is lower-case letters and digits, optionally separated by ".", "_", "__" or "-" runs, and components are joined by "/"',
  tag: 'a tag is 1 to 128 characters of letters, digits, "_", "." and "-", not starting with "." or "-"',
  digest: 'a digest is "sha256:" followed by 64 lower-case hexadecimal digits',
  length: `the name (registry and repository) is at most ${NAME_TOTAL_LENGTH_MAX} characters`,
} as const;

export class ImageReferenceError extends Error {
  override readonly name = 'ImageReferenceError';
}

/** Why `value` is not a valid image reference, naming the rule it breaks; null when it is valid. */
export function imageReferenceProblem(value: string): string | null {
  const result = parse(value);
  return typeof result === 'string' ? result : null;
}

/**
 * Splits and normalizes a reference the way `docker pull` reads it: `nginx` is
 * `docker.io/library/nginx`, `user/app:1` is `docker.io/user/app:1`, and a first component with a
 * `.` or `:`, or `localhost`, is a registry host. Throws ImageReferenceError naming the broken rule.
 */
export function parseImageReference(value: string): ParsedImageReference {
  const result = parse(value);
  if (typeof result === 'string') throw new ImageReferenceError(result);
  return result;
}

/** The canonical text form: `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ParsedImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** What to ask the registry for: the digest when pinned, else the tag, else `latest`. */
export function manifestReferenceOf(ref: ParsedImageReference): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

function parse(value: string): ParsedImageReference | string {
  if (value.length === 0) return 'an image reference must not be empty';
  if (value !== value.trim()) return 'an image reference must not start or end with white space';
  let rest = value;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return `the digest "${digest}" is invalid: ${IMAGE_REFERENCE_RULES.digest}`;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/') && !rest.slice(colon).includes(']')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return `the tag "${tag}" is invalid: ${IMAGE_REFERENCE_RULES.tag}`;
  }
  if (rest.length > NAME_TOTAL_LENGTH_MAX) return `the name is ${rest.length} characters long: ${IMAGE_REFERENCE_RULES.length}`;

  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  const hasHost = slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  let registry = DOCKER_HUB;
  let path = rest;
  if (hasHost) {
    if (!HOST.test(first)) return `the registry host "${first}" is invalid: ${IMAGE_REFERENCE_RULES.host}`;
    registry = first === 'index.docker.io' ? DOCKER_HUB : first;
    path = rest.slice(slash + 1);
  }
  if (path.length === 0) return `the repository is missing: ${IMAGE_REFERENCE_RULES.pathComponent}`;
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      const shown = component === '' ? 'an empty path component' : `the repository path component "${component}"`;
      return `${shown} is invalid: ${IMAGE_REFERENCE_RULES.pathComponent}`;
    }
  }
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { registry, repository: path, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}
