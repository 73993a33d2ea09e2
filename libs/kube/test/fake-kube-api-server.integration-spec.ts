import { request } from 'node:https';
import { PassThrough } from 'node:stream';

import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  Log,
  makeInformer,
  NetworkingV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1ConfigMap,
  V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { stopAfterEach } from '@stagecraft/testing';

import { describeKubeError } from '../src';
import { FakeKubeApiServer, formatKubeletTimestamp, KubeStatus, Status, waitFor } from '../src/testing';

/** The Status body of a failed client-node call. */
async function failure(call: Promise<unknown>): Promise<{ code: number; status?: KubeStatus }> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) {
      const body = typeof err.body === 'string' && err.body ? (JSON.parse(err.body) as KubeStatus) : undefined;
      return { code: err.code, status: body };
    }
    throw err;
  }
  throw new Error('the call succeeded');
}

interface WatchHandle {
  events: { type: string; name?: string; rv?: string; code?: number }[];
  done: Promise<unknown>;
  abort: () => void;
}

// Each watch (or informer) a test started is stopped after it too, when a failed assertion skipped the test's own stop.
const stopLater = stopAfterEach();

async function watch(kc: KubeConfig, path: string, query: Record<string, string | number | boolean>): Promise<WatchHandle> {
  const events: WatchHandle['events'] = [];
  let finish: (err: unknown) => void = () => undefined;
  const done = new Promise((resolve) => (finish = resolve));
  const controller = await new Watch(kc).watch(
    path,
    query,
    (type, obj: { metadata?: { name?: string; resourceVersion?: string }; code?: number }) =>
      events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion, code: obj.code }),
    (err) => finish(err ?? 'closed'),
  );
  stopLater(() => controller.abort());
  return { events, done, abort: () => controller.abort() };
}

