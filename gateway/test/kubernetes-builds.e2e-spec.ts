import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { loadAllYaml } from '@kubernetes/client-node';
import { FakeJobController, FakeKubeApiServer, type RecordedRequest, waitFor } from '@stagecraft/kube/testing';
import { buildExecutableJar, parsePrometheusText, type PrometheusSample, sampleValue } from '@stagecraft/testing';

import { freeLoopbackPort, packageJobInput, type Platform, startPlatform } from './platform-harness';

const TOKEN = 'kube-token-that-must-never-show-up';
const NAMESPACE = 'stagecraft-builds';
const DIGEST = `sha256:${'c'.repeat(64)}`;
const BUILD_FIELDS = 'id status phase reason message imageDigest image';

interface BuildView {
  id: string;
  status: string;
  phase: string | null;
  reason: string | null;
  imageDigest: string | null;
  image: string | null;
}

describe('builds on a Kubernetes cluster, through GraphQL (fake API server)', () => {
  let platform: Platform;
  let kube: FakeKubeApiServer;
  let controller: FakeJobController;
  let admin: string;
  let jar: Buffer;
  let jobInput: Record<string, unknown>;
  let metricsPort: number;
  /** The builds service's /metrics, parsed strictly. */
  const metrics = async () => parsePrometheusText(await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text());

  const build = async (id: string) =>
    (await platform.gql<{ build: BuildView }>(`query($id: ID!) { build(id: $id) { ${BUILD_FIELDS} } }`, { id }, admin)).data!
      .build;
  const pods = (id: string) => controller.pods(NAMESPACE, `stagecraft-build-${id}`);

  beforeAll(async () => {
    kube = await FakeKubeApiServer.start({ token: TOKEN });
    kube.seedNode({ name: 'node-a', labels: { pool: 'build' }, internalIP: '10.0.0.1', externalIP: '203.0.113.1' });
    kube.seedNode({ name: 'node-b', labels: { pool: 'build' }, internalIP: '10.0.0.2' });
    controller = new FakeJobController(kube);
    // The registry takes tokens from iam: the build's push credential goes into its Secret (issue 12).
    metricsPort = await freeLoopbackPort();
    platform = await startPlatform(
      {},
      {},
      { KUBE_WATCH_BACKOFF_MAX_MS: '500', OBSERVABILITY_PORT: String(metricsPort) },
      {},
      { registryTokenAuth: true },
    );
    admin = await platform.adminToken();
    jar = buildExecutableJar('com.shop.Orders', 16 * 1024);
    const packageId = await platform.uploadPackage(admin, 'orders', '1.0.0', jar);
    const cluster = await platform.gql<{ registerCluster: { id: string; status: string } }>(
      `mutation($k: String) { registerCluster(name: "prod", type: KUBERNETES, kubeconfig: $k) { id status } }`,
      { k: kube.kubeconfig() },
      admin,
    );
    expect(cluster.data!.registerCluster.status).toBe('AVAILABLE');
    jobInput = packageJobInput({
      name: 'orders-on-k8s',
      packageId,
      archiveImage: `${platform.registry.host}/shop/orders:2.0.0`,
      clusterId: cluster.data!.registerCluster.id,
      nodeLabels: [{ key: 'pool', value: 'build' }],
    });
  });
  afterAll(async () => {
    await platform?.close();
    controller?.stop();
    await kube?.close();
  });

  it('Build creates a Job pinned to the labelled nodes with an EIP; the pod can fetch the package; the result comes back', async () => {
    const before = await metrics();
    const started = await platform.gql<{ createPackageJob: { build: BuildView } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { build { ${BUILD_FIELDS} } } }`,
      { input: jobInput },
      admin,
    );
    const id = started.data!.createPackageJob.build.id;
    const [pod] = await waitFor(() => (pods(id).length ? pods(id) : undefined), { timeoutMs: 15_000, what: 'the build pod' });
    const affinity = (pod.spec as any).affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(affinity.nodeSelectorTerms[0].matchExpressions[0].values).toEqual(['node-a']);
    expect((pod.spec as { nodeSelector: unknown }).nodeSelector).toEqual({ pool: 'build' });

    // What the build container would do with its Secret: fetch the package through the presigned URL.
    const secret = kube.object('secrets', NAMESPACE, `stagecraft-build-${id}`)!;
    const spec = JSON.parse(Buffer.from((secret.data as Record<string, string>)['spec.json'], 'base64').toString());
    const downloaded = Buffer.from(await (await fetch(spec.packageUrl)).arrayBuffer());
    expect(downloaded.equals(jar)).toBe(true);
    // …and push with the build's own credential: its one repository, until the build's deadline.
    const auths = JSON.parse(Buffer.from((secret.data as Record<string, string>)['config.json'], 'base64').toString()).auths;
    const [username, password] = Buffer.from(auths[platform.registry.host].auth, 'base64').toString().split(/:(.*)/s);
    expect(username).toBe('stagecraft-build');
    const claims = JSON.parse(Buffer.from(password.split('.')[1], 'base64url').toString()) as { exp: number; repo: string };
    expect(claims.repo).toBe('shop/orders');
    // BUILD_DEADLINE_SECONDS (3600) and a minute, from the build's start.
    expect(claims.exp * 1000).toBeGreaterThan(Date.now() + 3_500_000);
    expect(claims.exp * 1000).toBeLessThan(Date.now() + 3_700_000);
    const scope = async (repository: string) => {
      const url = `${platform.url}/registry/token?service=stagecraft-registry&scope=repository:${repository}:pull,push`;
      const basic = Buffer.from(`${username}:${password}`).toString('base64');
      const { token } = (await (await fetch(url, { headers: { authorization: `Basic ${basic}` } })).json()) as { token: string };
      return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { access: unknown[] }).access;
    };
    expect(await scope('shop/orders')).toEqual([{ type: 'repository', name: 'shop/orders', actions: ['pull', 'push'] }]);
    expect(await scope('shop/other')).toEqual([]);

    controller.startPod(NAMESPACE, pod.metadata.name);
    kube.appendPodLog(NAMESPACE, pod.metadata.name, '::stagecraft phase=DOWNLOAD');
    kube.appendPodLog(NAMESPACE, pod.metadata.name, `Downloaded the package: ${jar.length} bytes`);
    await waitFor(async () => (await build(id)).phase === 'DOWNLOAD', { timeoutMs: 10_000, what: 'phase DOWNLOAD' });
    controller.finishPod(NAMESPACE, pod.metadata.name, {
      exitCode: 0,
      message: JSON.stringify({ status: 'SUCCEEDED', digest: DIGEST, image: `${jobInput.archiveImage}@${DIGEST}` }),
    });
    const finished = await waitFor(async () => ((await build(id)).status === 'SUCCEEDED' ? build(id) : undefined), {
      timeoutMs: 15_000,
      what: 'SUCCEEDED',
    });
    expect(finished).toMatchObject({ imageDigest: DIGEST, image: `${jobInput.archiveImage}@${DIGEST}` });
    const log = await platform.gql<{ buildLog: { text: string; complete: boolean } }>(
      `query($id: ID!) { buildLog(buildId: $id) { text complete } }`,
      { id },
      admin,
    );
    expect(log.data!.buildLog.text).toContain(`Downloaded the package: ${jar.length} bytes`);
    expect(log.data!.buildLog.complete).toBe(true);

    // The builds service's /metrics moved with it: one more SUCCEEDED build, and the requests it handled.
    const after = await metrics();
    const succeeded = (samples: PrometheusSample[]) =>
      sampleValue(samples, 'stagecraft_build_duration_seconds_count', { outcome: 'SUCCEEDED' });
    expect(succeeded(after)).toBe(succeeded(before) + 1);
    const starts = (samples: PrometheusSample[]) =>
      sampleValue(samples, 'stagecraft_rpc_request_duration_seconds_count', {
        subject: 'builds.start-for-job.v1',
        outcome: 'ok',
      });
    expect(starts(after)).toBe(starts(before) + 1);
    expect(sampleValue(after, 'stagecraft_build_queue_depth')).toBe(0);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status).toBe(200);
  });

  it('cancelBuild deletes the Job and its pod', async () => {
    const job = await platform.gql<{ createPackageJob: { build: BuildView } }>(
      `mutation($input: PackageJobInput!) { createPackageJob(input: $input, build: true) { build { id } } }`,
      { input: { ...jobInput, name: 'cancel-me' } },
      admin,
    );
    const id = job.data!.createPackageJob.build.id;
    const [pod] = await waitFor(() => (pods(id).length ? pods(id) : undefined), { timeoutMs: 15_000, what: 'the build pod' });
    controller.startPod(NAMESPACE, pod.metadata.name);
    await waitFor(async () => (await build(id)).status === 'RUNNING', { timeoutMs: 10_000, what: 'RUNNING' });
    const cancelled = await platform.gql<{ cancelBuild: BuildView }>(
      `mutation($id: ID!) { cancelBuild(id: $id) { status } }`,
      { id },
      admin,
    );
    expect(['CANCELLING', 'CANCELLED']).toContain(cancelled.data!.cancelBuild.status);
    await waitFor(async () => (await build(id)).status === 'CANCELLED', { timeoutMs: 10_000, what: 'CANCELLED' });
    // The phase it was in ends with it.
    const timed = await platform.gql<{ build: { phases: { phase: string; finishedAt: string | null; outcome: string }[] } }>(
      `query($id: ID!) { build(id: $id) { phases { phase finishedAt outcome } } }`,
      { id },
      admin,
    );
    expect(timed.data!.build.phases).toEqual([{ phase: 'INIT', finishedAt: expect.any(String), outcome: 'CANCELLED' }]);
    await waitFor(() => !kube.object('jobs.batch', NAMESPACE, `stagecraft-build-${id}`) && pods(id).length === 0, {
      what: 'Job and pod deleted',
    });
  });

  it('needs no right beyond deploy/kubernetes/stagecraft-access.yaml for anything it did on the cluster', () => {
    const rbac = loadAllYaml(
      readFileSync(join(__dirname, '..', '..', 'deploy', 'kubernetes', 'stagecraft-access.yaml'), 'utf8'),
    ) as Rbac[];
    const denied = kube.requests.map(attributesOf).filter((request) => request && !allowed(rbac, request));
    expect(denied).toEqual([]);
    // And it did the things that needed rights: not a vacuous check.
    const done = new Set(kube.requests.map(attributesOf).map((a) => a && `${a.verb} ${a.resource}`));
    for (const needed of [
      'create namespaces',
      'watch nodes',
      'create jobs',
      'watch pods',
      'get pods/log',
      'delete jobs',
      'create secrets',
    ])
      expect(done).toContain(needed);
  });

  it('no credential of the cluster reaches a log line, an error or an object on the cluster', () => {
    expect(platform.logs.join('\n')).not.toContain(TOKEN);
    for (const resource of ['jobs.batch', 'pods', 'secrets'])
      for (const object of kube.objects(resource, NAMESPACE)) expect(JSON.stringify(object)).not.toContain(TOKEN);
  });
});

interface Rbac {
  kind: string;
  metadata: { namespace?: string };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
}

interface RequestAttributes {
  group: string;
  resource: string;
  verb: string;
  namespace?: string;
  name?: string;
}

/** What the API server's authorizer sees in a request (null for discovery and /version). */
function attributesOf(request: RecordedRequest): RequestAttributes | null {
  const parts = request.path.split('/').filter(Boolean);
  let rest: string[];
  let group: string;
  if (parts[0] === 'api' && parts.length > 2) [group, rest] = ['', parts.slice(2)];
  else if (parts[0] === 'apis' && parts.length > 3) [group, rest] = [parts[1], parts.slice(3)];
  else return null;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 2) [namespace, rest] = [rest[1], rest.slice(2)];
  const [resource, name, subresource] = rest;
  const verb =
    { POST: 'create', DELETE: 'delete', PATCH: 'patch', PUT: 'update' }[request.method] ??
    (name ? 'get' : request.query.watch === 'true' ? 'watch' : 'list');
  return { group, resource: subresource ? `${resource}/${subresource}` : resource, verb, namespace, name };
}

function allowed(rbac: Rbac[], request: RequestAttributes): boolean {
  return rbac.some(
    (object) =>
      (object.kind === 'ClusterRole' || (object.kind === 'Role' && object.metadata.namespace === request.namespace)) &&
      object.rules!.some(
        (rule) =>
          rule.apiGroups.includes(request.group) &&
          rule.resources.includes(request.resource) &&
          rule.verbs.includes(request.verb) &&
          (!rule.resourceNames || (request.name !== undefined && rule.resourceNames.includes(request.name))),
      ),
  );
}
