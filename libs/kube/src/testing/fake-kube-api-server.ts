// A fake Kubernetes API server for tests, spoken to by the real @kubernetes/client-node: HTTPS on
// 127.0.0.1 with a throw-away CA, bearer-token (or client-certificate) auth, the object store of
// FakeKubeApi, chunked watch streams, pod logs, discovery, and knobs to break things.
import { randomBytes } from 'node:crypto';

import { KubeConfig } from '@kubernetes/client-node';

import { ApiRequestHandler, RecordedRequest } from './api-request-handler';
import { DEFAULT_VERSION, VersionInfo } from './discovery';
import { DeleteOptions, FakeKubeApi, PATCH_TYPES, WriteOptions } from './fake-kube-api';
import { KubeconfigOptions, renderKubeconfig } from './fake-kubeconfig';
import { NodeChanges, SeedNode, seedNode, updateNode } from './fake-nodes';
import { HttpsListener } from './https-listener';
import { StoreEventType } from './object-store';
import { PodLogs } from './pod-logs';
import { FakeRequestInfo, Reactor, Reactors } from './reactors';
import { KubeObject, ResourceDefinition, ResourceType } from './resource-types';
import { KeyAndCertificate, sharedTestPki, TestCa } from './test-pki';
import { WatchStreams } from './watch-streams';

export type { RecordedRequest } from './api-request-handler';
export type { VersionInfo } from './discovery';
export type { KubeconfigOptions } from './fake-kubeconfig';
export type { NodeChanges, SeedNode } from './fake-nodes';
export type { FakeRequestInfo, Reactor } from './reactors';

export interface FakeKubeApiServerOptions {
  /** The bearer token clients must send; a random one by default. */
  token?: string;
  /** Client certificates signed by the fake's CA are accepted too (the user is their CN). Default true. */
  acceptClientCertificates?: boolean;
  /** How many events the fake keeps for watch replay and exact lists; older ones answer 410. */
  historyLimit?: number;
  /** Overrides for GET /version. */
  version?: Partial<VersionInfo>;
}

export interface ObjectChange {
  type: StoreEventType;
  object: KubeObject;
  previous?: KubeObject;
}

export class FakeKubeApiServer {
  readonly api: FakeKubeApi;
  readonly token: string;
  readonly url: string;
  readonly caPem: string;

  private readonly reactors = new Reactors();
  private readonly version: VersionInfo;
  private readonly watches: WatchStreams;
  private readonly podLogs: PodLogs;
  private readonly handler: ApiRequestHandler;
  private closed = false;

