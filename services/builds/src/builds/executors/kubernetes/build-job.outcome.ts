// Reads a build's Job and pods as the cluster reports them now and says where the build stands:
// level-driven, so the same answer comes from a watch event, a re-list or a restart.
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { type BuildPhase, parseObject, parseTerminationMessage } from '@stagecraft/contracts';
import { classifyInstallFailure } from '@stagecraft/oci';

import type { ExecutionOutcome } from '../build-executor';
import { BUILD_CONTAINER, DEPENDENCIES_CONTAINER, FETCH_CONTAINER } from './build-job.manifests';

/** Waiting reasons that mean the image will not be pulled without someone changing something. */
const IMAGE_PULL_REASONS = new Set(['ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName']);
/** A pod that ended on a second disruption makes the build ERROR: one retry is allowed. */
const MAX_DISRUPTIONS = 2;

export type BuildJobState =
  | { kind: 'running' }
  /** Ended: `deleteJob` when the Job would otherwise keep trying (image pull, repeated eviction). */
  | { kind: 'ended'; outcome: ExecutionOutcome; deleteJob: boolean };

function jobCondition(job: V1Job, type: string): { reason?: string; message?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Evicted, preempted or drained: the Job's podFailurePolicy ignores such a failure and makes a new pod. */
export function isDisrupted(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Failed' && !!pod.status.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')
  );
}

export function disruptionReason(pod: V1Pod): string {
  const condition = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  return condition?.reason ?? pod.status?.reason ?? 'Disrupted';
}

