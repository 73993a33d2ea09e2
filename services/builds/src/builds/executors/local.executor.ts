import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { UnpackLimits } from '@stagecraft/archive';
import type { EgressPolicy } from '@stagecraft/config';
import {
  classifyBuildFailure,
  type DependencyLayerRequest,
  downloadPackage,
  ImageAssembler,
  isPushProgressLine,
  mayInstallDependencies,
  parseImageReference,
  planPackageDependencies,
  RegistryClient,
  type RegistryCredentials,
} from '@stagecraft/oci';

import type { BuildEntity } from '../infra/build.entity';
import {
  type BuildExecutor,
  type ExecutionHooks,
  type ExecutionOutcome,
  type ExecutionRun,
  packageUrlOf,
} from './build-executor';
import { baseImageOf, imageLabels } from './build-images';
import type { SandboxMode } from './build-sandbox';
import { localBuildFolderPrefix } from './build-workdirs';
import { BuildahBuilder } from './buildah.builder';
import type { LocalDependencies } from './dependencies/local-dependencies';

export interface LocalExecutorOptions {
  /** Registry host → credentials, for pulling base images and pushing results. */
  credentials: Record<string, RegistryCredentials>;
  platform: { os: string; architecture: string; variant?: string };
  buildah: BuildahBuilder;
  /** Where package downloads and registry requests may connect (docs/security.md#egress). */
  egress: EgressPolicy;
  /** What a package may unpack to (ARCHIVE_* in BuildsConfig); the shared defaults otherwise. */
  limits?: Partial<UnpackLimits>;
  /**
   * Installs NODEJS and PYTHON packages' dependencies into a layer of their own (cached by key).
   * Without it, a package that needs an install ends FAILED with DEPENDENCY_INSTALL_FAILED.
   */
  dependencies?: LocalDependencies;
}

/**
 * Builds on this machine (a LOCAL cluster): SYSTEM_DEFAULT and IMAGE with the daemonless
 * assembler (the package becomes a layer on the base image through the registry API);
 * CUSTOM_DOCKERFILE with buildah, when buildah works here and its steps can be sealed off from the
 * platform (BuildahBuilder), else FAILED with BUILDER_UNAVAILABLE or SANDBOX_UNAVAILABLE. The
 * download folder stays this process's own (0700); the build user only gets the build context.
 * A NODEJS or PYTHON package's dependencies are installed first (LocalDependencies) and go into
 * a layer of their own between the base image's and the package's.
 */
export class LocalExecutor implements BuildExecutor {
  constructor(private readonly options: LocalExecutorOptions) {}