describe('FakeKubeApiServer through @kubernetes/client-node', () => {
  let fake: FakeKubeApiServer;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let ns = '';
  let counter = 0;

  beforeAll(async () => {
    fake = await FakeKubeApiServer.start({ historyLimit: 1000 });
    kc = fake.kubeConfig();
    core = kc.makeApiClient(CoreV1Api);
  });
  afterAll(() => fake.close());

  beforeEach(async () => {
    ns = `test-${++counter}`;
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });

  const pod = (name: string, labels?: Record<string, string>): V1Pod => ({
    metadata: { name, labels },
    spec: { containers: [{ name: 'build', image: 'busybox' }] },
  });

  describe('objects', () => {
    it('creates and reads back with server-set metadata', async () => {
      const created = await core.createNamespacedPod({ namespace: ns, body: pod('p1') });
      expect(created.metadata).toMatchObject({ name: 'p1', namespace: ns, generation: 1 });
      expect(created.metadata?.uid).toBeTruthy();
      expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
      const read = await core.readNamespacedPod({ namespace: ns, name: 'p1' });
      expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
      expect(read.status?.phase).toBe('Pending');
    });

    it('answers 409 AlreadyExists, 404 NotFound and 404 for a missing namespace with the real Status bodies', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('p1') });
      expect(await failure(core.createNamespacedPod({ namespace: ns, body: pod('p1') }))).toEqual({
        code: 409,
        status: expect.objectContaining({
          kind: 'Status',
          reason: 'AlreadyExists',
          message: 'pods "p1" already exists',
          code: 409,
        }),
      });
      expect(await failure(core.readNamespacedPod({ namespace: ns, name: 'nope' }))).toMatchObject({
        code: 404,
        status: { reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } },
      });
      expect(await failure(core.createNamespacedPod({ namespace: 'missing', body: pod('p1') }))).toMatchObject({
        code: 404,
        status: { reason: 'NotFound', message: 'namespaces "missing" not found' },
      });
      expect(await failure(kc.makeApiClient(BatchV1Api).readNamespacedJob({ namespace: ns, name: 'j' }))).toMatchObject({
        status: { message: 'jobs.batch "j" not found' },
      });
    });

    it('lists with label selectors (=, !=, exists, !exists, in, notin), field selectors and a list resourceVersion', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('a', { app: 'web', tier: 'front' }) });
      await core.createNamespacedPod({ namespace: ns, body: pod('b', { app: 'web', tier: 'back' }) });
      await core.createNamespacedPod({ namespace: ns, body: pod('c', { app: 'db' }) });
      const names = async (labelSelector?: string, fieldSelector?: string) =>
        (await core.listNamespacedPod({ namespace: ns, labelSelector, fieldSelector })).items.map((p) => p.metadata?.name);
      expect(await names('app=web')).toEqual(['a', 'b']);
      expect(await names('app!=web')).toEqual(['c']);
      expect(await names('tier')).toEqual(['a', 'b']);
      expect(await names('!tier')).toEqual(['c']);
      expect(await names('tier in (front,middle)')).toEqual(['a']);
      expect(await names('tier notin (front)')).toEqual(['b', 'c']);
      expect(await names('app=web,tier!=front')).toEqual(['b']);
      expect(await names(undefined, 'metadata.name=c')).toEqual(['c']);
      expect(await names(undefined, `metadata.namespace=${ns},metadata.name!=c`)).toEqual(['a', 'b']);
      const list = await core.listNamespacedPod({ namespace: ns });
      expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
      expect(await failure(core.listNamespacedPod({ namespace: ns, fieldSelector: 'spec.bogus=x' }))).toMatchObject({
        code: 400,
      });
    });

    it('pages a list with limit and continue', async () => {
      for (const name of ['p1', 'p2', 'p3']) await core.createNamespacedPod({ namespace: ns, body: pod(name) });
      const first = await core.listNamespacedPod({ namespace: ns, limit: 2 });
      expect(first.items.map((p) => p.metadata?.name)).toEqual(['p1', 'p2']);
      expect(first.metadata?._continue).toBeTruthy();
      const rest = await core.listNamespacedPod({ namespace: ns, limit: 2, _continue: first.metadata?._continue });
      expect(rest.items.map((p) => p.metadata?.name)).toEqual(['p3']);
      expect(rest.metadata?._continue).toBeUndefined();
    });

    it('answers 410 Expired for a too old continue token or Exact resourceVersion', async () => {
      for (const name of ['p1', 'p2']) await core.createNamespacedPod({ namespace: ns, body: pod(name) });
      const first = await core.listNamespacedPod({ namespace: ns, limit: 1 });
      // Compaction keeps the revision it happens at, so something must change after the list first.
      await core.createNamespacedPod({ namespace: ns, body: pod('p3') });
      fake.compactHistory();
      expect(
        await failure(core.listNamespacedPod({ namespace: ns, limit: 1, _continue: first.metadata?._continue })),
      ).toMatchObject({
        code: 410,
        status: { reason: 'Expired' },
      });
      expect(
        await failure(
          core.listNamespacedPod({
            namespace: ns,
            resourceVersion: first.metadata?.resourceVersion,
            resourceVersionMatch: 'Exact',
          }),
        ),
      ).toMatchObject({ code: 410, status: { message: expect.stringContaining('too old resource version') } });
    });

    it('replaces with optimistic concurrency: a stale resourceVersion is a 409 Conflict', async () => {
      const created = await core.createNamespacedPod({ namespace: ns, body: pod('p1') });
      const updated = await core.replaceNamespacedPod({
        namespace: ns,
        name: 'p1',
        body: { ...created, metadata: { ...created.metadata, labels: { v: '2' } } },
      });
      expect(updated.metadata?.labels).toEqual({ v: '2' });
      expect(
        await failure(
          core.replaceNamespacedPod({
            namespace: ns,
            name: 'p1',
            body: { ...created, metadata: { ...created.metadata, labels: { v: '3' } } },
          }),
        ),
      ).toMatchObject({
        code: 409,
        status: { reason: 'Conflict', message: expect.stringContaining('the object has been modified') },
      });
    });

    it("patches with client-node's default JSON patch and with a merge patch", async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('p1', { a: '1' }) });
      const jsonPatched = await core.patchNamespacedPod({
        namespace: ns,
        name: 'p1',
        body: [{ op: 'add', path: '/metadata/labels/b', value: '2' }],
      });
      expect(jsonPatched.metadata?.labels).toEqual({ a: '1', b: '2' });
      const merged = await core.patchNamespacedPod(
        { namespace: ns, name: 'p1', body: { metadata: { labels: { a: null, c: '3' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      expect(merged.metadata?.labels).toEqual({ b: '2', c: '3' });
      const status = await core.patchNamespacedPodStatus(
        { namespace: ns, name: 'p1', body: { status: { phase: 'Running' } } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
      expect(status.status?.phase).toBe('Running');
      expect(fake.requests.filter((r) => r.method === 'PATCH').map((r) => r.headers['content-type'])).toEqual(
        expect.arrayContaining([
          'application/json-patch+json',
          'application/merge-patch+json',
          'application/strategic-merge-patch+json',
        ]),
      );
    });

    it("deletes with a propagationPolicy: Background collects the Job's pods, the default orphans them", async () => {
      const batch = kc.makeApiClient(BatchV1Api);
      const job = (name: string) => ({
        metadata: { name },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
      });
      for (const name of ['kept', 'collected']) {
        const created = await batch.createNamespacedJob({ namespace: ns, body: job(name) });
        fake.createObject('pods', {
          metadata: {
            name: `${name}-pod`,
            namespace: ns,
            ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: created.metadata?.uid as string }],
          },
        });
      }
      const deleted = await batch.deleteNamespacedJob({ namespace: ns, name: 'collected', propagationPolicy: 'Background' });
      expect(deleted).toMatchObject({
        kind: 'Status',
        status: 'Success',
        details: { name: 'collected', group: 'batch', kind: 'jobs' },
      });
      await batch.deleteNamespacedJob({ namespace: ns, name: 'kept' });
      expect(fake.objects('pods', ns).map((p) => [p.metadata.name, p.metadata.ownerReferences])).toEqual([
        ['kept-pod', undefined],
      ]);
      expect(fake.requests.find((r) => r.method === 'DELETE' && r.path.endsWith('/collected'))?.query).toEqual({
        propagationPolicy: 'Background',
      });
    });

    it('serves networking.k8s.io NetworkPolicies and the generic KubernetesObjectApi (via discovery)', async () => {
      const networking = kc.makeApiClient(NetworkingV1Api);
      await networking.createNamespacedNetworkPolicy({
        namespace: ns,
        body: { metadata: { name: 'np' }, spec: { podSelector: {}, policyTypes: ['Egress'] } },
      });
      expect((await networking.listNamespacedNetworkPolicy({ namespace: ns })).items.map((n) => n.metadata?.name)).toEqual([
        'np',
      ]);

      const objects = KubernetesObjectApi.makeApiClient(kc);
      await objects.create<V1ConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: ns },
        data: { a: 'b' },
      });
      const read = await objects.read<V1ConfigMap>({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', namespace: ns },
      });
      expect(read.data).toEqual({ a: 'b' });
    });

    it('deleting a namespace removes what is in it', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('p1') });
      await core.deleteNamespace({ name: ns });
      expect(fake.objects('pods', ns)).toEqual([]);
      expect(await failure(core.readNamespace({ name: ns }))).toMatchObject({ code: 404 });
    });
  });

  describe('watches', () => {
    it('replay the events after a resourceVersion, honour the label selector, then stream live ones', async () => {
      const start = (await core.listNamespacedPod({ namespace: ns })).metadata?.resourceVersion as string;
      await core.createNamespacedPod({ namespace: ns, body: pod('a', { role: 'build' }) });
      await core.createNamespacedPod({ namespace: ns, body: pod('b', { role: 'other' }) });
      const w = await watch(kc, `/api/v1/namespaces/${ns}/pods`, { resourceVersion: start, labelSelector: 'role=build' });
      await waitFor(() => w.events.length === 1);
      await core.patchNamespacedPod({
        namespace: ns,
        name: 'a',
        body: [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }],
      });
      await core.deleteNamespacedPod({ namespace: ns, name: 'a' });
      await waitFor(() => w.events.length === 3);
      expect(w.events.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
      const rvs = w.events.map((e) => Number(e.rv));
      expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
      w.abort();
    });

    it('without a resourceVersion start with synthetic ADDED events for what exists', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('a') });
      const w = await watch(kc, `/api/v1/namespaces/${ns}/pods`, {});
      await waitFor(() => w.events.length === 1);
      expect(w.events[0]).toMatchObject({ type: 'ADDED', name: 'a' });
      w.abort();
    });

    it('a resourceVersion older than the retained history gets an ERROR event with a 410 Status, then the stream ends', async () => {
      const start = (await core.listNamespacedPod({ namespace: ns })).metadata?.resourceVersion as string;
      await core.createNamespacedPod({ namespace: ns, body: pod('a') });
      fake.compactHistory();
      const w = await watch(kc, `/api/v1/namespaces/${ns}/pods`, { resourceVersion: start });
      expect(await w.done).toBe('closed');
      expect(w.events).toEqual([{ type: 'ERROR', code: 410 }]);
    });

    it('end after timeoutSeconds', async () => {
      const w = await watch(kc, `/api/v1/namespaces/${ns}/pods`, { timeoutSeconds: 1 });
      const started = Date.now();
      expect(await w.done).toBe('closed');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(fake.openWatchCount).toBe(0);
    });

    it('breakWatches ends every open stream abruptly', async () => {
      const w1 = await watch(kc, `/api/v1/namespaces/${ns}/pods`, {});
      const w2 = await watch(kc, '/api/v1/nodes', {});
      await waitFor(() => fake.openWatchCount === 2);
      expect(fake.breakWatches()).toBe(2);
      await Promise.all([w1.done, w2.done]);
      expect(fake.openWatchCount).toBe(0);
    });

    it('sends BOOKMARKs to watches that ask for them', async () => {
      const w = await watch(kc, `/api/v1/namespaces/${ns}/pods`, {
        allowWatchBookmarks: true,
        resourceVersion: String(fake.api.store.currentRevision),
      });
      await waitFor(() => fake.openWatchCount === 1);
      fake.sendBookmarks();
      await waitFor(() => w.events.length === 1);
      expect(w.events[0]).toEqual({ type: 'BOOKMARK', rv: String(fake.api.store.currentRevision) });
      w.abort();
    });

    it('keep an informer in sync, across a broken watch and a 410 after compaction', async () => {
      const informer = makeInformer(kc, `/api/v1/namespaces/${ns}/pods`, () => core.listNamespacedPod({ namespace: ns }));
      // client-node informers stop on errors (also on the abort of their own stop()); callers restart them.
      let stopped = false;
      informer.on('error', () => setTimeout(() => void (stopped || informer.start()), 20));
      stopLater(() => {
        stopped = true;
        return informer.stop();
      });
      await informer.start();
      const names = () =>
        informer
          .list(ns)
          .map((p) => p.metadata?.name)
          .sort()
          .join(',');

      await core.createNamespacedPod({ namespace: ns, body: pod('a') });
      await waitFor(() => names() === 'a');

      fake.breakWatches();
      await core.createNamespacedPod({ namespace: ns, body: pod('b') });
      await waitFor(() => names() === 'a,b', { what: 'the informer to catch up after a broken watch' });

      await waitFor(() => fake.openWatchCount === 1);
      fake.endWatches();
      fake.deleteObject('pods', ns, 'a');
      fake.compactHistory();
      await waitFor(() => names() === 'b', { what: 'the informer to re-list after 410' });
      // ListWatch.stop() misses a watch it has yet to start after a re-list, or whose response headers
      // are still on their way: wait until the server has it, then stop until none is left.
      await waitFor(() => fake.openWatchCount === 1);
      stopped = true;
      await waitFor(async () => {
        await informer.stop();
        return fake.openWatchCount === 0;
      });
    });
  });

  describe('pod logs', () => {
    it('serve the buffer, with sinceTime and kubelet timestamps, and follow until the log ends', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('builder') });
      const t0 = new Date('2025-01-01T10:00:00.000Z');
      const t1 = new Date('2025-01-01T10:00:01.250Z');
      fake.appendPodLog(ns, 'builder', 'step 1', t0);
      fake.appendPodLog(ns, 'builder', 'step 2\nstep 3', t1);

      expect(await core.readNamespacedPodLog({ namespace: ns, name: 'builder' })).toBe('step 1\nstep 2\nstep 3\n');

      const out = new PassThrough();
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const ended = new Promise((resolve) => out.on('end', resolve));
      await new Log(kc).log(ns, 'builder', 'build', out, { follow: true, timestamps: true, sinceTime: t1.toISOString() });
      await waitFor(() => text.includes('step 3'));
      expect(text).toBe('2025-01-01T10:00:01.250000000Z step 2\n2025-01-01T10:00:01.250000000Z step 3\n');

      const t2 = new Date('2025-01-01T10:00:02.000Z');
      fake.appendPodLog(ns, 'builder', 'step 4', t2);
      await waitFor(() => text.includes('step 4'));
      fake.endPodLog(ns, 'builder');
      await ended;
      expect(text.split('\n').at(-2)).toBe(`${formatKubeletTimestamp(t2)} step 4`);
      expect(formatKubeletTimestamp(t2)).toBe('2025-01-01T10:00:02.000000000Z');
    });

    it('a follow ends when the pod finishes, and a missing pod is a 404', async () => {
      await core.createNamespacedPod({ namespace: ns, body: pod('short') });
      fake.appendPodLog(ns, 'short', 'hello');
      const out = new PassThrough();
      let text = '';
      out.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const ended = new Promise((resolve) => out.on('end', resolve));
      await new Log(kc).log(ns, 'short', 'build', out, { follow: true });
      await waitFor(() => text === 'hello\n');
      fake.patchStatus('pods', ns, 'short', { phase: 'Succeeded' });
      await ended;
      expect(await failure(core.readNamespacedPodLog({ namespace: ns, name: 'missing' }))).toMatchObject({ code: 404 });
    });
  });

  describe('access and outages', () => {
    const raw = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; body: unknown }>((resolve, reject) => {
        const url = new URL(path, fake.url);
        const req = request(url, { ca: fake.caPem, headers }, (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data) }));
        });
        req.on('error', reject);
        req.end();
      });

    it('answers 401 with a Status to a missing or wrong token', async () => {
      expect(await raw('/api/v1/namespaces')).toEqual({
        status: 401,
        body: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: 'Unauthorized',
          reason: 'Unauthorized',
          code: 401,
        },
      });
      expect((await raw('/api/v1/namespaces', { authorization: 'Bearer nope' })).status).toBe(401);
      expect((await raw('/version', { authorization: `Bearer ${fake.token}` })).status).toBe(200);
    });

    it('logs requests without their credentials', async () => {
      fake.clearRequests();
      await core.listNamespacedPod({ namespace: ns, labelSelector: 'a=b' });
      expect(fake.requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: `/api/v1/namespaces/${ns}/pods`,
          query: { labelSelector: 'a=b' },
          headers: expect.objectContaining({ authorization: 'Bearer [redacted]' }),
        }),
      ]);
      expect(JSON.stringify(fake.requests)).not.toContain(fake.token);
    });

    it('while unavailable answers 503 or drops connections, and breaks open watches', async () => {
      const w = await watch(kc, `/api/v1/namespaces/${ns}/pods`, {});
      await waitFor(() => fake.openWatchCount === 1);
      fake.setUnavailable(true);
      await w.done;
      expect(await failure(core.listNamespacedPod({ namespace: ns }))).toMatchObject({
        code: 503,
        status: { reason: 'ServiceUnavailable' },
      });
      fake.setUnavailable(true, 'drop');
      const dropped = await core.listNamespacedPod({ namespace: ns }).catch((err: unknown) => err);
      expect(describeKubeError(dropped)).toMatchObject({ kind: 'network' });
      fake.setUnavailable(false);
      expect((await core.listNamespacedPod({ namespace: ns })).items).toEqual([]);
    });

    it('reactors inject answers for matching requests', async () => {
      const remove = fake.addReactor({ verb: 'create', resource: 'pods' }, () =>
        Status.forbidden({ group: '', resource: 'pods' }, 'p', 'exceeded quota'),
      );
      expect(await failure(core.createNamespacedPod({ namespace: ns, body: pod('p') }))).toMatchObject({
        code: 403,
        status: { message: 'pods "p" is forbidden: exceeded quota' },
      });
      remove();
      await core.createNamespacedPod({ namespace: ns, body: pod('p') });
    });
  });

  describe('test controls', () => {
    it('seed, update and remove nodes', async () => {
      fake.seedNode({ name: 'node-a', labels: { pool: 'build' }, internalIP: '10.0.0.1', externalIP: '203.0.113.1' });
      let node = await core.readNode({ name: 'node-a' });
      expect(node.metadata?.labels).toMatchObject({ pool: 'build', 'kubernetes.io/hostname': 'node-a' });
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      expect(node.status?.addresses).toEqual(
        expect.arrayContaining([
          { type: 'InternalIP', address: '10.0.0.1' },
          { type: 'ExternalIP', address: '203.0.113.1' },
        ]),
      );

      fake.updateNode('node-a', { ready: false, labels: { pool: null, zone: 'z1' }, externalIP: null, unschedulable: true });
      node = await core.readNode({ name: 'node-a' });
      expect(node.metadata?.labels?.pool).toBeUndefined();
      expect(node.metadata?.labels?.zone).toBe('z1');
      expect(node.spec?.unschedulable).toBe(true);
      expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
      expect(node.status?.addresses?.map((a) => a.type)).toEqual(['InternalIP', 'Hostname']);

      fake.removeNode('node-a');
      expect(await failure(core.readNode({ name: 'node-a' }))).toMatchObject({ code: 404 });
    });

    it('registering another kind is one call, and onChange lets a test add behaviour', async () => {
      fake.registerResource({
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        kind: 'Deployment',
        namespaced: true,
        statusSubresource: true,
      });
      const seen: string[] = [];
      const off = fake.onChange('deployments', (change) => seen.push(`${change.type} ${change.object.metadata.name}`));
      const objects = KubernetesObjectApi.makeApiClient(kc);
      await objects.create({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: { selector: {}, template: {} },
      } as never);
      off();
      expect(seen).toEqual(['ADDED web']);
      expect(fake.objects('deployments.apps', ns).map((d) => d.metadata.name)).toEqual(['web']);
    });
  });
});
