import { createHash } from 'node:crypto';

import type { FoundComponent } from './manifest-parsers';
import { ociPurl } from './purl';

export interface CycloneDxInput {
  /** The image the SBOM describes: `registry/repo` and its manifest digest. */
  imageName: string;
  imageDigest: string;
  /** The build's finish time: the BOM's timestamp, so the same build always gives the same bytes. */
  timestamp: Date;
  package: { name: string; sha256: string };
  baseImage: { name: string; digest: string } | null;
  components: FoundComponent[];
  toolVersion: string;
}

/**
 * A CycloneDX 1.5 JSON BOM of an image: the package (by sha256), what its manifests name, and
 * the base image by digest. Deterministic: components deduplicated by purl and sorted, the
 * serial number derived from the image digest.
 */
export function cycloneDxBom(input: CycloneDxInput): Record<string, unknown> {
  // Sorted before deduplicating, so which manifest a duplicate is credited to does not depend on archive order.
  const sorted = [...input.components].sort((a, b) => compare(a.purl, b.purl) || compare(a.source, b.source));
  const byPurl = new Map<string, FoundComponent>();
  for (const component of sorted) if (!byPurl.has(component.purl)) byPurl.set(component.purl, component);
  const libraries = [...byPurl.values()].map((c) => ({
    type: 'library',
    'bom-ref': c.purl,
    ...(c.group ? { group: c.group } : {}),
    name: c.name,
    version: c.version,
    purl: c.purl,
    properties: [{ name: 'stagecraft:source', value: c.source }],
  }));
  const components: Record<string, unknown>[] = [
    {
      type: 'file',
      'bom-ref': `package:${input.package.sha256}`,
      name: input.package.name,
      hashes: [{ alg: 'SHA-256', content: input.package.sha256 }],
    },
  ];
  if (input.baseImage) {
    const purl = ociPurl(input.baseImage.name, input.baseImage.digest);
    components.push({ type: 'container', 'bom-ref': purl, name: input.baseImage.name, version: input.baseImage.digest, purl });
  }
  const imagePurl = ociPurl(input.imageName, input.imageDigest);
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuidFrom(input.imageDigest)}`,
    version: 1,
    metadata: {
      timestamp: input.timestamp.toISOString(),
      tools: { components: [{ type: 'application', name: 'stagecraft', version: input.toolVersion }] },
      component: { type: 'container', 'bom-ref': imagePurl, name: input.imageName, version: input.imageDigest, purl: imagePurl },
    },
    components: [...components, ...libraries],
  };
}

/** A name-based (version 5 layout) UUID from the digest: the same image always has the same serial number. */
function uuidFrom(digest: string): string {
  const hex = createHash('sha256').update(`stagecraft-sbom:${digest}`).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
