import { basename } from 'node:path';

import type { UnpackLimits } from '@stagecraft/archive';
import type { TechStack } from '@stagecraft/contracts';

import { AssemblyError } from './assembly.errors';
import { type BaseImage, pullBaseImage } from './base-image';
import { type BlobCopyAction, type BlobLocation, copyBlob, mapWithLimit } from './blob-copier';
import {
  type DependencyLayer,
  type DependencyLayerAction,
  pushDependencyLayer,
  withDependencyEnv,
} from './dependencies/dependency-layer';
import type { DependencyInstall } from './dependencies/dependency-plan';
import { deriveImageConfig, OCI_LABELS, rfc3339 } from './image-config';
import { publishImage } from './image-publish';
import { formatImageReference, ImageReferenceError, type ParsedImageReference, parseImageReference } from './image-reference';
import type { Descriptor } from './manifest.types';
import { FAMILY_MEDIA_TYPES, type ImageManifestMediaType, isNonDistributableLayer, layerMediaType } from './media-types';
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
   * gzip levels: `compressedFile` for a JAR/WAR copied as one file onto a Docker-family base (on
   * an OCI base it is an uncompressed layer: its entries are deflated already), `tree` for
   * unpacked packages. Defaults: 0 (stored blocks) and 6.
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
  /** The package's installed dependencies: a layer of their own between the base's and the package's. */
  dependencies?: DependencyLayerRequest;
}

/** A dependency layer built before the assembly (LOCAL: by the installer or from its cache; Kubernetes: by the build container). */
export interface DependencyLayerRequest {
  layer: DependencyLayer;
  install: Pick<DependencyInstall, 'tool' | 'command' | 'outputDir' | 'imageEnv' | 'pathPrepend'>;
  /** dependencyLayerKey: recorded in the layer's history entry. */
  key: string;
  /** The manifest digest of the base image the install ran on; the assembly fails if the base is another one now. */
  baseImageDigest?: string;
  /** Repositories of the target's registry that may hold the layer (earlier builds'): mounted from instead of uploaded. */
  mountFrom?: readonly string[];
}

export interface AssembledLayer {
  digest: string;
  size: number;
  mediaType: string;
  origin: 'base' | 'dependencies' | 'package';
  action: BlobCopyAction | PushedLayer['action'] | DependencyLayerAction | 'referenced';
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
 * deterministic layer, and a new config and manifest (same family as the base's) are pushed. A
 * package's installed dependencies, when given, go in a layer of their own below the package's
 * (Jib's and buildpacks' split): a new version of the app with the same lockfile pushes only its
 * own layer.
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
    const dependencies = request.dependencies;
    if (dependencies?.baseImageDigest && dependencies.baseImageDigest !== base.manifest.digest)
      throw new AssemblyError(
        'BASE_IMAGE_INVALID',
        `the base image ${request.baseImage} changed while the dependencies were installed (${dependencies.baseImageDigest}, now ${base.manifest.digest}): run the build again`,
      );
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
    let dependencyAction: DependencyLayerAction | null = null;
    try {
      log(`Package ${contents.summary}`);
      const gzip = { ...DEFAULT_GZIP, ...this.options.gzipLevel };
      const compressedAlready = placement.gzipHint === 'compressed';
      const layerOptions = {
        mtime: this.options.layerMtime,
        uid: this.options.uid,
        gid: this.options.gid,
        compression: compressedAlready && FAMILY_MEDIA_TYPES[base.family].layerTar ? ('none' as const) : ('gzip' as const),
        gzipLevel: compressedAlready ? gzip.compressedFile : gzip.tree,
      };
      const layerStarted = Date.now();
      [baseActions, pushed, dependencyAction] = await allSettled([
        this.copyBaseLayers(base, from, to, log),
        pushPackageLayer(
          to.client,
          to.repository,
          contents.entries,
          layerOptions,
          this.options.staging ?? 'stream',
          this.options.tmpDir,
        ),
        dependencies ? this.pushDependencies(dependencies, to, log) : Promise.resolve(null),
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
      before: dependencies
        ? [
            {
              diffId: dependencies.layer.diffId,
              history: {
                created_by: `stagecraft: install dependencies (${dependencies.install.command.join(' ')}) into ${dependencies.install.outputDir}/`,
                comment: `dependency layer ${dependencies.key}`,
              },
            },
          ]
        : [],
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
      container: () => (dependencies ? withDependencyEnv(stack.config, dependencies.install) : stack.config),
    });
    const types = FAMILY_MEDIA_TYPES[base.family];
    const packageLayer: Descriptor = {
      mediaType: layerMediaType(types, pushed.layer.compression),
      digest: pushed.layer.digest,
      size: pushed.layer.size,
    };
    const dependencyLayer: Descriptor | null = dependencies
      ? { mediaType: types.layerGzip, digest: dependencies.layer.digest, size: dependencies.layer.size }
      : null;
    const layers = [...base.manifest.body.layers, ...(dependencyLayer ? [dependencyLayer] : []), packageLayer];
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
        ...(dependencyLayer && dependencyAction
          ? [{ ...dependencyLayer, origin: 'dependencies' as const, action: dependencyAction }]
          : []),
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

  /** The dependency layer into the target repository: found there, mounted, or uploaded from its file. */
  private async pushDependencies(
    dependencies: DependencyLayerRequest,
    to: BlobLocation,
    log: (line: string) => void,
  ): Promise<DependencyLayerAction> {
    const started = Date.now();
    const { layer } = dependencies;
    const action = await pushDependencyLayer(to.client, to.repository, layer, dependencies.mountFrom);
    const said = {
      present: `already in ${to.repository}: not uploaded again`,
      mounted: `mounted into ${to.repository} from an earlier build's repository`,
      uploaded: `uploaded to ${to.repository} in ${formatDuration(Date.now() - started)}`,
    }[action];
    log(
      `Dependency layer ${layer.digest} (${dependencies.install.tool}, ${formatSize(layer.size)} gzip, diffID ${layer.diffId}): ${said}`,
    );
    return action;
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
    layer.compression === 'none'
      ? `Package layer ${layer.digest}: ${formatSize(layer.size)} tar, uncompressed (the package is compressed already), ${layer.entries} entries`
      : `Package layer ${layer.digest}: ${formatSize(layer.size)} gzip, ${formatSize(layer.uncompressedSize)} tar, ${layer.entries} entries, diffID ${layer.diffId}`,
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
async function allSettled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  for (const result of settled) if (result.status === 'rejected') throw result.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
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
