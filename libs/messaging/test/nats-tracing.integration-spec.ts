import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { IamSubjects } from '@stagecraft/contracts';
import { rpcRequestDuration } from '@stagecraft/observability';

import { NatsRpcClient, startService } from '../src';
import { connectAsOperator, operatorNatsSettings } from './test-nats';

@Controller()
class TracedController {
  // Any typed subject works for the wire; these tests borrow one of iam's.
  @MessagePattern(IamSubjects.me)
  answer() {
    // The handler runs in the server span: what it traces is the span's child.
    return { traceId: trace.getActiveSpan()?.spanContext().traceId ?? null };
  }
}

@Module({ controllers: [TracedController] })
class TracedModule {}

/** What the SDK sets up in real processes (startTracing), with an in-memory exporter recording the spans. */
function recordSpans(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  return exporter;
}

describe('traces across a NATS request (real NATS)', () => {
  const prefix = `t${Math.random().toString(36).slice(2, 10)}.`;
  let exporter: InMemorySpanExporter;
  let service: INestMicroservice;
  let client: NatsRpcClient;

  beforeAll(async () => {
    exporter = recordSpans();
    service = await startService(TracedModule, { name: 'operator', nats: operatorNatsSettings(prefix), logger: false });
    client = new NatsRpcClient(await connectAsOperator(), { subjectPrefix: prefix, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await client.connection.close();
    await service.close();
    trace.disable();
    propagation.disable();
    context.disable();
  });

  it('carries traceparent in the headers: the handler runs in a SERVER span child of the CLIENT span of the send', async () => {
    const tracer = trace.getTracer('spec');
    const outer = tracer.startSpan('graphql createPackageJob');
    const reply = (await context.with(trace.setSpan(context.active(), outer), () =>
      client.send(IamSubjects.me, {} as never),
    )) as unknown as { traceId: string };
    outer.end();
    const spans = exporter.getFinishedSpans();
    const send = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const handled = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(send.name).toBe(`${IamSubjects.me} send`);
    expect(handled.name).toBe(`${IamSubjects.me} process`);
    const traceId = outer.spanContext().traceId;
    expect([send.spanContext().traceId, handled.spanContext().traceId, reply.traceId]).toEqual([traceId, traceId, traceId]);
    expect(send.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(handled.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(handled.attributes).toMatchObject({ 'messaging.system': 'nats', 'messaging.destination.name': IamSubjects.me });
  });

  it('times each request by subject and outcome', async () => {
    const count = async () =>
      (await rpcRequestDuration.get()).values.find(
        (v) => v.metricName === 'stagecraft_rpc_request_duration_seconds_count' && v.labels.subject === IamSubjects.me,
      )?.value ?? 0;
    const before = await count();
    await client.send(IamSubjects.me, {} as never);
    expect(await count()).toBe(before + 1);
  });
});
