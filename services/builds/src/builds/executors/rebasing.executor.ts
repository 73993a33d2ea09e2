import type { EgressPolicy } from '@stagecraft/config';
import {
  classifyBuildFailure,
  parseImageReference,
  type RebasedImage,
  RebaseError,
  rebaseImage,
  type RebaseImageRequest,
  RegistryClient,
} from '@stagecraft/oci';

import type { BuildEntity } from '../infra/build.entity';
import type { BuildExecutor, ExecutionHooks, ExecutionOutcome, ExecutionRun } from './build-executor';

/**
 * A BASE_IMAGE_CHANGED build of a SYSTEM_DEFAULT or IMAGE job is a rebase: the previous build's
 * image gets the new base's layers and config under its own app layers (same digests), pushed
 * as the job's tag. Everything else, and an image that cannot be rebased (NOT_REBASABLE), goes
 * to the wrapped executor as a full build. Runs in this process on either cluster type: only
 * manifests and a config are written, layers are mounted or copied registry to registry.
 */
export class RebasingExecutor implements BuildExecutor {
  constructor(
    private readonly inner: BuildExecutor,
    private readonly egress: EgressPolicy,
    private readonly rebase: (request: RebaseImageRequest) => Promise<RebasedImage> = rebaseImage,
  ) {}

  async execute(build: BuildEntity, hooks: ExecutionHooks, signal: AbortSignal, run?: ExecutionRun): Promise<ExecutionOutcome> {
    const change = build.baseChange;
    // A resumed build is followed where it runs (a rebase left no work behind to follow).
    if (build.trigger !== 'BASE_IMAGE_CHANGED' || !change || run?.resumed) return this.inner.execute(build, hooks, signal, run);
    if (build.spec.buildSpec.type === 'CUSTOM_DOCKERFILE') {
      hooks.log('A Dockerfile job is rebuilt in full on a new base image (its image names no base to swap).');
      return this.inner.execute(build, hooks, signal, run);
    }
    const target = parseImageReference(build.spec.archiveImage);
    const base = parseImageReference(change.baseImage);
    const credentials = run?.credentials ?? {};
    try {
      await hooks.phase('BUILD');
      hooks.log(`Rebasing ${target.repository}@${change.imageDigest} onto ${change.baseImage} (${change.newDigest}).`);
      const rebased = await this.rebase({
        target: new RegistryClient({
          registry: target.registry,
          credentials: credentials[target.registry],
          signal,
          fetch: this.egress.fetch,
        }),
        repository: target.repository,
        imageDigest: change.imageDigest,
        tag: target.tag ?? 'latest',
        base: new RegistryClient({
          registry: base.registry,
          credentials: credentials[base.registry],
          signal,
          fetch: this.egress.fetch,
        }),
        baseReference: base,
        log: (line) => hooks.log(line),
      });
      await hooks.phase('PUSH');
      hooks.log(
        `Rebased: ${rebased.reference}@${rebased.digest}; base ${rebased.previousBaseDigest} → ${rebased.baseDigest}, ` +
          `app layers unchanged (${rebased.appLayers.join(', ')}).`,
      );
      return { status: 'SUCCEEDED', imageDigest: rebased.digest, image: `${build.spec.archiveImage}@${rebased.digest}` };
    } catch (error) {
      if (signal.aborted) throw error;
      if (error instanceof RebaseError && error.code === 'NOT_REBASABLE') {
        hooks.log(`The image cannot be rebased (${error.message}): building it in full instead.`);
        return this.inner.execute(build, hooks, signal, run);
      }
      if (error instanceof RebaseError) return { status: 'FAILED', reason: 'BASE_IMAGE_INVALID', message: error.message };
      return classifyBuildFailure(error);
    }
  }

  resumable(build: BuildEntity): boolean {
    return this.inner.resumable?.(build) ?? false;
  }

  async release(build: BuildEntity): Promise<void> {
    await this.inner.release?.(build);
  }
}
