import { randomUUID } from 'node:crypto';

import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { EgressPolicy } from '@stagecraft/config';
import type { BuildReason } from '@stagecraft/contracts';
import { maskFindings, parseDockerfile, scanForSecrets, type SecretFinding } from '@stagecraft/dockerfile';
import {
  formatImageReference,
  manifestReferenceOf,
  PackageDownloadError,
  PackageRejectedError,
  parseImageReference,
  RegistryClient,
  type RegistryCredentials,
  RegistryError,
} from '@stagecraft/oci';

import { readBaseImage } from './attestation/base-image.reader';
import type { BuildAttestor } from './attestation/build-attestor';
import type { RunningBuilds, StopReason } from './domain/running-builds';
import { type BuildExecutor, BuildStop, type ExecutionOutcome } from './executors/build-executor';
import { dockerfileBaseImage } from './executors/dockerfile-images';
import type { BuildEntity } from './infra/build.entity';
import { BuildRepository } from './infra/build.repository';
import { BuildAttestationStore } from './infra/build-attestation.store';
import { BuildLogStore } from './infra/build-log.store';
import { PackageUrlsClient } from './infra/package-urls.client';
import { RegistryCredentialsClient } from './infra/registry-credentials.client';

export const BUILD_EXECUTOR = Symbol('BUILD_EXECUTOR');
/** The attestor, or null when no signing key is configured (builds then stay unattested). */
export const BUILD_ATTESTOR = Symbol('BUILD_ATTESTOR');

/**
 * Runs scheduled builds in this process: RUNNING, then the executor's phases and log lines
 * (secrets from a custom Dockerfile masked), then one terminal state. Cancelling or passing the
 * deadline aborts the executor; the build then ends CANCELLED or TIMED_OUT.
 */
@Injectable()
export class BuildRunner implements RunningBuilds {
  /** Names this process in the leases of the builds it runs; a new one each start. */
  readonly id = randomUUID();
  private readonly logger = new Logger('BuildRunner');
  private readonly running = new Map<string, { controller: AbortController; stop?: StopReason; done: Promise<void> }>();

  constructor(
    private readonly builds: BuildRepository,
    private readonly logs: BuildLogStore,
    @Inject(BUILD_EXECUTOR) private readonly executor: BuildExecutor,
    private readonly packageUrls: PackageUrlsClient,
    private readonly registryCredentials: RegistryCredentialsClient,
    private readonly attestations: BuildAttestationStore,
    private readonly egress: EgressPolicy,
    @Optional() @Inject(BUILD_ATTESTOR) private readonly attestor: BuildAttestor | null = null,
  ) {}

  get activeCount(): number {
    return this.running.size;
  }

  isRunning(buildId: string): boolean {
    return this.running.has(buildId);
  }

  /** The ids of the builds running here: the leases to renew. */
  get runningIds(): string[] {
    return [...this.running.keys()];
  }

  /**
   * Starts a SCHEDULING build, or follows again a RUNNING one whose executor can resume it (after
   * a restart); resolves once it has ended.
   */
  launch(build: BuildEntity, node: string | null): Promise<void> {
    const controller = new AbortController();
    const entry: { controller: AbortController; stop?: StopReason; done: Promise<void> } = {
      controller,
      done: Promise.resolve(),
    };
    entry.done = this.run(build, node, entry).finally(() => {
      this.running.delete(build.id);
      this.logs.close(build.id);
    });
    this.running.set(build.id, entry);
    return entry.done;
  }

  /** Aborts a build running here; false when it is not running in this process. */
  stop(buildId: string, reason: StopReason): boolean {
    const entry = this.running.get(buildId);
    if (!entry) return false;
    entry.stop ??= reason;
    // A lost build is followed by its new runner now: the executor leaves what runs on a cluster be.
    entry.controller.abort(new BuildStop(reason === 'lost' ? 'shutdown' : reason));
    return true;
  }

