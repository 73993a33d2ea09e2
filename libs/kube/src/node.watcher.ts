// Keeps the list of a cluster's nodes current (a ResourceWatcher over nodes), reporting each
// node's summary and calling back only when a summary changed.
import type { KubeConfig, V1Node } from '@kubernetes/client-node';

import { jsonEqual } from './json-equal';
import { kubeClient } from './kube-client';
import { NodeSummary, summarizeNode } from './node-summary';
import { ResourceWatcher, type ResourceWatcherOptions, type WatchError } from './resource.watcher';

export type NodeWatcherError = WatchError;

export type NodeWatcherOptions = Omit<ResourceWatcherOptions<V1Node>, 'path' | 'list' | 'onChange'> & {
  /** Called with every node (sorted by name) after the first list and whenever a summary changes; must not throw. */
  onChange: (nodes: NodeSummary[]) => void;
};

export class NodeWatcher {
  private readonly watcher: ResourceWatcher<V1Node>;
  private emitted: NodeSummary[] | undefined;

  constructor(kubeConfig: KubeConfig, options: NodeWatcherOptions) {
    const core = kubeConfig.makeApiClient(kubeClient().CoreV1Api);
    const { onChange, ...watchOptions } = options;
    this.watcher = new ResourceWatcher<V1Node>(kubeConfig, {
      ...watchOptions,
      path: '/api/v1/nodes',
      list: (params, requestOptions) => core.listNode(params, requestOptions),
      onChange: (nodes) => {
        const summaries = nodes.map(summarizeNode);
        if (this.emitted && jsonEqual(summaries, this.emitted)) return;
        this.emitted = summaries;
        onChange(structuredClone(summaries));
      },
    });
  }

  /** The nodes as last seen, sorted by name. */
  get nodes(): NodeSummary[] {
    return this.watcher.objects.map(summarizeNode);
  }

  /** At least one list has succeeded. */
  get synced(): boolean {
    return this.watcher.synced;
  }

  /** Lists, then watches; resolves once the first list has succeeded or failed (a retry is then scheduled). */
  start(): Promise<void> {
    return this.watcher.start();
  }

  /** Lists again now (and restarts the watch), whatever state the watcher is in. */
  relist(): Promise<void> {
    return this.watcher.relist();
  }

  stop(): Promise<void> {
    return this.watcher.stop();
  }
}
