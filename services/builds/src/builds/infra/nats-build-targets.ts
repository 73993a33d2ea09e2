import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import { type BuildTargetDto, ClustersSubjects, type LabelDto } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import type { BuildTargets } from '../domain/build-targets';

@Injectable()
export class NatsBuildTargets implements BuildTargets {
  constructor(private readonly client: NatsRpcClient) {}

  find(caller: Caller, clusterId: string, labels: LabelDto[]): Promise<BuildTargetDto> {
    return this.client.send(ClustersSubjects.buildTarget, { clusterId, labels }, caller.meta);
  }
}
