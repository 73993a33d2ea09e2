import { once } from 'node:events';
import { chmod } from 'node:fs/promises';
import * as http from 'node:http';
import { connect, type Socket } from 'node:net';

import { type EgressPolicy, isEgressDenied } from '@stagecraft/config';
import { displayRegistryUrl } from '@stagecraft/oci';

export type ProxyListen = { socketPath: string } | { host: '127.0.0.1' };

export interface RegistryProxyOptions {
  /** The package registry: the one origin (scheme, host, port) the install may reach. */
  registryUrl: string;
  /** Every connection to the registry passes the platform's egress policy (docs/security.md#egress). */
  egress: EgressPolicy;
  /** A Unix socket (sealed installs reach it through their bridge) or a loopback port (unsealed ones). */
  listen: ProxyListen;
  /** Lines for the build log: what was refused. */
  log: (line: string) => void;
}

/**
 * The only way out of a dependency install on a LOCAL cluster: an HTTP proxy that tunnels
 * (CONNECT) or forwards (absolute-form requests, for a plain-http registry) to the configured
 * package registry's host and port, and refuses every other destination with 403. So whatever
 * a lockfile, a requirements file or the base image's own npm or pip asks for, the install
 * reaches the registry and nothing else: not the platform's ports, not the host's network, not
 * the metadata address. Upstream connections are resolved and checked by the egress policy.
 */
export class RegistryProxy {
  /** Why connections to the registry failed (its address refused, closed, unreachable), for the build's reason. */
  readonly failures: string[] = [];
  /** Destinations other than the registry that the install asked for. */
  readonly refused: string[] = [];
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly origin: { protocol: string; host: string; port: number };
  private readonly agent: http.Agent;
  port = 0;

  private constructor(private readonly options: RegistryProxyOptions) {
    const url = new URL(options.registryUrl);
    this.origin = {
      protocol: url.protocol,
      host: url.hostname.toLowerCase(),
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    };
    this.agent = options.egress.httpAgent({ keepAlive: false });
    this.server = http.createServer((request, response) => this.forward(request, response));
    this.server.on('connect', (request: http.IncomingMessage, client: Socket, head: Buffer) =>
      this.tunnel(request, client, head),
    );
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(options: RegistryProxyOptions): Promise<RegistryProxy> {
    const proxy = new RegistryProxy(options);
    if ('socketPath' in options.listen) {
      proxy.server.listen(options.listen.socketPath);
      await once(proxy.server, 'listening');
      await chmod(options.listen.socketPath, 0o600);
    } else {
      proxy.server.listen(0, options.listen.host);
      await once(proxy.server, 'listening');
      proxy.port = (proxy.server.address() as { port: number }).port;
    }
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    this.agent.destroy();
    if (this.server.listening) await once(this.server, 'close').catch(() => undefined);
  }

  private allowed(host: string, port: number): boolean {
    return host.replace(/^\[|\]$/g, '').toLowerCase() === this.origin.host.replace(/^\[|\]$/g, '') && port === this.origin.port;
  }

  private refuse(target: string): void {
    if (!this.refused.includes(target)) {
      this.refused.push(target);
      this.options.log(
        `stagecraft: the install asked for ${target}, which is not the package registry ${displayRegistryUrl(this.options.registryUrl)}: refused`,
      );
    }
  }

  private failed(reason: string): string {
    const line = `stagecraft: the package registry ${displayRegistryUrl(this.options.registryUrl)} could not be reached: ${reason}`;
    if (!this.failures.includes(line)) {
      this.failures.push(line);
      this.options.log(line);
    }
    return line;
  }

  /** CONNECT host:port: a TLS tunnel (https registries). */
  private tunnel(request: http.IncomingMessage, client: Socket, head: Buffer): void {
    client.on('error', () => undefined);
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(request.url ?? '');
    if (!match || this.origin.protocol !== 'https:' || !this.allowed(match[1], Number(match[2]))) {
      this.refuse(request.url ?? '(nothing)');
      client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    this.options.egress
      .resolve(this.origin.host)
      .then((addresses) => {
        const upstream = connect({ host: addresses[0].address, port: this.origin.port });
        let connected = false;
        upstream.once('connect', () => {
          connected = true;
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          if (head.length) upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (!connected && !client.writableEnded) {
            const line = this.failed(error.code ?? error.message);
            client.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n${line}\n`);
          } else client.destroy();
        });
        client.on('close', () => upstream.destroy());
      })
      .catch((error: Error) => {
        const line = this.failed(isEgressDenied(error) ? 'not allowed by the egress policy' : error.message);
        client.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n${line}\n`);
      });
  }

  /** `GET http://host:port/path`: forwarded (plain-http registries, pip's index on a mirror). */
  private forward(request: http.IncomingMessage, response: http.ServerResponse): void {
    let target: URL | null = null;
    try {
      target = new URL(request.url ?? '');
    } catch {
      target = null;
    }
    const port = target ? Number(target.port || (target.protocol === 'https:' ? 443 : 80)) : 0;
    if (!target || target.protocol !== 'http:' || this.origin.protocol !== 'http:' || !this.allowed(target.hostname, port)) {
      this.refuse(target ? `${target.protocol}//${target.host}` : (request.url ?? '(nothing)'));
      response
        .writeHead(403, { 'content-type': 'text/plain', connection: 'close' })
        .end('only the package registry is reachable\n');
      return;
    }
    const headers = { ...request.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = http.request(
      target,
      { method: request.method, headers: { ...headers, connection: 'close' }, agent: this.agent },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      const line = this.failed(isEgressDenied(error) ? 'not allowed by the egress policy' : (error.code ?? error.message));
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
      response.end(`${line}\n`);
    });
    request.pipe(upstream);
  }
}
