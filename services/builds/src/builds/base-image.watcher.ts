import { randomUUID } from 'node:crypto';

import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EgressPolicy } from '@stagecraft/config';
import { ServiceError } from '@stagecraft/contracts';
import { parseImageReference, RegistryClient } from '@stagecraft/oci';

import { CoalescedTask } from '../coalesced-task';
import { BuildsConfig } from '../config';
import { BuildQueue } from './domain/build-queue';
import { JobDeletedError } from './domain/build-records';
import { PackageJobs } from './domain/package-jobs';
import { registryBackoffMs } from './domain/registry-backoff';
import { BaseImageWatchStore } from './infra/base-image-watch.store';
import type { BuildEntity } from './infra/build.entity';
import { BuildRepository } from './infra/build.repository';
import { BuildLogStore } from './infra/build-log.store';
import { RebuildGrantsClient } from './infra/rebuild-grants.client';
import { RegistryCredentialsClient } from './infra/registry-credentials.client';

export interface WatchPass {
  /** False when another replica held the watcher's lock: this one did nothing. */
  ran: boolean;
  /** Base references whose registry answered. */
  checked: number;
  /** Base references not asked this pass: waiting out their backoff. */
  postponed: number;
  /** Base references whose registry failed (their backoff grew). */
  failed: number;
  /** Jobs whose last succeeded build used a base that has moved since. */
  changed: number;
  /** BASE_IMAGE_CHANGED builds queued. */
  queued: string[];
}

/**
 * Watches the base images the jobs' latest succeeded builds were built on (docs/package-jobs.md#base-image-changes):
 * each pass resolves every base reference once with a HEAD through the egress policy, and for a
 * job whose recorded base digest differs and that has autoRebase, queues one BASE_IMAGE_CHANGED
 * build (a rebase, or a rebuild for a Dockerfile job: RebasingExecutor). One replica at a time.
 */
@Injectable()
export class BaseImageWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('BaseImageWatcher');
  private timer?: NodeJS.Timeout;
  private readonly polls = new CoalescedTask(
    () => this.poll(new Date()),
    (error) => this.logger.warn(`watching base images failed: ${error.message}`),
  );

  constructor(
    private readonly store: BaseImageWatchStore,
    private readonly builds: BuildRepository,
    private readonly logs: BuildLogStore,
    private readonly queue: BuildQueue,
    private readonly jobs: PackageJobs,
    private readonly grants: RebuildGrantsClient,
    private readonly credentials: RegistryCredentialsClient,
    private readonly egress: EgressPolicy,
    private readonly config: BuildsConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.BASE_IMAGE_POLL_SECONDS === 0) return;
    this.timer = setInterval(() => this.polls.wake(), this.config.BASE_IMAGE_POLL_SECONDS * 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.polls.stop();
  }

  /** One pass as of `now`. */
  async poll(now: Date): Promise<WatchPass> {
    const pass: WatchPass = { ran: false, checked: 0, postponed: 0, failed: 0, changed: 0, queued: [] };
    pass.ran = await this.store.exclusively(async () => {
      const byBase = new Map<string, BuildEntity[]>();
      for (const build of await this.store.latestBased()) {
        const group = byBase.get(build.baseImage!) ?? [];
        group.push(build);
        byBase.set(build.baseImage!, group);
      }
      const checks = await this.store.checks([...byBase.keys()]);
      for (const [baseImage, builds] of byBase) {
        const check = checks.get(baseImage);
        if (check && check.nextCheckAt.getTime() > now.getTime()) {
          pass.postponed += 1;
          continue;
        }
        let digest: string;
        try {
          digest = await this.currentDigest(baseImage);
          if (check) await this.store.recordSuccess(baseImage);
        } catch (error) {
          const failures = (check?.failures ?? 0) + 1;
          const message = (error as Error).message;
          await this.store.recordFailure(baseImage, failures, new Date(now.getTime() + registryBackoffMs(failures)), message);
          this.logger.warn(`base image ${baseImage} could not be resolved (${failures} failures in a row): ${message}`);
          pass.failed += 1;
          continue;
        }
        pass.checked += 1;
        for (const build of builds) {
          if (build.baseImageDigest === digest) continue;
          pass.changed += 1;
          const queued = await this.queueFor(build, digest);
          if (queued) pass.queued.push(queued);
        }
      }
    });
    return pass;
  }

  private async currentDigest(baseImage: string): Promise<string> {
    const reference = parseImageReference(baseImage);
    const client = new RegistryClient({
      registry: reference.registry,
      credentials: this.credentials.forWatch(reference.registry),
      fetch: this.egress.fetch,
    });
    const head = await client.headManifest(reference.repository, reference.digest ?? reference.tag ?? 'latest');
    if (!head) throw new Error(`${baseImage} is not in its registry`);
    return head.digest;
  }

  /**
   * Queues one BASE_IMAGE_CHANGED build of the job, repeating its last succeeded build (the same
   * snapshot and package bytes) on the new base; the build's id, or null when the job is not
   * opted in, gone, or already has a build for this digest.
   */
  private async queueFor(previous: BuildEntity, newDigest: string): Promise<string | null> {
    if (await this.store.hasBuildFor(previous.jobId, newDigest)) return null;
    const baseImage = previous.baseImage!;
    try {
      const job = await this.jobs.forAutoRebase(previous.accountId, previous.jobId);
      if (!job.autoRebase) return null;
      const grant = await this.grants.grant(
        previous.accountId,
        previous.spec.packageId,
        previous.packageSha256,
        this.config.BUILD_QUEUE_TIMEOUT_SECONDS + this.config.BUILD_DEADLINE_SECONDS + 600,
      );
      const created = await this.builds.create({
        id: randomUUID(),
        accountId: previous.accountId,
        enterpriseProjectId: previous.enterpriseProjectId,
        jobId: previous.jobId,
        clusterId: previous.clusterId,
        spec: previous.spec,
        // The build it repeats was this user's; the platform starts it on their behalf.
        triggeredBy: previous.triggeredBy,
        trigger: 'BASE_IMAGE_CHANGED',
        baseChange: {
          baseImage,
          previousDigest: previous.baseImageDigest!,
          newDigest,
          imageDigest: previous.imageDigest!,
          previousBuildId: previous.id,
        },
        packageGrant: grant,
        packageSha256: previous.packageSha256,
      });
      await this.logs.append(
        created.id,
        `Started by the platform: the base image ${baseImage} changed (${previous.baseImageDigest} → ${newDigest}) ` +
          `since build #${previous.number}, and the job has autoRebase.\n`,
      );
      this.queue.wake();
      this.logger.log(`queued build ${created.id} of job ${previous.jobId}: ${baseImage} is now ${newDigest}`);
      return created.id;
    } catch (error) {
      if (error instanceof JobDeletedError || isUniqueViolation(error)) return null;
      if (error instanceof ServiceError && error.reason === 'JOB_NOT_FOUND') return null;
      this.logger.warn(`no BASE_IMAGE_CHANGED build for job ${previous.jobId} this pass: ${(error as Error).message}`);
      return null;
    }
  }
}

/** The one-build-per-base-change index decided a race with another pass. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { driverError?: { code?: string } })?.driverError?.code === '23505';
}
