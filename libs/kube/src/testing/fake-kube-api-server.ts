// A fake Kubernetes API server for tests, spoken to by the real @kubernetes/client-node: HTTPS on
// 127.0.0.1 with a throw-away CA, bearer-token (or client-certificate) auth, the object store of
// FakeKubeApi, chunked watch streams, pod logs, discovery, and knobs to break things.
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo, Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

import { KubeConfig } from '@kubernetes/client-node';

import { DeleteOptions, FakeKubeApi, ListOptions, PATCH_TYPES, WatchEvent, WriteOptions } from './fake-kube-api';
import { FakeKubeError, KubeStatus, Status } from './kube-status';
import { StoreEventType } from './object-store';
import { PodLogBuffer, PodLogQuery } from './pod-log-buffer';
import { KubeObject, ResourceDefinition, ResourceType } from './resource-types';
import { KeyAndCertificate, sharedTestPki, TestCa } from './test-pki';

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

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers; Authorization keeps only its scheme. */
  headers: Record<string, string>;
  /** The user the request authenticated as, if any. */
  user?: string;
}

export interface SeedNode {
  name: string;
  labels?: Record<string, string>;
  ready?: boolean;
  internalIP?: string;
  externalIP?: string;
  unschedulable?: boolean;
}

export interface NodeChanges {
  /** Merged into the node's labels; null removes a label. */
  labels?: Record<string, string | null>;
  ready?: boolean;
  /** null removes the address. */
  internalIP?: string | null;
  externalIP?: string | null;
  unschedulable?: boolean;
}

export interface KubeconfigOptions {
  /** Which CA the kubeconfig trusts: the fake's (default), an unrelated one, none, or no verification. */
  ca?: 'trusted' | 'untrusted' | 'none' | 'insecure-skip-tls-verify';
  /** The credential: the fake's token (default), a given token, or a client certificate signed by the fake's CA. */
  credential?: 'token' | 'client-certificate' | 'none';
  token?: string;
  /** Defaults to the fake's URL. */
  server?: string;
  /** The name the server certificate is checked against instead of the URL's host. */
  tlsServerName?: string;
  contextName?: string;
  namespace?: string;
}

