import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { TechStack } from '@stagecraft/contracts';
import {
  AssemblyError,
  BuildFailureError,
  formatImageReference,
  ImageReferenceError,
  parseImageReference,
  prepareBuildContext,
  type RegistryCredentials,
} from '@stagecraft/oci';

import type { RunOptions, SandboxedBuild, SandboxMode } from './build-sandbox';
import { buildahStorage, BuildSandbox, run } from './build-sandbox';
import { type BuildahCommand, BuildahOutput, classifyBuildahFailure } from './buildah-failure';
import { dockerfileImages, DockerfileImagesError } from './dockerfile-images';
import { withRegistryStep } from './registry-step';

export interface BuildahBuild {
  dockerfile: string;
  techStack: TechStack;
  packageFile: string;
  target: string;
  labels: Record<string, string>;
  log: (line: string) => void;
  onPush: () => Promise<void>;
  signal: AbortSignal;
  /** This build's registry credentials (ExecutionRun.credentials); the builder's own when absent. */
  credentials?: Record<string, RegistryCredentials>;
}

export interface BuildahBuilderOptions {
  /** Registry host → credentials, for pulling the Dockerfile's images and pushing the result. */
  credentials: Record<string, RegistryCredentials>;
  sandbox: BuildSandbox;
  /** LOCAL_DOCKERFILE_UNSEALED: where sealing cannot be had, build anyway, as this process on the host's network. */
  allowUnsealed: boolean;
  binary?: string;
}

/** Whether CUSTOM_DOCKERFILE builds can run here, and how; or the reason they are refused. */
export type BuildahReadiness =
  | { ok: true; mode: SandboxMode }
  | { ok: false; reason: 'BUILDER_UNAVAILABLE' | 'SANDBOX_UNAVAILABLE'; message: string };

const INSTALL_HINT = 'install buildah (Debian: apt-get install buildah) to build CUSTOM_DOCKERFILE jobs on a LOCAL cluster';

/** Loopback registries (the embedded one, test ones) speak plain HTTP; every other registry must speak TLS. */

/**
 * CUSTOM_DOCKERFILE builds on this machine with buildah (vfs storage, chroot isolation, no
 * daemon), in three steps:
 * 1. `buildah pull` of every image the Dockerfile builds from, as the build user, on the host's
 *    network (no tenant code runs yet), with an auth file that exists only for that step;
 * 2. `buildah bud --pull=never`, the step that runs the tenant's RUN instructions: rootless as the
 *    build user, sealed in new network, PID, IPC, UTS and mount namespaces (no network at all);
 * 3. `buildah push`, as the build user, from a fresh folder made after every tenant process is
 *    gone, with a new auth file deleted right after.
 * The build context is laid out by `prepareBuildContext`, as the build container's `fetch` does for
 * BuildKit on Kubernetes. Credentials never appear on a command line or in the log. A step that
 * fails ends the build with what its output says (buildah-failure.ts): FAILED with a reason for the
 * user (BASE_IMAGE_NOT_FOUND, REGISTRY_DENIED, DOCKERFILE_STEP_FAILED, …) or ERROR for the platform.
 */
export class BuildahBuilder {
  private availability?: Promise<string | null>;
  private readonly binary: string;

  constructor(private readonly options: BuildahBuilderOptions) {
    this.binary = options.binary ?? 'buildah';
  }

  /** Null when buildah works here, else why not and what to install. */
  private unavailableReason(): Promise<string | null> {
    this.availability ??= run(this.binary, ['--version'], { PATH: process.env.PATH }, { log: () => undefined }).then(
      () => null,
      (error: Error) => `buildah does not work on this machine (${error.message}): ${INSTALL_HINT}`,
    );
    return this.availability;
  }

