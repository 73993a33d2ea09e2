import { BUILD_EVENTS_STREAM, type BuildEventDto } from '@stagecraft/contracts';
import { subscribeOrdered } from '@stagecraft/messaging';
import { RegistryClient } from '@stagecraft/oci';
import { readTarEntries, skopeoInspect } from '@stagecraft/oci/testing';
import { connectTestClient } from '@stagecraft/testing';
import { buildExecutableJar, eventually, stopAfterEach } from '@stagecraft/testing';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { baseImageFields, errorOf, packageJobInput, type Platform, startPlatform } from './platform-harness';

const BUILD_FIELDS =
  'id number status phase reason message node imageDigest image startedAt finishedAt job { name } triggeredBy { name }';

interface BuildView {
  id: string;
  number: number;
  status: string;
  reason: string | null;
  message: string | null;
  imageDigest: string | null;
  image: string | null;
}

describe('builds on a LOCAL cluster: Build, events, logs and a real image in a real registry', () => {
  let platform: Platform;
  let admin: string;
  let jar: Buffer;
  let jobInput: Record<string, unknown>;

  beforeAll(async () => {
    platform = await startPlatform({}, {}, { BUILD_CONCURRENCY_PER_CLUSTER: '1' });
    admin = await platform.adminToken();
    jar = buildExecutableJar('com.shop.Orders', 64 * 1024);
    const packageId = await platform.uploadPackage(admin, 'orders', '1.0.0', jar);
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
      {},
      admin,
    );
    const images = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).data!.baseImages;
    const base = images.find((image) => image.startsWith(platform.registry.host))!;
    jobInput = packageJobInput({
      name: 'orders-build',
      packageId,
      ...baseImageFields(base),
      archiveImage: `${platform.registry.host}/shop/orders:1.0.0`,
      clusterId: cluster.data!.registerCluster.id,
    });
  });
  // Each graphql-ws client a test opened is disposed after it too (they reconnect: lazy: false).
  const disposeLater = stopAfterEach();
  afterAll(() => platform.close());

  const waitForEnd = (id: string, timeoutMs = 60_000): Promise<BuildView> =>
    eventually(
      async () =>
        (await platform.gql<{ build: BuildView }>(`query($id: ID!) { build(id: $id) { ${BUILD_FIELDS} } }`, { id }, admin)).data!
          .build,
      (build) => ['SUCCEEDED', 'FAILED', 'ERROR', 'TIMED_OUT', 'CANCELLED', 'EXPIRED'].includes(build.status),
      { timeoutMs, intervalMs: 200 },
    );

  let jobId: string;
  let firstBuild: BuildView;

  it('Build saves the job and starts a build that pushes a real image', async () => {
    const created = await platform.gql<{ createPackageJob: { job: { id: string }; build: BuildView } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { job { id } build { ${BUILD_FIELDS} } } }`,
      { input: jobInput },
      admin,
    );
    expect(created.errors).toBeUndefined();
    jobId = created.data!.createPackageJob.job.id;
    expect(created.data!.createPackageJob.build).toMatchObject({ number: 1, status: 'QUEUED' });
    firstBuild = await waitForEnd(created.data!.createPackageJob.build.id);
    expect(firstBuild).toMatchObject({ status: 'SUCCEEDED', reason: null });
    expect(firstBuild.imageDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(firstBuild.image).toBe(`${jobInput.archiveImage}@${firstBuild.imageDigest}`);

    // Every phase with its times: one after the other, from the start of the run to its end.
    type PhaseTime = { phase: string; startedAt: string; finishedAt: string; outcome: string };
    const timed = await platform.gql<{ build: { startedAt: string; finishedAt: string; phases: PhaseTime[] } }>(
      `query($id: ID!) { build(id: $id) { startedAt finishedAt phases { phase startedAt finishedAt outcome } } }`,
      { id: firstBuild.id },
      admin,
    );
    const { phases, startedAt, finishedAt } = timed.data!.build;
    expect(phases.map((phase) => phase.phase)).toEqual(['INIT', 'DOWNLOAD', 'PREPROCESS', 'BUILD', 'PUSH', 'POSTPROCESS']);
    expect(phases.every((phase) => phase.outcome === 'SUCCEEDED' && phase.finishedAt >= phase.startedAt)).toBe(true);
    expect(phases[0].startedAt).toBe(startedAt);
    expect(phases.at(-1)!.finishedAt).toBe(finishedAt);
    phases.slice(1).forEach((phase, i) => expect(phase.startedAt).toBe(phases[i].finishedAt));

    const raw = (await skopeoInspect(jobInput.archiveImage as string, { raw: true })) as { layers: { digest: string }[] };
    const inspected = await skopeoInspect(jobInput.archiveImage as string);
    expect(inspected.Digest).toBe(firstBuild.imageDigest);
    expect((inspected.Labels as Record<string, string>)['io.stagecraft.build-id']).toBe(firstBuild.id);
    const config = (await skopeoInspect(jobInput.archiveImage as string, { config: true })) as {
      config: { Entrypoint: string[] };
    };
    expect(config.config.Entrypoint).toEqual(['java', '-jar', '/app/app.jar']);
    const client = new RegistryClient({ registry: platform.registry.host });
    const layer = await client.getBlobBytes('shop/orders', raw.layers.at(-1)!.digest, 64 * 1024 * 1024);
    const entries = await readTarEntries(layer);
    const app = entries.find((entry) => entry.header.name.replace(/^\.?\//, '') === 'app/app.jar');
    expect(app?.content.equals(jar)).toBe(true);
  });

  it('keeps the log in chunks that read from any offset', async () => {
    const log = await platform.gql<{ buildLog: { text: string; nextOffset: number; complete: boolean } }>(
      `query($id: ID!) { buildLog(buildId: $id) { text nextOffset complete } }`,
      { id: firstBuild.id },
      admin,
    );
    expect(log.data!.buildLog.complete).toBe(true);
    expect(log.data!.buildLog.text).toContain('Downloaded the package');
    expect(log.data!.buildLog.text).toContain(firstBuild.imageDigest!);
    const rest = await platform.gql<{ buildLog: { text: string } }>(
      `query($id: ID!) { buildLog(buildId: $id, offset: 10) { text } }`,
      { id: firstBuild.id },
      admin,
    );
    expect(log.data!.buildLog.text.slice(10)).toBe(rest.data!.buildLog.text);
  });

  it('numbers builds per job, queues beyond the cluster limit, and cancels', async () => {
    const start = `mutation($j: ID!) { startBuild(jobId: $j) { id number status } }`;
    const second = (await platform.gql<{ startBuild: BuildView }>(start, { j: jobId }, admin)).data!.startBuild;
    const third = (await platform.gql<{ startBuild: BuildView }>(start, { j: jobId }, admin)).data!.startBuild;
    expect([second.number, third.number]).toEqual([2, 3]);
    const cancelled = await platform.gql<{ cancelBuild: BuildView }>(
      `mutation($id: ID!) { cancelBuild(id: $id) { status } }`,
      { id: third.id },
      admin,
    );
    expect(['CANCELLED', 'CANCELLING']).toContain(cancelled.data!.cancelBuild.status);
    expect((await waitForEnd(third.id)).status).toBe('CANCELLED');
    expect((await waitForEnd(second.id)).status).toBe('SUCCEEDED');
    expect(
      errorOf(await platform.gql(`mutation($id: ID!) { cancelBuild(id: $id) { status } }`, { id: third.id }, admin)),
    ).toEqual({ code: 'CONFLICT', field: 'id' });
    const history = await platform.gql<{
      packageJob: { lastBuild: { number: number }; builds: { edges: { node: { number: number } }[] } };
    }>(
      `query($id: ID!) { packageJob(id: $id) { lastBuild { number } builds { edges { node { number } } } } }`,
      { id: jobId },
      admin,
    );
    expect(history.data!.packageJob.lastBuild.number).toBe(3);
    expect(history.data!.packageJob.builds.edges.map((edge) => edge.node.number)).toEqual([3, 2, 1]);

    // Counts over every page, and each build's duration (from its start, or its creation when it never ran).
    type Timed = { number: number; createdAt: string; startedAt: string | null; finishedAt: string; durationSeconds: number };
    const counted = await platform.gql<{
      packageJob: { builds: { totalCount: number; finishedCount: number; succeededCount: number; edges: { node: Timed }[] } };
    }>(
      `query($id: ID!) { packageJob(id: $id) { builds(first: 1) {
         totalCount finishedCount succeededCount edges { node { number createdAt startedAt finishedAt durationSeconds } } } } }`,
      { id: jobId },
      admin,
    );
    const { edges, ...counts } = counted.data!.packageJob.builds;
    expect(counts).toEqual({ totalCount: 3, finishedCount: 3, succeededCount: 2 });
    const [newest] = edges.map((edge) => edge.node);
    expect(newest.number).toBe(3);
    expect(newest.durationSeconds).toBe(
      (Date.parse(newest.finishedAt) - Date.parse(newest.startedAt ?? newest.createdAt)) / 1000,
    );
  });

  it('publishes every state change to BUILD_EVENTS, in order, once', async () => {
    const client = await connectTestClient(platform.subjectPrefix);
    try {
      const subscription = await subscribeOrdered<BuildEventDto>(client.connection, client.connection.jetstream(), {
        stream: BUILD_EVENTS_STREAM,
        subjectPrefix: platform.subjectPrefix,
      });
      const events: { subject: string; data: BuildEventDto }[] = [];
      for await (const event of subscription) {
        events.push({ subject: event.subject, data: event.data });
        if (event.pending === 0) break;
      }
      subscription.close();
      const first = events.filter((event) => event.data.build.id === firstBuild.id).map((event) => event.data.type);
      expect(first[0]).toBe('queued');
      expect(first).toEqual(expect.arrayContaining(['scheduling', 'running', 'phase', 'succeeded']));
      const phases = events
        .filter((event) => event.data.build.id === firstBuild.id && event.data.type === 'phase')
        .map((event) => event.data.build.phase);
      expect(phases).toEqual(['DOWNLOAD', 'PREPROCESS', 'BUILD', 'PUSH', 'POSTPROCESS']);
      expect(first.indexOf('running')).toBeLessThan(first.indexOf('succeeded'));
      expect(new Set(events.map((event) => event.data.eventId)).size).toBe(events.length);
      expect(events[0].subject).toMatch(/^events\.builds\.[\w-]+\.[\w-]+\.[\w-]+\.[\w-]+\.queued$/);
    } finally {
      await client.connection.close();
    }
  });

  it('streams events over graphql-ws to those who may see them, and the log as it grows', async () => {
    const wsUrl = platform.url.replace(/^http/, 'ws') + '/graphql';
    const subscribe = <T>(token: string, query: string, variables: Record<string, unknown>, until: (value: T) => boolean) => {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        lazy: false,
      });
      disposeLater(() => client.dispose());
      const values: T[] = [];
      const done = new Promise<T[]>((resolve, reject) => {
        client.subscribe<T>(
          { query, variables },
          {
            next: (message) => {
              if (message.errors) return reject(new Error(JSON.stringify(message.errors)));
              values.push(message.data as T);
              if (until(message.data as T)) resolve(values);
            },
            error: (error) => reject(new Error(JSON.stringify(error))),
            complete: () => resolve(values),
          },
        );
      });
      return { done, values, close: () => client.dispose() };
    };
    const other = await platform.createProject(admin, 'other-team');
    const outsider = await platform.userWith(admin, 'other-dev', ['servicestage:assembling:*'], [other]);
    type EventMessage = { buildEvents: { sequence: number; type: string; build: { id: string; status: string } } };
    const eventsQuery = `subscription($j: ID) { buildEvents(jobId: $j) { sequence type build { id status } } }`;
    let startedId = '';
    const mine = subscribe<EventMessage>(
      admin,
      eventsQuery,
      { j: jobId },
      (m) => m.buildEvents.type === 'succeeded' && m.buildEvents.build.id === startedId,
    );
    const theirs = subscribe<EventMessage>(outsider.token, `subscription { buildEvents { sequence type } }`, {}, () => false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = (
      await platform.gql<{ startBuild: BuildView }>(`mutation($j: ID!) { startBuild(jobId: $j) { id } }`, { j: jobId }, admin)
    ).data!.startBuild;
    startedId = started.id;
    const events = await mine.done;
    const types = events.filter((m) => m.buildEvents.build.id === started.id).map((m) => m.buildEvents.type);
    expect(types[0]).toBe('queued');
    expect(types.at(-1)).toBe('succeeded');
    const sequences = events.map((m) => m.buildEvents.sequence);
    expect([...sequences].sort((a, b) => a - b)).toEqual(sequences);
    expect(new Set(sequences).size).toBe(sequences.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(theirs.values).toEqual([]);
    await mine.close();
    await theirs.close();

    type LogMessage = { buildLog: { text: string; complete: boolean } };
    const log = subscribe<LogMessage>(
      admin,
      `subscription($b: ID!) { buildLog(buildId: $b) { text complete } }`,
      { b: started.id },
      (m) => m.buildLog.complete,
    );
    const text = (await log.done).map((m) => m.buildLog.text).join('');
    await log.close();
    expect(text).toContain('Pushed');
    const forbidden = subscribe<LogMessage>(
      outsider.token,
      `subscription($b: ID!) { buildLog(buildId: $b) { text } }`,
      { b: started.id },
      () => true,
    );
    await expect(forbidden.done).rejects.toThrow(/NOT_FOUND/);
    await forbidden.close();
  });

  it("fails a build whose base image is missing, as the user's error", async () => {
    await platform.gql(
      `mutation($id: ID!, $p: PackageJobPatch!) { updatePackageJob(id: $id, patch: $p) { version } }`,
      { id: jobId, p: { buildType: 'IMAGE', baseImage: `${platform.registry.host}/missing/eclipse-temurin:17` } },
      admin,
    );
    const started = (
      await platform.gql<{ startBuild: BuildView }>(`mutation($j: ID!) { startBuild(jobId: $j) { id } }`, { j: jobId }, admin)
    ).data!.startBuild;
    expect(await waitForEnd(started.id)).toMatchObject({ status: 'FAILED', reason: 'BASE_IMAGE_NOT_FOUND' });
  });

  it('deletes a job with its builds once none is unfinished', async () => {
    expect((await platform.gql(`mutation($id: ID!) { deletePackageJob(id: $id) }`, { id: jobId }, admin)).data).toEqual({
      deletePackageJob: jobId,
    });
    expect(errorOf(await platform.gql(`query($id: ID!) { build(id: $id) { id } }`, { id: firstBuild.id }, admin)).code).toBe(
      'NOT_FOUND',
    );
  });
});
