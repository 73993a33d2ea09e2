import { Injectable } from '@nestjs/common';
import { Actions, type Caller } from '@stagecraft/authz';
import type { BaseImageImpactDto } from '@stagecraft/contracts';

import { BaseImageWatchStore } from './infra/base-image-watch.store';

/**
 * The dry run of a base image change: the jobs the watcher would look at for that base reference
 * (their latest succeeded build used it, none of their builds is unfinished), in the enterprise
 * projects where the caller may both list and read builds. Whether each would be rebased, rebuilt
 * or left alone also needs the job's autoRebase, which the gateway reads from jobs.
 */
@Injectable()
export class BaseImageImpactService {
  constructor(private readonly store: BaseImageWatchStore) {}

  async of(caller: Caller, baseImage: string): Promise<BaseImageImpactDto[]> {
    const builds = await this.store.latestBased(caller.accountId, baseImage);
    return builds
      .filter(
        (build) =>
          caller.can(Actions.assembling.list, build.enterpriseProjectId) &&
          caller.can(Actions.assembling.get, build.enterpriseProjectId),
      )
      .sort((a, b) => a.spec.jobName.localeCompare(b.spec.jobName) || a.jobId.localeCompare(b.jobId))
      .map((build) => ({
        jobId: build.jobId,
        jobName: build.spec.jobName,
        enterpriseProjectId: build.enterpriseProjectId,
        buildId: build.id,
        recordedDigest: build.baseImageDigest!,
        buildType: build.spec.buildSpec.type,
      }));
  }
}
