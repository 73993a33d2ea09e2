// The fake's etcd: objects per resource type, one global revision (resourceVersion) and a bounded
// event log from which watches replay and older list snapshots are rebuilt.
import type { KubeObject } from './resource-types';

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  revision: number;
  typeId: string;
  type: StoreEventType;
  /** The object after the change; for DELETED, its last state carrying the deletion's revision. */
  object: KubeObject;
  /** The object before the change (undefined for ADDED). */
  previous?: KubeObject;
}

export type StoreListener = (event: StoreEvent) => void;

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export class ObjectStore {
  private revision: number;
  private readonly data = new Map<string, Map<string, KubeObject>>();
  private events: StoreEvent[] = [];
  /** Events with a revision above this one are all retained. */
  private compactedRevision: number;
  private readonly listeners = new Set<StoreListener>();
  private pending: StoreEvent[] = [];
  private dispatching = false;

  constructor(
    private historyLimit = 10_000,
    firstRevision = 100,
  ) {
    this.revision = firstRevision;
    this.compactedRevision = firstRevision;
  }

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision a watch or an exact list may still start from. */
  get oldestRevision(): number {
    return this.compactedRevision;
  }

  get(typeId: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.data.get(typeId)?.get(keyOf(namespace, name));
    return found && structuredClone(found);
  }

  list(typeId: string, namespace?: string): KubeObject[] {
    return this.sorted(this.data.get(typeId) ?? new Map(), namespace);
  }

  /** The objects as they were at `revision`, or 'gone' when the history needed was compacted. */
  snapshot(typeId: string, revision: number, namespace?: string): KubeObject[] | 'gone' {
    if (revision < this.compactedRevision) return 'gone';
    const objects = new Map(this.data.get(typeId) ?? []);
    for (let i = this.events.length - 1; i >= 0 && this.events[i].revision > revision; i--) {
      const event = this.events[i];
      if (event.typeId !== typeId) continue;
      const key = keyOf(event.object.metadata.namespace, event.object.metadata.name);
      if (event.type === 'ADDED') objects.delete(key);
      else objects.set(key, event.previous as KubeObject);
    }
    return this.sorted(objects, namespace);
  }

  /** The events of one type after `revision`, or 'gone' when some were compacted away. */
  eventsAfter(typeId: string, revision: number): StoreEvent[] | 'gone' {
    if (revision < this.compactedRevision) return 'gone';
    return this.events.filter((e) => e.typeId === typeId && e.revision > revision).map((e) => structuredClone(e));
  }

  /** Stores a new or changed object under a fresh revision and returns what was stored. */
  write(typeId: string, object: KubeObject): KubeObject {
    let objects = this.data.get(typeId);
    if (!objects) this.data.set(typeId, (objects = new Map()));
    const key = keyOf(object.metadata.namespace, object.metadata.name);
    const previous = objects.get(key);
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.revision);
    objects.set(key, stored);
    this.record({ revision: this.revision, typeId, type: previous ? 'MODIFIED' : 'ADDED', object: stored, previous });
    return structuredClone(stored);
  }

  remove(typeId: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const objects = this.data.get(typeId);
    const key = keyOf(namespace, name);
    const previous = objects?.get(key);
    if (!objects || !previous) return undefined;
    objects.delete(key);
    const last = structuredClone(previous);
    last.metadata.resourceVersion = String(++this.revision);
    this.record({ revision: this.revision, typeId, type: 'DELETED', object: last, previous });
    return structuredClone(last);
  }

  /** Forgets every event: watches and exact lists from an earlier revision then get 410 Gone. */
  compact(): void {
    this.events = [];
    this.compactedRevision = this.revision;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoreEvent): void {
    this.events.push(event);
    while (this.events.length > this.historyLimit) {
      this.compactedRevision = (this.events.shift() as StoreEvent).revision;
    }
    // A listener that writes (a fake controller) queues its event behind this one, so every
    // listener sees the events in revision order.
    this.pending.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    let failure: unknown;
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      for (const listener of [...this.listeners]) {
        try {
          listener(structuredClone(next));
        } catch (err) {
          failure ??= err;
        }
      }
    }
    this.dispatching = false;
    // A failing listener must not starve the others; its error still reaches the writer.
    if (failure !== undefined) throw failure;
  }

  private sorted(objects: Map<string, KubeObject>, namespace?: string): KubeObject[] {
    return [...objects.entries()]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => structuredClone(o));
  }
}
