// Keeps a set of objects of one kind current: list, then watch from the list's resourceVersion.
// A watch that the server ends cleanly (its timeout) resumes from the last resourceVersion; a
// broken watch, a failed list or a 410 Gone re-lists after an exponential backoff with jitter.
import type { ConfigurationOptions, KubeConfig, KubernetesObject, Watch } from '@kubernetes/client-node';

import { backoffDelay, BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { kubeClient } from './kube-client';
import { describeKubeError } from './kube-error';
import { requestOptions } from './request-options';

export interface WatchError {
  reason: string;
  /** Consecutive failures so far. */
  attempt: number;
  /** When the next list is tried. */
  retryInMs: number;
}

export interface ResourceWatcherOptions<T extends KubernetesObject> {
  /** The collection's URL path, e.g. `/api/v1/nodes` or `/apis/batch/v1/namespaces/builds/jobs`. */
  path: string;
  /** Lists the collection (a client-node list call, given the selector and the per-call options). */
  list: (
    params: { labelSelector?: string },
    options: ConfigurationOptions,
  ) => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** Called with every object (sorted by name) after each list and each change; must not throw. */
  onChange: (objects: T[]) => void;
  /** Called when listing or watching fails, before the retry is scheduled. */
  onError?: (error: WatchError) => void;
  /** Only objects matching this label selector. */
  labelSelector?: string;
  backoff?: Partial<BackoffOptions>;
  /** Asks the server to end each watch after this many seconds (it is then resumed). Default 300. */
  watchTimeoutSeconds?: number;
  /** Timeout of each list request. Default 10 s. */
  listTimeoutMs?: number;
  /** For tests: the jitter source. */
  random?: () => number;
}

/** A watch that stayed open this long (or delivered an event) proves the connection healthy. */
const HEALTHY_WATCH_MS = 1000;

export class ResourceWatcher<T extends KubernetesObject> {
  private readonly watch: Watch;
  private readonly backoff: BackoffOptions;
  private readonly byName = new Map<string, T>();
  private resourceVersion = '';
  /** Bumped on every new list or watch, so callbacks of an abandoned one are ignored. */
  private epoch = 0;
  private failures = 0;
  private stopped = true;
  private retryTimer: NodeJS.Timeout | undefined;
  private listAbort: AbortController | undefined;
  private watchAbort: AbortController | undefined;
  private watchStarting: Promise<unknown> | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private hasListed = false;

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: ResourceWatcherOptions<T>,
  ) {
    this.watch = new (kubeClient().Watch)(kubeConfig);
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  }

  /** The objects as last seen, sorted by name. */
  get objects(): T[] {
    return [...this.byName.values()].sort((a, b) => compare(a.metadata?.name ?? '', b.metadata?.name ?? ''));
  }

  /** At least one list has succeeded. */
  get synced(): boolean {
    return this.hasListed;
  }

  /** Lists, then watches; resolves once the first list has succeeded or failed (a retry is then scheduled). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.listAndWatch();
  }

  /** Lists again now (and restarts the watch), whatever state the watcher is in. */
  async relist(): Promise<void> {
    if (this.stopped) return;
    await this.listAndWatch();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abandon();
    // Let a watch request still connecting finish, so it can be aborted and leaves no socket behind
    // (client-node's Watch cannot be aborted before its response headers arrive); wait 2 s at most.
    if (this.watchStarting) {
      let timer: NodeJS.Timeout | undefined;
      const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
      await Promise.race([this.watchStarting.catch(() => undefined), cap]);
      clearTimeout(timer);
    }
  }

  private abandon(): number {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.watchdog);
    this.watchdog = undefined;
    this.listAbort?.abort();
    this.listAbort = undefined;
    this.watchAbort?.abort();
    this.watchAbort = undefined;
    return ++this.epoch;
  }

  private async listAndWatch(): Promise<void> {
    const epoch = this.abandon();
    const abort = (this.listAbort = new AbortController());
    let items: T[];
    try {
      const list = await this.options.list(
        { labelSelector: this.options.labelSelector },
        requestOptions(this.options.listTimeoutMs ?? 10_000, abort.signal),
      );
      items = list.items;
      this.resourceVersion = list.metadata?.resourceVersion ?? '';
    } catch (err) {
      if (epoch === this.epoch && !this.stopped) this.fail(describeKubeError(err).reason);
      return;
    }
    if (epoch !== this.epoch || this.stopped) return;
    this.listAbort = undefined;
    this.hasListed = true;
    this.byName.clear();
    for (const item of items) if (item.metadata?.name) this.byName.set(item.metadata.name, item);
    this.emit();
    this.startWatch();
  }

  private startWatch(): void {
    const epoch = ++this.epoch;
    const startedAt = Date.now();
    let healthy = false;
    const current = () => epoch === this.epoch && !this.stopped;
    // client-node's Watch has no timeouts: a request that never gets its headers, or a stream gone
    // silent on a dead connection, would hang the watcher. Real servers send a bookmark about once
    // a minute and end the watch after timeoutSeconds, so silence beyond that means trouble.
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    const arm = (ms: number, reason: string) => {
      clearTimeout(this.watchdog);
      this.watchdog = setTimeout(() => current() && this.fail(reason), ms);
    };
    const armSilence = () => arm((timeoutSeconds + 30) * 1000, 'the watch went silent');
    arm(this.options.listTimeoutMs ?? 10_000, 'the watch request timed out');

    const onEvent = (type: string, obj: unknown) => {
      if (!current()) return;
      armSilence();
      if (type === 'ERROR') {
        const status = obj as { code?: number };
        this.fail(
          status.code === 410 ? '410 Gone: the watch resourceVersion is too old' : `watch error ${status.code ?? ''}`.trim(),
        );
        return;
      }
      const object = obj as T;
      const rv = object.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      healthy = true;
      this.failures = 0;
      if (type === 'BOOKMARK') return;
      const name = object.metadata?.name;
      if (!name) return;
      if (type === 'DELETED') this.byName.delete(name);
      else this.byName.set(name, object);
      this.emit();
    };

    const onDone = (err: unknown) => {
      if (!current()) return;
      clearTimeout(this.watchdog);
      if (err) {
        this.fail(describeKubeError(err).reason);
      } else if (healthy || Date.now() - startedAt >= HEALTHY_WATCH_MS) {
        this.failures = 0;
        this.startWatch();
      } else {
        this.fail('the watch ended at once');
      }
    };

    const params: Record<string, string | number | boolean> = {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
    };
    if (this.options.labelSelector) params.labelSelector = this.options.labelSelector;
    const starting = this.watch.watch(this.options.path, params, onEvent, onDone).then((controller) => {
      if (!current()) {
        controller.abort();
        return;
      }
      this.watchAbort = controller;
      armSilence();
    });
    this.watchStarting = starting;
    starting.catch(() => undefined);
  }

  private fail(reason: string): void {
    this.abandon();
    this.failures++;
    const retryInMs = backoffDelay(this.failures, this.backoff, this.options.random);
    try {
      this.options.onError?.({ reason, attempt: this.failures, retryInMs });
    } finally {
      this.retryTimer = setTimeout(() => void this.listAndWatch(), retryInMs);
    }
  }

  private emit(): void {
    try {
      this.options.onChange(this.objects);
    } catch (err) {
      // The watcher must outlive a faulty listener; the fault still shows in the process's warnings.
      process.emitWarning(`ResourceWatcher onChange threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
