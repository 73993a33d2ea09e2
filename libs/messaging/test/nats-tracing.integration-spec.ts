import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { Ctx, MessagePattern, NatsContext } from '@nestjs/microservices';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { IamSubjects } from '@stagecraft/contracts';
import { rpcRequestDuration } from '@stagecraft/observability';

import { NatsRpcClient, startService } from '../src';
import { connectAsOperator, operatorNatsSettings } from './test-nats';

// Real processes get this from startTracing (the SDK, with the pg and http instrumentations);
// Jest's module system bypasses the require hooks those instrumentations patch modules through,
// so here a provider is registered by hand and the SQL spans are checked on real processes
// (deploy/local/test/traces.e2e-spec.ts).

/** What the handler saw: the trace it ran in, and the header that carried it. */
interface Seen {
  traceId: string | null;
  traceparent: string | null;
}

@Controller()
class TracedController {
  // Any typed subject works for the wire; these tests borrow one of iam's.
  @MessagePattern(IamSubjects.me)
  answer(@Ctx() nats: NatsContext): Seen {
    // The handler runs in the server span: what it traces is the span's child.
    return {
      traceId: trace.getActiveSpan()?.spanContext().traceId ?? null,
      traceparent: nats.getHeaders()?.get('traceparent') || null,
    };
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

describe('traces across NATS (real NATS)', () => {
  const prefix = `t${Math.random().toString(36).slice(2, 10)}.`;
  let service: INestMicroservice;
  let client: NatsRpcClient;
  const me = async () => (await client.send(IamSubjects.me, {} as never)) as unknown as Seen;

  beforeAll(async () => {
    service = await startService(TracedModule, { name: 'operator', nats: operatorNatsSettings(prefix), logger: false });
    client = new NatsRpcClient(await connectAsOperator(), { subjectPrefix: prefix, timeoutMs: 2_000 });
  });
  afterAll(async () => {
    await client.connection.close();
    await service.close();
  });

  // First, before any provider is registered: what every process without OTEL_* runs.
  it('adds nothing to a request without tracing: no header, no trace in the handler', async () => {
    expect(await me()).toEqual({ traceId: null, traceparent: null });
  });

  describe('with a tracer provider', () => {
    let exporter: InMemorySpanExporter;
    const tracer = () => trace.getTracer('spec');

    beforeAll(() => (exporter = recordSpans()));
    beforeEach(() => exporter.reset());
    afterAll(() => {
      trace.disable();
      propagation.disable();
      context.disable();
    });

    it('carries traceparent in the headers: the handler runs in a SERVER span child of the CLIENT span of the send', async () => {
      const outer = tracer().startSpan('graphql createPackageJob');
      const reply = await context.with(trace.setSpan(context.active(), outer), me);
      outer.end();
      const spans = exporter.getFinishedSpans();
      const send = spans.find((s) => s.kind === SpanKind.CLIENT)!;
      const handled = spans.find((s) => s.kind === SpanKind.SERVER)!;
      expect(send.name).toBe(`${IamSubjects.me} send`);
      expect(handled.name).toBe(`${IamSubjects.me} process`);
      const traceId = outer.spanContext().traceId;
      expect([send.spanContext().traceId, handled.spanContext().traceId, reply.traceId]).toEqual([traceId, traceId, traceId]);
      expect(reply.traceparent).toBe(`00-${traceId}-${send.spanContext().spanId}-01`);
      expect(send.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(handled.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
      expect(send.attributes).toEqual({
        'messaging.system': 'nats',
        'messaging.destination.name': IamSubjects.me,
        'messaging.operation.type': 'send',
      });
      expect(handled.attributes).toMatchObject({
        'messaging.destination.name': IamSubjects.me,
        'messaging.operation.type': 'process',
      });
    });

    it('starts no trace of its own: a request made outside one has no span and no header', async () => {
      expect(await me()).toEqual({ traceId: null, traceparent: null });
      expect(exporter.getFinishedSpans()).toEqual([]);
    });

    it('carries the trace on a published event: its handler runs in a span of the publisher’s trace', async () => {
      let seen: string | undefined;
      const handled = new Promise<void>((resolve) => {
        const subscription = client.subscribeToEvents(IamSubjects.authzChanged, {
          onEvent: () => {
            seen = trace.getActiveSpan()?.spanContext().traceId;
            subscription.unsubscribe();
            resolve();
          },
          onUnreadable: () => undefined,
        });
      });
      await client.connection.flush(); // the subscription is in place before the event leaves
      const outer = tracer().startSpan('iam changes a policy');
      context.with(trace.setSpan(context.active(), outer), () =>
        client.publish(IamSubjects.authzChanged, { accountId: 'a' } as never),
      );
      outer.end();
      await handled;
      expect(seen).toBe(outer.spanContext().traceId);
      const consumer = exporter.getFinishedSpans().find((s) => s.name === `${IamSubjects.authzChanged} process`)!;
      expect(consumer.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    });

    it('times each request by subject and outcome', async () => {
      const count = async () =>
        (await rpcRequestDuration.get()).values.find(
          (v) =>
            v.metricName === 'stagecraft_rpc_request_duration_seconds_count' &&
            v.labels.subject === IamSubjects.me &&
            v.labels.outcome === 'ok',
        )?.value ?? 0;
      const before = await count();
      await me();
      expect(await count()).toBe(before + 1);
    });
  });
});
