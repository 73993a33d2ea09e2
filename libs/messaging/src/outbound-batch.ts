/**
 * Holds outgoing NATS messages until the event loop has handled the I/O in hand, then publishes
 * them together, so they leave in one socket write. nats.js flushes its buffer on the next
 * microtask, which under concurrent load means one write (a system call, and a wake-up of
 * nats-server) per message: every request that arrived in the same batch of I/O now shares one.
 * Order is kept; an idle process only waits until the end of the current loop turn.
 */
export class OutboundBatch {
  private queue: (() => void)[] = [];
  private scheduled = false;

  /** Runs `publish` (a call that only enqueues into nats.js) with the rest of this turn's. */
  add(publish: () => void): void {
    this.queue.push(publish);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Like `add`, for a call whose result the caller awaits (a request); a throw rejects it. */
  defer<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.add(() => {
        try {
          call().then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      }),
    );
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const publish of queue) {
      try {
        publish();
      } catch {
        // A reply on a closed connection: the others still leave, and the requester times out.
      }
    }
  };
}
