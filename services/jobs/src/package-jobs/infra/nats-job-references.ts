import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import {
  ArtifactsSubjects,
  ClustersSubjects,
  ErrorCode,
  type LabelDto,
  ServiceError,
  type SoftwarePackageDto,
} from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

/**
 * What a job points at, checked with the caller's own rights: the package in artifacts, the
 * cluster and its nodes in clusters. Problems become BAD_USER_INPUT on the job's field.
 */
@Injectable()
export class JobReferences {
  constructor(private readonly client: NatsRpcClient) {}

  async readyPackage(caller: Caller, packageId: string, enterpriseProjectId: string): Promise<SoftwarePackageDto> {
    const pkg = await this.client
      .send(ArtifactsSubjects.getPackage, { id: packageId }, caller.meta)
      .catch(notFoundAs('packageId', 'packageId names no software package you can see'));
    if (pkg.enterpriseProjectId !== enterpriseProjectId) {
      throw ServiceError.badInput('packageId', "the package must belong to the job's enterprise project");
    }
    if (pkg.status !== 'READY' || !pkg.techStack) {
      throw ServiceError.badInput('packageId', `the package is ${pkg.status}: only READY packages can be built`);
    }
    return pkg;
  }

  /**
   * Asked again after a job that points at them is stored (docs/package-jobs.md#races): a package
   * or cluster whose deletion began meanwhile answers as a missing one, and the job is undone.
   */
  async stillThere(caller: Caller, packageId: string, clusterId: string, enterpriseProjectId: string): Promise<void> {
    await this.readyPackage(caller, packageId, enterpriseProjectId);
    await this.client
      .send(ClustersSubjects.getCluster, { id: clusterId }, caller.meta)
      .catch(notFoundAs('clusterId', 'clusterId names no cluster you can see'));
  }

  /**
   * The cluster is the job's project's, and at least one ready node with an EIP carries the labels:
   * one question to clusters (the selection names the cluster's project).
   */
  async buildableCluster(caller: Caller, clusterId: string, enterpriseProjectId: string, labels: LabelDto[]): Promise<void> {
    const selection = await this.client
      .send(ClustersSubjects.selectNodes, { clusterId, labels }, caller.meta)
      .catch(notFoundAs('clusterId', 'clusterId names no cluster you can see'));
    if (selection.enterpriseProjectId !== enterpriseProjectId) {
      throw ServiceError.badInput('clusterId', "the cluster must belong to the job's enterprise project");
    }
    if (selection.eligible.length > 0) return;
    if (labels.length > 0) {
      const why = selection.matching.length > 0 ? 'the matching nodes have no EIP' : 'no ready node carries them';
      throw ServiceError.badInput('nodeLabels', `nodeLabels select no node a build can run on: ${why}`);
    }
    throw ServiceError.badInput('clusterId', 'the cluster has no ready node with an EIP to build on');
  }
}

function notFoundAs(field: string, message: string) {
  return (error: unknown): never => {
    if (error instanceof ServiceError && error.code === ErrorCode.NOT_FOUND) throw ServiceError.badInput(field, message);
    throw error;
  };
}
