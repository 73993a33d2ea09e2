import { buildAbility, Caller, compilePolicies, EnterpriseProjectScope, type PolicyStatement } from '@stagecraft/authz';
import {
  ClusterError,
  ClusterErrorReason,
  ErrorCode,
  IamSubjects,
  PackageError,
  PackageErrorReason,
  type PackageJobInput,
  ServiceError,
} from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';

import { BaseImageCatalog, OFFICIAL_BASE_IMAGES } from './domain/base-image-catalog';
import { PackageJobsService } from './package-jobs.service';
import { FakeJobBuilds } from './testing/fake-job-builds';
import { FakeJobReferences } from './testing/fake-job-references';
import { InMemoryPackageJobs } from './testing/in-memory-package-jobs';

const PROJECT = 'ep-shop';
const OTHER_PROJECT = 'ep-other';
const ACCOUNT = 'account-1';

function caller(statements: PolicyStatement[], projects: string[] | null = [PROJECT]): Caller {
  const grants = [{ policy: { id: 'p', name: 'p', statements }, enterpriseProjectIds: projects }];
  return new Caller('user-1', ACCOUNT, false, buildAbility(compilePolicies(grants, false)), {});
}

const developer = caller([{ effect: 'ALLOW', actions: ['servicestage:*:*'] }]);

/** iam as the scope asks it: every project named exists. */
const iam = {
  send: async (subject: string, request: { ids: string[] }) => {
    if (subject !== IamSubjects.getEnterpriseProjects) throw new Error(`not expected here: ${subject}`);
    return request.ids.map((id) => ({ id }));
  },
} as unknown as NatsRpcClient;

function rejection(promise: Promise<unknown>): Promise<ServiceError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => {
      if (!(error instanceof ServiceError)) throw error;
      return error;
    },
  );
}

