// The log of each pod container, written by the test and served like the kubelet serves
// `pods/{name}/log`: whole, or followed until the log ends.
import { ServerResponse } from 'node:http';

import { ApiPath } from './api-paths';
import { FakeKubeApi } from './fake-kube-api';
import { isTrue } from './http-io';
import { FakeKubeError, Status } from './kube-status';
import { OpenStream, OpenStreams } from './open-streams';
import { PodLogBuffer, PodLogQuery } from './pod-log-buffer';
import { KubeObject } from './resource-types';

type PodSpec = { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;

const hasEnded = (pod: KubeObject | undefined) => {
  const phase = (pod?.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
};

export class PodLogs {
  private readonly buffers = new Map<string, PodLogBuffer>();
  private readonly followers = new OpenStreams();

  constructor(private readonly api: FakeKubeApi) {
    api.store.subscribe((e) => {
      if (e.typeId === '/v1/pods') this.onPodChange(e.type === 'DELETED', e.object);
    });
  }

  /** The log of a pod's container (its first when none is named); a pod that has already ended has a complete log. */
  buffer(namespace: string, pod: string, container?: string): PodLogBuffer {
    const found = this.api.store.get('/v1/pods', namespace, pod);
    const name = container ?? (found?.spec as PodSpec)?.containers?.[0]?.name ?? '';
    const key = `${namespace}/${pod}/${name}`;
    let buffer = this.buffers.get(key);
    if (!buffer) {
      this.buffers.set(key, (buffer = new PodLogBuffer()));
      if (hasEnded(found)) buffer.end();
    }
    return buffer;
  }

  serve(res: ServerResponse, path: ApiPath, query: URLSearchParams): void {
    const pod = this.api.get(path.type, path.namespace, path.name as string);
    const container = checkedContainer(pod, query.get('container'));
    const logQuery = podLogQuery(query);
    const buffer = this.buffer(path.namespace as string, path.name as string, container);
    if (!isTrue(query.get('follow'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(buffer.read(logQuery));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const stream: OpenStream = { res, stop: () => undefined };
    this.followers.add(stream);
    stream.stop = buffer.follow(
      logQuery,
      (chunk) => {
        if (!res.writableEnded && !res.destroyed) res.write(chunk);
      },
      () => this.followers.finish(stream, 'end'),
    );
    // follow() on a log that has already ended finishes the stream before returning.
    if (!this.followers.has(stream)) return;
    res.on('close', () => this.followers.finish(stream, 'none'));
  }

  /** Drops every follower's connection. */
  breakStreams(): void {
    this.followers.finishAll('destroy');
  }

  /** A deleted pod takes its log with it; a finished one ends its followers. */
  private onPodChange(deleted: boolean, pod: KubeObject): void {
    const prefix = `${pod.metadata.namespace}/${pod.metadata.name}/`;
    const ended = hasEnded(pod);
    for (const [key, buffer] of this.buffers) {
      if (!key.startsWith(prefix)) continue;
      if (deleted) {
        if (!buffer.isEnded) buffer.end();
        this.buffers.delete(key);
      } else if (ended && !buffer.isEnded) {
        buffer.end();
      }
    }
  }
}

/** The container asked for, or the error the API server gives when it is unknown or ambiguous. */
function checkedContainer(pod: KubeObject, container: string | null): string | undefined {
  const spec = pod.spec as PodSpec;
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.name);
  if (container && containers.length && !containers.includes(container)) {
    throw new FakeKubeError(Status.badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`));
  }
  if (!container && (spec?.containers ?? []).length > 1) {
    throw new FakeKubeError(
      Status.badRequest(
        `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${containers.join(' ')}]`,
      ),
    );
  }
  return container ?? undefined;
}

function podLogQuery(query: URLSearchParams): PodLogQuery {
  const logQuery: PodLogQuery = { timestamps: isTrue(query.get('timestamps')) };
  const sinceTime = query.get('sinceTime');
  const sinceSeconds = query.get('sinceSeconds');
  if (sinceTime && sinceSeconds)
    throw new FakeKubeError(Status.badRequest('at most one of sinceTime or sinceSeconds may be specified'));
  if (sinceTime) {
    const parsed = new Date(sinceTime);
    if (Number.isNaN(parsed.getTime())) throw new FakeKubeError(Status.badRequest(`invalid sinceTime "${sinceTime}"`));
    logQuery.sinceTime = parsed;
  }
  if (sinceSeconds) logQuery.sinceTime = new Date(Date.now() - Number(sinceSeconds) * 1000);
  if (query.get('tailLines')) logQuery.tailLines = Number(query.get('tailLines'));
  if (query.get('limitBytes')) logQuery.limitBytes = Number(query.get('limitBytes'));
  return logQuery;
}
