// Issue 14: two replicas of every service survive losing one of each, in turn, while 32 clients
// read and 20 builds run on a Kubernetes cluster (the fake API server). Real processes (`npm start`
// with STAGECRAFT_REPLICAS=2), real SIGKILLs; the launcher restarts what was killed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FakeJobController, FakeKubeApiServer } from '@stagecraft/kube/testing';
import { buildExecutableJar } from '@stagecraft/testing';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

import { freePort } from '../src/free-port';
import {
  graphql,
  PREPARE_TIMEOUT_MS,
  prepareLauncher,
  type StartedLauncher,
  startLauncher,
  stopLauncher,
} from './launcher-process';
import { PlatformClient } from './platform-client';
import { isAlive, replicasOf, SERVICES, until } from './process-tree';

const NAMESPACE = 'stagecraft-builds';
const KUBE_TOKEN = 'fault-test-kube-token';
const BUILDS = 20;
const READERS = 32;
const DIGEST = `sha256:${'d'.repeat(64)}`;
const TERMINAL_EVENTS = new Set(['succeeded', 'failed', 'error', 'timed_out', 'cancelled', 'expired']);
/** One read touching every service: iam (me), artifacts, clusters, jobs, and builds (a build by id). */
const READ = `query($b: ID!) {
  me { name }
  softwarePackages(first: 5) { edges { node { id } } }
  clusters(first: 5) { edges { node { name } } }
  packageJobs(first: 5) { edges { node { name } } }
  build(id: $b) { id status }
}`;

interface BuildEventMessage {
  buildEvents: { sequence: number; type: string; at: string; build: { id: string } };
}

