import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { IamSubjects, JobsSubjects, ServiceError } from '@stagecraft/contracts';
import { natsReconnects, ObservabilityModule } from '@stagecraft/observability';
import { connect, type NatsConnection } from 'nats';

import { MessagingModule, NATS_CONNECTION, NatsConnectionStatus, NatsRpcClient, startService } from '../src';
import { connectAsOperator, operatorNatsSettings } from './test-nats';

@Controller()
class AnsweringController {
  // Typed subjects work for the wire; these tests borrow two.
  @MessagePattern(IamSubjects.me)
  me() {
    return { ok: true };
  }

  @MessagePattern(JobsSubjects.getJob)
  job() {
    throw ServiceError.notFound('job');
  }
}

function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  return once(server, 'listening').then(() => {
    const { port } = server.address() as { port: number };
    server.close();
    return port;
  });
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("a service's /metrics, /healthz and /readyz (startService, real NATS)", () => {
  const prefix = `o${Math.random().toString(36).slice(2, 10)}.`;
  let port: number;
  let service: INestMicroservice;
  let client: NatsRpcClient;
  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
  /** One sample of /metrics, as its text line says (the strict parser is @stagecraft/testing's, which builds on this lib). */
  const sample = async (series: string) => {
    const line = (await (await get('/metrics')).text()).split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  };

  @Module({
    imports: [MessagingModule.forRoot({ name: 'operator', nats: operatorNatsSettings(prefix) }), ObservabilityModule],
    controllers: [AnsweringController],
  })
  class AnsweringModule {}

  beforeAll(async () => {
    port = await freePort();
    service = await startService(AnsweringModule, {
      name: 'operator',
      nats: operatorNatsSettings(prefix),
      settings: { OBSERVABILITY_PORT: port, OBSERVABILITY_HOST: '127.0.0.1' },
      logger: false,
    });
    client = new NatsRpcClient(await connectAsOperator(), { subjectPrefix: prefix, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await client.connection.close();
    await service?.close();
  });

  it('answers /healthz, and /readyz while both its NATS connections are up', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', failing: {} });
  });

  it('times each request under its subject without the prefix, by outcome: ok or the error code', async () => {
    const ok = `stagecraft_rpc_request_duration_seconds_count{subject="${IamSubjects.me}",outcome="ok"}`;
    const notFound = `stagecraft_rpc_request_duration_seconds_count{subject="${JobsSubjects.getJob}",outcome="NOT_FOUND"}`;
    const before = [await sample(ok), await sample(notFound)];
    await client.send(IamSubjects.me, {} as never);
    await expect(client.send(JobsSubjects.getJob, { id: 'x' } as never)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect([await sample(ok), await sample(notFound)]).toEqual([before[0] + 1, before[1] + 1]);
  });

  it('says 503 on /readyz, naming NATS, once a connection is closed; /healthz still answers', async () => {
    await service.get<NatsConnection>(NATS_CONNECTION).close();
    const unready = await get('/readyz');
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: 'unready', failing: { nats: 'the NATS client connection is closed' } });
    expect((await get('/healthz')).status).toBe(200);
  });

  it('closes its port with the app', async () => {
    await service.close();
    service = undefined as unknown as INestMicroservice;
    await expect(get('/healthz')).rejects.toThrow();
  });
});

describe('NatsConnectionStatus (a nats-server of its own, stopped and started again)', () => {
  let port: number;
  let server: ChildProcess | undefined;
  let connection: NatsConnection;

  async function startServer(): Promise<void> {
    server = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    await until(
      () =>
        connect({ servers: `127.0.0.1:${port}`, reconnect: false }).then(
          (probe) => probe.close().then(() => true),
          () => false,
        ),
      'nats-server to listen',
    );
  }
  async function stopServer(): Promise<void> {
    const exited = once(server!, 'exit');
    server!.kill('SIGKILL');
    await exited;
    server = undefined;
  }
  const reconnects = async () =>
    (await natsReconnects.get()).values.find((value) => value.labels.connection === 'client')?.value ?? 0;

  beforeAll(async () => {
    port = await freePort();
    await startServer();
    connection = await connect({ servers: `127.0.0.1:${port}`, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
  });
  afterAll(async () => {
    await connection?.close();
    if (server) await stopServer();
  });

  it('is not ready while the connection is down, and counts the reconnect when it is back', async () => {
    const status = new NatsConnectionStatus(connection, 'client');
    const before = await reconnects();
    expect(status.problem()).toBeNull();

    await stopServer();
    await until(() => status.problem() !== null, 'the disconnect');
    expect(status.problem()).toBe('the NATS client connection is down, reconnecting');

    await startServer();
    await until(() => status.problem() === null, 'the reconnect');
    expect(await reconnects()).toBe(before + 1);
  });
});
