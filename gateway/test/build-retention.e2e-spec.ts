import { IamSubjects, ServiceError } from '@stagecraft/contracts';
import { RegistryClient } from '@stagecraft/oci';
import { buildExecutableJar, connectTestClient, eventually } from '@stagecraft/testing';

import { baseImageFields, packageJobInput, type Platform, startPlatform } from './platform-harness';

/**
 * Issue 17, item 1: a job whose policy deletes images loses the images of its pruned builds from
 * the embedded registry (through a credential iam issues for that one repository), never one a
 * kept build pushed; no other project's repository can be had that way.
 */
describe("build history: a job's policy prunes its builds and deletes their images from the embedded registry", () => {
  let platform: Platform;
  let admin: string;
  let jobId: string;
  let projectId: string;
  const repository = 'shop/pruned';

  beforeAll(async () => {
    platform = await startPlatform({}, {}, { BUILD_HISTORY_PRUNE_INTERVAL_SECONDS: '1' }, {}, { registryTokenAuth: true });
    admin = await platform.adminToken();
    const packageId = await platform.uploadPackage(admin, 'pruned', '1.0.0', buildExecutableJar('com.shop.Pruned', 16 * 1024));
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
      {},
      admin,
    );
    const images = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).data!.baseImages;
    const base = images.find((image) => image.startsWith(platform.registry.host))!;
    const created = await platform.gql<{ createPackageJob: { job: { id: string; enterpriseProject: { id: string } } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { id enterpriseProject { id } } } }`,
      {
        input: packageJobInput({
          name: 'pruned',
          packageId,
          ...baseImageFields(base),
          archiveImage: `${platform.registry.host}/${repository}:1.0.0`,
          // Anyone may look its manifests up, so the test needs no login of its own to see what is left.
          imageClass: 'PUBLIC',
          clusterId: cluster.data!.registerCluster.id,
        }),
      },
      admin,
    );
    jobId = created.data!.createPackageJob.job.id;
    projectId = created.data!.createPackageJob.job.enterpriseProject.id;
  }, 60_000);
  afterAll(() => platform?.close());

  const build = async (): Promise<{ id: string; imageDigest: string }> => {
    const view = await platform.buildToEnd<{ id: string; status: string; imageDigest: string }>(
      admin,
      jobId,
      'id status imageDigest',
    );
    expect(view.status).toBe('SUCCEEDED');
    return view;
  };

  it('deletes the pruned build and its image, and keeps the newest one and its tag', async () => {
    const set = await platform.gql(
      `mutation($j: ID!) { setJobBuildRetention(jobId: $j, retention: { keepSucceeded: 1, keepFailed: 1, maxAgeDays: 0, deleteImages: true }) { deleteImages source } }`,
      { j: jobId },
      admin,
    );
    expect(set.data).toEqual({ setJobBuildRetention: { deleteImages: true, source: 'JOB' } });
    const registry = new RegistryClient({ registry: platform.registry.host });
    const first = await build();
    // A job's newest build is never pruned: its image is there until the next one.
    expect(await registry.headManifest(repository, first.imageDigest)).not.toBeNull();
    const second = await build();
    // Each build labels its image with its own id and number: two digests.
    expect(second.imageDigest).not.toBe(first.imageDigest);

    const left = await eventually(
      async () =>
        (
          await platform.gql<{ builds: { totalCount: number; edges: { node: { id: string } }[] } }>(
            `query($j: ID!) { builds(jobId: $j) { totalCount edges { node { id } } } }`,
            { j: jobId },
            admin,
          )
        ).data!.builds,
      (builds) => builds.totalCount === 1,
      { timeoutMs: 20_000, intervalMs: 250 },
    );
    expect(left.edges.map((edge) => edge.node.id)).toEqual([second.id]);
    expect(
      await eventually(
        () => registry.headManifest(repository, first.imageDigest),
        (head) => head === null,
        { timeoutMs: 20_000, intervalMs: 250 },
      ),
    ).toBeNull();
    expect(await registry.headManifest(repository, '1.0.0')).toMatchObject({ digest: second.imageDigest });
    expect(await registry.headManifest(repository, second.imageDigest)).not.toBeNull();
  }, 180_000);

  it('gives the builds service a deleting credential only for a repository the named project owns, which deletes nothing else', async () => {
    const builds = await connectTestClient(platform.subjectPrefix, 3_000, 'builds');
    try {
      const accountId = (JSON.parse(Buffer.from(admin.split('.')[1], 'base64url').toString()) as { acc: string }).acc;
      const otherProject = await platform.createProject(admin, 'not-the-owner');
      const refused = await builds
        .send(IamSubjects.pruneRegistryCredential, { accountId, enterpriseProjectId: otherProject, repository })
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ServiceError);
      expect((refused as ServiceError).toBody()).toMatchObject({ code: 'NOT_FOUND' });

      const owner = await builds.send(IamSubjects.pruneRegistryCredential, {
        accountId,
        enterpriseProjectId: projectId,
        repository,
      });
      const client = new RegistryClient({ registry: platform.registry.host, credentials: owner });
      const base = (
        await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)
      ).data!.baseImages.find((image) => image.startsWith(platform.registry.host))!;
      const baseRepository = base.slice(platform.registry.host.length + 1, base.lastIndexOf(':'));
      const baseDigest = (await new RegistryClient({ registry: platform.registry.host }).headManifest(
        baseRepository,
        base.slice(base.lastIndexOf(':') + 1),
      ))!.digest;
      // The platform's base images are not the project's: the registry refuses the delete.
      await expect(client.deleteManifest(baseRepository, baseDigest)).rejects.toMatchObject({ status: 401 });
      expect(
        await new RegistryClient({ registry: platform.registry.host }).headManifest(baseRepository, baseDigest),
      ).not.toBeNull();
    } finally {
      await builds.connection.close();
    }
  });
});