  private constructor(
    private readonly listener: HttpsListener,
    private readonly ca: TestCa,
    private readonly untrustedCa: () => TestCa,
    options: FakeKubeApiServerOptions,
  ) {
    this.api = new FakeKubeApi({ historyLimit: options.historyLimit });
    this.token = options.token ?? `fake-${randomBytes(16).toString('hex')}`;
    this.version = { ...DEFAULT_VERSION, ...options.version };
    this.caPem = ca.certPem;
    this.url = listener.url;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.api.create(this.api.resolve('namespaces'), undefined, { metadata: { name } });
    }
    this.podLogs = new PodLogs(this.api);
    this.watches = new WatchStreams(this.api);
    this.handler = new ApiRequestHandler({
      api: this.api,
      token: this.token,
      url: this.url,
      version: this.version,
      reactors: this.reactors,
      watches: this.watches,
      podLogs: this.podLogs,
    });
    listener.onRequest(this.handler.handle);
  }

  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const pki = sharedTestPki();
    const listener = await HttpsListener.open(pki.server, pki.ca.certPem, options.acceptClientCertificates ?? true);
    return new FakeKubeApiServer(listener, pki.ca, pki.otherCa, options);
  }

  // ---- client configuration -------------------------------------------------------------

  kubeconfig(options: KubeconfigOptions = {}): string {
    return renderKubeconfig(
      {
        url: this.url,
        caPem: this.caPem,
        token: this.token,
        untrustedCaPem: () => this.untrustedCa().certPem,
        clientCertificate: () => this.clientCertificate('stagecraft-test', ['system:masters']),
      },
      options,
    );
  }

  kubeconfigWithWrongCa(): string {
    return this.kubeconfig({ ca: 'untrusted' });
  }

  kubeconfigWithWrongToken(): string {
    return this.kubeconfig({ token: `wrong-${randomBytes(8).toString('hex')}` });
  }

  /** A loaded KubeConfig for the fake, for tests that call client-node directly. */
  kubeConfig(options: KubeconfigOptions = {}): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfig(options));
    return kc;
  }

  /** A client certificate signed by the fake's CA (cached per process for the default identity). */
  clientCertificate(commonName: string, organizations: string[] = []): KeyAndCertificate {
    return this.ca.issueClientCertificate(commonName, organizations);
  }

  // ---- test controls --------------------------------------------------------------------

  /** Every request so far (method, path, query, headers with Authorization redacted). */
  get requests(): RecordedRequest[] {
    return this.handler.recorded.map((r) => structuredClone(r));
  }

  clearRequests(): void {
    this.handler.recorded.length = 0;
  }

  get openWatchCount(): number {
    return this.watches.count;
  }

  registerResource(def: ResourceDefinition): ResourceType {
    return this.api.registerResource(def);
  }

  /** Objects of a resource ('pods', 'jobs.batch', 'batch/v1/jobs'), optionally in one namespace. */
  objects(resource: string, namespace?: string): KubeObject[] {
    return this.api.store.list(this.api.resolve(resource).id, namespace);
  }

  object(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const type = this.api.resolve(resource);
    return this.api.store.get(type.id, type.namespaced ? namespace : undefined, name);
  }

  /** Creates like POST does (defaults, 404 for a missing namespace, 409 when present), keeping a given status. */
  createObject(resource: string, obj: KubeObject): KubeObject {
    return this.api.create(this.api.resolve(resource), obj.metadata.namespace, obj, { keepStatus: true });
  }

  replaceObject(resource: string, obj: KubeObject, options: WriteOptions = {}): KubeObject {
    return this.api.replace(this.api.resolve(resource), obj.metadata.namespace, obj.metadata.name, obj, options);
  }

  patchObject(resource: string, namespace: string | undefined, name: string, mergePatch: object): KubeObject {
    return this.api.patch(this.api.resolve(resource), namespace, name, PATCH_TYPES.merge, mergePatch);
  }

  /** Merges into `.status` as a controller or the kubelet would (through the status subresource). */
  patchStatus(resource: string, namespace: string | undefined, name: string, status: object): KubeObject {
    return this.api.patch(this.api.resolve(resource), namespace, name, PATCH_TYPES.merge, { status }, { subresource: 'status' });
  }

  deleteObject(resource: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    return this.api.delete(this.api.resolve(resource), namespace, name, options);
  }

  /** Calls `listener` synchronously after each change of the resource; returns the unsubscribe function. */
  onChange(resource: string, listener: (change: ObjectChange) => void): () => void {
    const typeId = this.api.resolve(resource).id;
    return this.api.store.subscribe((e) => {
      if (e.typeId === typeId) listener({ type: e.type, object: e.object, previous: e.previous });
    });
  }

  /** Intercepts matching API requests (after authentication); returns the remove function. */
  addReactor(filter: { verb?: FakeRequestInfo['verb']; resource?: string }, reactor: Reactor): () => void {
    return this.reactors.add(filter, reactor);
  }

  seedNode(spec: SeedNode): KubeObject {
    return seedNode(this.api, spec, this.version.gitVersion);
  }

  updateNode(name: string, changes: NodeChanges): KubeObject {
    return updateNode(this.api, name, changes);
  }

  removeNode(name: string): KubeObject {
    return this.deleteObject('nodes', undefined, name);
  }

  /**
   * Appends a line (or several, split on newlines) to the log of a pod's container (its first
   * container when none is named); follow streams get it at once.
   */
  appendPodLog(namespace: string, pod: string, line: string, time?: Date, container?: string): void {
    this.podLogs.buffer(namespace, pod, container).append(line, time);
  }

  /** Ends the log of a pod's container (its first when none is named): following readers reach the end of their stream. */
  endPodLog(namespace: string, pod: string, container?: string): void {
    this.podLogs.buffer(namespace, pod, container).end();
  }

  /** Ends every open watch stream abruptly (the socket is destroyed mid-stream). */
  breakWatches(): number {
    return this.watches.finishAll('destroy');
  }

  /** Ends every open watch stream cleanly, as the server does when a watch times out. */
  endWatches(): number {
    return this.watches.finishAll('end');
  }

  /** Forgets the event history: watches resuming from an earlier resourceVersion then get 410 Gone. */
  compactHistory(): void {
    this.api.store.compact();
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(): void {
    this.watches.sendBookmarks();
  }

  /**
   * While unavailable, requests get 503 ServiceUnavailable ('status') or have their connection
   * dropped ('drop'), and open watches and log streams break, as during an API server outage.
   */
  setUnavailable(unavailable: boolean, mode: 'status' | 'drop' = 'status'): void {
    this.handler.outage = unavailable ? mode : false;
    if (unavailable) {
      this.breakWatches();
      this.podLogs.breakStreams();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.breakWatches();
    this.podLogs.breakStreams();
    await this.listener.close();
  }
}
