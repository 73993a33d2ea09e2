import { randomUUID } from 'node:crypto';

import type { BuildSpecSnapshotDto } from '@stagecraft/contracts';

import type { NewBuild } from '../src/builds/domain/build-records';

/** A build as BuildsService.start would queue it: what the test names, random ids for the rest. */
export function queuedBuild(
  fields: Pick<NewBuild, 'clusterId' | 'packageUrl' | 'packageSha256'> & Partial<Omit<NewBuild, 'spec'>>,
  spec: Partial<BuildSpecSnapshotDto> = {},
): NewBuild {
  return {
    id: randomUUID(),
    accountId: randomUUID(),
    enterpriseProjectId: randomUUID(),
    jobId: randomUUID(),
    triggeredBy: randomUUID(),
    ...fields,
    spec: {
      jobName: 'job',
      packageId: randomUUID(),
      techStack: 'JAVA',
      buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre', dockerfile: null },
      imageClass: 'PRIVATE',
      archiveImage: '127.0.0.1:5000/app:1',
      clusterId: fields.clusterId,
      nodeLabels: [],
      nodeName: 'local',
      ...spec,
    },
  };
}
