import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { collectProcessMetrics, METRICS_CONTENT_TYPE, metricsText } from '../metrics';

/** A readiness check: resolves with null when ready, else with why not. */
export type ReadinessCheck = () => Promise<string | null>;

export interface ObservabilityServerOptions {
  /** 0: a free port (tests). */
  port: number;
  host: string;
  /** Every check must pass for /readyz to answer 200. */
  readiness: Record<string, ReadinessCheck>;
}

export interface ObservabilityServer {
  port: number;
  close(): Promise<void>;
}

/** How long /readyz waits for a check: a probe's timeout must be longer (deploy/test/kubernetes-platform.spec.ts). */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

/**
 * Each process's own small HTTP server (node:http, apart from the API): `GET /metrics` in the
 * Prometheus text format, `GET /healthz` (liveness: the event loop answers) and `GET /readyz`
 * (readiness: each check, e.g. NATS connected and the database answering; 503 naming those failing).
 */
export async function startObservabilityServer(options: ObservabilityServerOptions): Promise<ObservabilityServer> {
  collectProcessMetrics();
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return answer(response, 405, { error: 'only GET' });
    if (path === '/healthz') return answer(response, 200, { status: 'ok' });
    if (path === '/readyz')
      return void readiness(options.readiness).then((failing) =>
        answer(response, Object.keys(failing).length ? 503 : 200, {
          status: Object.keys(failing).length ? 'unready' : 'ready',
          failing,
        }),
      );
    if (path === '/metrics')
      return void metricsText().then(
        (text) => {
          response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE });
          response.end(text);
        },
        () => answer(response, 500, { error: 'metrics unavailable' }),
      );
    answer(response, 404, { error: 'not found: /metrics, /healthz and /readyz are' });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function readiness(checks: Record<string, ReadinessCheck>): Promise<Record<string, string>> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await withTimeout(check)] as const),
  );
  return Object.fromEntries(results.filter((entry): entry is readonly [string, string] => entry[1] !== null));
}

async function withTimeout(check: ReadinessCheck): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      check().catch((error: unknown) => (error instanceof Error ? error.message : 'failed')),
      new Promise<string>(
        (resolve) =>
          (timer = setTimeout(() => resolve(`no answer within ${READINESS_CHECK_TIMEOUT_MS} ms`), READINESS_CHECK_TIMEOUT_MS)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function answer(response: import('node:http').ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
