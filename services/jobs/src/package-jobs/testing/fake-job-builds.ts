import type { Caller } from '@stagecraft/authz';
import type { BuildDto, PackageJobDto, ServiceError } from '@stagecraft/contracts';

import { JobBuilds } from '../domain/job-builds';

/** Records the builds asked for; `refuseWith` makes the next start fail as the builds service would. */
export class FakeJobBuilds extends JobBuilds {
  readonly started: PackageJobDto[] = [];
  readonly deletedFor: string[] = [];
  refuseWith: ServiceError | null = null;

  async start(_caller: Caller, job: PackageJobDto): Promise<BuildDto> {
    if (this.refuseWith) throw this.refuseWith;
    this.started.push(job);
    return { id: `build-${this.started.length}`, jobId: job.id, status: 'QUEUED' } as BuildDto;
  }

  async deleteAll(_caller: Caller, jobId: string): Promise<void> {
    this.deletedFor.push(jobId);
  }
}
