// The API semantics of the fake, independent of HTTP: create/get/list/update/patch/delete/watch with
// the real server's status codes (404, 409 AlreadyExists/Conflict, 410 Expired, 422), generation,
// finalizers, owner-reference garbage collection and namespace termination.
import { randomInt, randomUUID } from 'node:crypto';

import { jsonEqual } from '../json-equal';
import { FakeKubeError, KubeStatus, Status } from './kube-status';
import { ObjectStore, StoreEvent } from './object-store';
import { applyJsonPatch, applyMergePatch, PatchError } from './patches';
import { CORE_RESOURCES, KubeObject, PropagationPolicy, ResourceDefinition, ResourceType, resourceType } from './resource-types';
import {
  isValidLabelKey,
  isValidLabelValue,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: string;
}

export interface KubeList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: KubeObject[];
}

export interface WatchOptions {
  resourceVersion?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'ERROR' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | KubeStatus;
}

export interface DeleteOptions {
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export interface WriteOptions {
  dryRun?: boolean;
  subresource?: 'status';
}

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

const nowTimestamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function withoutMetaAndStatus(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

export class FakeKubeApi {
  readonly store: ObjectStore;
  private readonly types = new Map<string, ResourceType>();

  constructor(options: { historyLimit?: number } = {}) {
    this.store = new ObjectStore(options.historyLimit);
    for (const def of CORE_RESOURCES) this.registerResource(def);
  }

  registerResource(def: ResourceDefinition): ResourceType {
    const type = resourceType(def);
    this.types.set(type.id, type);
    return type;
  }

  resourceTypes(): ResourceType[] {
    return [...this.types.values()];
  }

  findType(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${resource}`);
  }

  /** 'pods', 'jobs.batch', 'networkpolicies.networking.k8s.io' or 'batch/v1/jobs'. */
  resolve(ref: string): ResourceType {
    const candidates = this.resourceTypes().filter(
      (t) => t.resource === ref || `${t.resource}.${t.group}` === ref || t.id === ref || `/${ref}` === t.id,
    );
    if (candidates.length !== 1) throw new Error(`unknown or ambiguous resource "${ref}"`);
    return candidates[0];
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(type.id, this.scope(type, namespace), name);
    if (!found) throw new FakeKubeError(Status.notFound(type, name));
    return found;
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions & { keepStatus?: boolean } = {},
  ): KubeObject {
    const obj = this.checkBody(type, body);
    if (type.namespaced) {
      const ns = namespace ?? obj.metadata.namespace;
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw new FakeKubeError(
          Status.badRequest('the namespace of the provided object does not match the namespace sent on the request'),
        );
      }
      if (!ns) throw new FakeKubeError(Status.badRequest('a namespace is required for namespaced resources'));
      obj.metadata.namespace = ns;
    } else {
      delete obj.metadata.namespace;
    }
    if (!obj.metadata.name && obj.metadata.generateName) {
      const suffix = Array.from({ length: 5 }, () => NAME_SUFFIX_ALPHABET[randomInt(NAME_SUFFIX_ALPHABET.length)]).join('');
      obj.metadata.name = obj.metadata.generateName.slice(0, 58) + suffix;
    }
    this.checkMetadata(type, obj);
    if (obj.metadata.resourceVersion) {
      throw new FakeKubeError(Status.badRequest('resourceVersion should not be set on objects to be created'));
    }
    if (type.namespaced) {
      const ns = this.store.get('/v1/namespaces', undefined, obj.metadata.namespace as string);
      if (!ns) throw new FakeKubeError(Status.notFound({ group: '', resource: 'namespaces' }, obj.metadata.namespace as string));
      if (ns.metadata.deletionTimestamp) {
        throw new FakeKubeError(
          Status.forbidden(
            type,
            obj.metadata.name,
            `unable to create new content in namespace ${ns.metadata.name} because it is being terminated`,
          ),
        );
      }
    }
    if (this.store.get(type.id, obj.metadata.namespace, obj.metadata.name)) {
      throw new FakeKubeError(Status.alreadyExists(type, obj.metadata.name));
    }
    const givenStatus = obj.status;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = nowTimestamp();
    obj.metadata.generation = 1;
    delete obj.metadata.deletionTimestamp;
    type.defaults?.(obj);
    if (options.keepStatus && givenStatus !== undefined) obj.status = givenStatus;
    if (options.dryRun) return obj;
    return this.store.write(type.id, obj);
  }

  list(type: ResourceType, namespace: string | undefined, options: ListOptions = {}): KubeList {
    const { labels, fields } = this.selectors(type, options);
    let revision = this.store.currentRevision;
    let after: string | undefined;
    if (options.continue) {
      const token = this.decodeContinue(options.continue);
      if (token.rv < this.store.oldestRevision) {
        throw new FakeKubeError(
          Status.gone(
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          ),
        );
      }
      revision = token.rv;
      after = token.key;
    } else if (options.resourceVersionMatch === 'Exact') {
      revision = this.parseRevision(options.resourceVersion);
      if (revision < this.store.oldestRevision) {
        throw new FakeKubeError(Status.gone(`too old resource version: ${revision} (${this.store.oldestRevision})`));
      }
    } else if (options.resourceVersionMatch && options.resourceVersionMatch !== 'NotOlderThan') {
      throw new FakeKubeError(Status.badRequest(`unsupported resourceVersionMatch "${options.resourceVersionMatch}"`));
    }
    // Without resourceVersionMatch=Exact a resourceVersion means "not older than": the current state is.
    const all = revision === this.store.currentRevision ? this.store.list(type.id) : this.store.snapshot(type.id, revision);
    if (all === 'gone')
      throw new FakeKubeError(Status.gone(`too old resource version: ${revision} (${this.store.oldestRevision})`));
    let items = all.filter(
      (o) =>
        (namespace === undefined || o.metadata.namespace === namespace) &&
        matchesLabels(labels, o.metadata.labels) &&
        matchesFields(fields, o),
    );
    if (after !== undefined) items = items.filter((o) => this.keyOf(o) > (after as string));
    const metadata: KubeList['metadata'] = { resourceVersion: String(revision) };
    if (options.limit && options.limit > 0 && items.length > options.limit) {
      const rest = items.length - options.limit;
      items = items.slice(0, options.limit);
      metadata.continue = Buffer.from(JSON.stringify({ rv: revision, key: this.keyOf(items[items.length - 1]) })).toString(
        'base64url',
      );
      if (!options.labelSelector && !options.fieldSelector) metadata.remainingItemCount = rest;
    }
    return {
      apiVersion: type.apiVersion,
      kind: type.listKind,
      metadata,
      // The real server leaves apiVersion and kind out of list items.
      items: items.map(({ apiVersion: _a, kind: _k, ...item }) => item as KubeObject),
    };
  }

  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const old = this.get(type, namespace, name);
    const obj = this.checkBody(type, body);
    if (obj.metadata.name !== name) {
      throw new FakeKubeError(
        Status.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${name})`),
      );
    }
    if (type.namespaced && obj.metadata.namespace && obj.metadata.namespace !== old.metadata.namespace) {
      throw new FakeKubeError(
        Status.badRequest('the namespace of the provided object does not match the namespace sent on the request'),
      );
    }
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== old.metadata.resourceVersion) {
      throw new FakeKubeError(Status.conflict(type, name));
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = structuredClone(old);
      next.status = obj.status;
    } else {
      this.checkMetadata(type, obj);
      next = obj;
      next.metadata = {
        ...obj.metadata,
        name: old.metadata.name,
        namespace: old.metadata.namespace,
        uid: old.metadata.uid,
        creationTimestamp: old.metadata.creationTimestamp,
        deletionTimestamp: old.metadata.deletionTimestamp,
      };
      if (next.metadata.namespace === undefined) delete next.metadata.namespace;
      if (next.metadata.deletionTimestamp === undefined) delete next.metadata.deletionTimestamp;
      if (type.statusSubresource) {
        if (old.status === undefined) delete next.status;
        else next.status = old.status;
      }
    }
    return this.commitUpdate(type, old, next, options.dryRun);
  }

  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    contentType: string,
    patch: unknown,
    options: WriteOptions = {},
  ): KubeObject {
    const old = this.get(type, namespace, name);
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    let patched: unknown;
    try {
      if (mediaType === PATCH_TYPES.json) patched = applyJsonPatch(old, patch);
      else if (mediaType === PATCH_TYPES.merge || mediaType === PATCH_TYPES.strategic) patched = applyMergePatch(old, patch);
      else throw new FakeKubeError(Status.unsupportedMediaType(mediaType || '(none)'));
    } catch (err) {
      if (err instanceof PatchError) throw new FakeKubeError({ ...Status.badRequest(err.message), code: 422, reason: 'Invalid' });
      throw err;
    }
    return this.replace(type, namespace, name, patched, options);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    const old = this.get(type, namespace, name);
    const { preconditions } = options;
    if (preconditions?.uid && preconditions.uid !== old.metadata.uid) {
      throw new FakeKubeError(
        Status.conflict(
          type,
          name,
          `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${old.metadata.uid}`,
        ),
      );
    }
    if (preconditions?.resourceVersion && preconditions.resourceVersion !== old.metadata.resourceVersion) {
      throw new FakeKubeError(
        Status.conflict(
          type,
          name,
          `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
        ),
      );
    }
    const policy = options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : type.defaultPropagationPolicy);
    if (!['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw new FakeKubeError(Status.badRequest(`DeleteOptions.propagationPolicy: Unsupported value: "${policy}"`));
    }
    if (options.dryRun) return old;
    if (type.id === '/v1/namespaces') return this.terminateNamespace(old);
    if (old.metadata.finalizers?.length) {
      if (old.metadata.deletionTimestamp) return old;
      return this.store.write(type.id, {
        ...old,
        metadata: { ...old.metadata, deletionTimestamp: nowTimestamp(), deletionGracePeriodSeconds: 0 },
      });
    }
    if (policy === 'Foreground') this.collectDependents(old, 'Foreground');
    const removed = this.store.remove(type.id, old.metadata.namespace, name) as KubeObject;
    if (policy !== 'Foreground') this.collectDependents(old, policy as PropagationPolicy);
    this.finalizeNamespaceIfEmpty(old.metadata.namespace);
    return removed;
  }

  deleteCollection(type: ResourceType, namespace: string | undefined, options: ListOptions & DeleteOptions): KubeList {
    const list = this.list(type, namespace, { labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
    list.items = list.items.map((o) => this.delete(type, o.metadata.namespace, o.metadata.name, options));
    return list;
  }

  /**
   * Starts a watch: `send` gets the replayed events, then live ones until the returned cancel is
   * called. A resourceVersion older than the retained history sends one ERROR (410 Expired) and
   * returns `ended: true`, as the real API server does.
   */
  watch(
    type: ResourceType,
    namespace: string | undefined,
    options: WatchOptions,
    send: (event: WatchEvent) => void,
  ): { ended: boolean; cancel: () => void } {
    const { labels, fields } = this.selectors(type, options);
    const matches = (o: KubeObject | undefined) =>
      o !== undefined &&
      (namespace === undefined || o.metadata.namespace === namespace) &&
      matchesLabels(labels, o.metadata.labels) &&
      matchesFields(fields, o);
    const translate = (e: StoreEvent): WatchEvent | undefined => {
      if (e.typeId !== type.id) return undefined;
      const now = matches(e.object);
      const before = matches(e.previous);
      if (e.type === 'ADDED') return now ? { type: 'ADDED', object: e.object } : undefined;
      if (e.type === 'DELETED') return before ? { type: 'DELETED', object: e.object } : undefined;
      if (now && before) return { type: 'MODIFIED', object: e.object };
      // An object that starts or stops matching the selector appears to be added or deleted.
      if (now) return { type: 'ADDED', object: e.object };
      if (before) return { type: 'DELETED', object: e.object };
      return undefined;
    };
    const rv = options.resourceVersion;
    if (!rv || rv === '0') {
      for (const o of this.store.list(type.id)) if (matches(o)) send({ type: 'ADDED', object: o });
    } else {
      const revision = this.parseRevision(rv);
      const replay = this.store.eventsAfter(type.id, revision);
      if (replay === 'gone') {
        send({ type: 'ERROR', object: Status.gone(`too old resource version: ${revision} (${this.store.oldestRevision})`) });
        return { ended: true, cancel: () => undefined };
      }
      for (const e of replay) {
        const event = translate(e);
        if (event) send(event);
      }
    }
    const cancel = this.store.subscribe((e) => {
      const event = translate(e);
      if (event) send(event);
    });
    return { ended: false, cancel };
  }

  private commitUpdate(type: ResourceType, old: KubeObject, next: KubeObject, dryRun = false): KubeObject {
    next.apiVersion = type.apiVersion;
    next.kind = type.kind;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    next.metadata.generation =
      (old.metadata.generation ?? 1) + (jsonEqual(withoutMetaAndStatus(old), withoutMetaAndStatus(next)) ? 0 : 1);
    // An update that changes nothing keeps the resourceVersion and sends no watch event.
    if (jsonEqual(old, next)) return old;
    if (dryRun) return next;
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) {
      const removed = this.store.remove(type.id, old.metadata.namespace, old.metadata.name) as KubeObject;
      this.collectDependents(old, 'Background');
      this.finalizeNamespaceIfEmpty(old.metadata.namespace);
      return removed;
    }
    return this.store.write(type.id, next);
  }

  private collectDependents(owner: KubeObject, policy: PropagationPolicy): void {
    const uid = owner.metadata.uid;
    for (const type of this.types.values()) {
      for (const dependent of this.store.list(type.id)) {
        const refs = dependent.metadata.ownerReferences ?? [];
        if (!refs.some((r) => r.uid === uid)) continue;
        if (owner.metadata.namespace && dependent.metadata.namespace && dependent.metadata.namespace !== owner.metadata.namespace)
          continue;
        if (policy === 'Orphan') {
          const rest = refs.filter((r) => r.uid !== uid);
          const orphan = structuredClone(dependent);
          if (rest.length) orphan.metadata.ownerReferences = rest;
          else delete orphan.metadata.ownerReferences;
          this.store.write(type.id, orphan);
        } else if (this.store.get(type.id, dependent.metadata.namespace, dependent.metadata.name)) {
          this.delete(type, dependent.metadata.namespace, dependent.metadata.name, { propagationPolicy: policy });
        }
      }
    }
  }

  private terminateNamespace(ns: KubeObject): KubeObject {
    if (ns.metadata.deletionTimestamp) return ns;
    const terminating = this.store.write('/v1/namespaces', {
      ...ns,
      metadata: { ...ns.metadata, deletionTimestamp: nowTimestamp() },
      status: { ...(ns.status as object), phase: 'Terminating' },
    });
    for (const type of this.types.values()) {
      if (!type.namespaced) continue;
      for (const o of this.store.list(type.id, ns.metadata.name)) {
        if (this.store.get(type.id, o.metadata.namespace, o.metadata.name))
          this.delete(type, o.metadata.namespace, o.metadata.name, { propagationPolicy: 'Background' });
      }
    }
    return this.finalizeNamespaceIfEmpty(ns.metadata.name) ?? terminating;
  }

  private finalizeNamespaceIfEmpty(namespace: string | undefined): KubeObject | undefined {
    if (!namespace) return undefined;
    const ns = this.store.get('/v1/namespaces', undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return undefined;
    for (const type of this.types.values()) {
      if (type.namespaced && this.store.list(type.id, namespace).length > 0) return undefined;
    }
    return this.store.remove('/v1/namespaces', undefined, namespace);
  }

  private scope(type: ResourceType, namespace: string | undefined): string | undefined {
    return type.namespaced ? namespace : undefined;
  }

  private keyOf(o: KubeObject): string {
    return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  }

  private checkBody(type: ResourceType, body: unknown): KubeObject {
    if (!isObject(body) || !isObject(body.metadata)) {
      throw new FakeKubeError(Status.badRequest(`the body of the request is not a ${type.kind} object with metadata`));
    }
    const obj = structuredClone(body) as KubeObject;
    if (obj.apiVersion !== undefined && obj.apiVersion !== type.apiVersion) {
      throw new FakeKubeError(
        Status.badRequest(
          `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${type.apiVersion})`,
        ),
      );
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw new FakeKubeError(
        Status.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`),
      );
    }
    obj.apiVersion = type.apiVersion;
    obj.kind = type.kind;
    return obj;
  }

  private checkMetadata(type: ResourceType, obj: KubeObject): void {
    const name = obj.metadata.name;
    if (!name) {
      throw new FakeKubeError(
        Status.invalid(type.kind, '', 'metadata.name', 'Required value: name or generateName is required', type.group),
      );
    }
    const [pattern, max, what] = type.dnsLabelNames
      ? [DNS_LABEL, 63, 'RFC 1123 label']
      : [DNS_SUBDOMAIN, 253, 'RFC 1123 subdomain'];
    if (typeof name !== 'string' || name.length > max || !pattern.test(name)) {
      throw new FakeKubeError(
        Status.invalid(
          type.kind,
          String(name),
          'metadata.name',
          `Invalid value: "${String(name)}": a lowercase ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
          type.group,
        ),
      );
    }
    for (const [key, value] of Object.entries(obj.metadata.labels ?? {})) {
      if (!isValidLabelKey(key) || typeof value !== 'string' || !isValidLabelValue(value)) {
        throw new FakeKubeError(
          Status.invalid(type.kind, name, `metadata.labels`, `Invalid value: "${key}=${String(value)}"`, type.group),
        );
      }
    }
  }

  private selectors(type: ResourceType, options: { labelSelector?: string; fieldSelector?: string }) {
    try {
      return {
        labels: parseLabelSelector(options.labelSelector),
        fields: parseFieldSelector(options.fieldSelector, type.selectableFields),
      };
    } catch (err) {
      if (err instanceof SelectorError) throw new FakeKubeError(Status.badRequest(err.message));
      throw err;
    }
  }

  private parseRevision(rv: string | undefined): number {
    const revision = Number(rv);
    if (!rv || !Number.isSafeInteger(revision) || revision < 0) {
      throw new FakeKubeError(Status.badRequest(`invalid resource version "${String(rv)}"`));
    }
    return revision;
  }

  private decodeContinue(token: string): { rv: number; key: string } {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString()) as { rv: unknown; key: unknown };
      if (typeof parsed.rv === 'number' && typeof parsed.key === 'string') return { rv: parsed.rv, key: parsed.key };
    } catch {
      // falls through to the error below
    }
    throw new FakeKubeError(
      Status.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'),
    );
  }
}
