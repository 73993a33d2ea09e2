import { HeaderMap } from '@apollo/server';
import type { ApolloDriver } from '@nestjs/apollo';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { CallerResolver } from '@stagecraft/authz';
import { JobsSubjects, type ListPackageJobsRequest } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import { parse } from 'graphql';

import { graphQLContextFactory } from '../../gateway/src/gateway.module';
import { execute } from '../../gateway/src/graphql/execute';
import { apolloFromNest } from '../../gateway/src/graphql/nest-apollo';
import { PackageJobsService } from '../../services/jobs/src/package-jobs/package-jobs.service';
import { median } from '../support/bench-report';
import { inAlternatingTurns } from '../support/closed-loop';

/**
 * Where the platform path's cost per request goes: the same list asked at each layer the
 * gateway → NATS → jobs path adds, by `concurrency` callers on this thread, and the thread's CPU
 * time per answered request (`process.threadCpuUsage`: no other thread's work, no time spent
 * waiting for a core). Each layer includes the ones above it:
 *
 * - `service`: jobs' own work for `jobs.list.v1`: the caller (cached), the query, the DTOs, JSON.
 * - `nats`: the gateway's NatsRpcClient asks jobs over NATS (jobs' transport and Nest's
 *   microservice pipeline on one side, nats.js and the reply's JSON on the other).
 * - `graphql`: the gateway's executor (gateway/src/graphql/execute.ts, graphql-js's algorithm)
 *   runs the operation on the gateway's schema with the gateway's context (Nest's resolver, guard
 *   and the NATS request), and the answer is stringified.
 * - `apollo`: the same through Apollo's request pipeline and the gateway's plugins, no HTTP.
 *
 * The HTTP server on top of `apollo` is what the bench's platform path measures.
 */
export type Layer = 'service' | 'nats' | 'graphql' | 'apollo';
export const LAYERS: readonly Layer[] = ['service', 'nats', 'graphql', 'apollo'];

export interface LayerResult {
  layer: Layer;
  /** Median over the rounds of the thread's CPU µs per answered request. */
  cpuMicrosPerRequest: number;
  /** Each round's figure, in order. */
  rounds: number[];
}

export interface LayerSetup {
  gateway: INestApplication;
  jobs: INestMicroservice;
  token: string;
  /** The bench's GraphQL operation and the `jobs.list.v1` request the gateway makes of it. */
  query: string;
  listRequest: ListPackageJobsRequest;
  /** How many results each layer's call must give (the page's size). */
  expectedEdges: number;
}

export async function measureLayers(
  setup: LayerSetup,
  options: { concurrency: number; durationMs: number; rounds: number },
): Promise<LayerResult[]> {
  const calls = layerCalls(setup);
  for (const layer of LAYERS) await inLoop(calls[layer], options.concurrency, Math.min(options.durationMs, 1_000));
  const perRound = new Map<Layer, number[]>(LAYERS.map((layer) => [layer, []]));
  await inAlternatingTurns(
    options.rounds,
    async (layer) => void perRound.get(layer)!.push(await inLoop(calls[layer], options.concurrency, options.durationMs)),
    LAYERS,
  );
  return LAYERS.map((layer) => ({ layer, cpuMicrosPerRequest: median(perRound.get(layer)!), rounds: perRound.get(layer)! }));
}

function layerCalls(setup: LayerSetup): Record<Layer, () => Promise<void>> {
  const { gateway, jobs, token, listRequest, expectedEdges } = setup;
  const callers = jobs.get(CallerResolver, { strict: false });
  const service = jobs.get(PackageJobsService, { strict: false });
  const client = gateway.get(NatsRpcClient, { strict: false });
  const schema = gateway.get(GraphQLSchemaHost).schema;
  const apollo = apolloFromNest(gateway.get<GraphQLModule<ApolloDriver>>(GraphQLModule).graphQlAdapter.instance);
  const context = graphQLContextFactory(client);
  const request = { headers: { authorization: `Bearer ${token}` } } as Parameters<typeof context>[0]['req'];
  const document = parse(setup.query);
  const expectEdges = (edges: unknown[] | undefined, layer: Layer) => {
    if (edges?.length !== expectedEdges) throw new Error(`${layer}: expected ${expectedEdges} edges, got ${edges?.length}`);
  };
  return {
    service: async () => {
      const caller = await callers.resolve({ token, correlationId: 'bench-layers' });
      const page = await service.list(caller, listRequest);
      JSON.stringify({ data: page });
      expectEdges(page.edges, 'service');
    },
    nats: async () => {
      const page = await client.send(JobsSubjects.listJobs, listRequest, { token });
      expectEdges(page.edges, 'nats');
    },
    graphql: async () => {
      const result = await execute({ schema, document, contextValue: context({ req: request }) });
      JSON.stringify(result);
      if (result.errors) throw result.errors[0];
      expectEdges((result.data as { packageJobs: { edges: unknown[] } }).packageJobs.edges, 'graphql');
    },
    apollo: async () => {
      const headers = new HeaderMap([
        ['content-type', 'application/json'],
        ['authorization', `Bearer ${token}`],
      ]);
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers, search: '', body: { query: setup.query } },
        context: async () => context({ req: request }),
      });
      if (response.body.kind !== 'complete') throw new Error('apollo: expected a complete answer');
      const answer = JSON.parse(response.body.string) as { data?: { packageJobs: { edges: unknown[] } }; errors?: unknown[] };
      if (answer.errors) throw new Error(`apollo: ${JSON.stringify(answer.errors[0])}`);
      expectEdges(answer.data?.packageJobs.edges, 'apollo');
    },
  };
}

/** `concurrency` callers in a closed loop for `durationMs`: the thread's CPU µs per call. */
async function inLoop(call: () => Promise<void>, concurrency: number, durationMs: number): Promise<number> {
  const end = performance.now() + durationMs;
  let calls = 0;
  const before = process.threadCpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        calls += 1;
      }
    }),
  );
  const used = process.threadCpuUsage(before);
  return Math.round((used.user + used.system) / calls);
}
