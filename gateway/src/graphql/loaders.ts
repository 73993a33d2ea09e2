import {
  ArtifactsSubjects,
  type BuildDto,
  BuildsSubjects,
  type ClusterDto,
  ClustersSubjects,
  type EnterpriseProjectDto,
  IamSubjects,
  JobsSubjects,
  type PackageJobDto,
  type SoftwarePackageDto,
  type UserDto,
} from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import DataLoader from 'dataloader';

import type { RequestContext } from '../auth/request-context';

/** Per-request batching: a page of 100 packages asks iam for their projects once. */
export interface Loaders {
  projects: DataLoader<string, EnterpriseProjectDto | null>;
  users: DataLoader<string, UserDto | null>;
  packages: DataLoader<string, SoftwarePackageDto>;
  clusters: DataLoader<string, ClusterDto>;
  jobs: DataLoader<string, PackageJobDto>;
  /** The newest build of each job, or null. */
  lastBuilds: DataLoader<string, BuildDto | null>;
}

export function createLoaders(client: NatsRpcClient, meta: RequestContext): Loaders {
  return {
    projects: new DataLoader(async (ids) => {
      const found = await client.send(IamSubjects.getEnterpriseProjects, { ids: [...ids] }, meta);
      return ids.map((id) => found.find((project) => project.id === id) ?? null);
    }),
    users: new DataLoader(async (ids) => {
      const found = await client.send(IamSubjects.getUsers, { ids: [...ids] }, meta);
      return ids.map((id) => found.find((user) => user.id === id) ?? null);
    }),
    // One request per id, all at once: a page of jobs mostly shares a few packages and clusters.
    packages: new DataLoader((ids) =>
      Promise.all(ids.map((id) => client.send(ArtifactsSubjects.getPackage, { id }, meta).catch((error: Error) => error))),
    ),
    clusters: new DataLoader((ids) =>
      Promise.all(ids.map((id) => client.send(ClustersSubjects.getCluster, { id }, meta).catch((error: Error) => error))),
    ),
    jobs: new DataLoader((ids) =>
      Promise.all(ids.map((id) => client.send(JobsSubjects.getJob, { id }, meta).catch((error: Error) => error))),
    ),
    lastBuilds: new DataLoader(async (jobIds) => {
      const builds = await client.send(BuildsSubjects.lastBuilds, { jobIds: [...jobIds] }, meta);
      return jobIds.map((jobId) => builds.find((build) => build.jobId === jobId) ?? null);
    }),
  };
}