  async readiness(): Promise<BuildahReadiness> {
    const unavailable = await this.unavailableReason();
    if (unavailable) return { ok: false, reason: 'BUILDER_UNAVAILABLE', message: unavailable };
    const mode = await this.options.sandbox.mode();
    if (mode.sealed || this.options.allowUnsealed) return { ok: true, mode };
    return {
      ok: false,
      reason: 'SANDBOX_UNAVAILABLE',
      message: `Dockerfile builds on this LOCAL cluster cannot be sealed off from the platform: ${mode.problem}. An administrator may allow them unsealed with LOCAL_DOCKERFILE_UNSEALED=true, which lets every Dockerfile run code with the builds service's rights (docs/security.md).`,
    };
  }

  async build(request: BuildahBuild, mode: SandboxMode): Promise<{ digest: string }> {
    const images = this.imagesOf(request.dockerfile);
    const build = await this.options.sandbox.open(mode);
    try {
      // The only folder the tenant's steps can write to, once they run: context, storage, their HOME.
      const sealed = await build.userDir('sealed');
      const context = join(sealed, 'context');
      const laid = await prepareBuildContext(context, request);
      await build.giveToUser(context, laid.dockerfilePath, join(context, laid.packageFileName));
      const storage = buildahStorage(sealed);
      const step = (home: string, tenantCode: boolean) => ({ home, tenantCode, log: request.log, signal: request.signal });
      const buildah = (command: BuildahCommand, args: string[], options: RunOptions) =>
        this.buildah(build, command, [...storage, ...args], options);

      for (const image of images) {
        await withRegistryStep(
          build,
          request.credentials ?? this.options.credentials,
          'pull',
          parseImageReference(image).registry,
          (home, auth) => buildah({ kind: 'pull', image }, ['pull', ...auth, `docker://${image}`], step(home, false)),
        );
      }
      const labels = Object.entries(request.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
      await buildah(
        { kind: 'bud', contextFiles: ['Dockerfile', laid.packageFileName] },
        [
          'bud',
          '--isolation',
          'chroot',
          '--pull=never',
          '--layers=false',
          // The image's history would hold every RUN, ENV and ARG line as written, secrets
          // included: a Dockerfile image goes without one (docs/package-jobs.md).
          '--omit-history',
          '-f',
          laid.dockerfilePath,
          '-t',
          request.target,
          ...labels,
          context,
        ],
        step(sealed, true),
      );

      await request.onPush();
      const host = request.target.split('/')[0];
      const digest = await withRegistryStep(
        build,
        request.credentials ?? this.options.credentials,
        'push',
        host,
        async (home, auth) => {
          const digestFile = join(home, 'digest');
          await buildah(
            { kind: 'push', image: request.target },
            ['push', ...auth, '--digestfile', digestFile, request.target, `docker://${request.target}`],
            step(home, false),
          );
          return (await readFile(digestFile, 'utf8')).trim();
        },
      );
      return { digest };
    } finally {
      await build.dispose();
    }
  }

  /**
   * Runs one buildah command of the build; when it fails, reads its output for why (the lines go
   * to the build log as they come) and throws that outcome. A cancelled build throws as it was.
   */
  private async buildah(build: SandboxedBuild, command: BuildahCommand, args: string[], options: RunOptions): Promise<void> {
    const output = new BuildahOutput();
    try {
      await build.buildah(args, {
        ...options,
        log: (line) => {
          output.record(line);
          options.log(line);
        },
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new BuildFailureError(classifyBuildahFailure(command, output, { hide: [build.dir] }));
    }
  }

  /** The images to pull, fully qualified; a Dockerfile or reference that cannot be pulled from fails the build as the user's. */
  private imagesOf(dockerfile: string): string[] {
    try {
      return dockerfileImages(dockerfile).map((image) => formatImageReference(parseImageReference(image)));
    } catch (error) {
      if (error instanceof DockerfileImagesError)
        throw new BuildFailureError({ status: 'FAILED', reason: 'DOCKERFILE_INVALID', message: error.message });
      if (error instanceof ImageReferenceError) throw new AssemblyError('REFERENCE_INVALID', error.message);
      throw error;
    }
  }
}
