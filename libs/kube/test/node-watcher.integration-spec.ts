import { EgressPolicy } from '@stagecraft/config';

import { NodeSummary, NodeWatcher, NodeWatcherError, parseKubeconfig } from '../src';
import { FakeKubeApiServer, waitFor } from '../src/testing';

describe('NodeWatcher against the fake API server', () => {
  let fake: FakeKubeApiServer;
  let watcher: NodeWatcher;
  let changes: NodeSummary[][];
  let errors: NodeWatcherError[];

  const latest = () => changes.at(-1) ?? [];
  const byName = (name: string) => latest().find((n) => n.name === name);
  const names = () =>
    latest()
      .map((n) => n.name)
      .join(',');
  const lists = () => fake.requests.filter((r) => r.path === '/api/v1/nodes' && r.query.watch !== 'true');
  const watches = () => fake.requests.filter((r) => r.path === '/api/v1/nodes' && r.query.watch === 'true');

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
    fake.seedNode({ name: 'node-a', labels: { pool: 'build' }, internalIP: '10.0.0.1', externalIP: '203.0.113.1' });
    fake.seedNode({ name: 'node-b', ready: false, internalIP: '10.0.0.2' });
    changes = [];
    errors = [];
    const parsed = parseKubeconfig(fake.kubeconfig(), { egress: new EgressPolicy({ allowedCidrs: '127.0.0.1/32' }) });
    if (!parsed.ok) throw new Error(parsed.problem);
    watcher = new NodeWatcher(parsed.kubeConfig, {
      onChange: (nodes) => changes.push(nodes),
      onError: (e) => errors.push(e),
      backoff: { baseMs: 20, maxMs: 160 },
    });
  });

  afterEach(async () => {
    await watcher.stop();
    await fake.close();
  });

  it('lists, then follows changes, reporting name, labels, Ready and both IPs', async () => {
    await watcher.start();
    expect(watcher.synced).toBe(true);
    expect(changes).toHaveLength(1);
    expect(latest()).toEqual([
      {
        name: 'node-a',
        labels: expect.objectContaining({ pool: 'build' }),
        ready: true,
        unschedulable: false,
        internalIP: '10.0.0.1',
        externalIP: '203.0.113.1',
      },
      {
        name: 'node-b',
        labels: expect.objectContaining({ 'kubernetes.io/hostname': 'node-b' }),
        ready: false,
        unschedulable: false,
        internalIP: '10.0.0.2',
      },
    ]);

    fake.updateNode('node-b', { ready: true, externalIP: '203.0.113.2', labels: { pool: 'build' } });
    await waitFor(() => byName('node-b')?.ready && byName('node-b')?.externalIP === '203.0.113.2');
    fake.seedNode({ name: 'node-c' });
    fake.removeNode('node-a');
    await waitFor(() => names() === 'node-b,node-c');
    expect(watcher.nodes.map((n) => n.name)).toEqual(['node-b', 'node-c']);
    expect(errors).toEqual([]);
    expect(lists()).toHaveLength(1);
  });

  it('does not call back when nothing it keeps has changed', async () => {
    await watcher.start();
    const before = changes.length;
    // An annotation is not part of the summary.
    fake.patchObject('nodes', undefined, 'node-a', { metadata: { annotations: { heartbeat: '1' } } });
    fake.updateNode('node-a', { labels: { zone: 'z1' } });
    await waitFor(() => byName('node-a')?.labels.zone === 'z1');
    expect(changes.length).toBe(before + 1);
  });

  it('re-lists after a broken watch and converges on what changed meanwhile', async () => {
    await watcher.start();
    await waitFor(() => fake.openWatchCount === 1);
    fake.breakWatches();
    fake.seedNode({ name: 'node-c', externalIP: '203.0.113.3' });
    fake.removeNode('node-b');
    await waitFor(() => names() === 'node-a,node-c', { what: 'the watcher to converge' });
    await waitFor(() => fake.openWatchCount === 1);
    expect(lists().length + watches().length).toBeGreaterThan(2);
  });

  it('re-lists after 410 Gone when its resourceVersion was compacted away', async () => {
    await watcher.start();
    fake.updateNode('node-a', { labels: { zone: 'z1' } });
    await waitFor(() => byName('node-a')?.labels.zone === 'z1');
    const resumeFrom = fake.object('nodes', undefined, 'node-a')?.metadata.resourceVersion;

    // The server ends the watch (its timeout); before the watcher resumes, history is compacted.
    fake.endWatches();
    fake.seedNode({ name: 'node-c' });
    fake.compactHistory();

    await waitFor(() => names() === 'node-a,node-b,node-c', { what: 'the watcher to re-list' });
    expect(watches().some((w) => w.query.resourceVersion === resumeFrom)).toBe(true);
    expect(errors).toEqual([expect.objectContaining({ reason: '410 Gone: the watch resourceVersion is too old', attempt: 1 })]);
    expect(lists()).toHaveLength(2);
  });

  it('backs off while the API server is unavailable and recovers when it is back', async () => {
    await watcher.start();
    fake.setUnavailable(true);
    await waitFor(() => errors.length >= 4, { what: 'several failed attempts' });
    fake.seedNode({ name: 'node-c' });
    fake.setUnavailable(false);
    await waitFor(() => names() === 'node-a,node-b,node-c', { what: 'recovery' });

    expect(errors.slice(1, 4).map((e) => e.reason)).toEqual([
      '503 Service Unavailable',
      '503 Service Unavailable',
      '503 Service Unavailable',
    ]);
    expect(errors.slice(0, 4).map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    // Exponential with jitter: attempt n waits between half and all of min(160, 20·2^(n-1)) ms.
    errors.slice(0, 4).forEach((e) => {
      const ceiling = Math.min(160, 20 * 2 ** (e.attempt - 1));
      expect(e.retryInMs).toBeGreaterThanOrEqual(ceiling / 2);
      expect(e.retryInMs).toBeLessThanOrEqual(ceiling);
    });
  });

  it('keeps trying when the very first list fails', async () => {
    fake.setUnavailable(true, 'drop');
    await watcher.start();
    expect(watcher.synced).toBe(false);
    expect(changes).toEqual([]);
    expect(errors[0]).toMatchObject({ attempt: 1, reason: 'connection reset by the server' });
    fake.setUnavailable(false);
    await waitFor(() => watcher.synced && names() === 'node-a,node-b');
  });

  it('gives up on a watch request that never gets an answer, and starts over', async () => {
    await watcher.stop();
    watcher = new NodeWatcher(fake.kubeConfig(), {
      onChange: (n) => changes.push(n),
      onError: (e) => errors.push(e),
      listTimeoutMs: 200,
      backoff: { baseMs: 20, maxMs: 160 },
    });
    let hung = 0;
    const remove = fake.addReactor({ verb: 'watch', resource: 'nodes' }, () => (hung++ === 0 ? { hang: true } : undefined));
    try {
      await watcher.start();
      await waitFor(() => errors.length === 1);
      expect(errors[0]).toMatchObject({ reason: 'the watch request timed out', attempt: 1 });
      await waitFor(() => fake.openWatchCount === 1);
      fake.seedNode({ name: 'node-c' });
      await waitFor(() => names() === 'node-a,node-b,node-c');
    } finally {
      remove();
    }
  });

  it('relist() lists again on demand', async () => {
    await watcher.start();
    await watcher.relist();
    expect(lists()).toHaveLength(2);
    expect(names()).toBe('node-a,node-b');
  });

  it('only watches nodes matching a label selector', async () => {
    await watcher.stop();
    watcher = new NodeWatcher(fake.kubeConfig(), { onChange: (n) => changes.push(n), labelSelector: 'pool=build' });
    await watcher.start();
    expect(names()).toBe('node-a');
    fake.updateNode('node-b', { labels: { pool: 'build' } });
    await waitFor(() => names() === 'node-a,node-b');
    fake.updateNode('node-a', { labels: { pool: null } });
    await waitFor(() => names() === 'node-b');
  });

  it('stop() closes the watch and schedules nothing more', async () => {
    await watcher.start();
    await waitFor(() => fake.openWatchCount === 1);
    await watcher.stop();
    await waitFor(() => fake.openWatchCount === 0);
    const requests = fake.requests.length;
    fake.seedNode({ name: 'node-c' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.requests.length).toBe(requests);
    expect(names()).toBe('node-a,node-b');
  });
});
