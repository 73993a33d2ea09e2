import { FakeKubeApi, WatchEvent } from './fake-kube-api';
import { FakeKubeError } from './kube-status';

// The fake's semantics without HTTP; the integration specs drive the same code through client-node.
describe('FakeKubeApi', () => {
  let api: FakeKubeApi;
  const pods = () => api.resolve('pods');
  const jobs = () => api.resolve('jobs.batch');
  const statusOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      if (err instanceof FakeKubeError) return { code: err.status.code, reason: err.status.reason, message: err.status.message };
      throw err;
    }
    return undefined;
  };

  beforeEach(() => {
    api = new FakeKubeApi({ historyLimit: 50 });
    api.create(api.resolve('namespaces'), undefined, { metadata: { name: 'ns' } });
  });

  it('resolves plural, qualified and group/version/plural names', () => {
    expect(api.resolve('jobs').id).toBe('batch/v1/jobs');
    expect(api.resolve('jobs.batch').id).toBe('batch/v1/jobs');
    expect(api.resolve('batch/v1/jobs').id).toBe('batch/v1/jobs');
    expect(api.resolve('networkpolicies.networking.k8s.io').kind).toBe('NetworkPolicy');
    expect(() => api.resolve('deployments')).toThrow('unknown or ambiguous resource');
  });

  it('sets uid, creationTimestamp, generation and an increasing resourceVersion', () => {
    const a = api.create(pods(), 'ns', { metadata: { name: 'a' } });
    const b = api.create(pods(), 'ns', { metadata: { name: 'b' } });
    expect(a.metadata).toMatchObject({
      name: 'a',
      namespace: 'ns',
      generation: 1,
      uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(a.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(a.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('generateName gets a random suffix', () => {
    expect(api.create(pods(), 'ns', { metadata: { generateName: 'build-' } }).metadata.name).toMatch(/^build-[a-z0-9]{5}$/);
  });

  it('bumps generation on spec changes only, and not at all for a no-op update', () => {
    const created = api.create(jobs(), 'ns', { metadata: { name: 'j' }, spec: { template: {} } });
    const relabelled = api.replace(jobs(), 'ns', 'j', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    expect(relabelled.metadata.generation).toBe(1);
    const respecced = api.replace(jobs(), 'ns', 'j', { ...relabelled, spec: { ...(relabelled.spec as object), parallelism: 2 } });
    expect(respecced.metadata.generation).toBe(2);
    const same = api.replace(jobs(), 'ns', 'j', respecced);
    expect(same.metadata.resourceVersion).toBe(respecced.metadata.resourceVersion);
  });

  it('the main resource ignores status, the status subresource changes only status', () => {
    const pod = api.create(pods(), 'ns', { metadata: { name: 'p' } });
    const main = api.replace(pods(), 'ns', 'p', {
      ...pod,
      status: { phase: 'Running' },
      metadata: { ...pod.metadata, labels: { x: 'y' } },
    });
    expect(main.status).toEqual(pod.status);
    const status = api.replace(
      pods(),
      'ns',
      'p',
      { ...main, status: { phase: 'Running' }, metadata: { ...main.metadata, labels: {} } },
      { subresource: 'status' },
    );
    expect(status.status).toEqual({ phase: 'Running' });
    expect(status.metadata.labels).toEqual({ x: 'y' });
  });

  it.each([
    [
      'a duplicate',
      () => api.create(pods(), 'ns', { metadata: { name: 'dup' } }),
      { code: 409, reason: 'AlreadyExists', message: 'pods "dup" already exists' },
    ],
    [
      'a missing namespace',
      () => api.create(pods(), 'nope', { metadata: { name: 'x' } }),
      { code: 404, reason: 'NotFound', message: 'namespaces "nope" not found' },
    ],
    [
      'a missing object',
      () => api.get(jobs(), 'ns', 'x'),
      { code: 404, reason: 'NotFound', message: 'jobs.batch "x" not found' },
    ],
    [
      'a stale resourceVersion',
      () => api.replace(pods(), 'ns', 'dup', { metadata: { name: 'dup', resourceVersion: '1' } }),
      { code: 409, reason: 'Conflict' },
    ],
    ['an invalid name', () => api.create(pods(), 'ns', { metadata: { name: 'Bad_Name' } }), { code: 422, reason: 'Invalid' }],
    [
      'a namespace name with dots',
      () => api.create(api.resolve('namespaces'), undefined, { metadata: { name: 'a.b' } }),
      { code: 422, reason: 'Invalid' },
    ],
    [
      'a wrong kind',
      () => api.create(pods(), 'ns', { kind: 'Job', metadata: { name: 'x' } }),
      { code: 400, reason: 'BadRequest' },
    ],
    [
      'a mismatched namespace',
      () => api.create(pods(), 'ns', { metadata: { name: 'x', namespace: 'other' } }),
      { code: 400, reason: 'BadRequest' },
    ],
    [
      'a resourceVersion on create',
      () => api.create(pods(), 'ns', { metadata: { name: 'x', resourceVersion: '5' } }),
      { code: 400, reason: 'BadRequest' },
    ],
    ['a bad label selector', () => api.list(pods(), 'ns', { labelSelector: 'a in ()' }), { code: 400, reason: 'BadRequest' }],
    [
      'an Exact list of compacted history',
      () => (api.store.compact(), api.list(pods(), 'ns', { resourceVersion: '1', resourceVersionMatch: 'Exact' })),
      { code: 410, reason: 'Expired' },
    ],
  ])('answers %s like the real server', (_name, call, expected) => {
    api.create(pods(), 'ns', { metadata: { name: 'dup' } });
    expect(statusOf(call)).toMatchObject(expected);
  });

  it('lists a missing namespace as empty, like the real server', () => {
    expect(api.list(pods(), 'nowhere').items).toEqual([]);
  });

  it('pages with limit/continue from one snapshot, and expires the token after compaction', () => {
    for (const name of ['a', 'b', 'c']) api.create(pods(), 'ns', { metadata: { name } });
    const first = api.list(pods(), 'ns', { limit: 2 });
    expect(first.items.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    expect(first.metadata.remainingItemCount).toBe(1);
    api.create(pods(), 'ns', { metadata: { name: 'b2' } });
    api.delete(pods(), 'ns', 'c');
    const second = api.list(pods(), 'ns', { limit: 2, continue: first.metadata.continue });
    expect(second.items.map((p) => p.metadata.name)).toEqual(['c']);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    api.store.compact();
    expect(statusOf(() => api.list(pods(), 'ns', { continue: first.metadata.continue }))).toMatchObject({ code: 410 });
  });

  it('an Exact list rebuilds the past from the event log', () => {
    const a = api.create(pods(), 'ns', { metadata: { name: 'a', labels: { v: '1' } } });
    api.patch(pods(), 'ns', 'a', 'application/merge-patch+json', { metadata: { labels: { v: '2' } } });
    api.create(pods(), 'ns', { metadata: { name: 'b' } });
    const past = api.list(pods(), 'ns', { resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
    expect(past.items.map((p) => [p.metadata.name, p.metadata.labels?.v])).toEqual([['a', '1']]);
  });

  it('keeps objects with finalizers until the last finalizer is removed', () => {
    const pod = api.create(pods(), 'ns', { metadata: { name: 'f', finalizers: ['example.com/hold'] } });
    const deleting = api.delete(pods(), 'ns', 'f');
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(api.get(pods(), 'ns', 'f')).toBeDefined();
    api.patch(pods(), 'ns', 'f', 'application/json-patch+json', [{ op: 'remove', path: '/metadata/finalizers' }]);
    expect(statusOf(() => api.get(pods(), 'ns', 'f'))).toMatchObject({ code: 404 });
    expect(pod.metadata.uid).toBeDefined();
  });

  it('deleting a Job orphans its pods by default and collects them with Background propagation', () => {
    const owned = (job: { metadata: { name: string; uid?: string } }, name: string) =>
      api.create(pods(), 'ns', {
        metadata: {
          name,
          ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: job.metadata.uid as string }],
        },
      });
    const j1 = api.create(jobs(), 'ns', { metadata: { name: 'j1' }, spec: {} });
    owned(j1, 'j1-pod');
    api.delete(jobs(), 'ns', 'j1');
    expect(api.get(pods(), 'ns', 'j1-pod').metadata.ownerReferences).toBeUndefined();

    const j2 = api.create(jobs(), 'ns', { metadata: { name: 'j2' }, spec: {} });
    owned(j2, 'j2-pod');
    api.delete(jobs(), 'ns', 'j2', { propagationPolicy: 'Background' });
    expect(api.list(pods(), 'ns').items.map((p) => p.metadata.name)).toEqual(['j1-pod']);
  });

  it('deleting a namespace terminates it, deletes its content and then removes it', () => {
    api.create(pods(), 'ns', { metadata: { name: 'p' } });
    const events: string[] = [];
    api.watch(api.resolve('namespaces'), undefined, { resourceVersion: String(api.store.currentRevision) }, (e) =>
      events.push(`${e.type} ${(e.object as { status?: { phase?: string } }).status?.phase}`),
    );
    api.delete(api.resolve('namespaces'), undefined, 'ns');
    expect(api.list(pods(), 'ns').items).toEqual([]);
    expect(events).toEqual(['MODIFIED Terminating', 'DELETED Terminating']);
  });

  it('a watch replays from a resourceVersion, follows selector transitions, and answers 410 after compaction', () => {
    const start = String(api.store.currentRevision);
    api.create(pods(), 'ns', { metadata: { name: 'a', labels: { role: 'build' } } });
    api.create(pods(), 'ns', { metadata: { name: 'b' } });
    const events: WatchEvent[] = [];
    const watch = api.watch(pods(), 'ns', { resourceVersion: start, labelSelector: 'role=build' }, (e) => events.push(e));
    api.patch(pods(), 'ns', 'b', 'application/merge-patch+json', { metadata: { labels: { role: 'build' } } });
    api.patch(pods(), 'ns', 'a', 'application/merge-patch+json', { metadata: { labels: { role: null } } });
    watch.cancel();
    api.create(pods(), 'ns', { metadata: { name: 'c', labels: { role: 'build' } } });
    expect(events.map((e) => `${e.type} ${(e.object as { metadata: { name: string } }).metadata.name}`)).toEqual([
      'ADDED a',
      'ADDED b',
      'DELETED a',
    ]);

    api.store.compact();
    const late: WatchEvent[] = [];
    expect(api.watch(pods(), 'ns', { resourceVersion: start }, (e) => late.push(e)).ended).toBe(true);
    expect(late).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: expect.stringContaining('too old resource version'),
        }),
      },
    ]);
  });

  it('keeps a bounded history: the oldest events fall off and resuming before them is 410', () => {
    const small = new FakeKubeApi({ historyLimit: 3 });
    const start = String(small.store.currentRevision);
    for (let i = 0; i < 5; i++) small.create(small.resolve('nodes'), undefined, { metadata: { name: `n${i}` } });
    const events: WatchEvent[] = [];
    small.watch(small.resolve('nodes'), undefined, { resourceVersion: start }, (e) => events.push(e)).cancel();
    expect(events[0].type).toBe('ERROR');
  });
});
