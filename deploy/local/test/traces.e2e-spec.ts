// Issue 14: one `createPackageJob(build: true)` is one trace across the processes it passes
// through, and each process's /metrics moves with it. Real processes (`npm start`), each exporting
// its spans over OTLP/HTTP to a collector this spec runs; the pg and http instrumentations patch
// modules through Node's require hooks, which Jest's module system bypasses, so only real
// processes can show the SQL spans.
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BuildsSubjects, JobsSubjects } from '@stagecraft/contracts';
import { buildExecutableJar, parsePrometheusText, type PrometheusSample, sampleValue } from '@stagecraft/testing';

import { freePort } from '../src/free-port';
import type { MetricsTarget } from '../src/metrics-targets';
import { PREPARE_TIMEOUT_MS, prepareLauncher, type StartedLauncher, startLauncher, stopLauncher } from './launcher-process';
import { PlatformClient } from './platform-client';

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

/** Where each process of the launcher serves /metrics, /healthz and /readyz, by process name (its file_sd list). */
function observabilityUrls(launcherOutput: string): Record<string, string> {
  const file = /^Metrics: .* in (\S+)$/m.exec(launcherOutput)![1];
  const targets = JSON.parse(readFileSync(file, 'utf8')) as MetricsTarget[];
  return Object.fromEntries(targets.map((target) => [target.labels.process, `http://${target.targets[0]}`]));
}

describe('traces and metrics (OpenTelemetry over OTLP/HTTP, /metrics, from every process of npm start)', () => {
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-traces-'));
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let running: StartedLauncher;

  beforeAll(async () => {
    await prepareLauncher();
    collector = await startCollector();
    running = await startLauncher(folder, await freePort(), {
      // No batch leaves on its timer during the spec: its spans reach the collector when the
      // processes stop, which is what shows that a stopping process sends its last spans.
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
  }, PREPARE_TIMEOUT_MS);
  afterAll(async () => {
    if (running) await stopLauncher(running);
    collector?.server.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('one createPackageJob(build: true) moves /metrics, and is one trace through gateway, jobs and builds with their SQL, sent as they stop', async () => {
    const platform = await PlatformClient.connect(running);
    const urls = observabilityUrls(running.output());
    expect(Object.keys(urls).sort()).toEqual(['artifacts', 'builds', 'clusters', 'gateway', 'iam', 'jobs']);
    /** A process's /metrics, parsed strictly (a line out of the text format fails the spec). */
    const metrics = async (process: string) => parsePrometheusText(await (await fetch(`${urls[process]}/metrics`)).text());
    const before = { builds: await metrics('builds'), jobs: await metrics('jobs') };
    const packageId = await platform.upload(
      { fileName: 'orders.jar', bytes: buildExecutableJar('com.shop.Orders'), stack: 'JAVA' },
      '1.0.0',
    );
    const { build } = await platform.startJob('traced', packageId, {
      buildType: 'SYSTEM_DEFAULT',
      ...(await platform.defaultBase('JAVA')),
    });
    await platform.succeeded(build.id);

    // The build ended SUCCEEDED once, and the requests of its start were timed where they were handled.
    const after = { builds: await metrics('builds'), jobs: await metrics('jobs') };
    const moved = (process: 'builds' | 'jobs', name: string, labels: Record<string, string>) =>
      [before, after].map((samples: Record<string, PrometheusSample[]>) => sampleValue(samples[process], name, labels));
    const [endedBefore, endedAfter] = moved('builds', 'stagecraft_build_duration_seconds_count', { outcome: 'SUCCEEDED' });
    expect(endedAfter).toBe(endedBefore + 1);
    const [startsBefore, startsAfter] = moved('builds', 'stagecraft_rpc_request_duration_seconds_count', {
      subject: BuildsSubjects.startBuildForJob,
      outcome: 'ok',
    });
    expect(startsAfter).toBe(startsBefore + 1);
    const [createsBefore, createsAfter] = moved('jobs', 'stagecraft_rpc_request_duration_seconds_count', {
      subject: JobsSubjects.createJob,
      outcome: 'ok',
    });
    expect(createsAfter).toBe(createsBefore + 1);
    expect(sampleValue(after.builds, 'stagecraft_build_queue_depth')).toBe(0);
    // Each process is ready: NATS connected, and its database (the services) or the services it asks (the gateway).
    for (const [process, url] of Object.entries(urls))
      expect([process, (await fetch(`${url}/readyz`)).status]).toEqual([process, 200]);

    // The trace in which jobs handled the creation: it must also hold builds' start of the build.
    const created = () => collector.spans.find((s) => s.service === 'jobs' && s.name === `${JobsSubjects.createJob} process`);
    expect(created()).toBeUndefined(); // still in jobs' batch
    // Ctrl-C: the launcher stops every process with SIGTERM, and each sends its spans as it stops.
    await stopLauncher(running);
    const spans = collector.spans.filter((s) => s.traceId === created()?.traceId);
    const services = new Set(spans.map((s) => s.service));
    for (const service of ['gateway', 'jobs', 'builds']) expect([service, services.has(service)]).toEqual([service, true]);
    expect(spans.some((s) => s.service === 'builds' && s.name === `${BuildsSubjects.startBuildForJob} process`)).toBe(true);
    // Its root is the gateway's HTTP server span of the mutation.
    expect(spans.filter((s) => !s.parentSpanId).map((s) => [s.service, s.name])).toEqual([['gateway', 'POST']]);
    // NATS hops: each service's handling is a child of the sender's span, in the same trace.
    const ids = new Set(spans.map((s) => s.spanId));
    const handled = spans.filter((s) => s.name.endsWith(' process'));
    expect(handled.map((s) => s.service)).toEqual(expect.arrayContaining(['jobs', 'builds']));
    for (const span of handled) expect(ids.has(span.parentSpanId!)).toBe(true);
    // And the SQL each service ran for it.
    const sql = spans.filter(
      (s) => attribute(s.attributes, 'db.system.name') === 'postgresql' || attribute(s.attributes, 'db.system') === 'postgresql',
    );
    expect(sql.map((s) => s.service)).toEqual(expect.arrayContaining(['jobs', 'builds']));
  }, 300_000);
});
