import type { CallerResolver } from '@stagecraft/authz';
import type { BuildEventDto } from '@stagecraft/contracts';
import type { NatsRpcClient, OrderedSubscription, StreamEvent } from '@stagecraft/messaging';

import type { BuildEventFeed } from './build-event.feed';
import { BuildSubscriptionsResolver } from './build-subscriptions.resolver';

const meta = { token: 'token', correlationId: 'c1' };

function event(sequence: number, enterpriseProjectId: string): StreamEvent<BuildEventDto> {
  return {
    streamSequence: sequence,
    subject: `events.builds.acc.${enterpriseProjectId}.job.build.running`,
    data: { type: 'running', at: '2026-11-26T18:00:00.000Z', build: { id: 'build', enterpriseProjectId } } as BuildEventDto,
    headers: {},
    storedAt: new Date(),
    pending: 0,
  };
}

function subscriptionOf(events: StreamEvent<BuildEventDto>[]): OrderedSubscription<BuildEventDto> & { closed: boolean } {
  return {
    closed: false,
    lastSequence: 0,
    async close() {
      this.closed = true;
    },
    async *[Symbol.asyncIterator]() {
      yield* events;
    },
  };
}

function setUp(events: StreamEvent<BuildEventDto>[] = []) {
  const subscription = subscriptionOf(events);
  const feed = { live: jest.fn(async () => subscription), resume: jest.fn(async () => subscription) };
  const caller = { accountId: 'acc', can: (_action: string, project: string) => project === 'mine' };
  const callers = { resolve: jest.fn(async () => caller), cachedCaller: jest.fn(() => undefined) };
  const client = { send: jest.fn(async () => ({})) };
  const resolver = new BuildSubscriptionsResolver(
    client as unknown as NatsRpcClient,
    callers as unknown as CallerResolver,
    feed as unknown as BuildEventFeed,
  );
  return { resolver, feed, subscription, client };
}

describe('BuildSubscriptionsResolver.buildEvents', () => {
  it.each([
    ['omitted', undefined],
    ['null', null],
  ])('follows only new events when afterSequence is %s, on the shared feed', async (_case, afterSequence) => {
    const { resolver, feed } = setUp();
    await resolver.buildEvents('job', null, null, afterSequence, meta);
    expect(feed.live).toHaveBeenCalledWith('events.builds.acc.*.job.*.*');
    expect(feed.resume).not.toHaveBeenCalled();
  });

  it.each([0, 41])('resumes after sequence %d with a replay of its own', async (afterSequence) => {
    const { resolver, feed } = setUp();
    await resolver.buildEvents(null, null, null, afterSequence, meta);
    expect(feed.resume).toHaveBeenCalledWith('events.builds.acc.*.*.*.*', afterSequence);
    expect(feed.live).not.toHaveBeenCalled();
  });

  it("passes on only the events of the subscriber's projects, then closes its subscription", async () => {
    const { resolver, subscription } = setUp([event(1, 'mine'), event(2, 'theirs'), event(3, 'mine')]);
    const sequences: number[] = [];
    for await (const built of await resolver.buildEvents(null, null, null, undefined, meta)) sequences.push(built.sequence);
    expect(sequences).toEqual([1, 3]);
    expect(subscription.closed).toBe(true);
  });
});
