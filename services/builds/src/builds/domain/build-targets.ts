import type { Caller } from '@stagecraft/authz';
import type { BuildTargetDto, LabelDto } from '@stagecraft/contracts';

/** The clusters service as the builds use cases need it. */
export abstract class BuildTargets {
  /** The cluster, its nodes that may take a build carrying the labels, and its connection. */
  abstract find(caller: Caller, clusterId: string, labels: LabelDto[]): Promise<BuildTargetDto>;
}
