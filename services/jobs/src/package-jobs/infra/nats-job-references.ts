import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import {
  ArtifactsSubjects,
  buildableProblem,
  ClustersSubjects,
  type LabelDto,
  PackageJobError,
  PackageJobErrorReason,
  type SoftwarePackageDto,
} from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { JobReferences, unknownCluster, unknownPackage } from '../domain/job-references';

/** JobReferences asked over NATS, with the caller's own rights. */
@Injectable()
export class NatsJobReferences extends JobReferences {
  constructor(private readonly client: NatsRpcClient) {
    super();
  }

  async readyPackage(caller: Caller, packageId: string, enterpriseProjectId: string): Promise<SoftwarePackageDto> {
    const pkg = await this.client.send(ArtifactsSubjects.getPackage, { id: packageId }, caller.meta).catch(unknownPackage);
    if (pkg.enterpriseProjectId !== enterpriseProjectId) {
      throw new PackageJobError(
        PackageJobErrorReason.OUTSIDE_PROJECT,
        "the package must belong to the job's enterprise project",
        'packageId',
      );
    }
    const problem = buildableProblem(pkg);
    if (problem) throw new PackageJobError(PackageJobErrorReason.PACKAGE_NOT_READY, problem, 'packageId');
    return pkg;
  }

  async stillThere(caller: Caller, packageId: string, clusterId: string, enterpriseProjectId: string): Promise<void> {
    await this.readyPackage(caller, packageId, enterpriseProjectId);
    await this.client.send(ClustersSubjects.getCluster, { id: clusterId }, caller.meta).catch(unknownCluster);
  }

  /** One question to clusters: the node selection names the cluster's project. */
  async buildableCluster(caller: Caller, clusterId: string, enterpriseProjectId: string, labels: LabelDto[]): Promise<void> {
    const selection = await this.client
      .send(ClustersSubjects.selectNodes, { clusterId, labels }, caller.meta)
      .catch(unknownCluster);
    if (selection.enterpriseProjectId !== enterpriseProjectId) {
      throw new PackageJobError(
        PackageJobErrorReason.OUTSIDE_PROJECT,
        "the cluster must belong to the job's enterprise project",
        'clusterId',
      );
    }
    if (selection.eligible.length > 0) return;
    if (labels.length > 0) {
      const why = selection.matching.length > 0 ? 'the matching nodes have no EIP' : 'no ready node carries them';
      throw new PackageJobError(
        PackageJobErrorReason.NO_ELIGIBLE_NODE,
        `nodeLabels select no node a build can run on: ${why}`,
        'nodeLabels',
      );
    }
    throw new PackageJobError(
      PackageJobErrorReason.NO_ELIGIBLE_NODE,
      'the cluster has no ready node with an EIP to build on',
      'clusterId',
    );
  }
}