  async execute(build: BuildEntity, hooks: ExecutionHooks, signal: AbortSignal, run?: ExecutionRun): Promise<ExecutionOutcome> {
    const spec = build.spec;
    const credentials = run?.credentials ?? this.options.credentials;
    const workdir = await mkdtemp(join(tmpdir(), localBuildFolderPrefix(build.id)));
    try {
      // RUNNING begins in INIT (the runner sets it); the phases that follow are the executor's.
      hooks.log(
        `Build #${build.number} of job ${spec.jobName}: ${spec.buildSpec.type} for a ${spec.techStack} package, on ${build.node ?? 'this machine'}`,
      );
      let sandbox: SandboxMode | undefined;
      if (spec.buildSpec.type === 'CUSTOM_DOCKERFILE') {
        const ready = await this.options.buildah.readiness();
        if (!ready.ok) return { status: 'FAILED', reason: ready.reason, message: ready.message };
        sandbox = ready.mode;
        hooks.log(
          sandbox.sealed
            ? `Dockerfile steps run as ${sandbox.user.name} (uid ${sandbox.user.uid}), without network`
            : `WARNING: Dockerfile steps run UNSEALED, with the builds service's rights and network (LOCAL_DOCKERFILE_UNSEALED): ${sandbox.problem}`,
        );
      }

      await hooks.phase('DOWNLOAD');
      const packageFile = join(workdir, 'package');
      const size = await downloadPackage(
        packageUrlOf(build),
        packageFile,
        build.packageSha256,
        signal,
        this.options.egress.fetch,
      );
      hooks.log(`Downloaded the package: ${size} bytes, sha256 ${build.packageSha256} verified`);

      await hooks.phase('PREPROCESS');
      const labels = imageLabels(build);
      hooks.log(`Target image ${spec.archiveImage} (${spec.imageClass.toLowerCase()})`);

      const baseImage = baseImageOf(build);
      const clientFor = (registry: string, requestSignal?: AbortSignal) =>
        new RegistryClient({
          registry,
          credentials: credentials[registry],
          platform: this.options.platform,
          signal: requestSignal,
          fetch: this.options.egress.fetch,
        });
      const plan =
        !sandbox && baseImage && mayInstallDependencies(spec.techStack)
          ? await planPackageDependencies(packageFile, spec.techStack, { limits: this.options.limits, tmpDir: workdir })
          : null;
      if (plan?.note) hooks.log(plan.note);

      await hooks.phase('BUILD');
      let dependencies: DependencyLayerRequest | undefined;
      if (plan?.install) {
        if (!this.options.dependencies)
          return {
            status: 'FAILED',
            reason: 'DEPENDENCY_INSTALL_FAILED',
            message: 'this builds service has no dependency installer configured',
          };
        const prepared = await this.options.dependencies.prepare({
          install: plan.install,
          baseImage: baseImage!,
          baseClient: clientFor(parseImageReference(baseImage!).registry, signal),
          targetRegistry: parseImageReference(spec.archiveImage).registry,
          layerOptions: {},
          log: hooks.log,
          signal,
          credentials,
        });
        if (!prepared.ok) return prepared.outcome;
        dependencies = prepared.request;
      }
      if (sandbox) {
        const pushed = await this.options.buildah.build(
          {
            dockerfile: spec.buildSpec.dockerfile!,
            techStack: spec.techStack,
            packageFile,
            target: spec.archiveImage,
            labels,
            log: hooks.log,
            signal,
            onPush: () => hooks.phase('PUSH'),
            credentials,
          },
          sandbox,
        );
        return { status: 'SUCCEEDED', imageDigest: pushed.digest, image: `${spec.archiveImage}@${pushed.digest}` };
      }
      // Entered from a progress line (not awaited there), and awaited before the next phase so that
      // the phases are stored in the order they happened.
      let pushing: Promise<void> | undefined;
      const assembler = new ImageAssembler({
        limits: this.options.limits,
        clientFactory: ({ registry, signal: requestSignal }) => clientFor(registry, requestSignal),
      });
      const image = await assembler.assemble({
        baseImage: baseImage!,
        dependencies,
        targetImage: spec.archiveImage,
        packageFile,
        packageName: spec.jobName,
        techStack: spec.techStack,
        labels,
        signal,
        onProgress: (line) => {
          // The assembler's lines say when it starts uploading what it built.
          if (!pushing && isPushProgressLine(line)) {
            pushing = hooks.phase('PUSH');
            // Handled where it is awaited; this only keeps a failure meanwhile from being "unhandled".
            pushing.catch(() => undefined);
          }
          hooks.log(line);
        },
      });
      await pushing;
      await hooks.phase('POSTPROCESS');
      if (dependencies) {
        const target = parseImageReference(spec.archiveImage);
        await this.options.dependencies!.pushed(dependencies, target.registry, target.repository);
      }
      hooks.log(`Pushed ${image.reference}@${image.digest}`);
      return { status: 'SUCCEEDED', imageDigest: image.digest, image: `${spec.archiveImage}@${image.digest}` };
    } catch (error) {
      if (signal.aborted) throw error;
      return classifyBuildFailure(error);
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  }
}
