import { Args, Float, ID, Resolver, Subscription } from '@nestjs/graphql';
import { Actions, CallerResolver } from '@stagecraft/authz';
import { type BuildEventDto, buildEventFilter, BuildsSubjects, JobsSubjects, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient, type StreamEvent } from '@stagecraft/messaging';

import { Meta } from '../auth/meta.decorator';
import { RequirePermission } from '../auth/permission.decorator';
import type { RequestContext } from '../auth/request-context';
import { BuildEventFeed } from './build-event.feed';
import { BuildEvent, BuildLogChunk } from './builds.types';

const LOG_POLL_MS = 500;

/**
 * Live build events and logs over graphql-ws. Rights are checked when subscribing, and every
 * event is filtered by the subscriber's projects as it arrives (rights may change meanwhile).
 */
@Resolver(() => BuildEvent)
export class BuildSubscriptionsResolver {
  /**
   * One BuildEvent per stream event for all subscribers (the live feed hands them the same event):
   * the gateway's graphql-ws then executes a selection once per event for subscribers that would
   * get the same answer (graphql/shared-subscription-execution.ts).
   */
  private readonly views = new WeakMap<StreamEvent<BuildEventDto>, BuildEvent>();

  constructor(
    private readonly client: NatsRpcClient,
    private readonly callers: CallerResolver,
    private readonly feed: BuildEventFeed,
  ) {}

  @RequirePermission(Actions.assembling.get)
  @Subscription(() => BuildEvent, {
    resolve: (event: BuildEvent) => event,
    description: 'Build state changes; afterSequence resumes.',
  })
  async buildEvents(
    @Args('jobId', { type: () => ID, nullable: true }) jobId: string | null,
    @Args('buildId', { type: () => ID, nullable: true }) buildId: string | null,
    @Args('enterpriseProjectId', { type: () => ID, nullable: true }) enterpriseProjectId: string | null,
    @Args('afterSequence', { type: () => Float, nullable: true }) afterSequence: number | null | undefined,
    @Meta() meta: RequestContext,
  ): Promise<AsyncIterableIterator<BuildEvent>> {
    const caller = await this.callers.resolve(meta);
    // Subscribing to what one cannot see answers as reading it would.
    if (jobId) await this.client.send(JobsSubjects.getJob, { id: jobId }, meta);
    if (buildId) await this.client.send(BuildsSubjects.getBuild, { id: buildId }, meta);
    if (enterpriseProjectId && !caller.can(Actions.assembling.get, enterpriseProjectId)) {
      throw ServiceError.forbidden(`${Actions.assembling.get} is not allowed in this enterprise project`);
    }
    const filterSubject = buildEventFilter({ accountId: caller.accountId, enterpriseProjectId, jobId, buildId });
    // An omitted argument arrives as undefined: only new events then, as for null.
    const subscription =
      afterSequence === null || afterSequence === undefined
        ? await this.feed.live(filterSubject)
        : await this.feed.resume(filterSubject, afterSequence);
    const callers = this.callers;
    const views = this.views;
    async function* events(): AsyncGenerator<BuildEvent> {
      try {
        for await (const event of subscription) {
          // Rights may have changed since subscribing: decided per event, from the cached rules
          // (no promise) while they are fresh; a policy change drops them at once.
          const current = callers.cachedCaller(meta) ?? (await callers.resolve(meta));
          if (!current.can(Actions.assembling.get, event.data.build.enterpriseProjectId)) continue;
          let view = views.get(event);
          if (!view) {
            view = { sequence: event.streamSequence, type: event.data.type, at: event.data.at, build: event.data.build as never };
            views.set(event, view);
          }
          yield view;
        }
      } finally {
        subscription.close();
      }
    }
    return events();
  }

  @RequirePermission(Actions.assembling.get)
  @Subscription(() => BuildLogChunk, {
    resolve: (chunk: BuildLogChunk) => chunk,
    description: "Follows a build's log from an offset until the build ends.",
  })
  async buildLog(
    @Args('buildId', { type: () => ID }) buildId: string,
    @Args('offset', { type: () => Float, defaultValue: 0 }) offset: number,
    @Meta() meta: RequestContext,
  ): Promise<AsyncIterableIterator<BuildLogChunk>> {
    // Fails at once for a build the caller cannot see.
    const first = await this.client.send(BuildsSubjects.buildLog, { buildId, offset }, meta);
    const client = this.client;
    async function* chunks(): AsyncGenerator<BuildLogChunk> {
      let chunk = first;
      for (;;) {
        if (chunk.text || chunk.complete) yield chunk;
        if (chunk.complete) return;
        await new Promise((resolve) => setTimeout(resolve, LOG_POLL_MS));
        chunk = await client.send(BuildsSubjects.buildLog, { buildId, offset: chunk.nextOffset }, meta);
      }
    }
    return chunks();
  }
}
