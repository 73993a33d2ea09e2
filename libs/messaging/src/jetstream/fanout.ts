import type { JetStreamClient, NatsConnection } from 'nats';

import { type OrderedSubscription, type StreamEvent, subscribeOrdered } from './consumers';
import { subjectTokensMatch } from './subjects';

export interface LiveFanoutOptions {
  /** Logical stream name. */
  stream: string;
  /** The installation's subject prefix; `''` for none. */
  subjectPrefix?: string;
  /** Logical subject filter of the shared consumer (wildcards allowed); all of the stream when absent. */
  filterSubject?: string;
  /** A follower this many events behind is ended with an error; default 10,000. */
  maxQueued?: number;
}

/** Thrown to a follower that fell further behind than `maxQueued`. */
export class FollowerTooSlowError extends Error {
  constructor(readonly lastSequence: number) {
    super(`fell too far behind the stream; resume after sequence ${lastSequence}`);
    this.name = 'FollowerTooSlowError';
  }
}

/**
 * New messages of a stream for many followers in one process, through ONE ordered consumer:
 * each message crosses NATS and is decoded once, then handed to every follower whose subject
 * filter matches it, in stream order. With one consumer per follower, N followers cost N
 * deliveries, N decodes and N consumers' pull requests per message.
 *
 * `follow()` behaves as `subscribeOrdered(…, { deliverNew: true, filterSubject })`: messages
 * delivered after it resolves, in order, each once. Resuming from a sequence needs a consumer of
 * its own (`subscribeOrdered` with `startAfterSequence`). The shared consumer starts with the
 * first follower and stops with the last; when it fails, every follower ends with its error.
 */
export class LiveStreamFanout<T = unknown> {
  private feed?: Feed<T>;
  private closed = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly options: LiveFanoutOptions,
  ) {}

  /** Follows new messages matching `filterSubject` (logical, wildcards allowed). */
  async follow(filterSubject: string): Promise<OrderedSubscription<T>> {
    if (this.closed) throw new Error('the fan-out is closed');
    if (!this.feed || this.feed.ended) {
      const feed = new Feed<T>(this.options.maxQueued ?? 10_000, () => {
        if (this.feed === feed) this.feed = undefined;
      });
      this.feed = feed;
      feed.start(() =>
        subscribeOrdered<T>(this.nc, this.js, {
          stream: this.options.stream,
          subjectPrefix: this.options.subjectPrefix,
          filterSubject: this.options.filterSubject,
          deliverNew: true,
        }),
      );
    }
    return this.feed.add(filterSubject);
  }

  /** Ends every follower (as completed) and the shared consumer. */
  async close(): Promise<void> {
    this.closed = true;
    await this.feed?.close();
  }
}

/** One shared consumer and its followers; a new one is made after it ends. */
class Feed<T> {
  ended = false;
  private readonly followers = new Set<Follower<T>>();
  private subscription?: Promise<OrderedSubscription<T>>;

  constructor(
    private readonly maxQueued: number,
    private readonly onEnd: () => void,
  ) {}

  start(subscribe: () => Promise<OrderedSubscription<T>>): void {
    this.subscription = subscribe();
    this.subscription.then(
      (subscription) => void this.pump(subscription),
      (error: unknown) => this.end(error),
    );
  }

  async add(filterSubject: string): Promise<OrderedSubscription<T>> {
    const follower = new Follower<T>(filterSubject, this.maxQueued, () => this.remove(follower));
    this.followers.add(follower);
    try {
      await this.subscription;
    } catch (error) {
      this.followers.delete(follower);
      throw error;
    }
    return follower;
  }

  async close(): Promise<void> {
    this.end(undefined);
    await (await this.subscription?.catch(() => undefined))?.close();
  }

  private async pump(subscription: OrderedSubscription<T>): Promise<void> {
    try {
      for await (const event of subscription) {
        if (this.ended) break;
        const tokens = event.subject.split('.');
        for (const follower of this.followers) follower.offer(event, tokens);
      }
      this.end(undefined);
    } catch (error) {
      this.end(error);
    }
  }

  private remove(follower: Follower<T>): void {
    this.followers.delete(follower);
    if (this.followers.size === 0 && !this.ended) void this.close();
  }

  private end(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd();
    for (const follower of this.followers) follower.finish(error);
    this.followers.clear();
  }
}

/** One follower: the events that matched its filter, queued until it takes them. */
class Follower<T> implements OrderedSubscription<T> {
  private readonly filter: string[];
  private readonly queue: StreamEvent<T>[] = [];
  private waiting?: { resolve: (result: IteratorResult<StreamEvent<T>>) => void; reject: (error: unknown) => void };
  private done = false;
  private failure?: unknown;
  private iterated = false;
  private handedOut = 0;

  constructor(
    filterSubject: string,
    private readonly maxQueued: number,
    private readonly onClose: () => void,
  ) {
    this.filter = filterSubject.split('.');
  }

  get lastSequence(): number {
    return this.handedOut;
  }

  offer(event: StreamEvent<T>, subject: string[]): void {
    if (this.done || !subjectTokensMatch(this.filter, subject)) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      this.handedOut = event.streamSequence;
      resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.finish(new FollowerTooSlowError(this.handedOut));
      this.onClose();
      return;
    }
    this.queue.push(event);
  }

  /** Ends the follower: after what is queued when `error` is undefined, at once otherwise. */
  finish(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    if (error !== undefined) this.queue.length = 0;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return;
    if (error === undefined) waiting.resolve({ value: undefined, done: true });
    else waiting.reject(error);
  }

  async close(): Promise<void> {
    this.queue.length = 0;
    this.finish(undefined);
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent<T>> {
    if (this.iterated) throw new Error('an ordered subscription can be iterated once');
    this.iterated = true;
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private next(): Promise<IteratorResult<StreamEvent<T>>> {
    const event = this.queue.shift();
    if (event) {
      this.handedOut = event.streamSequence;
      return Promise.resolve({ value: event, done: false });
    }
    if (this.done) {
      if (this.failure === undefined) return Promise.resolve({ value: undefined, done: true });
      const failure = this.failure;
      this.failure = undefined;
      return Promise.reject(failure);
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}
