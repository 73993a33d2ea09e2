import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { IamSubjects, type RegistryCredentialDto } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import { signRegistryToken } from '@stagecraft/oci';
import { skopeoInspect } from '@stagecraft/oci/testing';
import { buildExecutableJar, connectTestClient, eventually } from '@stagecraft/testing';

import { type GraphQLResponse, type Platform, startPlatform } from './platform-harness';

const run = promisify(execFile);

interface Login {
  username: string;
  password: string;
}

interface BuildView {
  id: string;
  status: string;
  reason: string | null;
  message: string | null;
  imageDigest: string | null;
  pullCommand: string | null;
}

/**
 * Issue 12: the image class means something. The registry takes tokens from the gateway's
 * /registry/token, which iam signs: PUBLIC images are pulled by anyone, PRIVATE ones only with
 * `servicestage:image:pull` in their project (or its robot accounts), and only a build pushes,
 * with a credential for its one repository. skopeo is the client, as a user's would be.
 */
describe('the embedded registry behind IAM: image class, pulls, pushes, robot accounts', () => {
  let platform: Platform;
  let admin: string;
  let projectA: string;
  let projectB: string;
  let memberA: Login & { token: string };
  let memberB: Login & { token: string };
  let deniedA: Login;
  const clusterIds: Record<string, string> = {};
  let packageA: string;
  let packageB: string;
  let base: { image: string; tag: string };
  let builds: NatsRpcClient;
  const suffix = randomBytes(3).toString('hex');

  async function must<T>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
    const response = await platform.gql<T>(query, variables, token);
    if (response.errors?.length || !response.data) throw new Error(`GraphQL failed: ${JSON.stringify(response.errors)}`);
    return response.data;
  }

  /** A user with these statements in `projects`, and an access key (the registry login). */
  async function user(
    name: string,
    statements: { effect: 'ALLOW' | 'DENY'; actions: string[] }[],
    projects: string[],
  ): Promise<Login & { token: string }> {
    const created = await platform.userWithStatements(admin, `${name}-${suffix}`, statements, projects);
    return { username: created.accessKey, password: created.secretKey, token: created.token };
  }

  const waitForEnd = (id: string, token: string): Promise<BuildView> =>
    eventually(
      async () =>
        (
          await must<{ build: BuildView }>(
            `query($id: ID!) { build(id: $id) { id status reason message imageDigest pullCommand } }`,
            { id },
            token,
          )
        ).build,
      (build) => !['QUEUED', 'SCHEDULING', 'RUNNING'].includes(build.status),
      { timeoutMs: 60_000, intervalMs: 200 },
    );

  /** A job made and built once by project A's or B's member, with that project's package and cluster. */
  async function buildJob(
    tenant: 'A' | 'B',
    name: string,
    repository: string,
    imageClass: 'PUBLIC' | 'PRIVATE',
  ): Promise<{ jobId: string; build: BuildView; pullCommand: string }> {
    const { token } = tenant === 'A' ? memberA : memberB;
    const input = {
      name,
      repository,
      imageClass,
      packageId: tenant === 'A' ? packageA : packageB,
      project: tenant === 'A' ? projectA : projectB,
    };
    const created = await must<{
      createPackageJob: { job: { id: string; pullCommand: string }; build: { id: string } };
    }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { job { id pullCommand } build { id } } }`,
      {
        input: {
          name: input.name,
          enterpriseProjectId: input.project,
          packageId: input.packageId,
          buildType: 'SYSTEM_DEFAULT',
          baseImage: base.image,
          baseImageTag: base.tag,
          imageClass: input.imageClass,
          archiveImage: `${platform.registry.host}/${input.repository}:1.0.0`,
          clusterId: clusterIds[input.project],
        },
      },
      token,
    );
    return {
      jobId: created.createPackageJob.job.id,
      pullCommand: created.createPackageJob.job.pullCommand,
      build: await waitForEnd(created.createPackageJob.build.id, token),
    };
  }

  /** skopeo inspect as `login` (anonymous without one): the digest, or the error skopeo printed. */
  async function pull(reference: string, login?: Login): Promise<{ ok: true; digest: string } | { ok: false; error: string }> {
    try {
      const inspected = await skopeoInspect(reference, login ? { creds: login } : {});
      return { ok: true, digest: inspected.Digest as string };
    } catch (error) {
      return { ok: false, error: String((error as { stderr?: string }).stderr ?? error) };
    }
  }

  /** skopeo copy of a PUBLIC base image into `repository` with `login`: whether the registry took it. */
  async function push(repository: string, login: Login): Promise<{ ok: boolean; error?: string }> {
    try {
      await run('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        '--dest-creds',
        `${login.username}:${login.password}`,
        `docker://${base.image}:${base.tag}`,
        `docker://${platform.registry.host}/${repository}:pushed`,
      ]);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: String((error as { stderr?: string }).stderr ?? error) };
    }
  }

  /** `skopeo login`, the secret on stdin, into an auth file of its own: its exit code. */
  function skopeoLogin(username: string, password: string): Promise<number | null> {
    const child = spawn(
      'skopeo',
      [
        'login',
        '--tls-verify=false',
        '--authfile',
        join(tmpdir(), `stagecraft-login-${suffix}.json`),
        '--username',
        username,
        '--password-stdin',
        platform.registry.host,
      ],
      { stdio: ['pipe', 'ignore', 'ignore'] },
    );
    child.stdin.end(password);
    return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  const tokenEndpoint = (query: string, login?: Login) =>
    fetch(`${platform.url}/registry/token?service=stagecraft-registry&${query}`, {
      headers: login ? { authorization: `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}` } : {},
    });

  beforeAll(async () => {
    platform = await startPlatform({}, {}, {}, {}, { registryTokenAuth: true });
    admin = await platform.adminToken();
    projectA = await platform.createProject(admin, `images-a-${suffix}`);
    projectB = await platform.createProject(admin, `images-b-${suffix}`);
    memberA = await user('member-a', [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }], [projectA]);
    memberB = await user('member-b', [{ effect: 'ALLOW', actions: ['servicestage:*:*'] }], [projectB]);
    deniedA = await user(
      'denied-a',
      [
        { effect: 'ALLOW', actions: ['servicestage:*:*'] },
        { effect: 'DENY', actions: ['servicestage:image:pull'] },
      ],
      [projectA],
    );
    for (const project of [projectA, projectB])
      clusterIds[project] = (
        await must<{ registerCluster: { id: string } }>(
          `mutation($p: ID!, $n: String!) { registerCluster(name: $n, type: LOCAL, enterpriseProjectId: $p) { id } }`,
          { p: project, n: `local-${project.slice(0, 8)}` },
          admin,
        )
      ).registerCluster.id;
    const jar = buildExecutableJar('com.shop.Orders', 16 * 1024);
    const upload = async (token: string, project: string, name: string) => {
      const { createPackageUpload } = await must<{ createPackageUpload: { uploadUrl: string; package: { id: string } } }>(
        `mutation($p: ID!, $n: String!) { createPackageUpload(name: $n, version: "1.0.0", source: SWR, enterpriseProjectId: $p) { uploadUrl package { id } } }`,
        { p: project, n: name },
        token,
      );
      await fetch(createPackageUpload.uploadUrl, { method: 'PUT', body: jar });
      await must(
        `mutation($id: ID!) { completePackageUpload(id: $id) { status } }`,
        { id: createPackageUpload.package.id },
        token,
      );
      return createPackageUpload.package.id;
    };
    packageA = await upload(memberA.token, projectA, 'orders-a');
    packageB = await upload(memberB.token, projectB, 'orders-b');
    const { baseImages } = await must<{ baseImages: string[] }>(`{ baseImages(techStack: JAVA) }`, {}, admin);
    const reference = baseImages.find((image) => image.startsWith(platform.registry.host))!;
    base = { image: reference.slice(0, reference.lastIndexOf(':')), tag: reference.slice(reference.lastIndexOf(':') + 1) };
    builds = await connectTestClient(platform.subjectPrefix, 5_000, 'builds');
  }, 120_000);

  afterAll(async () => {
    rmSync(join(tmpdir(), `stagecraft-login-${suffix}.json`), { force: true });
    await builds?.connection.close();
    await platform?.close();
  });

  let privateImage: string;
  let publicImage: string;

  it('a build pushes with its own credential; the job and the build show the pull command', async () => {
    const built = await buildJob('A', 'private-app', 'shop-a/private-app', 'PRIVATE');
    expect(built.build).toMatchObject({ status: 'SUCCEEDED', reason: null });
    privateImage = `${platform.registry.host}/shop-a/private-app:1.0.0`;
    expect(built.pullCommand).toBe(`docker pull ${privateImage}`);
    expect(built.build.pullCommand).toBe(`docker pull ${privateImage}@${built.build.imageDigest}`);

    const open = await buildJob('A', 'public-app', 'shop-a/public-app', 'PUBLIC');
    expect(open.build).toMatchObject({ status: 'SUCCEEDED' });
    publicImage = `${platform.registry.host}/shop-a/public-app:1.0.0`;
  });

  it('anyone pulls a PUBLIC image without credentials; a PRIVATE one answers unauthorized', async () => {
    expect(await pull(publicImage)).toMatchObject({ ok: true });
    const anonymous = await pull(privateImage);
    expect(anonymous.ok).toBe(false);
    expect((anonymous as { error: string }).error).toMatch(/unauthorized|authentication required|denied/i);
    // The base images the catalog names are PUBLIC too.
    expect(await pull(`${base.image}:${base.tag}`)).toMatchObject({ ok: true });
    // Straight at the registry: 401 with the Bearer challenge naming the realm.
    const raw = await fetch(`http://${platform.registry.host}/v2/shop-a/private-app/manifests/1.0.0`);
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toContain(`realm="${platform.url}/registry/token"`);
  });

  it('a member of the project pulls the PRIVATE image with an access key; another project’s member and a Deny do not', async () => {
    expect(await pull(privateImage, memberA)).toMatchObject({ ok: true });
    expect(await pull(privateImage, memberB)).toMatchObject({ ok: false });
    expect(await pull(privateImage, deniedA)).toMatchObject({ ok: false });
    // A wrong secret is a 401 at the token endpoint, before any registry request.
    expect(await pull(privateImage, { username: memberA.username, password: 'not-the-secret' })).toMatchObject({ ok: false });
    // `skopeo login` (as docker login and crane auth login do) asks the token endpoint with no scope.
    expect(await skopeoLogin(memberA.username, memberA.password)).toBe(0);
    expect(await skopeoLogin(memberA.username, 'not-the-secret')).not.toBe(0);
    const wrong = await tokenEndpoint('scope=repository:shop-a/private-app:pull', {
      username: memberA.username,
      password: 'nope',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Basic realm="Stagecraft registry"');
  });

  it('nobody pushes with an access key, not even an administrator: only builds push', async () => {
    const adminLogin = { username: platform.admin.accessKey, password: platform.admin.secretKey };
    expect(await pull(privateImage, adminLogin)).toMatchObject({ ok: true });
    expect(await push('shop-a/private-app', adminLogin)).toMatchObject({ ok: false });
    expect(await push('shop-a/private-app', memberA)).toMatchObject({ ok: false });
    const granted = (await (await tokenEndpoint('scope=repository:shop-a/private-app:pull,push,delete', memberA)).json()) as {
      token: string;
    };
    const claims = JSON.parse(Buffer.from(granted.token.split('.')[1], 'base64url').toString()) as { access: unknown };
    expect(claims.access).toEqual([{ type: 'repository', name: 'shop-a/private-app', actions: ['pull'] }]);
  });

  it('a build’s credential pushes its own repository only, and stops at its expiry', async () => {
    const { jobId } = await buildJob('A', 'credential-app', 'shop-a/credential-app', 'PRIVATE');
    /** What builds asks iam for before it pushes the job's image. */
    const credentialLasting = (lifetimeMs: number): Promise<RegistryCredentialDto> =>
      builds.send(IamSubjects.buildRegistryCredential, {
        accountId: accountId(),
        enterpriseProjectId: projectA,
        jobId,
        buildId: jobId,
        repository: 'shop-a/credential-app',
        imageClass: 'PRIVATE',
        expiresAt: new Date(Date.now() + lifetimeMs).toISOString(),
      });
    const credential = await credentialLasting(60_000);
    expect(await push('shop-a/credential-app', credential)).toMatchObject({ ok: true });
    expect(await push('shop-a/another-app', credential)).toMatchObject({ ok: false });
    expect(await push('shop-a/private-app', credential)).toMatchObject({ ok: false });
    // It pulls its project's other images and PUBLIC ones, as a build pulling its base does; not another project's.
    expect(await pull(privateImage, credential)).toMatchObject({ ok: true });

    const shortLived = await credentialLasting(1_500);
    expect((await tokenEndpoint('scope=repository:shop-a/credential-app:push', shortLived)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await tokenEndpoint('scope=repository:shop-a/credential-app:push', shortLived)).status).toBe(401);
    expect(await push('shop-a/credential-app', shortLived)).toMatchObject({ ok: false });
  });

  it('a registry token is refused once expired', async () => {
    const sign = (now: Date) =>
      signRegistryToken(platform.registryTokenKey, {
        issuer: 'stagecraft-iam',
        service: 'stagecraft-registry',
        subject: 'test',
        access: [{ type: 'repository', name: 'shop-a/private-app', actions: ['pull'] }],
        ttlSeconds: 60,
        now,
      });
    const manifest = async (token: string) =>
      (
        await fetch(`http://${platform.registry.host}/v2/shop-a/private-app/manifests/1.0.0`, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.oci.image.manifest.v1+json' },
        })
      ).status;
    expect(await manifest(await sign(new Date()))).toBe(200);
    // Expired two minutes ago: past the registry's minute of leeway.
    expect(await manifest(await sign(new Date(Date.now() - 180_000)))).toBe(401);
  });

  it('another project cannot push to a repository that a project owns: its build ends FAILED, saying why', async () => {
    const stolen = await buildJob('B', 'thief', 'shop-a/private-app', 'PUBLIC');
    expect(stolen.build).toMatchObject({ status: 'FAILED', reason: 'REGISTRY_DENIED' });
    expect(stolen.build.message).toContain('belongs to another enterprise project');
    // Nothing changed: still PRIVATE, still project A's image.
    expect(await pull(privateImage)).toMatchObject({ ok: false });
  });

  it('changing the class on the job applies from its next build; an administrator may set it directly', async () => {
    const { jobId } = await buildJob('A', 'turns-public', 'shop-a/turns-public', 'PRIVATE');
    const image = `${platform.registry.host}/shop-a/turns-public:1.0.0`;
    expect(await pull(image)).toMatchObject({ ok: false });
    await must(
      `mutation($id: ID!) { updatePackageJob(id: $id, patch: { imageClass: PUBLIC }) { id } }`,
      { id: jobId },
      memberA.token,
    );
    expect(await pull(image)).toMatchObject({ ok: false }); // not before its next build
    const { startBuild } = await must<{ startBuild: { id: string } }>(
      `mutation($id: ID!) { startBuild(jobId: $id) { id } }`,
      { id: jobId },
      memberA.token,
    );
    expect(await waitForEnd(startBuild.id, memberA.token)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await pull(image)).toMatchObject({ ok: true });

    const set = await must<{ setImageRepositoryClass: { imageClass: string; enterpriseProjectId: string } }>(
      `mutation { setImageRepositoryClass(name: "shop-a/turns-public", imageClass: PRIVATE) { imageClass enterpriseProjectId } }`,
      {},
      admin,
    );
    expect(set.setImageRepositoryClass).toEqual({ imageClass: 'PRIVATE', enterpriseProjectId: projectA });
    expect(await pull(image)).toMatchObject({ ok: false });
    // Another project's member cannot see the repository, let alone change it.
    const refused: GraphQLResponse = await platform.gql(
      `mutation { setImageRepositoryClass(name: "shop-a/turns-public", imageClass: PUBLIC) { imageClass } }`,
      {},
      memberB.token,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const listed = await must<{ imageRepositories: { name: string }[] }>(`{ imageRepositories { name } }`, {}, memberB.token);
    expect(listed.imageRepositories).toEqual([]);
  });

  it('a project’s robot account pulls its PRIVATE images and nothing of another project; its dockerconfigjson works', async () => {
    const { createRobotAccount } = await must<{
      createRobotAccount: { robot: { id: string; name: string }; secret: string; dockerConfigJson: string };
    }>(
      `mutation($p: ID!) { createRobotAccount(enterpriseProjectId: $p, name: "cluster-pull") { robot { id name } secret dockerConfigJson } }`,
      { p: projectA },
      memberA.token,
    );
    const robot = { username: createRobotAccount.robot.id, password: createRobotAccount.secret };
    expect(await pull(privateImage, robot)).toMatchObject({ ok: true });
    expect(await push('shop-a/private-app', robot)).toMatchObject({ ok: false });
    const config = JSON.parse(createRobotAccount.dockerConfigJson) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(config.auths[platform.registry.host].auth, 'base64').toString()).toBe(
      `${robot.username}:${robot.password}`,
    );

    const { createRobotAccount: other } = await must<{ createRobotAccount: { robot: { id: string }; secret: string } }>(
      `mutation($p: ID!) { createRobotAccount(enterpriseProjectId: $p, name: "cluster-pull") { robot { id } secret } }`,
      { p: projectB },
      memberB.token,
    );
    expect(await pull(privateImage, { username: other.robot.id, password: other.secret })).toMatchObject({ ok: false });
    // Member B may not make robots in project A.
    const refused: GraphQLResponse = await platform.gql(
      `mutation($p: ID!) { createRobotAccount(enterpriseProjectId: $p, name: "intruder") { secret } }`,
      { p: projectA },
      memberB.token,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Deleted, it pulls nothing any more.
    await must(`mutation($id: ID!) { deleteRobotAccount(id: $id) }`, { id: robot.username }, memberA.token);
    expect(await pull(privateImage, robot)).toMatchObject({ ok: false });
  });

  it('no secret reaches a log', () => {
    const text = platform.logs.join('\n');
    for (const secret of [memberA.password, memberB.password, deniedA.password]) expect(text).not.toContain(secret);
  });

  /** The account, as the access token's `acc` claim names it. */
  function accountId(): string {
    return (JSON.parse(Buffer.from(memberA.token.split('.')[1], 'base64url').toString()) as { acc: string }).acc;
  }
});
