import { TEST_OPERATOR } from '@stagecraft/testing';
import { buildExecutableJar, connectTestClient } from '@stagecraft/testing';
import type { NatsConnection } from 'nats';

import { packageJobInput, type Platform, startPlatform } from './platform-harness';

/**
 * Issue 13, item 3: how many NATS requests one GraphQL operation makes. The operator (who may
 * subscribe to everything) counts every request subject on the platform's prefix while a single
 * `createPackageJob(build: true)` runs; replies go to inboxes and are not counted.
 */
describe('NATS round trips of one Build (createPackageJob with build: true)', () => {
  let platform: Platform;
  let admin: string;
  let operator: NatsConnection;
  let input: Record<string, unknown>;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
    operator = (await connectTestClient(platform.subjectPrefix, 5_000, TEST_OPERATOR)).connection;
    const packageId = await platform.uploadPackage(admin, 'orders', '1.0.0', buildExecutableJar('com.shop.Orders', 8 * 1024));
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
      {},
      admin,
    );
    input = packageJobInput({
      name: 'orders',
      packageId,
      archiveImage: `${platform.registry.host}/shop/orders:1.0.0`,
      clusterId: cluster.data!.registerCluster.id,
    });
    // Warm the caches a running platform has: the callers' (keys, rules), and jobs' memory of the
    // account's default project (it never changes), filled by any earlier job of the account.
    await platform.gql(`{ me { id } packageJobs { totalCount } clusters { totalCount } }`, {}, admin);
    const earlier = await platform.gql(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input) { job { id } } }`,
      { input: { ...input, name: 'orders-saved-earlier' } },
      admin,
    );
    expect(earlier.errors).toBeUndefined();
  });

  afterAll(async () => {
    await operator?.close();
    await platform?.close();
  });

  it('counts the requests between the processes', async () => {
    const requests: string[] = [];
    const subscription = operator.subscribe('>', {
      callback: (_error, message) => {
        // A request carries a reply inbox; the reply itself does not.
        if (message.reply && message.subject.startsWith(platform.subjectPrefix) && !message.subject.includes('.events.'))
          requests.push(message.subject.slice(platform.subjectPrefix.length).replace(/^\./, ''));
      },
    });
    await operator.flush();
    const created = await platform.gql<{ createPackageJob: { build: { id: string } } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { build { id } } }`,
      { input },
      admin,
    );
    expect(created.errors).toBeUndefined();
    await operator.flush();
    subscription.unsubscribe();
    // Resolving a caller (the key set, the caller's rules) is cached per process for seconds: not the use case's.
    const callerResolution = new Set(['iam.keys.get.v1', 'iam.rules.get.v1']);
    const useCase = requests.filter((subject) => !callerResolution.has(subject));
    console.log(
      `createPackageJob(build: true): ${useCase.length} requests (${requests.length} with caller resolution)\n  ${useCase.join('\n  ')}`,
    );
    expect(useCase.length).toBeLessThanOrEqual(ROUND_TRIP_BUDGET);
  });
});

/**
 * What a Build costs: 12 before issue 13 (builds asked jobs back for the job, clusters three
 * times, and jobs re-read the package and cluster after storing the job); it may only go down.
 * The six: jobs.create, artifacts' package and clusters' node selection (the form's rules),
 * builds.start-for-job, clusters' build target and artifacts' download URL (which also show the
 * package and cluster outlived the stored job).
 */
const ROUND_TRIP_BUDGET = 6;