/** Every container status of a pod, init containers first. */
export function containerStatuses(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

export function decideBuildState(job: V1Job, pods: V1Pod[], phase: BuildPhase): BuildJobState {
  const disrupted = pods.filter(isDisrupted);
  if (disrupted.length >= MAX_DISRUPTIONS) {
    const reasons = disrupted.map(disruptionReason).join(', ');
    return ended({ status: 'ERROR', reason: 'EVICTED', message: `the build pod was disrupted twice (${reasons})` }, true);
  }
  for (const pod of pods) {
    if (isDisrupted(pod)) continue;
    const stuck = containerStatuses(pod).find((s) => IMAGE_PULL_REASONS.has(s.state?.waiting?.reason ?? ''));
    if (stuck) {
      const detail = stuck.state?.waiting?.message ?? stuck.state?.waiting?.reason;
      return ended(
        {
          status: 'FAILED',
          reason: 'IMAGE_PULL',
          message: `the image ${stuck.image} of container ${stuck.name} could not be pulled: ${detail}`,
        },
        true,
      );
    }
  }
  // The Job and its pods come through separate watches: when the Job's end arrives first, wait for
  // the pod's (it carries the digest or the failure).
  const podsSettled = !pods.some((p) => p.status?.phase === 'Pending' || p.status?.phase === 'Running');
  if (jobCondition(job, 'Complete')) {
    const pod = pods.find((p) => p.status?.phase === 'Succeeded');
    if (!pod && !podsSettled) return { kind: 'running' };
    const terminated = pod && terminatedState(pod, BUILD_CONTAINER);
    return ended(successOf(terminated?.message), false);
  }
  const failed = jobCondition(job, 'Failed');
  if (failed) {
    if (failed.reason === 'DeadlineExceeded')
      return ended(
        { status: 'TIMED_OUT', reason: 'DEADLINE_EXCEEDED', message: 'the build passed its deadline on the cluster' },
        false,
      );
    const pod = [...pods].reverse().find((p) => p.status?.phase === 'Failed' && !isDisrupted(p));
    if (!pod && !podsSettled) return { kind: 'running' };
    return ended(
      pod
        ? failureOf(pod, phase)
        : { status: 'FAILED', reason: 'BUILD_FAILED', message: `the build's Job failed: ${failed.message ?? failed.reason}` },
      false,
    );
  }
  return { kind: 'running' };
}

function ended(outcome: ExecutionOutcome, deleteJob: boolean): BuildJobState {
  return { kind: 'ended', outcome, deleteJob };
}

function terminatedState(pod: V1Pod, container: string) {
  return containerStatuses(pod).find((s) => s.name === container)?.state?.terminated;
}

/** The assembler writes `{"status":"SUCCEEDED","digest",…}`; BuildKit's metadata file carries `containerimage.digest`. */
function successOf(message: string | undefined): ExecutionOutcome {
  const report = parseTerminationMessage(message);
  const assembler = report?.status === 'SUCCEEDED' ? report : undefined;
  const buildkit = parseObject(message);
  const digest = assembler?.digest ?? buildkit?.['containerimage.digest'];
  const image =
    assembler?.image ??
    (buildkit?.['image.name'] && digest ? `${String(buildkit['image.name']).split(',')[0]}@${digest}` : undefined);
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
    return { status: 'ERROR', reason: 'NO_DIGEST', message: 'the build container ended without reporting the image digest' };
  return { status: 'SUCCEEDED', imageDigest: digest, image: typeof image === 'string' ? image : '' };
}

/** A non-zero exit: what the container said (the assembler's JSON), else its exit code and last output. */
function failureOf(pod: V1Pod, phase: BuildPhase): ExecutionOutcome {
  const failedContainer = [FETCH_CONTAINER, DEPENDENCIES_CONTAINER, BUILD_CONTAINER]
    .map((name) => ({ name, state: terminatedState(pod, name) }))
    .find((c) => c.state && c.state.exitCode !== 0) ?? { name: BUILD_CONTAINER, state: terminatedState(pod, BUILD_CONTAINER) };
  const state = failedContainer.state;
  const outOfMemory: ExecutionOutcome = {
    status: 'FAILED',
    reason: 'OUT_OF_MEMORY',
    message: `the ${failedContainer.name} container ran out of memory in phase ${phase}`,
  };
  // The `dependencies` container runs the tenant's base image: what it wrote is never read as the
  // assembler's report (a forged {"status":"ERROR",…} would pass for the platform's own word).
  if (failedContainer.name === DEPENDENCIES_CONTAINER)
    return state?.reason === 'OOMKilled' ? outOfMemory : installFailureOf(pod, state?.message ?? '', state?.exitCode);
  const report = parseTerminationMessage(state?.message);
  if (report && report.status !== 'SUCCEEDED') {
    const { phase: reported, ...failure } = report;
    return { ...failure, message: `${report.message} (phase ${reported ?? phase})` };
  }
  if (state?.reason === 'OOMKilled') return outOfMemory;
  const lastLine = (state?.message ?? '').trim().split('\n').at(-1)?.slice(0, 500);
  return {
    status: 'FAILED',
    reason: 'BUILD_FAILED',
    message: `the ${failedContainer.name} container exited with code ${state?.exitCode ?? 'unknown'} in phase ${phase}${lastLine ? `: ${lastLine}` : ''}`,
  };
}

/**
 * The `dependencies` container is npm or pip itself: its termination message is the tail of its
 * output (FallbackToLogsOnError), read for an unreachable registry or else shown as it is. The tool
 * and the registry are the container's own environment in the pod.
 */
function installFailureOf(pod: V1Pod, output: string, exitCode: number | undefined): ExecutionOutcome {
  const container = pod.spec?.initContainers?.find((c) => c.name === DEPENDENCIES_CONTAINER);
  const env = new Map((container?.env ?? []).map((e) => [e.name, e.value ?? '']));
  const tool = env.has('PIP_INDEX_URL') ? 'pip' : 'npm';
  const registry = env.get(tool === 'pip' ? 'PIP_INDEX_URL' : 'NPM_CONFIG_REGISTRY') ?? '';
  const failure = classifyInstallFailure(tool, output.split('\n'), registry, `exited with code ${exitCode ?? 'unknown'}`);
  return { status: 'FAILED', reason: failure.code, message: failure.message };
}