describe('two replicas of every service, one of each killed -9 in turn, under load', () => {
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-faults-'));
  let kube: FakeKubeApiServer;
  let controller: FakeJobController;
  let running: StartedLauncher;
  let subscriber: Client | undefined;
  /** The readers and the cluster's driver loop while these hold: a failed assertion's are stopped after the test, not left looping. */
  let reading = false;
  let driving = false;
  const load: Promise<unknown>[] = [];

  beforeAll(async () => {
    await prepareLauncher();
    kube = await FakeKubeApiServer.start({ token: KUBE_TOKEN });
    kube.seedNode({ name: 'node-a', labels: { pool: 'build' }, internalIP: '10.0.0.1', externalIP: '203.0.113.1' });
    controller = new FakeJobController(kube);
    running = await startLauncher(folder, await freePort(), {
      env: {
        STAGECRAFT_REPLICAS: '2',
        // The fake cluster reports a made-up image digest that no registry holds: nothing could be attested.
        STAGECRAFT_ATTESTATIONS: 'false',
        // The fake API server listens on loopback, which the clusters service refuses unless told.
        EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
        // All 20 at once; a dead replica's builds are taken over after 5 s rather than 30.
        BUILD_CONCURRENCY_PER_CLUSTER: String(BUILDS),
        BUILD_LEASE_SECONDS: '5',
        BUILD_SCHEDULER_INTERVAL_MS: '250',
        KUBE_WATCH_BACKOFF_MAX_MS: '500',
      },
    });
  }, PREPARE_TIMEOUT_MS);
  afterEach(async () => {
    reading = false;
    driving = false;
    await Promise.allSettled(load.splice(0));
  });
  afterAll(async () => {
    await subscriber?.dispose();
    if (running) await stopLauncher(running);
    controller?.stop();
    await kube?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('fails no read, ends every build once, makes one Job per build, and delivers each event once and in order', async () => {
    const platform = await PlatformClient.connect(running);
    for (const service of SERVICES)
      expect([service, replicasOf(running.child.pid!, `services/${service}`).length]).toEqual([service, 2]);
    expect(replicasOf(running.child.pid!, 'gateway')).toHaveLength(1);

    const { registerCluster } = await platform.must<{ registerCluster: { id: string; status: string } }>(
      `mutation($k: String) { registerCluster(name: "faults", type: KUBERNETES, kubeconfig: $k) { id status } }`,
      { k: kube.kubeconfig() },
    );
    expect(registerCluster.status).toBe('AVAILABLE');
    const packageId = await platform.upload(
      { fileName: 'orders.jar', bytes: buildExecutableJar('com.shop.Orders'), stack: 'JAVA' },
      '1.0.0',
    );
    const base = await platform.defaultBase('JAVA');

    // Every build event the admin may see, over graphql-ws through the one gateway (never killed).
    const events: BuildEventMessage['buildEvents'][] = [];
    subscriber = createClient({
      url: running.endpoint.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${running.token}` },
      lazy: false,
    });
    const subscriptionErrors: unknown[] = [];
    const unsubscribe = subscriber.subscribe<BuildEventMessage>(
      { query: 'subscription { buildEvents { sequence type at build { id } } }' },
      {
        next: (message) => (message.errors ? subscriptionErrors.push(message.errors) : events.push(message.data!.buildEvents)),
        error: (error) => subscriptionErrors.push(error),
        complete: () => undefined,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    const buildIds: string[] = [];
    for (let i = 0; i < BUILDS; i++) {
      const { build } = await platform.startJob(`faults-${i}`, packageId, {
        buildType: 'SYSTEM_DEFAULT',
        ...base,
        clusterId: registerCluster.id,
        nodeLabels: [{ key: 'pool', value: 'build' }],
      });
      buildIds.push(build.id);
    }

    // The cluster's side: each Job's pod starts and reports a phase. Half the builds end on their
    // own (2 to 7 s after starting), before and during the kills; the other half only after the last
    // kill, so every replica dies with builds running. Every Job uid and pod seen is kept.
    let killing = true;
    const jobUids = new Map<string, Set<string>>();
    const jobPods = new Map<string, Set<string>>();
    const started = new Map<string, number>();
    const finished = new Set<string>();
    const mayEnd = (job: string, podName: string) => {
      const index = buildIds.indexOf(job.slice('stagecraft-build-'.length));
      return index % 2 === 0 ? Date.now() - started.get(podName)! > 2_000 + (index % 6) * 1_000 : !killing;
    };
    driving = true;
    const driver = (async () => {
      while (driving) {
        for (const job of kube.objects('jobs.batch', NAMESPACE)) {
          const name = job.metadata.name as string;
          (jobUids.get(name) ?? jobUids.set(name, new Set()).get(name)!).add(job.metadata.uid as string);
          for (const pod of controller.pods(NAMESPACE, name)) {
            const podName = pod.metadata.name as string;
            (jobPods.get(name) ?? jobPods.set(name, new Set()).get(name)!).add(podName);
            if (!started.has(podName)) {
              controller.startPod(NAMESPACE, podName);
              kube.appendPodLog(NAMESPACE, podName, '::stagecraft phase=DOWNLOAD');
              started.set(podName, Date.now());
            } else if (!finished.has(podName) && mayEnd(name, podName)) {
              kube.appendPodLog(NAMESPACE, podName, '::stagecraft phase=PUSH');
              const image = `${platform.registry}/proof/${name}:1@${DIGEST}`;
              controller.finishPod(NAMESPACE, podName, {
                exitCode: 0,
                message: JSON.stringify({ status: 'SUCCEEDED', digest: DIGEST, image }),
              });
              finished.add(podName);
            }
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // 32 clients read the whole time: a replica's death must fail none of their reads.
    reading = true;
    let reads = 0;
    const failedReads: string[] = [];
    const readers = Array.from({ length: READERS }, async (_, client) => {
      while (reading) {
        const answer = await graphql<{ me: { name: string } }>(running.endpoint, running.token, READ, {
          b: buildIds[(client + reads) % BUILDS],
        }).catch((error: unknown) => ({ errors: [{ message: String(error) }], data: null }));
        reads += 1;
        if (answer.errors?.length || answer.data?.me.name !== 'admin') failedReads.push(JSON.stringify(answer.errors));
      }
    });
    load.push(driver, ...readers);

    await until(() => started.size === BUILDS, 60_000);
    const runningAtKill: Record<string, number> = {};
    for (const service of SERVICES) {
      runningAtKill[service] = started.size - finished.size;
      const [victim] = replicasOf(running.child.pid!, `services/${service}`);
      process.kill(victim, 'SIGKILL');
      await until(() =>
        new RegExp(`^${service}(-2)? exited \\(signal SIGKILL\\) after [\\s\\S]*^restarting ${service}(-2)? in `, 'm').test(
          running.output(),
        ),
      );
      await until(
        () => replicasOf(running.child.pid!, `services/${service}`).filter((pid) => pid !== victim && isAlive(pid)).length === 2,
      );
    }

    killing = false;
    const statusOf = async (id: string) =>
      (await platform.must<{ build: { status: string } }>(`query($id: ID!) { build(id: $id) { status } }`, { id })).build.status;
    await until(() => buildIds.every((id) => events.some((e) => e.build.id === id && TERMINAL_EVENTS.has(e.type))), 120_000);
    // Late duplicates would arrive within a relay tick or two: give them the chance to.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    reading = false;
    driving = false;
    await Promise.all([...readers, driver]);
    unsubscribe();

    // Each replica died with at least the held half of the builds running.
    expect(Object.values(runningAtKill).every((count) => count >= BUILDS / 2)).toBe(true);
    expect(failedReads).toEqual([]);
    expect(reads).toBeGreaterThan(READERS * SERVICES.length);
    expect(subscriptionErrors).toEqual([]);
    for (const id of buildIds) {
      expect([id, await statusOf(id)]).toEqual([id, 'SUCCEEDED']);
      const mine = events.filter((e) => e.build.id === id);
      const sequences = mine.map((e) => e.sequence);
      // Once and in order: stream sequences strictly increase, so none came twice or out of order.
      expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
      expect(new Set(sequences).size).toBe(sequences.length);
      // A stored event relayed twice would come with a new sequence but the same type and time.
      expect(new Set(mine.map((e) => `${e.type}@${e.at}`)).size).toBe(mine.length);
      const types = mine.map((e) => e.type);
      expect([id, types.filter((type) => TERMINAL_EVENTS.has(type))]).toEqual([id, ['succeeded']]);
      expect([id, types[0], types.at(-1)]).toEqual([id, 'queued', 'succeeded']);
      for (const once of ['queued', 'running']) expect([id, once, types.filter((t) => t === once).length]).toEqual([id, once, 1]);
      // One Job per build: one name, one uid, one pod (a second Job would have made a second pod).
      const job = `stagecraft-build-${id}`;
      expect([id, jobUids.get(job)?.size]).toEqual([id, 1]);
      expect([id, jobPods.get(job)?.size]).toEqual([id, 1]);
    }
    const health = await fetch(running.endpoint.replace('/graphql', '/health'));
    expect(health.status).toBe(200);
  }, 400_000);
});
