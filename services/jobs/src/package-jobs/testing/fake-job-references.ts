import type { Caller } from '@stagecraft/authz';
import {
  type LabelDto,
  PackageJobError,
  PackageJobErrorReason,
  type SoftwarePackageDto,
  type TechStack,
} from '@stagecraft/contracts';

import { JobReferences } from '../domain/job-references';

interface FakeCluster {
  enterpriseProjectId: string;
  /** The labels of its ready nodes with an EIP. */
  nodeLabels: LabelDto[][];
}

/** Packages and clusters as artifacts and clusters would answer them, held in maps. */
export class FakeJobReferences extends JobReferences {
  readonly packages = new Map<string, Pick<SoftwarePackageDto, 'id' | 'enterpriseProjectId' | 'status' | 'techStack'>>();
  readonly clusters = new Map<string, FakeCluster>();
  /** Every question asked, in order, to show which were asked again. */
  readonly asked: string[] = [];

  addPackage(id: string, enterpriseProjectId: string, techStack: TechStack, status: SoftwarePackageDto['status'] = 'READY') {
    this.packages.set(id, { id, enterpriseProjectId, status, techStack });
  }

  addCluster(id: string, enterpriseProjectId: string, nodeLabels: LabelDto[][] = [[]]) {
    this.clusters.set(id, { enterpriseProjectId, nodeLabels });
  }

  async readyPackage(_caller: Caller, packageId: string, enterpriseProjectId: string): Promise<SoftwarePackageDto> {
    this.asked.push(`package ${packageId}`);
    const pkg = this.packages.get(packageId);
    if (!pkg)
      throw new PackageJobError(
        PackageJobErrorReason.UNKNOWN_PACKAGE,
        'packageId names no software package you can see',
        'packageId',
      );
    if (pkg.enterpriseProjectId !== enterpriseProjectId)
      throw new PackageJobError(
        PackageJobErrorReason.OUTSIDE_PROJECT,
        "the package must belong to the job's enterprise project",
        'packageId',
      );
    if (pkg.status !== 'READY')
      throw new PackageJobError(PackageJobErrorReason.PACKAGE_NOT_READY, `the package is ${pkg.status}`, 'packageId');
    return pkg as SoftwarePackageDto;
  }

  async buildableCluster(_caller: Caller, clusterId: string, enterpriseProjectId: string, labels: LabelDto[]): Promise<void> {
    this.asked.push(`cluster ${clusterId}`);
    const cluster = this.clusters.get(clusterId);
    if (!cluster)
      throw new PackageJobError(PackageJobErrorReason.UNKNOWN_CLUSTER, 'clusterId names no cluster you can see', 'clusterId');
    if (cluster.enterpriseProjectId !== enterpriseProjectId)
      throw new PackageJobError(
        PackageJobErrorReason.OUTSIDE_PROJECT,
        "the cluster must belong to the job's enterprise project",
        'clusterId',
      );
    const carries = (node: LabelDto[]) =>
      labels.every((label) => node.some((l) => l.key === label.key && l.value === label.value));
    if (!cluster.nodeLabels.some(carries))
      throw new PackageJobError(
        PackageJobErrorReason.NO_ELIGIBLE_NODE,
        'nodeLabels select no node a build can run on',
        'nodeLabels',
      );
  }

  async stillThere(caller: Caller, packageId: string, clusterId: string, enterpriseProjectId: string): Promise<void> {
    this.asked.push('still there');
    await this.readyPackage(caller, packageId, enterpriseProjectId);
    if (!this.clusters.has(clusterId))
      throw new PackageJobError(PackageJobErrorReason.UNKNOWN_CLUSTER, 'clusterId names no cluster you can see', 'clusterId');
  }
}