  async stopAll(): Promise<void> {
    const entries = [...this.running.values()];
    for (const entry of entries) entry.controller.abort(new BuildStop('shutdown'));
    await Promise.allSettled(entries.map((entry) => entry.done));
  }

  /**
   * Builds are queued with a grant, not a URL: the URL is asked for as the build starts, so it
   * names storage as it is now (a restart may have moved it). False when the build ended here.
   */
  private async askPackageUrl(build: BuildEntity): Promise<boolean> {
    const outcome = await this.packageUrls.forRun(build);
    if (outcome.ok) {
      await this.builds.recordPackageUrl(build.id, outcome.url);
      build.packageUrl = outcome.url;
      return true;
    }
    await this.endBeforeStart(build, outcome.gone ? 'FAILED' : 'ERROR', {
      reason: outcome.gone ? 'PACKAGE_UNAVAILABLE' : 'PACKAGE_DOWNLOAD_FAILED',
      message: outcome.message,
    });
    return false;
  }

  /** Ends a SCHEDULING build that cannot start; one cancelled meanwhile ends CANCELLED instead. */
  private async endBeforeStart(
    build: BuildEntity,
    status: 'FAILED' | 'ERROR',
    why: { reason: BuildReason; message: string },
  ): Promise<void> {
    const ended = await this.builds.transition(build.id, status, why, ['SCHEDULING']);
    if (!ended) await this.builds.transition(build.id, 'CANCELLED', { message: 'cancelled by a user' }, ['CANCELLING']);
  }

  private async run(
    build: BuildEntity,
    node: string | null,
    entry: { controller: AbortController; stop?: StopReason },
  ): Promise<void> {
    const secrets = secretsOf(build);
    const log = (line: string) =>
      void this.logs
        .append(build.id, maskFindings(line, secrets) + '\n')
        .catch((error: Error) => this.logger.warn(`log append failed for ${build.id}: ${error.message}`));
    if (build.status !== 'RUNNING' && !build.packageUrl && !(await this.askPackageUrl(build))) return;
    // A resumed build's pod has its credential already (Kubernetes); a new one asks for its own.
    let credentials: Record<string, RegistryCredentials> | undefined;
    if (build.status !== 'RUNNING') {
      const outcome = await this.registryCredentials.forRun(build);
      if (!outcome.ok)
        return this.endBeforeStart(build, outcome.refused ? 'FAILED' : 'ERROR', {
          reason: outcome.refused ? 'REGISTRY_DENIED' : 'REGISTRY_CREDENTIAL_UNAVAILABLE',
          message: outcome.message,
        });
      credentials = outcome.credentials;
    }
    const started =
      build.status === 'RUNNING'
        ? build
        : await this.builds.transition(build.id, 'RUNNING', { node, phase: 'INIT' }, ['SCHEDULING']);
    if (!started) {
      // Cancelled before it could start.
      await this.builds.transition(build.id, 'CANCELLED', { message: 'cancelled by a user' }, ['CANCELLING']);
      return;
    }
    let outcome: ExecutionOutcome | null = null;
    try {
      outcome = await this.executor.execute(
        started,
        {
          phase: async (phase) => void (await this.builds.enterPhase(build.id, phase)),
          log,
          node: async (name) => void (await this.builds.recordNode(build.id, name)),
          appendLog: async (lines, cursor) =>
            void (await this.logs.append(build.id, lines.map((line) => maskFindings(line, secrets) + '\n').join(''), cursor)),
        },
        entry.controller.signal,
        { resumed: build.status === 'RUNNING', credentials },
      );
    } catch (error) {
      if (!entry.controller.signal.aborted) {
        this.logger.error(`build ${build.id} failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`);
        outcome = { status: 'ERROR', reason: 'EXECUTOR_ERROR', message: 'the build failed unexpectedly' };
      }
    }
    // A succeeded build is attested before it counts as SUCCEEDED: its SBOM and provenance are part of its result.
    let attestation: { ok: true } | { ok: false; message: string } = { ok: true };
    let base: { name: string; digest: string } | null = null;
    if (outcome?.status === 'SUCCEEDED' && !entry.stop) {
      const pushed = await this.readPushedBase(build, outcome.imageDigest, credentials, entry.controller.signal);
      credentials = pushed.credentials ?? credentials;
      base = pushed.base;
      if (!pushed.ok && this.attestor) attestation = { ok: false, message: pushed.message };
      else {
        if (!pushed.ok)
          log(`The image's base image could not be read, so base image changes will not rebuild it: ${pushed.message}`);
        attestation = await this.attest(build, outcome.imageDigest, base, credentials, secrets, log, entry.controller.signal);
      }
    }
    if (entry.stop === 'lost') {
      this.logger.warn(`build ${build.id} was taken over by another builds replica (this one's lease ran out)`);
    } else if (entry.stop === 'cancel') {
      log('Cancelled.');
      await this.builds.transition(build.id, 'CANCELLED', { message: 'cancelled by a user' });
    } else if (entry.stop === 'deadline') {
      log('The build passed its deadline and was stopped.');
      await this.builds.transition(build.id, 'TIMED_OUT', { message: 'the build passed its deadline' });
    } else if (outcome?.status === 'SUCCEEDED' && !attestation.ok) {
      log(`ERROR: ATTESTATION_FAILED: ${attestation.message}`);
      await this.builds.transition(build.id, 'ERROR', { reason: 'ATTESTATION_FAILED', message: attestation.message });
    } else if (outcome?.status === 'SUCCEEDED') {
      await this.builds.transition(build.id, 'SUCCEEDED', {
        imageDigest: outcome.imageDigest,
        image: outcome.image,
        baseImage: base?.name ?? null,
        baseImageDigest: base?.digest ?? null,
      });
    } else if (outcome) {
      log(`${outcome.status}: ${outcome.reason}: ${maskFindings(outcome.message, secrets)}`);
      await this.builds.transition(build.id, outcome.status, {
        reason: outcome.reason,
        message: maskFindings(outcome.message, secrets),
      });
    } else {
      // Aborted by a shutdown: the next start reconciles it.
    }
  }

