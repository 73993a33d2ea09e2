import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import { type BuildDto, BuildsSubjects, type PackageJobDto } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { JobBuilds } from '../domain/job-builds';

@Injectable()
export class NatsJobBuilds extends JobBuilds {
  constructor(private readonly client: NatsRpcClient) {
    super();
  }

  start(caller: Caller, job: PackageJobDto): Promise<BuildDto> {
    return this.client.send(BuildsSubjects.startBuildForJob, { job }, caller.meta);
  }

  async deleteAll(caller: Caller, jobId: string): Promise<void> {
    await this.client.send(BuildsSubjects.deleteJobBuilds, { jobId }, caller.meta);
  }
}