export interface FakeRequestInfo {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  /** Plural, qualified by group for non-core kinds: 'pods', 'jobs.batch'. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: Record<string, string>;
  body?: unknown;
}

/**
 * Returns a Status (or any status code and body) to answer instead of the fake, `{ hang: true }`
 * to never answer (the connection stays open until the client gives up or the fake closes), or
 * undefined to go on.
 */
export type Reactor = (request: FakeRequestInfo) => KubeStatus | { code: number; body: unknown } | { hang: true } | undefined;

export interface ObjectChange {
  type: StoreEventType;
  object: KubeObject;
  previous?: KubeObject;
}

interface OpenStream {
  res: ServerResponse;
  stop: () => void;
  timer?: NodeJS.Timeout;
  bookmarks?: { apiVersion: string; kind: string };
}

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const DEFAULT_VERSION: VersionInfo = {
  major: '1',
  minor: '31',
  gitVersion: 'v1.31.0',
  gitCommit: '9edcffcde5595e8a5b1a35f88c421764e575afce',
  gitTreeState: 'clean',
  buildDate: '2024-08-13T07:28:49Z',
  goVersion: 'go1.22.5',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const truthy = (v: string | null) => v === 'true' || v === '1';
const yamlString = (value: string) => JSON.stringify(value);
const qualifiedName = (t: ResourceType) => (t.group ? `${t.resource}.${t.group}` : t.resource);

export class FakeKubeApiServer {
  readonly api: FakeKubeApi;
  readonly token: string;
  readonly url: string;
  readonly caPem: string;

  private readonly recorded: RecordedRequest[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<OpenStream>();
  private readonly logStreams = new Set<OpenStream>();
  private readonly podLogs = new Map<string, PodLogBuffer>();
  private readonly reactors: { verb?: string; resource?: string; reactor: Reactor }[] = [];
  private readonly version: VersionInfo;
  private unavailable: false | 'status' | 'drop' = false;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly ca: TestCa,
    private readonly untrustedCa: () => TestCa,
    options: FakeKubeApiServerOptions,
  ) {
    this.api = new FakeKubeApi({ historyLimit: options.historyLimit });
    this.token = options.token ?? `fake-${randomBytes(16).toString('hex')}`;
    this.version = { ...DEFAULT_VERSION, ...options.version };
    this.caPem = ca.certPem;
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      this.api.create(this.api.resolve('namespaces'), undefined, { metadata: { name } });
    }
    this.api.store.subscribe((e) => this.onPodChange(e.typeId, e.type, e.object));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          this.sendJson(res, 500, {
            ...Status.badRequest(`fake API server error: ${String(err)}`),
            code: 500,
            reason: 'InternalError',
          });
        else res.destroy();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const pki = sharedTestPki();
    const server = createServer({
      key: pki.server.keyPem,
      cert: pki.server.certPem,
      ca: [pki.ca.certPem],
      requestCert: options.acceptClientCertificates ?? true,
      rejectUnauthorized: false,
    });
    // A client that rejects our certificate (wrong CA in its kubeconfig) is expected in tests.
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakeKubeApiServer(server, pki.ca, pki.otherCa, options);
  }

  // ---- client configuration -------------------------------------------------------------

  kubeconfig(options: KubeconfigOptions = {}): string {
    const ca = options.ca ?? 'trusted';
    const credential = options.credential ?? 'token';
    const context = options.contextName ?? 'fake';
    const cluster = [`    server: ${yamlString(options.server ?? this.url)}`];
    if (ca === 'trusted')
      cluster.push(`    certificate-authority-data: ${yamlString(Buffer.from(this.caPem).toString('base64'))}`);
    if (ca === 'untrusted')
      cluster.push(`    certificate-authority-data: ${yamlString(Buffer.from(this.untrustedCa().certPem).toString('base64'))}`);
    if (ca === 'insecure-skip-tls-verify') cluster.push('    insecure-skip-tls-verify: true');
    if (options.tlsServerName) cluster.push(`    tls-server-name: ${yamlString(options.tlsServerName)}`);
    const user: string[] = [];
    if (credential === 'token') user.push(`    token: ${yamlString(options.token ?? this.token)}`);
    if (credential === 'client-certificate') {
      const client = this.clientCertificate('stagecraft-test', ['system:masters']);
      user.push(`    client-certificate-data: ${yamlString(Buffer.from(client.certPem).toString('base64'))}`);
      user.push(`    client-key-data: ${yamlString(Buffer.from(client.keyPem).toString('base64'))}`);
    }
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${yamlString(context)}`,
      '  cluster:',
      ...cluster,
      'users:',
      `- name: ${yamlString(`${context}-user`)}`,
      user.length ? '  user:' : '  user: {}',
      ...user,
      'contexts:',
      `- name: ${yamlString(context)}`,
      '  context:',
      `    cluster: ${yamlString(context)}`,
      `    user: ${yamlString(`${context}-user`)}`,
      `    namespace: ${yamlString(options.namespace ?? 'default')}`,
      `current-context: ${yamlString(context)}`,
      '',
    ].join('\n');
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
    return this.recorded.map((r) => structuredClone(r));
  }

  clearRequests(): void {
    this.recorded.length = 0;
  }

  get openWatchCount(): number {
    return this.watches.size;
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
    const entry = { ...filter, reactor };
    this.reactors.push(entry);
    return () => {
      const i = this.reactors.indexOf(entry);
      if (i >= 0) this.reactors.splice(i, 1);
    };
  }

  seedNode(spec: SeedNode): KubeObject {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: spec.name,
        labels: {
          'kubernetes.io/hostname': spec.name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          ...spec.labels,
        },
      },
      spec: spec.unschedulable ? { unschedulable: true } : {},
      status: {
        conditions: [this.readyCondition(spec.ready ?? true, now)],
        addresses: this.addresses(spec.name, spec.internalIP, spec.externalIP),
        nodeInfo: {
          kubeletVersion: this.version.gitVersion,
          operatingSystem: 'linux',
          architecture: 'amd64',
          containerRuntimeVersion: 'containerd://1.7.20',
        },
      },
    };
    return this.createObject('nodes', node);
  }

  updateNode(name: string, changes: NodeChanges): KubeObject {
    const node = this.object('nodes', undefined, name);
    if (!node) throw new FakeKubeError(Status.notFound({ group: '', resource: 'nodes' }, name));
    const status = (node.status ?? {}) as {
      conditions?: { type: string; status: string }[];
      addresses?: { type: string; address: string }[];
    };
    if (changes.labels) {
      const labels = { ...node.metadata.labels };
      for (const [k, v] of Object.entries(changes.labels)) {
        if (v === null) delete labels[k];
        else labels[k] = v;
      }
      node.metadata.labels = labels;
    }
    if (changes.unschedulable !== undefined) {
      const { unschedulable: _u, ...spec } = (node.spec ?? {}) as Record<string, unknown>;
      node.spec = changes.unschedulable ? { ...spec, unschedulable: true } : spec;
    }
    if (changes.ready !== undefined) {
      const current = status.conditions?.find((c) => c.type === 'Ready');
      if (current?.status !== (changes.ready ? 'True' : 'False')) {
        status.conditions = [
          ...(status.conditions ?? []).filter((c) => c.type !== 'Ready'),
          this.readyCondition(changes.ready, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')),
        ];
      }
    }
    if (changes.internalIP !== undefined || changes.externalIP !== undefined) {
      const find = (t: string) => status.addresses?.find((a) => a.type === t)?.address;
      const internal = changes.internalIP === undefined ? find('InternalIP') : (changes.internalIP ?? undefined);
      const external = changes.externalIP === undefined ? find('ExternalIP') : (changes.externalIP ?? undefined);
      status.addresses = this.addresses(name, internal, external);
    }
    node.status = status;
    // The kubelet writes status through the status subresource, users write labels through the object.
    const type = this.api.resolve('nodes');
    const updated = this.api.replace(type, undefined, name, {
      ...node,
      metadata: { ...node.metadata, resourceVersion: undefined },
    });
    return this.api.replace(type, undefined, name, { ...updated, status: node.status }, { subresource: 'status' });
  }

  removeNode(name: string): KubeObject {
    return this.deleteObject('nodes', undefined, name);
  }

  /**
   * Appends a line (or several, split on newlines) to the log of a pod's container (its first
   * container when none is named); follow streams get it at once.
   */
  appendPodLog(namespace: string, pod: string, line: string, time?: Date, container?: string): void {
    this.podLog(namespace, pod, container).append(line, time);
  }

  /** Ends the log of a pod's container (its first when none is named): following readers reach the end of their stream. */
  endPodLog(namespace: string, pod: string, container?: string): void {
    this.podLog(namespace, pod, container).end();
  }

  /** Ends every open watch stream abruptly (the socket is destroyed mid-stream). */
  breakWatches(): number {
    const count = this.watches.size;
    for (const w of [...this.watches]) this.finishStream(this.watches, w, 'destroy');
    return count;
  }

  /** Ends every open watch stream cleanly, as the server does when a watch times out. */
  endWatches(): number {
    const count = this.watches.size;
    for (const w of [...this.watches]) this.finishStream(this.watches, w, 'end');
    return count;
  }

  /** Forgets the event history: watches resuming from an earlier resourceVersion then get 410 Gone. */
  compactHistory(): void {
    this.api.store.compact();
  }

  /** Sends a BOOKMARK with the current resourceVersion to watches that asked for bookmarks. */
  sendBookmarks(): void {
    const rv = String(this.api.store.currentRevision);
    for (const w of this.watches) {
      if (w.bookmarks)
        w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { ...w.bookmarks, metadata: { resourceVersion: rv } } }) + '\n');
    }
  }

  /**
   * While unavailable, requests get 503 ServiceUnavailable ('status') or have their connection
   * dropped ('drop'), and open watches and log streams break, as during an API server outage.
   */
  setUnavailable(unavailable: boolean, mode: 'status' | 'drop' = 'status'): void {
    this.unavailable = unavailable ? mode : false;
    if (unavailable) {
      this.breakWatches();
      for (const s of [...this.logStreams]) this.finishStream(this.logStreams, s, 'destroy');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.watches]) this.finishStream(this.watches, w, 'destroy');
    for (const s of [...this.logStreams]) this.finishStream(this.logStreams, s, 'destroy');
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  // ---- HTTP -----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://fake.invalid');
    const user = this.authenticate(req);
    this.record(req, url, user);
    if (this.unavailable === 'drop') {
      req.socket.destroy();
      return;
    }
    if (this.unavailable === 'status') return this.sendStatus(res, Status.unavailable());
    if (!user) return this.sendStatus(res, Status.unauthorized());
    const raw = await this.readBody(req);
    if (raw === 'too-large') return this.sendStatus(res, Status.tooLarge());
    try {
      await this.route(req, res, url, raw);
    } catch (err) {
      if (err instanceof FakeKubeError) return this.sendStatus(res, err.status);
      throw err;
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    const method = req.method ?? 'GET';
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const query = url.searchParams;
    if (segments.length === 1 && segments[0] === 'version' && method === 'GET') return this.sendJson(res, 200, this.version);
    const discovery = this.discovery(segments);
    if (discovery !== undefined && method === 'GET') return this.sendJson(res, 200, discovery);
    const route = this.parseRoute(segments);
    if (!route) return this.sendStatus(res, Status.pathNotFound());
    const { type, namespace, name, subresource } = route;

    const body = (): unknown => {
      if (!raw) return undefined;
      try {
        return JSON.parse(raw);
      } catch {
        throw new FakeKubeError(Status.badRequest('the request body is not valid JSON'));
      }
    };
    const verb = this.verbOf(method, route, query);
    if (!verb) return this.sendStatus(res, Status.methodNotAllowed());
    const info: FakeRequestInfo = {
      verb,
      resource: qualifiedName(type),
      namespace,
      name,
      subresource,
      query: Object.fromEntries(query),
      body: verb === 'patch' && !(req.headers['content-type'] ?? '').includes('json') ? raw : body(),
    };
    for (const r of this.reactors) {
      if ((r.verb && r.verb !== verb) || (r.resource && r.resource !== info.resource && r.resource !== type.resource)) continue;
      const answer = r.reactor(info);
      if (answer) {
        if ('hang' in answer) return;
        // A Success Status (Status.deleted) carries no code.
        if ('kind' in answer && answer.kind === 'Status') return this.sendJson(res, answer.code ?? 200, answer);
        return this.sendJson(res, (answer as { code: number }).code, (answer as { body: unknown }).body);
      }
    }

    if (subresource === 'log') return this.servePodLog(req, res, route, query);
    const dryRun = query.get('dryRun') === 'All';
    const writeOptions: WriteOptions = { dryRun, subresource: subresource === 'status' ? 'status' : undefined };
    switch (verb) {
      case 'watch':
        return this.serveWatch(req, res, route, query);
      case 'list':
        return this.sendJson(res, 200, this.api.list(type, namespace, this.listOptions(query)));
      case 'get':
        return this.sendJson(res, 200, this.api.get(type, namespace, name as string));
      case 'create':
        return this.sendJson(res, 201, this.api.create(type, namespace, body(), { dryRun }));
      case 'update':
        return this.sendJson(res, 200, this.api.replace(type, namespace, name as string, body(), writeOptions));
      case 'patch': {
        const contentType = req.headers['content-type'] ?? '';
        if (!contentType.includes('json')) return this.sendStatus(res, Status.unsupportedMediaType(contentType || '(none)'));
        return this.sendJson(res, 200, this.api.patch(type, namespace, name as string, contentType, body(), writeOptions));
      }
      case 'delete': {
        const options = (body() ?? {}) as DeleteOptions & { dryRun?: unknown };
        const deleted = this.api.delete(type, namespace, name as string, {
          propagationPolicy: query.get('propagationPolicy') ?? options.propagationPolicy,
          orphanDependents: query.has('orphanDependents') ? truthy(query.get('orphanDependents')) : options.orphanDependents,
          preconditions: options.preconditions,
          dryRun: dryRun || (Array.isArray(options.dryRun) && options.dryRun.includes('All')),
        });
        // Like the real server: an object still there (finalizers, a terminating namespace) or a pod
        // comes back as the object; anything deleted at once as a Success Status.
        const remains = this.api.store.get(type.id, deleted.metadata.namespace, deleted.metadata.name) !== undefined;
        return this.sendJson(
          res,
          200,
          remains || type.deleteReturnsObject ? deleted : Status.deleted(type, deleted.metadata.name, deleted.metadata.uid),
        );
      }
      case 'deletecollection':
        return this.sendJson(
          res,
          200,
          this.api.deleteCollection(type, namespace, {
            ...this.listOptions(query),
            propagationPolicy: query.get('propagationPolicy') ?? undefined,
            dryRun,
          }),
        );
    }
  }

  private verbOf(method: string, route: Route, query: URLSearchParams): FakeRequestInfo['verb'] | undefined {
    if (route.subresource === 'log') return method === 'GET' ? 'get' : undefined;
    if (route.subresource) {
      return ({ GET: 'get', PUT: 'update', PATCH: 'patch' } as const)[method as 'GET' | 'PUT' | 'PATCH'];
    }
    if (route.name === undefined) {
      if (method === 'GET') return truthy(query.get('watch')) ? 'watch' : 'list';
      if (method === 'POST' && (route.namespace !== undefined || !route.type.namespaced)) return 'create';
      if (method === 'DELETE') return 'deletecollection';
      return undefined;
    }
    return ({ GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[
      method as 'GET' | 'PUT' | 'PATCH' | 'DELETE'
    ];
  }

  private parseRoute(segments: string[]): Route | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 3) [group, version, rest] = ['', segments[1], segments.slice(2)];
    else if (segments[0] === 'apis' && segments.length >= 4)
      [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
    else return undefined;

    const namespaces = this.api.findType('', 'v1', 'namespaces');
    // /namespaces/{ns}/{resource}/... unless {resource} is a subresource of the namespace itself.
    if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
      const type = this.api.findType(group, version, rest[2]);
      if (!type?.namespaced || rest.length > 5) return undefined;
      return this.withSubresource({ type, namespace: rest[1], name: rest[3], subresource: rest[4] });
    }
    const type = group === '' && rest[0] === 'namespaces' ? namespaces : this.api.findType(group, version, rest[0]);
    if (!type || rest.length > 3 || (type.namespaced && rest.length > 1)) return undefined;
    return this.withSubresource({ type, name: rest[1], subresource: rest[2] });
  }

  private withSubresource(route: Route): Route | undefined {
    if (route.subresource === undefined) return route;
    if (route.subresource === 'status' && route.type.statusSubresource) return route;
    if (route.subresource === 'log' && route.type.id === '/v1/pods') return route;
    return undefined;
  }

  private discovery(segments: string[]): unknown {
    const types = this.api.resourceTypes();
    const groups = [...new Set(types.filter((t) => t.group).map((t) => `${t.group}/${t.version}`))].map((gv) => {
      const [name, version] = gv.split('/');
      return { name, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
    });
    const resourceList = (group: string, version: string) => {
      const selected = types.filter((t) => t.group === group && t.version === version);
      if (selected.length === 0) return undefined;
      const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: group ? `${group}/${version}` : version,
        resources: selected.flatMap((t) => [
          {
            name: t.resource,
            singularName: t.kind.toLowerCase(),
            namespaced: t.namespaced,
            kind: t.kind,
            verbs,
            ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
          },
          ...(t.statusSubresource
            ? [
                {
                  name: `${t.resource}/status`,
                  singularName: '',
                  namespaced: t.namespaced,
                  kind: t.kind,
                  verbs: ['get', 'patch', 'update'],
                },
              ]
            : []),
          ...(t.id === '/v1/pods' ? [{ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] }] : []),
        ]),
      };
    };
    const host = this.url.replace(/^https:\/\//, '');
    if (segments.length === 1 && segments[0] === 'api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
      };
    }
    if (segments.length === 2 && segments[0] === 'api') return resourceList('', segments[1]);
    if (segments.length === 1 && segments[0] === 'apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups };
    if (segments.length === 2 && segments[0] === 'apis') {
      const group = groups.find((g) => g.name === segments[1]);
      return group && { kind: 'APIGroup', apiVersion: 'v1', ...group };
    }
    if (segments.length === 3 && segments[0] === 'apis') return resourceList(segments[1], segments[2]);
    return undefined;
  }

  private listOptions(query: URLSearchParams): ListOptions {
    const limit = query.get('limit');
    return {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit: limit ? Number(limit) : undefined,
      continue: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: query.get('resourceVersionMatch') ?? undefined,
    };
  }

  private serveWatch(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void {
    const head = () => {
      if (res.headersSent) return;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-cache, private',
        'Transfer-Encoding': 'chunked',
      });
    };
    const send = (event: WatchEvent) => {
      head();
      if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(event) + '\n');
    };
    // Selector and resourceVersion errors are thrown before the first event, so they still get a Status.
    const watch = this.api.watch(
      route.type,
      route.namespace,
      {
        resourceVersion: query.get('resourceVersion') ?? undefined,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
      },
      send,
    );
    head();
    res.flushHeaders();
    if (watch.ended) {
      res.end();
      return;
    }
    const stream: OpenStream = {
      res,
      stop: watch.cancel,
      bookmarks: truthy(query.get('allowWatchBookmarks'))
        ? { apiVersion: route.type.apiVersion, kind: route.type.kind }
        : undefined,
    };
    const timeout = Number(query.get('timeoutSeconds'));
    if (timeout > 0) stream.timer = setTimeout(() => this.finishStream(this.watches, stream, 'end'), timeout * 1000);
    this.watches.add(stream);
    // Not req's 'close': that fires as soon as the request body has been read.
    res.on('close', () => this.finishStream(this.watches, stream, 'none'));
  }

  private servePodLog(req: IncomingMessage, res: ServerResponse, route: Route, query: URLSearchParams): void {
    const pod = this.api.get(route.type, route.namespace, route.name as string);
    const spec = pod.spec as { containers?: { name: string }[]; initContainers?: { name: string }[] } | undefined;
    const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c) => c.name);
    const container = query.get('container');
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
    const logQuery: PodLogQuery = { timestamps: truthy(query.get('timestamps')) };
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
    const buffer = this.podLog(route.namespace as string, route.name as string, container ?? undefined);
    if (!truthy(query.get('follow'))) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(buffer.read(logQuery));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const stream: OpenStream = { res, stop: () => undefined };
    this.logStreams.add(stream);
    stream.stop = buffer.follow(
      logQuery,
      (chunk) => {
        if (!res.writableEnded && !res.destroyed) res.write(chunk);
      },
      () => this.finishStream(this.logStreams, stream, 'end'),
    );
    if (!this.logStreams.has(stream)) return;
    res.on('close', () => this.finishStream(this.logStreams, stream, 'none'));
  }

  private finishStream(set: Set<OpenStream>, stream: OpenStream, how: 'end' | 'destroy' | 'none'): void {
    if (!set.delete(stream)) {
      if (how === 'end' && !stream.res.writableEnded) stream.res.end();
      return;
    }
    stream.stop();
    clearTimeout(stream.timer);
    if (how === 'end' && !stream.res.writableEnded) stream.res.end();
    if (how === 'destroy') stream.res.socket?.destroy();
  }

  /** Each container has its own log; a pod that has already ended has logs that are complete. */
  private podLog(namespace: string, pod: string, container?: string): PodLogBuffer {
    const found = this.api.store.get('/v1/pods', namespace, pod);
    const name = container ?? (found?.spec as { containers?: { name: string }[] } | undefined)?.containers?.[0]?.name ?? '';
    const key = `${namespace}/${pod}/${name}`;
    let buffer = this.podLogs.get(key);
    if (!buffer) {
      this.podLogs.set(key, (buffer = new PodLogBuffer()));
      const phase = (found?.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') buffer.end();
    }
    return buffer;
  }

  /** A deleted pod takes its log with it; a finished one ends its followers. */
  private onPodChange(typeId: string, type: StoreEventType, pod: KubeObject): void {
    if (typeId !== '/v1/pods') return;
    const prefix = `${pod.metadata.namespace}/${pod.metadata.name}/`;
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    for (const [key, buffer] of this.podLogs) {
      if (!key.startsWith(prefix)) continue;
      if (type === 'DELETED') {
        if (!buffer.isEnded) buffer.end();
        this.podLogs.delete(key);
      } else if ((phase === 'Succeeded' || phase === 'Failed') && !buffer.isEnded) {
        buffer.end();
      }
    }
  }

  private authenticate(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ') && header.slice(7) === this.token) return 'token-user';
    // Like the real server, a verified client certificate authenticates whatever else is sent.
    const socket = req.socket as TLSSocket;
    if (socket.authorized) {
      const cn = socket.getPeerCertificate()?.subject?.CN;
      if (cn) return String(cn);
    }
    return undefined;
  }

  private record(req: IncomingMessage, url: URL, user: string | undefined): void {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined) continue;
      const value = Array.isArray(v) ? v.join(', ') : v;
      headers[k] = k === 'authorization' ? `${value.split(' ')[0]} [redacted]` : value;
    }
    this.recorded.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      user,
    });
  }

  private readBody(req: IncomingMessage): Promise<string | 'too-large'> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });
  }

  private sendStatus(res: ServerResponse, status: KubeStatus): void {
    this.sendJson(res, status.code, status);
  }

  private sendJson(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  private readyCondition(ready: boolean, at: string) {
    return {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      reason: ready ? 'KubeletReady' : 'KubeletNotReady',
      message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready',
      lastHeartbeatTime: at,
      lastTransitionTime: at,
    };
  }

  private addresses(name: string, internalIP?: string, externalIP?: string) {
    return [
      ...(internalIP ? [{ type: 'InternalIP', address: internalIP }] : []),
      ...(externalIP ? [{ type: 'ExternalIP', address: externalIP }] : []),
      { type: 'Hostname', address: name },
    ];
  }
}
