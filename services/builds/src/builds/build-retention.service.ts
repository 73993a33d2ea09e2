import { Injectable } from '@nestjs/common';
import { Actions, type Caller, EnterpriseProjectScope } from '@stagecraft/authz';
import {
  BuildError,
  BuildErrorReason,
  type BuildRetentionDto,
  type BuildRetentionSettingsDto,
  type PackageJobDto,
} from '@stagecraft/contracts';

import { JobDeletedError } from './domain/build-records';
import { PackageJobs } from './domain/package-jobs';
import { BuildRetentionStore } from './infra/build-retention.store';

const jobNotFound = () => new BuildError(BuildErrorReason.JOB_NOT_FOUND, 'package job not found');

/**
 * Reading and setting how much build history a job or a project keeps. Reading needs
 * `assembling:get` where it applies, setting `assembling:modify`; a job the caller cannot see
 * answers as a missing one, a project they hold no right in as one that does not exist (FORBIDDEN).
 */
@Injectable()
export class BuildRetentionService {
  constructor(
    private readonly store: BuildRetentionStore,
    private readonly jobs: PackageJobs,
    private readonly projects: EnterpriseProjectScope,
  ) {}

  async ofJob(caller: Caller, jobId: string): Promise<BuildRetentionDto> {
    const job = await this.visibleJob(caller, jobId);
    return this.store.effective(job.enterpriseProjectId, job.id);
  }

  async setForJob(caller: Caller, jobId: string, settings: BuildRetentionSettingsDto | null): Promise<BuildRetentionDto> {
    const job = await this.visibleJob(caller, jobId);
    if (!caller.can(Actions.assembling.modify, job.enterpriseProjectId))
      throw new BuildError(
        BuildErrorReason.ACTION_DENIED,
        `${Actions.assembling.modify} is not allowed in this enterprise project`,
      );
    try {
      const scope = { accountId: caller.accountId, enterpriseProjectId: job.enterpriseProjectId, jobId: job.id };
      return await this.store.set(scope, settings, caller.userId);
    } catch (error) {
      if (error instanceof JobDeletedError) throw jobNotFound();
      throw error;
    }
  }

  async ofProject(caller: Caller, enterpriseProjectId: string): Promise<BuildRetentionDto> {
    await this.projects.forCreate(caller, enterpriseProjectId, Actions.assembling.get);
    return this.store.effective(enterpriseProjectId);
  }

  async setForProject(
    caller: Caller,
    enterpriseProjectId: string,
    settings: BuildRetentionSettingsDto | null,
  ): Promise<BuildRetentionDto> {
    await this.projects.forCreate(caller, enterpriseProjectId, Actions.assembling.modify);
    return this.store.set({ accountId: caller.accountId, enterpriseProjectId }, settings, caller.userId);
  }

  /** jobs answers NOT_FOUND for another account's job and one of a project the caller holds no right in. */
  private visibleJob(caller: Caller, jobId: string): Promise<PackageJobDto> {
    return this.jobs.forBuild(caller, jobId);
  }
}
