// Every request to the fake: authenticated and recorded, refused during an outage, then answered
// by discovery, a reactor, pod logs, a watch or the resource verbs; FakeKubeErrors become Statuses.
import { IncomingMessage, ServerResponse } from 'node:http';
import { TLSSocket } from 'node:tls';

import { parseApiPath, verbOf } from './api-paths';
import { discoveryDocument, VersionInfo } from './discovery';
import { FakeKubeApi } from './fake-kube-api';
import { parseJsonBody, readBody, sendJson, sendStatus } from './http-io';
import { FakeKubeError, Status } from './kube-status';
import { PodLogs } from './pod-logs';
import { FakeRequestInfo, Reactors, sendReactorAnswer } from './reactors';
import { serveResourceVerb } from './resource-verbs';
import { WatchStreams } from './watch-streams';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers; Authorization keeps only its scheme. */
  headers: Record<string, string>;
  /** The user the request authenticated as, if any. */
  user?: string;
}

/** 'status' answers 503 ServiceUnavailable, 'drop' drops the connection. */
type Outage = false | 'status' | 'drop';

export interface ApiBackends {
  api: FakeKubeApi;
  /** The bearer token that authenticates. */
  token: string;
  /** The fake's own address, which discovery advertises. */
  url: string;
  version: VersionInfo;
  reactors: Reactors;
  watches: WatchStreams;
  podLogs: PodLogs;
}

export class ApiRequestHandler {
  readonly recorded: RecordedRequest[] = [];
  outage: Outage = false;

  constructor(private readonly backends: ApiBackends) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.answer(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { ...Status.badRequest(`fake API server error: ${String(err)}`), code: 500, reason: 'InternalError' });
      else res.destroy();
    });
  };

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://fake.invalid');
    const user = this.authenticate(req);
    this.record(req, url, user);
    if (this.outage === 'drop') {
      req.socket.destroy();
      return;
    }
    if (this.outage === 'status') return sendStatus(res, Status.unavailable());
    if (!user) return sendStatus(res, Status.unauthorized());
    const raw = await readBody(req);
    if (raw === 'too-large') return sendStatus(res, Status.tooLarge());
    try {
      this.route(req, res, url, raw);
    } catch (err) {
      if (err instanceof FakeKubeError) return sendStatus(res, err.status);
      throw err;
    }
  }

  private route(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): void {
    const { api, reactors, watches, podLogs } = this.backends;
    const method = req.method ?? 'GET';
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const query = url.searchParams;
    if (method === 'GET') {
      if (segments.length === 1 && segments[0] === 'version') return sendJson(res, 200, this.backends.version);
      const discovery = discoveryDocument(api, this.backends.url, segments);
      if (discovery !== undefined) return sendJson(res, 200, discovery);
    }
    const path = parseApiPath(api, segments);
    if (!path) return sendStatus(res, Status.pathNotFound());
    const verb = verbOf(method, path, query);
    if (!verb) return sendStatus(res, Status.methodNotAllowed());
    const contentType = req.headers['content-type'] ?? '';
    const body = () => parseJsonBody(raw);
    const request: FakeRequestInfo = {
      verb,
      resource: path.type.group ? `${path.type.resource}.${path.type.group}` : path.type.resource,
      namespace: path.namespace,
      name: path.name,
      subresource: path.subresource,
      query: Object.fromEntries(query),
      body: verb === 'patch' && !contentType.includes('json') ? raw : body(),
    };
    const answer = reactors.answer(request, path.type.resource);
    if (answer) return sendReactorAnswer(res, answer);
    if (path.subresource === 'log') return podLogs.serve(res, path, query);
    if (verb === 'watch') return watches.serve(res, path, query);
    serveResourceVerb(api, res, { verb, path, query, contentType, body });
  }

  private authenticate(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? '';
    if (header.startsWith('Bearer ') && header.slice(7) === this.backends.token) return 'token-user';
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
}
