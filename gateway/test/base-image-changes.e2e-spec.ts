import { buildZip } from '@stagecraft/archive/testing';

import { baseImageFields, packageJobInput, type Platform, startPlatform } from './platform-harness';

interface BuildView {
  id: string;
  status: string;
  trigger: string;
  baseImage: string | null;
  baseImageDigest: string | null;
}

/**
 * Issue 17 item 2 through GraphQL: PackageJob.autoRebase is saved and changed, a succeeded
 * build says which base it was built on, and baseImageChangeImpact lists the jobs on that base
 * with what a new digest would start.
 */
describe('base image changes through GraphQL (issue 17 item 2)', () => {
  let platform: Platform;
  let admin: string;
  let packageId: string;
  let clusterId: string;
  let base: string;

  beforeAll(async () => {
    // The watcher's timer stays off: only the dry run is asked here.
    platform = await startPlatform({}, {}, { BASE_IMAGE_POLL_SECONDS: '0' });
    admin = await platform.adminToken();
    const jar = buildZip([
      { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\nMain-Class: com.shop.Orders\r\n\r\n' },
      { name: 'com/shop/Orders.class', content: Buffer.from([0xca, 0xfe, 0xba, 0xbe]) },
    ]);
    packageId = await platform.uploadPackage(admin, 'orders', '1.0.0', jar);
    clusterId = (
      await platform.gql<{ registerCluster: { id: string } }>(
        `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
        {},
        admin,
      )
    ).data!.registerCluster.id;
    const images = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).data!.baseImages;
    base = images.find((image) => image.startsWith(platform.registry.host))!;
  });
  afterAll(async () => {
    await platform?.close();
  });

  const createJob = async (name: string, autoRebase?: boolean) => {
    const created = await platform.gql<{ createPackageJob: { job: { id: string; autoRebase: boolean } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { id autoRebase } } }`,
      {
        input: packageJobInput({
          name,
          packageId,
          ...baseImageFields(base),
          archiveImage: `${platform.registry.host}/shop/${name}:1`,
          clusterId,
          ...(autoRebase !== undefined && { autoRebase }),
        }),
      },
      admin,
    );
    return created.data!.createPackageJob.job;
  };
  const runBuild = (jobId: string) => platform.buildToEnd<BuildView>(admin, jobId, 'id status trigger baseImage baseImageDigest');

  it('saves autoRebase, records the base of a succeeded build, and the dry run says REBASE for opted-in jobs, NONE for the others', async () => {
    const opted = await createJob('orders-follow', true);
    const plain = await createJob('orders-plain');
    expect([opted.autoRebase, plain.autoRebase]).toEqual([true, false]);

    const [built, other] = [await runBuild(opted.id), await runBuild(plain.id)];
    expect(built).toMatchObject({ status: 'SUCCEEDED', trigger: 'MANUAL', baseImage: base });
    expect(built.baseImageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(other).toMatchObject({ status: 'SUCCEEDED', baseImage: base, baseImageDigest: built.baseImageDigest });

    const impact = await platform.gql<{ baseImageChangeImpact: unknown[] }>(
      `query($b: String!) { baseImageChangeImpact(baseImage: $b) { jobId jobName buildId recordedDigest action } }`,
      { b: base },
      admin,
    );
    expect(impact.errors).toBeUndefined();
    expect(impact.data!.baseImageChangeImpact).toEqual([
      { jobId: opted.id, jobName: 'orders-follow', buildId: built.id, recordedDigest: built.baseImageDigest, action: 'REBASE' },
      { jobId: plain.id, jobName: 'orders-plain', buildId: other.id, recordedDigest: built.baseImageDigest, action: 'NONE' },
    ]);

    // Opting out shows at once; another base reference touches nothing.
    await platform.gql(
      `mutation($id: ID!) { updatePackageJob(id: $id, patch: { autoRebase: false }) { id autoRebase } }`,
      { id: opted.id },
      admin,
    );
    const after = await platform.gql<{ baseImageChangeImpact: { action: string }[] }>(
      `query($b: String!) { baseImageChangeImpact(baseImage: $b) { action } }`,
      { b: base },
      admin,
    );
    expect(after.data!.baseImageChangeImpact.map((job) => job.action)).toEqual(['NONE', 'NONE']);
    const none = await platform.gql<{ baseImageChangeImpact: unknown[] }>(
      `{ baseImageChangeImpact(baseImage: "${platform.registry.host}/no-such-base:1") { jobId } }`,
      {},
      admin,
    );
    expect(none.data!.baseImageChangeImpact).toEqual([]);
  }, 180_000);

  it("keeps the dry run to the caller's projects: a user of another project sees none of these jobs", async () => {
    const project = await platform.createProject(admin, 'elsewhere');
    const outsider = await platform.userWith(admin, 'outsider', ['servicestage:assembling:*'], [project]);
    const impact = await platform.gql<{ baseImageChangeImpact: unknown[] }>(
      `query($b: String!) { baseImageChangeImpact(baseImage: $b) { jobId } }`,
      { b: base },
      outsider.token,
    );
    expect(impact.errors).toBeUndefined();
    expect(impact.data!.baseImageChangeImpact).toEqual([]);
  });
});
