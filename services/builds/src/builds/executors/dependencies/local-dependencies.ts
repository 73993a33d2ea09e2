import { type EgressPolicy, isEgressDenied } from '@stagecraft/config';
import {
  DependencyError,
  type DependencyInstall,
  dependencyLayerKey,
  type DependencyLayerOptions,
  type DependencyLayerRequest,
  displayRegistryUrl,
  formatImageReference,
  manifestReferenceOf,
  type PackageRegistries,
  parseImageReference,
  type RegistryClient,
  type RegistryCredentials,
  registryUrlOf,
} from '@stagecraft/oci';

import type { ExecutionOutcome } from '../build-executor';
import { SandboxUnavailableError } from '../build-user';
import type { BuildahReadiness } from '../buildah.builder';
import type { BuildahDependencyInstaller } from './dependency-installer';
import type { DependencyLayerCache } from './dependency-layer.cache';

export interface LocalDependenciesOptions {
  installer: BuildahDependencyInstaller;
  cache: DependencyLayerCache;
  registries: PackageRegistries;
  egress: EgressPolicy;
  /** Whether buildah works here and how its steps are sealed (the same answer Dockerfile builds get). */
  readiness: () => Promise<BuildahReadiness>;
  /** How long the reachability check of the package registry waits. */
  registryCheckTimeoutMs?: number;
}

export interface PrepareRequest {
  install: DependencyInstall;
  /** The base image as the job names it. */
  baseImage: string;
  /** A client for the base image's registry (credentials, platform, egress). */
  baseClient: RegistryClient;
  /** The registry the image is pushed to, to mount the layer from earlier builds' repositories there. */
  targetRegistry: string;
  layerOptions: Omit<DependencyLayerOptions, 'owner' | 'limits'>;
  log: (line: string) => void;
  signal: AbortSignal;
  /** This build's registry credentials, for pulling the base image into the install. */
  credentials?: Record<string, RegistryCredentials>;
}

export type PreparedDependencies =
  | { ok: true; request: DependencyLayerRequest }
  | { ok: false; outcome: ExecutionOutcome & { status: 'FAILED' } };

/**
 * A LOCAL build's dependency layer: from the cache when a build with the same key (base image
 * digest, command, registry, lockfile or requirements) made it before, else installed with the
 * base image's own npm or pip through buildah and kept. Failures a user can act on are
 * DependencyErrors (FAILED with their code); a machine that cannot run the install sealed answers
 * FAILED with the reason Dockerfile builds get (BUILDER_UNAVAILABLE, SANDBOX_UNAVAILABLE).
 */
export class LocalDependencies {
  constructor(private readonly options: LocalDependenciesOptions) {}

  async prepare(request: PrepareRequest): Promise<PreparedDependencies> {
    const { install, log } = request;
    const started = Date.now();
    const base = parseImageReference(request.baseImage);
    const manifest = await request.baseClient.getManifest(base.repository, manifestReferenceOf(base));
    const registryUrl = registryUrlOf(install, this.options.registries);
    const key = dependencyLayerKey(install, manifest.digest, registryUrl);
    log(
      `Dependencies: ${install.summary}; layer key ${key} (base ${manifest.digest}, registry ${displayRegistryUrl(registryUrl)})`,
    );
    const mountable = (repositories: string[]) =>
      repositories
        .filter((reference) => reference.startsWith(`${request.targetRegistry}/`))
        .map((reference) => reference.slice(request.targetRegistry.length + 1));

    const cached = await this.options.cache.get(key);
    if (cached) {
      log(`Dependency layer ${cached.layer.digest} reused from the build cache: nothing installed`);
      return { ok: true, request: this.request(install, key, manifest.digest, cached.layer, mountable(cached.repositories)) };
    }

    const readiness = await this.options.readiness();
    if (!readiness.ok)
      return {
        ok: false,
        outcome: {
          status: 'FAILED',
          reason: readiness.reason,
          message: `the package's dependencies are installed with buildah on LOCAL clusters: ${readiness.message}`,
        },
      };
    if (!readiness.mode.sealed)
      log(
        `WARNING: the dependency install runs UNSEALED, with the builds service's rights and network (LOCAL_DOCKERFILE_UNSEALED): ${readiness.mode.problem}`,
      );
    await this.checkRegistry(registryUrl, request.signal);
    const pinned = formatImageReference({ registry: base.registry, repository: base.repository, digest: manifest.digest });
    try {
      const entry = await this.options.cache.put(key, (file) =>
        this.options.installer.install({
          install,
          baseImage: pinned,
          mode: readiness.mode,
          layerFile: file,
          layerOptions: request.layerOptions,
          log,
          signal: request.signal,
          credentials: request.credentials,
        }),
      );
      log(
        `Dependency layer ${entry.layer.digest} built from the install in ${((Date.now() - started) / 1000).toFixed(1)} s (${entry.layer.size} bytes gzip), kept in the build cache`,
      );
      return { ok: true, request: this.request(install, key, manifest.digest, entry.layer, []) };
    } catch (error) {
      if (error instanceof SandboxUnavailableError)
        return {
          ok: false,
          outcome: {
            status: 'FAILED',
            reason: 'SANDBOX_UNAVAILABLE',
            message: `the package's dependencies cannot be installed sealed off from the platform here: ${error.message}`,
          },
        };
      throw error;
    }
  }

  /** After the push: the target repository holds the layer, so later builds to its registry can mount it. */
  async pushed(request: DependencyLayerRequest, registry: string, repository: string): Promise<void> {
    await this.options.cache.remember(request.key, `${registry}/${repository}`);
  }

  private request(
    install: DependencyInstall,
    key: string,
    baseImageDigest: string,
    layer: DependencyLayerRequest['layer'],
    mountFrom: string[],
  ): DependencyLayerRequest {
    return { install, key, baseImageDigest, layer, mountFrom };
  }

  /** The registry must pass the egress policy and answer at all (any HTTP status) before an install starts. */
  private async checkRegistry(url: string, signal: AbortSignal): Promise<void> {
    const shown = displayRegistryUrl(url);
    const timeout = AbortSignal.timeout(this.options.registryCheckTimeoutMs ?? 15_000);
    try {
      const response = await this.options.egress.fetch(url, {
        method: 'GET',
        redirect: 'manual',
        signal: AbortSignal.any([signal, timeout]),
      });
      await response.body?.cancel();
    } catch (error) {
      if (signal.aborted) throw error;
      if (isEgressDenied(error))
        throw new DependencyError(
          'DEPENDENCY_REGISTRY_UNREACHABLE',
          `the package registry ${shown} is not allowed by this platform's egress policy (an administrator allows its addresses with the builds service's EGRESS_ALLOWED_CIDRS)`,
        );
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = timeout.aborted ? 'no answer in time' : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new DependencyError('DEPENDENCY_REGISTRY_UNREACHABLE', `the package registry ${shown} could not be reached: ${why}`);
    }
  }
}
