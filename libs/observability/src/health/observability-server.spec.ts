import { buildQueueDepth } from '../metrics';
import { type ObservabilityServer, startObservabilityServer } from './observability-server';

describe('the observability server (/metrics, /healthz, /readyz)', () => {
  let server: ObservabilityServer;
  let databaseDown = false;
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;

  beforeAll(async () => {
    server = await startObservabilityServer({
      port: 0,
      host: '127.0.0.1',
      readiness: {
        nats: async () => null,
        database: async () => {
          if (databaseDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return null;
        },
      },
    });
  });
  afterAll(() => server.close());

  it('answers /healthz while the event loop runs', async () => {
    const response = await fetch(url('/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when every check passes, 503 naming the failing ones otherwise', async () => {
    expect((await fetch(url('/readyz'))).status).toBe(200);
    databaseDown = true;
    const unready = await fetch(url('/readyz'));
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unready', failing: { database: 'connect ECONNREFUSED 127.0.0.1:5432' } });
    databaseDown = false;
  });

  it('serves the Prometheus text format with the platform metrics and the process ones', async () => {
    buildQueueDepth.set(3);
    const response = await fetch(url('/metrics'));
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    for (const line of [
      '# TYPE stagecraft_build_queue_depth gauge',
      'stagecraft_build_queue_depth 3',
      '# TYPE stagecraft_rpc_request_duration_seconds histogram',
      '# TYPE stagecraft_build_duration_seconds histogram',
      '# TYPE stagecraft_outbox_lag_seconds gauge',
      '# TYPE stagecraft_nats_reconnects_total counter',
      '# TYPE stagecraft_process_resident_memory_bytes gauge',
    ])
      expect(text.split('\n')).toContain(line);
  });

  it('answers 404 elsewhere and 405 to anything but GET', async () => {
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/metrics'), { method: 'POST' })).status).toBe(405);
  });
});
