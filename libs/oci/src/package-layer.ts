import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import type { UnpackLimits } from '@stagecraft/archive';

import type { BlobPushResult } from './blob-upload';
import { buildLayerToFile, createLayerStream, type LayerBuildOptions, type LayerDigests } from './layer.builder';
import type { LayerEntry } from './layer-entry';
import { unpackPackage } from './package/package-unpacker';
import type { RegistryClient } from './registry.client';
import type { PackageFacts, PackagePlacement } from './stack-layout';

/**
 * How the package layer reaches the registry.
 * - `stream` (default): tar → (gzip →) upload in one pass; no disk, and building overlaps the
 *   upload (a 100 MiB JAR: ~0.5 s here, docs/benchmarks.md), but the digest is known only at
 *   the end, so the bytes always travel, even when the registry has them already.
 * - `temp-file`: written to a temporary file while hashed, then HEAD (an unchanged package is
 *   not uploaded again: its layer has the same digest) and an upload from the file.
 * Both keep memory flat: a few MiB at most (the upload's read-ahead), whatever the package's size.
 */
export type LayerStaging = 'temp-file' | 'stream';

export interface PackageContents {
  entries: LayerEntry[];
  facts: PackageFacts;
  /** For the build log. */
  summary: string;
  cleanup(): Promise<void>;
}

export async function packageContents(
  packageFile: string,
  placement: PackagePlacement,
  options: { packageName?: string; limits?: Partial<UnpackLimits>; tmpDir?: string },
): Promise<PackageContents> {
  const name = options.packageName ?? basename(packageFile);
  if (placement.kind === 'file') {
    const { size } = await stat(packageFile);
    return {
      entries: [
        {
          type: 'file',
          path: placement.path,
          mode: 0o644,
          size,
          open: () => createReadStream(packageFile, { highWaterMark: 1024 * 1024 }),
        },
      ],
      facts: { has: () => false },
      summary: `${name} (${size} bytes) → ${placement.path}`,
      cleanup: async () => undefined,
    };
  }
  const unpacked = await unpackPackage(packageFile, {
    root: placement.root,
    stripSingleTopFolder: true,
    limits: options.limits,
    tmpDir: options.tmpDir,
  });
  const stripped = unpacked.strippedFolder ? `, top folder ${unpacked.strippedFolder}/ stripped` : '';
  return {
    entries: unpacked.entries,
    facts: unpacked,
    summary: `${name} (${unpacked.format}, ${unpacked.files} files, ${unpacked.bytes} bytes${stripped}) → ${placement.root}/`,
    cleanup: () => unpacked.cleanup(),
  };
}

export interface PushedLayer {
  layer: LayerDigests;
  action: 'present' | 'uploaded';
  upload: BlobPushResult | null;
}

/** Builds the layer and puts it into `repository`, the way `staging` says. */
export async function pushPackageLayer(
  client: RegistryClient,
  repository: string,
  entries: LayerEntry[],
  layerOptions: LayerBuildOptions,
  staging: LayerStaging,
  tmpDir?: string,
): Promise<PushedLayer> {
  if (staging === 'stream') {
    const built = createLayerStream(entries, layerOptions);
    const upload = await client.uploadBlobStream(repository, built.stream, { digestOfSource: () => built.stream.digest });
    const layer = await built.digests;
    return { layer, action: 'uploaded', upload };
  }
  const dir = await mkdtemp(join(tmpDir ?? tmpdir(), 'stagecraft-layer-'));
  try {
    const file = join(dir, 'layer.blob');
    const layer = await buildLayerToFile(entries, file, layerOptions);
    if (await client.blobExists(repository, layer.digest)) return { layer, action: 'present', upload: null };
    const upload = await client.uploadBlobStream(repository, createReadStream(file, { highWaterMark: 1024 * 1024 }), {
      expectedDigest: layer.digest,
    });
    return { layer, action: 'uploaded', upload };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
