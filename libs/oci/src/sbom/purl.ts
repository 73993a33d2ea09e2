/** Package URLs (github.com/package-url/purl-spec) for the ecosystems a package's manifests name. */

const enc = (part: string) => encodeURIComponent(part);

export function mavenPurl(group: string, artifact: string, version: string): string {
  return `pkg:maven/${enc(group)}/${enc(artifact)}@${enc(version)}`;
}

/** A scoped name keeps its scope as a namespace: `@types/node` → `pkg:npm/%40types/node`. */
export function npmPurl(name: string, version: string): string {
  const slash = name.startsWith('@') ? name.indexOf('/') : -1;
  const path = slash > 0 ? `${enc(name.slice(0, slash))}/${enc(name.slice(slash + 1))}` : enc(name);
  return `pkg:npm/${path}@${enc(version)}`;
}

/** PyPI names are compared normalized (PEP 503), and the purl spec asks for that form. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

export function pypiPurl(name: string, version: string): string {
  return `pkg:pypi/${enc(normalizePypiName(name))}@${enc(version)}`;
}

export function composerPurl(vendorAndName: string, version: string): string {
  const [vendor, name] = vendorAndName.split('/', 2);
  return name ? `pkg:composer/${enc(vendor)}/${enc(name)}@${enc(version)}` : `pkg:composer/${enc(vendor)}@${enc(version)}`;
}

/**
 * An image at a digest: the purl names the last path segment, `repository_url` the rest, and the
 * tag it was asked for by, if any (qualifiers in key order, as the purl spec wants them).
 */
export function ociPurl(reference: string, digest: string): string {
  const bare = reference.split('@')[0];
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  const tag = colon > slash ? bare.slice(colon + 1) : null;
  const repository = colon > slash ? bare.slice(0, colon) : bare;
  const name = repository.slice(repository.lastIndexOf('/') + 1).toLowerCase();
  return `pkg:oci/${enc(name)}@${enc(digest)}?repository_url=${enc(repository)}${tag ? `&tag=${enc(tag)}` : ''}`;
}
