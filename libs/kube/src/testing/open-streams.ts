// Long-lived responses (watches, followed pod logs) that stay open until the client leaves, the
// server ends them, or a test breaks them.
import { ServerResponse } from 'node:http';

export interface OpenStream {
  res: ServerResponse;
  stop: () => void;
  timer?: NodeJS.Timeout;
}

/** 'end' finishes the response cleanly, 'destroy' drops the connection, 'none' only forgets it (the client left). */
export type StreamEnding = 'end' | 'destroy' | 'none';

export class OpenStreams<S extends OpenStream = OpenStream> implements Iterable<S> {
  private readonly open = new Set<S>();

  get size(): number {
    return this.open.size;
  }

  [Symbol.iterator](): Iterator<S> {
    return this.open[Symbol.iterator]();
  }

  add(stream: S): void {
    this.open.add(stream);
  }

  has(stream: S): boolean {
    return this.open.has(stream);
  }

  finish(stream: S, how: StreamEnding): void {
    if (!this.open.delete(stream)) {
      if (how === 'end' && !stream.res.writableEnded) stream.res.end();
      return;
    }
    stream.stop();
    clearTimeout(stream.timer);
    if (how === 'end' && !stream.res.writableEnded) stream.res.end();
    if (how === 'destroy') stream.res.socket?.destroy();
  }

  /** Returns how many streams were open. */
  finishAll(how: StreamEnding): number {
    const count = this.open.size;
    for (const stream of [...this.open]) this.finish(stream, how);
    return count;
  }
}