describe('PackageJobsService', () => {
  let repository: InMemoryPackageJobs;
  let references: FakeJobReferences;
  let builds: FakeJobBuilds;
  let service: PackageJobsService;

  const input: PackageJobInput = {
    name: 'orders',
    enterpriseProjectId: PROJECT,
    description: 'the orders service',
    packageId: 'pkg-jar',
    buildType: 'SYSTEM_DEFAULT',
    baseImage: 'eclipse-temurin',
    baseImageTag: '17-jre',
    imageClass: 'PRIVATE',
    archiveImage: 'registry.example.com/shop/orders:1.0.0',
    clusterId: 'cluster-1',
    nodeLabels: [],
  } as PackageJobInput;

  beforeEach(() => {
    repository = new InMemoryPackageJobs();
    references = new FakeJobReferences();
    references.addPackage('pkg-jar', PROJECT, 'JAVA');
    references.addPackage('pkg-node', PROJECT, 'NODEJS');
    references.addPackage('pkg-uploading', PROJECT, 'JAVA', 'PENDING_UPLOAD');
    references.addCluster('cluster-1', PROJECT, [[{ key: 'pool', value: 'build' }], []]);
    builds = new FakeJobBuilds();
    service = new PackageJobsService(
      repository,
      references,
      new EnterpriseProjectScope(iam),
      new BaseImageCatalog(OFFICIAL_BASE_IMAGES),
      builds,
    );
  });

  async function stored() {
    return (await service.create(developer, input, false)).job;
  }

  describe('autoRebase', () => {
    it('is false unless asked for, and a patch turns it on and off', async () => {
      const job = await stored();
      expect(job.autoRebase).toBe(false);
      expect((await service.create(developer, { ...input, name: 'opted', autoRebase: true }, false)).job.autoRebase).toBe(true);
      expect((await service.update(developer, job.id, { autoRebase: true })).autoRebase).toBe(true);
      // Absent (or null) leaves it as it is.
      expect((await service.update(developer, job.id, { description: 'x' })).autoRebase).toBe(true);
      expect((await service.update(developer, job.id, { autoRebase: false })).autoRebase).toBe(false);
      expect(repository.rows.get(job.id)).toMatchObject({ autoRebase: false, version: 4 });
    });

    it('refuses a value that is not a boolean, naming the field, and stores nothing', async () => {
      const created = await rejection(service.create(developer, { ...input, autoRebase: 'yes' as unknown as boolean }, false));
      expect(created).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, reason: 'INVALID_FIELD', field: 'autoRebase' });
      expect(repository.rows.size).toBe(0);
      const job = await stored();
      const updated = await rejection(service.update(developer, job.id, { autoRebase: 1 as unknown as boolean }));
      expect(updated).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, reason: 'INVALID_FIELD', field: 'autoRebase' });
      expect(repository.rows.get(job.id)).toMatchObject({ autoRebase: false, version: 1 });
    });

    it('answers the builds service’s watcher by account, and no other account’s job', async () => {
      const job = await stored();
      expect(await service.getForAutoRebase(job.accountId, job.id)).toMatchObject({ id: job.id, autoRebase: false });
      expect(await rejection(service.getForAutoRebase('00000000-0000-4000-8000-0000000000ff', job.id))).toMatchObject({
        reason: 'JOB_NOT_FOUND',
      });
    });
  });

  describe('list', () => {
    it('sends the keys of each job asked for, and every key when none are named', async () => {
      const job = await stored();
      const full = await service.list(developer, { first: 20 });
      expect(full.edges).toEqual([{ cursor: expect.any(String), node: job }]);
      const picked = await service.list(developer, { first: 20, fields: ['id', 'name', 'createdAt', 'version'] });
      expect(picked.edges).toEqual([
        { cursor: full.edges[0].cursor, node: { id: job.id, name: 'orders', createdAt: job.createdAt, version: 1 } },
      ]);
      expect((await service.list(developer, { first: 20, fields: [] })).edges).toEqual([
        { cursor: full.edges[0].cursor, node: {} },
      ]);
    });
  });

  describe('update', () => {
    it('applies the patch and moves the version on', async () => {
      const job = await stored();
      const updated = await service.update(
        developer,
        job.id,
        { description: 'orders, v2', imageClass: 'PUBLIC', archiveImage: 'registry.example.com/shop/orders:2.0.0' },
        1,
      );
      expect(updated).toMatchObject({
        version: 2,
        description: 'orders, v2',
        imageClass: 'PUBLIC',
        archiveImage: 'registry.example.com/shop/orders:2.0.0',
        buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre' },
      });
    });

    it('refuses a stale expectedVersion and changes nothing', async () => {
      const job = await stored();
      await service.update(developer, job.id, { description: 'first writer' }, 1);
      const error = await rejection(service.update(developer, job.id, { description: 'second writer' }, 1));
      expect(error).toMatchObject({ code: ErrorCode.CONFLICT, reason: 'VERSION_CONFLICT', field: 'expectedVersion' });
      expect(error.message).toContain('at version 2');
      expect(repository.rows.get(job.id)).toMatchObject({ description: 'first writer', version: 2 });
    });

    it('loses to a writer that stored between its read and its write', async () => {
      const job = await stored();
      const write = repository.updateAtVersion.bind(repository);
      repository.updateAtVersion = async (id, version, changes) => {
        await write(id, version, { description: 'the other writer' });
        return write(id, version, changes);
      };
      const error = await rejection(service.update(developer, job.id, { description: 'mine' }));
      expect(error).toMatchObject({ reason: 'VERSION_CONFLICT', field: 'expectedVersion' });
      expect(repository.rows.get(job.id)).toMatchObject({ description: 'the other writer', version: 2 });
    });

    it('names the field a bad value breaks, and keeps the stored job', async () => {
      const job = await stored();
      const error = await rejection(service.update(developer, job.id, { description: 'x'.repeat(65) }));
      expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, reason: 'INVALID_FIELD', field: 'description' });
      expect(repository.rows.get(job.id)).toMatchObject({ description: 'the orders service', version: 1 });
    });

    it('re-checks the build spec against a new package of another stack', async () => {
      const job = await stored();
      const error = await rejection(service.update(developer, job.id, { packageId: 'pkg-node' }));
      // eclipse-temurin is no base image of a Node.js package.
      expect(error).toMatchObject({ reason: 'INVALID_FIELD', field: 'baseImage' });
      const moved = await service.update(developer, job.id, {
        packageId: 'pkg-node',
        baseImage: 'node',
        baseImageTag: '20-slim',
      });
      expect(moved).toMatchObject({ packageId: 'pkg-node', techStack: 'NODEJS', buildSpec: { baseImage: 'node' }, version: 2 });
    });

    it('refuses a package that is not READY', async () => {
      const job = await stored();
      const error = await rejection(service.update(developer, job.id, { packageId: 'pkg-uploading' }));
      expect(error).toMatchObject({ reason: 'PACKAGE_NOT_READY', field: 'packageId' });
      expect(repository.rows.get(job.id)?.packageId).toBe('pkg-jar');
    });

    it('re-checks the cluster when the node labels change', async () => {
      const job = await stored();
      await expect(service.update(developer, job.id, { nodeLabels: [{ key: 'pool', value: 'build' }] })).resolves.toMatchObject({
        nodeLabels: [{ key: 'pool', value: 'build' }],
      });
      const error = await rejection(service.update(developer, job.id, { nodeLabels: [{ key: 'pool', value: 'gpu' }] }));
      expect(error).toMatchObject({ reason: 'NO_ELIGIBLE_NODE', field: 'nodeLabels' });
    });

    it('undoes the change when the new package went away while it was stored', async () => {
      const job = await stored();
      references.addPackage('pkg-jar-2', PROJECT, 'JAVA');
      const stillThere = references.stillThere.bind(references);
      references.stillThere = async (...args) => {
        references.packages.delete('pkg-jar-2');
        return stillThere(...args);
      };
      const error = await rejection(service.update(developer, job.id, { packageId: 'pkg-jar-2' }));
      expect(error).toMatchObject({ reason: 'UNKNOWN_PACKAGE', field: 'packageId' });
      expect(repository.rows.get(job.id)).toMatchObject({ packageId: 'pkg-jar', version: 3 });
    });

    it('answers another project’s job as a missing one', async () => {
      const job = await stored();
      const outsider = caller([{ effect: 'ALLOW', actions: ['servicestage:*:*'] }], [OTHER_PROJECT]);
      const error = await rejection(service.update(outsider, job.id, { description: 'mine now' }));
      expect(error).toMatchObject({ code: ErrorCode.NOT_FOUND, reason: 'JOB_NOT_FOUND' });
    });

    it('takes the change away from a caller denied assembling:modify', async () => {
      const job = await stored();
      const denied = caller([
        { effect: 'ALLOW', actions: ['servicestage:*:*'] },
        { effect: 'DENY', actions: ['servicestage:assembling:modify'] },
      ]);
      const error = await rejection(service.update(denied, job.id, { description: 'no' }));
      expect(error).toMatchObject({ code: ErrorCode.FORBIDDEN, reason: 'ACTION_DENIED' });
      expect(repository.rows.get(job.id)?.version).toBe(1);
    });
  });

  describe('create', () => {
    it('Save asks again for the package and cluster after storing; Build leaves that to the build’s own questions', async () => {
      await service.create(developer, input, false);
      expect(references.asked).toEqual(['package pkg-jar', 'cluster cluster-1', 'still there', 'package pkg-jar']);
      references.asked.length = 0;
      const created = await service.create(developer, { ...input, name: 'orders-built' }, true);
      expect(references.asked).toEqual(['package pkg-jar', 'cluster cluster-1']);
      expect(created.build).toMatchObject({ status: 'QUEUED', jobId: created.job.id });
      expect(builds.started[0].buildSpec.dockerfile).toBeNull();
    });

    it('refuses a second job of the same name in the project', async () => {
      await service.create(developer, input, false);
      const error = await rejection(service.create(developer, { ...input, name: 'ORDERS' }, false));
      expect(error).toMatchObject({ code: ErrorCode.CONFLICT, reason: 'NAME_TAKEN', field: 'name' });
      expect(repository.rows.size).toBe(1);
    });

    it.each([
      [
        'package',
        new PackageError(PackageErrorReason.PACKAGE_NOT_FOUND, 'software package not found'),
        'UNKNOWN_PACKAGE',
        'packageId',
      ],
      ['cluster', new ClusterError(ClusterErrorReason.CLUSTER_NOT_FOUND, 'cluster not found'), 'UNKNOWN_CLUSTER', 'clusterId'],
    ])('Build undoes the job when its %s went away before the build could start', async (_what, gone, reason, field) => {
      builds.refuseWith = gone;
      const error = await rejection(service.create(developer, input, true));
      expect(error).toMatchObject({ code: ErrorCode.BAD_USER_INPUT, reason, field });
      expect(repository.rows.size).toBe(0);
    });

    it('Build keeps the job when the build is refused for another reason, and says so', async () => {
      builds.refuseWith = new ServiceError(ErrorCode.CONFLICT, 'the cluster is UNAVAILABLE', 'jobId', 'CLUSTER_NOT_AVAILABLE');
      const error = await rejection(service.create(developer, input, true));
      expect(error).toMatchObject({ code: ErrorCode.CONFLICT, reason: 'CLUSTER_NOT_AVAILABLE', field: 'jobId' });
      expect(error.message).toBe('the job was saved, but its build did not start: the cluster is UNAVAILABLE');
      expect(repository.rows.size).toBe(1);
    });
  });
});
