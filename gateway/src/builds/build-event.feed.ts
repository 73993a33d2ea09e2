import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ALL_BUILD_EVENTS, BUILD_EVENTS_STREAM, type BuildEventDto } from '@stagecraft/contracts';
import { LiveStreamFanout, NatsRpcClient, type OrderedSubscription, subscribeOrdered } from '@stagecraft/messaging';

/**
 * The BUILD_EVENTS stream for the gateway's subscribers. Live subscribers share one consumer
 * (each event reaches the gateway and is decoded once, whatever their number); a subscriber
 * resuming from a sequence replays it with a consumer of its own.
 */
@Injectable()
export class BuildEventFeed implements OnModuleDestroy {
  private readonly fanout: LiveStreamFanout<BuildEventDto>;

  constructor(private readonly client: NatsRpcClient) {
    this.fanout = new LiveStreamFanout(client.connection, client.connection.jetstream(), {
      stream: BUILD_EVENTS_STREAM,
      subjectPrefix: client.qualify(''),
      filterSubject: ALL_BUILD_EVENTS,
    });
  }

  /** Events stored from now on whose subject matches `filterSubject`. */
  live(filterSubject: string): Promise<OrderedSubscription<BuildEventDto>> {
    return this.fanout.follow(filterSubject);
  }

  /** Events after stream sequence `afterSequence` whose subject matches `filterSubject`. */
  resume(filterSubject: string, afterSequence: number): Promise<OrderedSubscription<BuildEventDto>> {
    return subscribeOrdered<BuildEventDto>(this.client.connection, this.client.connection.jetstream(), {
      stream: BUILD_EVENTS_STREAM,
      subjectPrefix: this.client.qualify(''),
      filterSubject,
      startAfterSequence: afterSequence,
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.fanout.close();
  }
}
