import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import { JobsSubjects, type PackageJobDto } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import type { PackageJobs } from '../domain/package-jobs';

@Injectable()
export class NatsPackageJobs implements PackageJobs {
  constructor(private readonly client: NatsRpcClient) {}

  forBuild(caller: Caller, jobId: string): Promise<PackageJobDto> {
    return this.client.send(JobsSubjects.getJobForBuild, { id: jobId }, caller.meta);
  }

  forAutoRebase(accountId: string, jobId: string): Promise<PackageJobDto> {
    return this.client.send(JobsSubjects.getJobForAutoRebase, { accountId, jobId });
  }
}