  /**
   * A Dockerfile image names no base (buildah writes no base annotations): its final stage's FROM
   * image, by the digest its registry answers for it as the build ends, so that base image
   * changes rebuild it. A tag moved during the build is seen at the next poll of the watcher.
   */
  private async dockerfileBase(
    build: BuildEntity,
    credentials: Record<string, RegistryCredentials>,
    signal: AbortSignal,
  ): Promise<{ name: string; digest: string } | null> {
    const dockerfile = build.spec.buildSpec.dockerfile;
    const image = dockerfile ? dockerfileBaseImage(dockerfile) : null;
    if (!image) return null;
    // Only for watching: a FROM registry this service may not ask (egress, credentials) leaves the
    // job unwatched, and never fails a build that succeeded.
    try {
      const reference = parseImageReference(image);
      const client = new RegistryClient({
        registry: reference.registry,
        credentials: credentials[reference.registry],
        signal,
        fetch: this.egress.fetch,
      });
      const head = await client.headManifest(reference.repository, manifestReferenceOf(reference));
      return head && { name: formatImageReference(reference), digest: head.digest };
    } catch (error) {
      this.logger.warn(
        `build ${build.id}: its FROM image ${image} could not be resolved, so base image changes will not rebuild it: ${(error as Error).message}`,
      );
      return null;
    }
  }

