import { basename } from 'node:path';

import type { TechStack } from '@stagecraft/contracts';

import { AssemblyError } from './assembly.errors';
import { type BaseImage, pullBaseImage } from './base-image';
import { type BlobCopyAction, type BlobLocation, copyBlob, mapWithLimit } from './blob-copier';
import { deriveImageConfig, OCI_LABELS, rfc3339 } from './image-config';
import { publishImage } from './image-publish';
import { formatImageReference, ImageReferenceError, type ParsedImageReference, parseImageReference } from './image-reference';
import type { Descriptor } from './manifest.types';
import { FAMILY_MEDIA_TYPES, type ImageManifestMediaType, isNonDistributableLayer } from './media-types';
import type { UnpackLimits } from './package/unpack-limits';
import { type LayerStaging, packageContents, type PushedLayer, pushPackageLayer } from './package-layer';
import { formatDuration, formatSize } from './progress.format';
import { RegistryClient } from './registry.client';
import { applyStackConfig, placementFor, resolveLayout, type StackLayoutOptions } from './stack-layout';

export type RegistryClientFactory = (options: { registry: string; signal?: AbortSignal }) => RegistryClient;

export interface AssemblerOptions {
  /** A client per registry host (credentials, TLS, upload mode); by default anonymous, http for loopback hosts. */
  clientFactory?: RegistryClientFactory;
  layout?: StackLayoutOptions;
  /** mtime of every layer entry in seconds (SOURCE_DATE_EPOCH); 0 by default. */
  layerMtime?: number;
  /** Owner of the package's files in the image; root by default. */
  uid?: number;
  gid?: number;
  /**
   * gzip levels: `compressedFile` for a JAR/WAR copied as one file (its entries are deflated
   * already, so 0, stored blocks, costs nothing in size and most of the time), `tree` for
   * unpacked packages. Defaults: 0 and 6.
   */
  gzipLevel?: { compressedFile?: number; tree?: number };
  /** `stream` by default; see LayerStaging. */
  staging?: LayerStaging;
  limits?: Partial<UnpackLimits>;
  /** For temp files and the staging of tar packages; the OS temp folder by default. */
  tmpDir?: string;
  /** Base layers copied at once; 3 by default. */
  copyConcurrency?: number;
  /** The build time written to `created`; `new Date()` by default. */
  now?: () => Date;
}

export interface AssembleImageRequest {
  baseImage: string;
  /** Where to push; must name a tag (or none: `latest`), not a digest. */
  targetImage: string;
  /** The package on disk. */
  packageFile: string;
  /** Its name for the log and the history; the file's base name by default. */
  packageName?: string;
  techStack: TechStack;
  /** Merged last into `config.Labels` (e.g. io.stagecraft.job-id, io.stagecraft.build-id). */
  labels?: Record<string, string>;
  /** org.opencontainers.image.title; the target repository's last path component by default. */
  title?: string;
  /** Overrides the build time in `created` and its label, for a fully reproducible image. */
  created?: Date;
  onProgress?: (line: string) => void;
  /** Aborts every registry request (a cancelled build); the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface AssembledLayer {
  digest: string;
  size: number;
  mediaType: string;
  origin: 'base' | 'package';
  action: BlobCopyAction | PushedLayer['action'] | 'referenced';
}

export interface AssembledImage {
  /** `registry/repository:tag` pushed. */
  reference: string;
  /** The manifest digest: what the build records. */
  digest: string;
  manifestMediaType: ImageManifestMediaType;
  /** Manifest bytes. */
  size: number;
  configDigest: string;
  layers: AssembledLayer[];
  base: { reference: string; digest: string; indexDigest?: string };
  /** Every progress line, in order, for the build log. */
  steps: string[];
}

const DEFAULT_GZIP = { compressedFile: 0, tree: 6 };

/**
 * Builds an image without a daemon, like `crane append` or Jib: the base image's layers are put
 * into the target repository by reference (HEAD, mount or copy), the package becomes one new
 * deterministic layer, and a new config and manifest (same family as the base's) are pushed.
 */
export class ImageAssembler {
  constructor(private readonly options: AssemblerOptions = {}) {}

