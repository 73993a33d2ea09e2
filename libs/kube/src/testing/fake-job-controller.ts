// What the Job controller and the kubelet do to batch/v1 Jobs and their pods, driven by the test:
// a Job gets a pod from its template; the test starts, finishes, evicts or starves the pod; the
// Job's conditions follow as the real controller sets them (Complete, Failed with
// BackoffLimitExceeded / PodFailurePolicy / DeadlineExceeded), and a pod failure that the Job's
// podFailurePolicy ignores (DisruptionTarget) gets a replacement pod.
import { randomBytes } from 'node:crypto';

import type { FakeKubeApiServer } from './fake-kube-api-server';
import type { KubeObject } from './resource-types';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface PodExit {
  exitCode: number;
  /** What the container wrote to its termination message path. */
  message?: string;
  /** The kubelet's reason: Completed, Error, OOMKilled… */
  reason?: string;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** creationTimestamp has whole seconds: the order pods were made in, for `pods()`. */
const SEQUENCE = 'fake.stagecraft.io/sequence';

export class FakeJobController {
  private readonly unsubscribe: Array<() => void> = [];
  private created = 0;
  /** Set: pod creation is refused (as by an admission controller) and a FailedCreate event says why. */
  rejectPodsWith: string | undefined;

  constructor(private readonly server: FakeKubeApiServer) {
    this.unsubscribe.push(
      server.onChange('jobs.batch', (change) => {
        if (change.type === 'ADDED') setImmediate(() => this.createPod(change.object));
      }),
      server.onChange('pods', (change) => {
        if (change.type === 'MODIFIED') setImmediate(() => this.podChanged(change.object));
      }),
    );
  }

  stop(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  /** The pods of a Job, oldest first. */
  pods(namespace: string, jobName: string): KubeObject[] {
    return this.server
      .objects('pods', namespace)
      .filter((pod) => pod.metadata.labels?.['batch.kubernetes.io/job-name'] === jobName)
      .sort((a, b) => Number(a.metadata.annotations?.[SEQUENCE]) - Number(b.metadata.annotations?.[SEQUENCE]));
  }

  /** Scheduled on `node` and running: every container started. */
  startPod(namespace: string, pod: string, node = 'node-a'): void {
    this.server.patchObject('pods', namespace, pod, { spec: { nodeName: node } });
    const spec = this.server.object('pods', namespace, pod)!.spec as Json;
    this.server.patchStatus('pods', namespace, pod, {
      phase: 'Running',
      startTime: now(),
      podIP: '10.1.0.7',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      initContainerStatuses: (spec.initContainers ?? []).map((c: Json) =>
        terminatedStatus(c, { exitCode: 0, reason: 'Completed' }),
      ),
      containerStatuses: spec.containers.map((c: Json) => ({
        name: c.name,
        image: c.image,
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: now() } },
      })),
    });
  }

  /** Every container ended; exit code 0 everywhere → Succeeded, otherwise Failed. */
  finishPod(namespace: string, pod: string, exit: PodExit): void {
    const spec = this.server.object('pods', namespace, pod)!.spec as Json;
    this.server.patchStatus('pods', namespace, pod, {
      phase: exit.exitCode === 0 ? 'Succeeded' : 'Failed',
      containerStatuses: spec.containers.map((c: Json) => terminatedStatus(c, exit)),
    });
  }

  /** The kubelet cannot pull the image of the first container. */
  failImagePull(namespace: string, pod: string): void {
    const spec = this.server.object('pods', namespace, pod)!.spec as Json;
    this.server.patchStatus('pods', namespace, pod, {
      phase: 'Pending',
      containerStatuses: spec.containers.map((c: Json, i: number) => ({
        name: c.name,
        image: c.image,
        ready: false,
        restartCount: 0,
        state: {
          waiting:
            i === 0
              ? { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` }
              : { reason: 'PodInitializing' },
        },
      })),
    });
  }

  /** Evicted (node pressure, preemption, drain): a DisruptionTarget condition, then Failed. */
  evictPod(namespace: string, pod: string, reason = 'EvictionByEvictionAPI'): void {
    const spec = this.server.object('pods', namespace, pod)!.spec as Json;
    this.server.patchStatus('pods', namespace, pod, {
      phase: 'Failed',
      reason: 'Evicted',
      conditions: [{ type: 'DisruptionTarget', status: 'True', reason, lastTransitionTime: now() }],
      containerStatuses: spec.containers.map((c: Json) => terminatedStatus(c, { exitCode: 137, reason: 'Error' })),
    });
  }

  /** activeDeadlineSeconds passed: the controller deletes the running pods and fails the Job. */
  exceedDeadline(namespace: string, job: string): void {
    for (const pod of this.pods(namespace, job)) this.server.deleteObject('pods', namespace, pod.metadata.name);
    this.failJob(namespace, job, 'DeadlineExceeded', 'Job was active longer than specified deadline');
  }

  private createPod(job: KubeObject): void {
    const namespace = job.metadata.namespace!;
    const current = this.server.object('jobs.batch', namespace, job.metadata.name);
    if (!current || current.metadata.deletionTimestamp || isFinished(current)) return;
    const template = (current.spec as Json).template as Json;
    const name = `${job.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`;
    if (this.rejectPodsWith) {
      this.server.createObject('events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${job.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
        involvedObject: { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, namespace, uid: current.metadata.uid },
        reason: 'FailedCreate',
        type: 'Warning',
        message: `Error creating: pods "${name}" is forbidden: ${this.rejectPodsWith}`,
        source: { component: 'job-controller' },
        count: 1,
      });
      return;
    }
    this.server.createObject('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...template.metadata,
        name,
        namespace,
        annotations: { ...template.metadata?.annotations, [SEQUENCE]: String(++this.created) },
        labels: {
          ...template.metadata?.labels,
          'batch.kubernetes.io/job-name': job.metadata.name,
          'batch.kubernetes.io/controller-uid': current.metadata.uid!,
          'job-name': job.metadata.name,
        },
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid: current.metadata.uid!, controller: true },
        ],
      },
      spec: structuredClone(template.spec),
    });
    this.server.patchStatus('jobs.batch', namespace, job.metadata.name, { active: 1, startTime: now() });
  }

  private podChanged(pod: KubeObject): void {
    const namespace = pod.metadata.namespace!;
    const jobName = pod.metadata.labels?.['batch.kubernetes.io/job-name'];
    const owner = jobName && this.server.object('jobs.batch', namespace, jobName);
    const status = pod.status as Json | undefined;
    if (!owner || isFinished(owner) || (status?.phase !== 'Succeeded' && status?.phase !== 'Failed')) return;
    if (this.counted(owner, pod)) return;
    if (status.phase === 'Succeeded') {
      this.server.patchStatus('jobs.batch', namespace, jobName, {
        active: 0,
        succeeded: 1,
        completionTime: now(),
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: now() },
          { type: 'Complete', status: 'True', lastTransitionTime: now() },
        ],
      });
      return;
    }
    const disrupted = (status.conditions ?? []).some((c: Json) => c.type === 'DisruptionTarget' && c.status === 'True');
    const rules: Json[] = (owner.spec as Json).podFailurePolicy?.rules ?? [];
    const ignored =
      disrupted &&
      rules.some((r) => r.action === 'Ignore' && r.onPodConditions?.some((c: Json) => c.type === 'DisruptionTarget'));
    if (ignored) {
      this.createPod(owner);
      return;
    }
    const failed = ((owner.status as Json).failed ?? 0) + 1;
    this.server.patchStatus('jobs.batch', namespace, jobName, { failed });
    if (failed > ((owner.spec as Json).backoffLimit ?? 6))
      this.failJob(namespace, jobName, 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    else this.createPod(owner);
  }

  /** A pod whose end the Job already counted (the controller tracks them with a finalizer; the fake with an annotation). */
  private counted(job: KubeObject, pod: KubeObject): boolean {
    if (pod.metadata.annotations?.['fake.stagecraft.io/counted']) return true;
    this.server.patchObject('pods', job.metadata.namespace, pod.metadata.name, {
      metadata: { annotations: { 'fake.stagecraft.io/counted': 'true' } },
    });
    return false;
  }

  private failJob(namespace: string, job: string, reason: string, message: string): void {
    this.server.patchStatus('jobs.batch', namespace, job, {
      active: 0,
      conditions: [
        { type: 'FailureTarget', status: 'True', reason, message, lastTransitionTime: now() },
        { type: 'Failed', status: 'True', reason, message, lastTransitionTime: now() },
      ],
    });
  }
}

function terminatedStatus(container: Json, exit: PodExit): Json {
  return {
    name: container.name,
    image: container.image,
    ready: false,
    restartCount: 0,
    state: {
      terminated: {
        exitCode: exit.exitCode,
        reason: exit.reason ?? (exit.exitCode === 0 ? 'Completed' : 'Error'),
        ...(exit.message !== undefined ? { message: exit.message } : {}),
        finishedAt: now(),
      },
    },
  };
}

function isFinished(job: KubeObject): boolean {
  const conditions: Json[] = (job.status as Json | undefined)?.conditions ?? [];
  return conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}