  /**
   * The base image the pushed image names (read once: it is recorded on the build and goes into
   * the provenance). A resumed build asks for its registry credential again.
   */
  private async readPushedBase(
    build: BuildEntity,
    imageDigest: string,
    credentials: Record<string, RegistryCredentials> | undefined,
    signal: AbortSignal,
  ): Promise<
    | { ok: true; base: { name: string; digest: string } | null; credentials?: Record<string, RegistryCredentials> }
    | { ok: false; base: null; message: string; credentials?: Record<string, RegistryCredentials> }
  > {
    try {
      if (!credentials) {
        const asked = await this.registryCredentials.forRun(build);
        if (!asked.ok)
          return { ok: false, base: null, message: `no registry credential to read the image with: ${asked.message}` };
        credentials = asked.credentials;
      }
      const target = parseImageReference(build.spec.archiveImage);
      const client = new RegistryClient({
        registry: target.registry,
        credentials: credentials[target.registry],
        signal,
        fetch: this.egress.fetch,
      });
      const named = await readBaseImage(client, target.repository, imageDigest);
      return { ok: true, base: named ?? (await this.dockerfileBase(build, credentials, signal)), credentials };
    } catch (error) {
      this.logger.warn(`reading the base of build ${build.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      const known = error instanceof RegistryError;
      return {
        ok: false,
        base: null,
        message: known ? (error as Error).message : 'an unexpected error (see the builds service log)',
        credentials,
      };
    }
  }

  /**
   * Signs and attaches the SBOM and provenance of a pushed image (docs/attestations.md) and keeps
   * them with the build. Nothing to do without a signing key. A resumed build asks for its
   * registry credential again; an expired package URL is asked for anew once.
   */
  private async attest(
    build: BuildEntity,
    imageDigest: string,
    baseImage: { name: string; digest: string } | null,
    credentials: Record<string, RegistryCredentials> | undefined,
    secrets: SecretFinding[],
    log: (line: string) => void,
    signal: AbortSignal,
  ): Promise<{ ok: true } | { ok: false; message: string }> {
    if (!this.attestor) return { ok: true };
    try {
      await this.builds.enterPhase(build.id, 'POSTPROCESS');
      if (!credentials) {
        const asked = await this.registryCredentials.forRun(build);
        if (!asked.ok) return { ok: false, message: `no registry credential to attach them with: ${asked.message}` };
        credentials = asked.credentials;
      }
      const request = {
        build,
        imageDigest,
        credentials,
        packageUrl: build.packageUrl ?? '',
        mask: (text: string) => maskFindings(text, secrets),
        finishedOn: new Date(),
        signal,
        baseImage,
      };
      let row;
      try {
        row = await this.attestor.attest(request);
      } catch (error) {
        if (!(error instanceof PackageDownloadError) || error.reason !== 'PACKAGE_DOWNLOAD_FAILED') throw error;
        const fresh = await this.packageUrls.forRun(build);
        if (!fresh.ok) return { ok: false, message: `the package could not be read again: ${fresh.message}` };
        row = await this.attestor.attest({ ...request, packageUrl: fresh.url });
      }
      await this.attestations.save(row);
      log(
        `Attested: SLSA provenance and a CycloneDX SBOM (${row.sbomComponents} dependencies), signed and attached ${
          row.attachedAs === 'REFERRERS' ? 'as OCI referrers' : `as cosign tags ${imageDigest.replace(':', '-')}.att and .sbom`
        }`,
      );
      return { ok: true };
    } catch (error) {
      if (signal.aborted) return { ok: false, message: 'stopped' };
      // Only messages known to hold no URL, path or key material reach the build; the rest stays in the service log.
      const known =
        error instanceof RegistryError || error instanceof PackageDownloadError || error instanceof PackageRejectedError;
      this.logger.error(`attesting build ${build.id} failed: ${error instanceof Error ? error.message : String(error)}`);
      return {
        ok: false,
        message: `its SBOM and provenance could not be attached: ${known ? (error as Error).message : 'an unexpected error (see the builds service log)'}`,
      };
    }
  }
}

function secretsOf(build: BuildEntity): SecretFinding[] {
  const dockerfile = build.spec.buildSpec.dockerfile;
  if (!dockerfile) return [];
  const parsed = parseDockerfile(dockerfile);
  return parsed.ok ? scanForSecrets(parsed.instructions) : [];
}