  async assemble(request: AssembleImageRequest): Promise<AssembledImage> {
    const steps: string[] = [];
    const log = (line: string) => {
      steps.push(line);
      request.onProgress?.(line);
    };
    const started = Date.now();
    const baseRef = parseReference(request.baseImage, 'base image');
    const targetRef = parseReference(request.targetImage, 'target image');
    if (targetRef.digest)
      throw new AssemblyError('REFERENCE_INVALID', `the target image ${request.targetImage} must name a tag, not a digest`);
    const tag = targetRef.tag ?? 'latest';
    const clientFor = this.clients(request.signal);
    const from: BlobLocation = { client: clientFor(baseRef.registry), repository: baseRef.repository };
    const to: BlobLocation = { client: clientFor(targetRef.registry), repository: targetRef.repository };

    const base = await pullBaseImage(from.client, baseRef, log);
    const layout = resolveLayout(this.options.layout);
    const placement = placementFor(request.techStack, layout);
    const packageName = request.packageName ?? basename(request.packageFile);
    const contents = await packageContents(request.packageFile, placement, {
      packageName,
      limits: this.options.limits,
      tmpDir: this.options.tmpDir,
    });
    let baseActions: AssembledLayer['action'][];
    let pushed: PushedLayer;
    try {
      log(`Package ${contents.summary}`);
      const gzip = { ...DEFAULT_GZIP, ...this.options.gzipLevel };
      const layerOptions = {
        mtime: this.options.layerMtime,
        uid: this.options.uid,
        gid: this.options.gid,
        gzipLevel: placement.gzipHint === 'compressed' ? gzip.compressedFile : gzip.tree,
      };
      const layerStarted = Date.now();
      [baseActions, pushed] = await allSettled([
        this.copyBaseLayers(base, from, to, log),
        pushPackageLayer(
          to.client,
          to.repository,
          contents.entries,
          layerOptions,
          this.options.staging ?? 'stream',
          this.options.tmpDir,
        ),
      ]);
      logPackageLayer(pushed, to.repository, Date.now() - layerStarted, log);
    } finally {
      await contents.cleanup();
    }

    const created = request.created ?? this.options.now?.() ?? new Date();
    const stack = applyStackConfig(request.techStack, base.config.config ?? {}, layout, contents.facts);
    stack.notes.forEach(log);
    const baseLabels = { [OCI_LABELS.baseName]: formatImageReference(baseRef), [OCI_LABELS.baseDigest]: base.digest };
    const config = deriveImageConfig(base.config, {
      diffId: pushed.layer.diffId,
      created,
      history: {
        created_by: `stagecraft: add ${request.techStack} package ${packageName} at ${placement.kind === 'file' ? placement.path : `${placement.root}/`}`,
        comment: 'added by the Stagecraft image assembler',
      },
      labels: {
        [OCI_LABELS.created]: rfc3339(created),
        [OCI_LABELS.title]: request.title ?? targetRef.repository.split('/').pop()!,
        ...baseLabels,
        ...request.labels,
      },
      container: () => stack.config,
    });
    const types = FAMILY_MEDIA_TYPES[base.family];
    const packageLayer: Descriptor = { mediaType: types.layerGzip, digest: pushed.layer.digest, size: pushed.layer.size };
    const layers = [...base.manifest.body.layers, packageLayer];
    const published = await publishImage(
      to.client,
      to.repository,
      tag,
      { family: base.family, config, layers, annotations: baseLabels },
      log,
    );
    const reference = formatImageReference({ registry: targetRef.registry, repository: targetRef.repository, tag });
    log(
      `Manifest ${published.digest} pushed as ${reference} (${layers.length} layers) in ${formatDuration(Date.now() - started)} overall`,
    );

    return {
      reference,
      digest: published.digest,
      manifestMediaType: types.manifest,
      size: published.size,
      configDigest: published.configDigest,
      layers: [
        ...base.manifest.body.layers.map((l, i) => ({
          digest: l.digest,
          size: l.size,
          mediaType: l.mediaType,
          origin: 'base' as const,
          action: baseActions[i],
        })),
        { ...packageLayer, origin: 'package', action: pushed.action },
      ],
      base: {
        reference: formatImageReference(baseRef),
        digest: base.manifest.digest,
        ...(base.manifest.index && { indexDigest: base.manifest.index.digest }),
      },
      steps,
    };
  }

  /** One client per registry for the whole build, so tokens are fetched once. */
  private clients(signal?: AbortSignal): (registry: string) => RegistryClient {
    const clients = new Map<string, RegistryClient>();
    const factory = this.options.clientFactory ?? (({ registry, signal: s }) => new RegistryClient({ registry, signal: s }));
    return (registry) => {
      let client = clients.get(registry);
      if (!client) {
        client = factory({ registry, signal });
        clients.set(registry, client);
      }
      return client;
    };
  }

  private copyBaseLayers(
    base: BaseImage,
    from: BlobLocation,
    to: BlobLocation,
    log: (line: string) => void,
  ): Promise<AssembledLayer['action'][]> {
    return mapWithLimit(base.manifest.body.layers, this.options.copyConcurrency ?? 3, async (layer) => {
      if (isNonDistributableLayer(layer.mediaType)) {
        log(`Base layer ${layer.digest} (${formatSize(layer.size)}): non-distributable, referenced only`);
        return 'referenced' as const;
      }
      const action = await copyBlob(from, to, layer);
      const said = {
        present: 'already present',
        mounted: `mounted from ${from.repository}`,
        copied: `copied from ${from.repository}`,
      }[action];
      log(`Base layer ${layer.digest} (${formatSize(layer.size)}): ${said}`);
      return action;
    });
  }
}

function logPackageLayer(
  { layer, action, upload }: PushedLayer,
  repository: string,
  ms: number,
  log: (line: string) => void,
): void {
  log(
    `Package layer ${layer.digest}: ${formatSize(layer.size)} gzip, ${formatSize(layer.uncompressedSize)} tar, ${layer.entries} entries, diffID ${layer.diffId}`,
  );
  if (action === 'present') {
    log(`Package layer already in ${repository}: not uploaded again`);
    return;
  }
  const how =
    upload && upload.chunks > 1 ? `${upload.chunks} chunks` : upload && upload.chunks === 1 ? 'streamed' : 'one request';
  log(`Package layer uploaded to ${repository} (${how}) in ${formatDuration(ms)}`);
}

/**
 * Whether a progress line of `assemble` says the result is going into the target registry (the
 * package layer uploaded or found there, the config or manifest pushed): where a build's PUSH
 * phase begins. Base layers are copied while the package layer is built, so they do not count.
 */
export function isPushProgressLine(line: string): boolean {
  return /uploaded|pushed/i.test(line);
}

/**
 * Like Promise.all, but waits for every promise to settle before failing, so no upload or layer
 * write is still running (and no temp file still open) once `assemble` has thrown.
 */
async function allSettled<A, B>(promises: [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(promises);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

function parseReference(value: string, what: string): ParsedImageReference {
  try {
    return parseImageReference(value);
  } catch (err) {
    if (err instanceof ImageReferenceError)
      throw new AssemblyError('REFERENCE_INVALID', `the ${what} ${JSON.stringify(value)} is invalid: ${err.message}`);
    throw err;
  }
}
