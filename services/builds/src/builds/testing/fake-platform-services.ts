import type { Caller } from '@stagecraft/authz';
import {
  type BuildTargetDto,
  type ClusterConnectionDto,
  type ClusterDto,
  type ClusterNodeDto,
  ErrorCode,
  type LabelDto,
  type PackageJobDto,
  ServiceError,
} from '@stagecraft/contracts';

import type { BuildTargets } from '../domain/build-targets';
import type { PackageDownloads, PackageGrant } from '../domain/package-downloads';
import type { PackageJobs } from '../domain/package-jobs';

/** The jobs service holding `jobs`. */
export class FakePackageJobs implements PackageJobs {
  readonly jobs = new Map<string, PackageJobDto>();

  async forBuild(_caller: Caller, jobId: string): Promise<PackageJobDto> {
    const job = this.jobs.get(jobId);
    if (!job) throw new ServiceError(ErrorCode.NOT_FOUND, 'package job not found');
    return structuredClone(job);
  }

  async forAutoRebase(accountId: string, jobId: string): Promise<PackageJobDto> {
    const job = this.jobs.get(jobId);
    if (!job || job.accountId !== accountId) throw new ServiceError(ErrorCode.NOT_FOUND, 'package job not found');
    return structuredClone(job);
  }
}

export function buildNode(name: string, labels: LabelDto[] = []): ClusterNodeDto {
  return { name, labels, ready: true, internalIP: '10.0.0.1', externalIP: '203.0.113.1' };
}

/** The clusters service knowing one cluster: LOCAL and AVAILABLE with one eligible node until a test changes `target`. */
export class FakeBuildTargets implements BuildTargets {
  readonly asked: { clusterId: string; labels: LabelDto[] }[] = [];
  target: BuildTargetDto;

  constructor(cluster: Pick<ClusterDto, 'id' | 'accountId' | 'enterpriseProjectId'>) {
    const node = buildNode('node-a');
    this.target = {
      cluster: {
        ...cluster,
        name: 'local',
        type: 'LOCAL',
        status: 'AVAILABLE',
        statusReason: null,
        server: null,
        buildNamespace: null,
        nodes: [node],
        createdAt: new Date(0).toISOString(),
      },
      nodes: { clusterId: cluster.id, enterpriseProjectId: cluster.enterpriseProjectId, matching: [node], eligible: [node] },
      connection: null,
    };
  }

  /** The cluster made a Kubernetes one, reachable through `connection` (null: clusters gave none). */
  onKubernetes(connection: ClusterConnectionDto | null): void {
    this.target.cluster = { ...this.target.cluster, type: 'KUBERNETES', buildNamespace: 'stagecraft-builds' };
    this.target.connection = connection;
  }

  async find(_caller: Caller, clusterId: string, labels: LabelDto[]): Promise<BuildTargetDto> {
    this.asked.push({ clusterId, labels });
    return structuredClone(this.target);
  }
}

/** The artifacts service: every package may be downloaded, with a grant naming it. */
export class FakePackageDownloads implements PackageDownloads {
  readonly granted: { packageId: string; ttlSeconds: number }[] = [];

  async grant(_caller: Caller, packageId: string, ttlSeconds: number): Promise<PackageGrant> {
    this.granted.push({ packageId, ttlSeconds });
    return { sha256: `sha256-of-${packageId}`, grant: `grant-for-${packageId}` };
  }
}
