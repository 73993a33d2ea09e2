import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import { JobsSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { PackageUsage } from '../domain/package-usage';

/** PackageUsage asked of the jobs service over NATS. */
@Injectable()
export class NatsPackageUsage extends PackageUsage {
  constructor(private readonly client: NatsRpcClient) {
    super();
  }

  async jobCount(caller: Caller, pkg: { id: string; enterpriseProjectId: string }): Promise<number> {
    const { jobCount } = await this.client.send(
      JobsSubjects.usage,
      { packageId: pkg.id, enterpriseProjectId: pkg.enterpriseProjectId },
      caller.meta,
    );
    return jobCount;
  }
}
