import { BUILD_EVENTS_STREAM, type BuildDto, type BuildEventDto, BuildsSubjects, JobsSubjects } from '@stagecraft/contracts';
import { type NatsRpcClient, subscribeOrdered } from '@stagecraft/messaging';
import { skopeoInspect } from '@stagecraft/oci/testing';
import { buildExecutableJar, connectTestClient } from '@stagecraft/testing';

import { type Platform, startPlatform } from './platform-harness';

const PASSWORD = 'hunter2hunter2';
const DSN_PASSWORD = 'dsnPw42';
const TOKEN = 'ArgTok3nValue';

/**
 * The attack of issue 10: a job whose Dockerfile carries secrets. Its Dockerfile is answered with
 * them masked, builds.get and build events carry no Dockerfile text, the build log masks them and
 * the pushed image's history holds none of them.
 */
describe('secrets in a custom Dockerfile never come back out (GraphQL, NATS, events, log, image)', () => {
  let platform: Platform;
  let admin: string;
  let nats: NatsRpcClient;
  let jobId: string;
  let buildId: string;
  let archiveImage: string;

  beforeAll(async () => {
    platform = await startPlatform();
    admin = await platform.adminToken();
    nats = await connectTestClient(platform.subjectPrefix);
  });
  afterAll(async () => {
    await nats?.connection.close();
    await platform?.close();
  });

  it('createPackageJob with ENV DB_PASSWORD hunter2hunter2 warns, and answers the Dockerfile masked', async () => {
    const packageId = await platform.uploadPackage(admin, 'orders', '1.0.0', buildExecutableJar('com.shop.Orders', 4096));
    const cluster = await platform.gql<{ registerCluster: { id: string } }>(
      `mutation { registerCluster(name: "local", type: LOCAL) { id } }`,
      {},
      admin,
    );
    const images = (await platform.gql<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin)).data!.baseImages;
    const base = images.find((image) => image.startsWith(platform.registry.host))!;
    archiveImage = `${platform.registry.host}/shop/secret-orders:1.0.0`;
    const dockerfile = [
      `FROM ${base}`,
      `ARG NPM_TOKEN=${TOKEN}`,
      `ENV DB_PASSWORD ${PASSWORD}`,
      `ENV DATABASE_URL=postgres://app:${DSN_PASSWORD}@db/app`,
      'COPY package.jar /app/app.jar',
      'CMD ["java", "-jar", "/app/app.jar"]',
    ].join('\n');
    const created = await platform.gql<{
      createPackageJob: {
        job: { id: string; buildSpec: { dockerfile: string }; warnings: { line: number; kind: string; message: string }[] };
        build: BuildDto;
      };
    }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) {
        job { id buildSpec { dockerfile } warnings { line kind message } } build { id } } }`,
      {
        input: {
          name: 'secret-orders',
          packageId,
          buildType: 'CUSTOM_DOCKERFILE',
          dockerfile,
          imageClass: 'PRIVATE',
          archiveImage,
          clusterId: cluster.data!.registerCluster.id,
        },
      },
      admin,
    );
    expect(created.errors).toBeUndefined();
    const { job, build } = created.data!.createPackageJob;
    jobId = job.id;
    buildId = build.id;
    expect(job.warnings.map(({ line, kind }) => ({ line, kind }))).toEqual([
      { line: 2, kind: 'password-literal' },
      { line: 3, kind: 'secret-variable' },
      { line: 4, kind: 'url-password' },
    ]);
    expect(job.buildSpec.dockerfile).toBe(
      [
        `FROM ${base}`,
        'ARG NPM_TOKEN=****',
        'ENV DB_PASSWORD ****',
        'ENV DATABASE_URL=postgres://app:****@db/app',
        'COPY package.jar /app/app.jar',
        'CMD ["java", "-jar", "/app/app.jar"]',
      ].join('\n'),
    );

    // Read again, through GraphQL and straight over NATS (jobs.get): masked for everyone.
    const read = await platform.gql<{ packageJob: { buildSpec: { dockerfile: string } } }>(
      `query($id: ID!) { packageJob(id: $id) { buildSpec { dockerfile } } }`,
      { id: jobId },
      admin,
    );
    expect(read.data!.packageJob.buildSpec.dockerfile).toBe(job.buildSpec.dockerfile);
    const listed = await platform.gql(
      `{ packageJobs { edges { node { buildSpec { dockerfile } warnings { message } } } } }`,
      {},
      admin,
    );
    const overNats = await nats.send(JobsSubjects.getJob, { id: jobId }, { token: admin });
    expect(overNats.buildSpec.dockerfile).toBe(job.buildSpec.dockerfile);
    for (const value of [PASSWORD, DSN_PASSWORD, TOKEN]) {
      expect(JSON.stringify([created, read, listed, overNats]).includes(value)).toBe(false);
    }
  });

  it('the Dockerfile as written is not answered to the gateway (service-only for builds)', async () => {
    const refused = await nats.send(JobsSubjects.getJobForBuild, { id: jobId }, { token: admin }).then(
      (job) => ({ answered: JSON.stringify(job) }),
      (error: Error) => ({ refused: error.message }),
    );
    expect(refused).toEqual({ refused: expect.stringMatching(/permission|service-only/i) });
  });

  it('the build succeeds; builds.get, its events and its log hold none of the secrets', async () => {
    const deadline = Date.now() + 120_000;
    let status = 'QUEUED';
    while (!['SUCCEEDED', 'FAILED', 'ERROR'].includes(status) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      status = (
        await platform.gql<{ build: { status: string } }>(`query($id: ID!) { build(id: $id) { status } }`, { id: buildId }, admin)
      ).data!.build.status;
    }
    const log = await platform.gql<{ buildLog: { text: string; complete: boolean } }>(
      `query($id: ID!) { buildLog(buildId: $id) { text complete } }`,
      { id: buildId },
      admin,
    );
    const text = log.data!.buildLog.text;
    expect({ status, text }).toMatchObject({ status: 'SUCCEEDED' });
    // buildah wrote each step into the log; the runner masked the values where they stood.
    expect(text).toContain('ENV DB_PASSWORD ****');
    expect(text).toContain('postgres://app:****@db/app');

    const got = await nats.send(BuildsSubjects.getBuild, { id: buildId }, { token: admin });
    expect(got.spec.buildSpec).toEqual({ type: 'CUSTOM_DOCKERFILE', baseImage: null, baseImageTag: null, dockerfile: null });
    const listed = await nats.send(BuildsSubjects.listBuilds, { jobId }, { token: admin });

    const subscription = await subscribeOrdered<BuildEventDto>(nats.connection, nats.connection.jetstream(), {
      stream: BUILD_EVENTS_STREAM,
      subjectPrefix: platform.subjectPrefix,
    });
    const events: BuildEventDto[] = [];
    for await (const event of subscription) {
      events.push(event.data);
      if (event.pending === 0) break;
    }
    subscription.close();
    const ours = events.filter((event) => event.build.id === buildId);
    expect(ours.map((event) => event.type)).toEqual(expect.arrayContaining(['queued', 'running', 'succeeded']));
    expect(ours.every((event) => event.build.spec.buildSpec.dockerfile === null)).toBe(true);

    const history = JSON.stringify((await skopeoInspect(archiveImage, { config: true })) as { history?: unknown });
    for (const value of [PASSWORD, DSN_PASSWORD, TOKEN]) {
      expect({ value, where: 'log', found: text.includes(value) }).toEqual({ value, where: 'log', found: false });
      expect({ value, where: 'builds', found: JSON.stringify([got, listed]).includes(value) }).toEqual({
        value,
        where: 'builds',
        found: false,
      });
      expect({ value, where: 'events', found: JSON.stringify(ours).includes(value) }).toEqual({
        value,
        where: 'events',
        found: false,
      });
      expect({ value, where: 'services log', found: platform.logs.some((line) => line.includes(value)) }).toEqual({
        value,
        where: 'services log',
        found: false,
      });
    }
    // The image config: the ARG and the DSN's line are in no history entry (ENV values are the
    // image's configuration, as the Dockerfile asked, and stay in config.Env).
    const config = JSON.parse(history) as { history?: { created_by?: string }[] };
    expect(JSON.stringify(config.history ?? [])).not.toMatch(new RegExp(`${PASSWORD}|${DSN_PASSWORD}|${TOKEN}`));
  }, 180_000);
});
