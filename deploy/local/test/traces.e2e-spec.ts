// Issue 14: one `createPackageJob(build: true)` is one trace across the processes it passes
// through. Real processes (`npm start`), each exporting its spans over OTLP/HTTP to a collector
// this spec runs; the pg and http instrumentations patch modules through Node's require hooks,
// which Jest's module system bypasses, so only real processes can show the SQL spans.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { JobsSubjects } from '@stagecraft/contracts';
import { buildExecutableJar } from '@stagecraft/testing';

import { freePort } from '../src/free-port';
import { PREPARE_TIMEOUT_MS, prepareLauncher, type StartedLauncher, startLauncher, stopLauncher } from './launcher-process';
import { PlatformClient } from './platform-client';
import { until } from './process-tree';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: OtlpAttribute[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** A span as the collector received it, with the service.name of the process that sent it. */
interface ReceivedSpan extends OtlpSpan {
  service: string;
}

const attribute = (attributes: OtlpAttribute[] | undefined, key: string) =>
  attributes?.find((a) => a.key === key)?.value.stringValue;

/** The smallest OTLP/HTTP collector: POST /v1/traces with the JSON encoding, every span kept. */
async function startCollector(): Promise<{ url: string; spans: ReceivedSpan[]; server: Server }> {
  const spans: ReceivedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/v1/traces' && request.headers['content-type']?.startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
        for (const { resource, scopeSpans } of body.resourceSpans) {
          const service = attribute(resource.attributes, 'service.name') ?? '?';
          for (const scope of scopeSpans) for (const span of scope.spans) spans.push({ ...span, service });
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('traces (OpenTelemetry, OTLP/HTTP from every process of npm start)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-traces-'));
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let running: StartedLauncher;

  beforeAll(async () => {
    await prepareLauncher();
    collector = await startCollector();
    running = await startLauncher(folder, await freePort(), {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  }, PREPARE_TIMEOUT_MS);
  afterAll(async () => {
    if (running) await stopLauncher(running);
    collector?.server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('one createPackageJob(build: true) is one trace through gateway, jobs and builds, with their SQL', async () => {
    const platform = await PlatformClient.connect(running);
    const packageId = await platform.upload(
      { fileName: 'orders.jar', bytes: buildExecutableJar('com.shop.Orders'), stack: 'JAVA' },
      '1.0.0',
    );
    const { build } = await platform.startJob('traced', packageId, {
      buildType: 'SYSTEM_DEFAULT',
      ...(await platform.defaultBase('JAVA')),
    });

    // The trace in which jobs handled the creation: it must also hold builds' start of the build.
    const traceOf = () => {
      const created = collector.spans.find((s) => s.service === 'jobs' && s.name === `${JobsSubjects.createJob} process`);
      return created && collector.spans.filter((s) => s.traceId === created.traceId);
    };
    // Each process sends its spans on its own schedule: wait until every part has come.
    const isSql = (s: ReceivedSpan) =>
      attribute(s.attributes, 'db.system.name') === 'postgresql' || attribute(s.attributes, 'db.system') === 'postgresql';
    const complete = (spans: ReceivedSpan[] | undefined) =>
      !!spans &&
      spans.some((s) => s.service === 'gateway' && !s.parentSpanId) &&
      spans.some((s) => s.service === 'builds' && s.name.startsWith('builds.start')) &&
      ['jobs', 'builds'].every((service) => spans.some((s) => s.service === service && isSql(s)));
    await until(() => complete(traceOf()), 60_000);
    const spans = traceOf()!;
    const services = new Set(spans.map((s) => s.service));
    for (const service of ['gateway', 'jobs', 'builds']) expect(services.has(service)).toBe(true);
    // Its root is the gateway's HTTP server span of the mutation.
    expect(spans.filter((s) => !s.parentSpanId).map((s) => [s.service, s.name])).toEqual([['gateway', 'POST']]);
    // NATS hops: each service's handling is a child of the sender's span, in the same trace.
    const ids = new Set(spans.map((s) => s.spanId));
    const handled = spans.filter((s) => s.name.endsWith(' process'));
    expect(handled.map((s) => s.service)).toEqual(expect.arrayContaining(['jobs', 'builds']));
    for (const span of handled) expect(ids.has(span.parentSpanId!)).toBe(true);
    // And the SQL each service ran for it.
    const sql = spans.filter(isSql);
    expect(sql.map((s) => s.service)).toEqual(expect.arrayContaining(['jobs', 'builds']));
    await platform.succeeded(build.id);
  }, 300_000);
});
