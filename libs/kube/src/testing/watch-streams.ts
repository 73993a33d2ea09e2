// GET ...?watch=true: FakeKubeApi's watch events as a chunked stream of JSON lines, ended after
// timeoutSeconds, with BOOKMARKs for clients that allow them.
import { ServerResponse } from 'node:http';

import { ApiPath } from './api-paths';
import { FakeKubeApi, WatchEvent } from './fake-kube-api';
import { isTrue } from './http-io';
import { OpenStream, OpenStreams } from './open-streams';

interface WatchStream extends OpenStream {
  bookmarks?: { apiVersion: string; kind: string };
}

export class WatchStreams {
  private readonly streams = new OpenStreams<WatchStream>();

  constructor(private readonly api: FakeKubeApi) {}

  get count(): number {
    return this.streams.size;
  }

  serve(res: ServerResponse, path: ApiPath, query: URLSearchParams): void {
    const head = () => {
      if (res.headersSent) return;
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-cache, private',
        'Transfer-Encoding': 'chunked',
      });
    };
    const send = (event: WatchEvent) => {
      head();
      if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(event) + '\n');
    };
    // Selector and resourceVersion errors are thrown before the first event, so they still get a Status.
    const watch = this.api.watch(
      path.type,
      path.namespace,
      {
        resourceVersion: query.get('resourceVersion') ?? undefined,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
      },
      send,
    );
    head();
    res.flushHeaders();
    if (watch.ended) {
      res.end();
      return;
    }
    const stream: WatchStream = {
      res,
      stop: watch.cancel,
      bookmarks: isTrue(query.get('allowWatchBookmarks'))
        ? { apiVersion: path.type.apiVersion, kind: path.type.kind }
        : undefined,
    };
    const timeout = Number(query.get('timeoutSeconds'));
    if (timeout > 0) stream.timer = setTimeout(() => this.streams.finish(stream, 'end'), timeout * 1000);
    this.streams.add(stream);
    // Not req's 'close': that fires as soon as the request body has been read.
    res.on('close', () => this.streams.finish(stream, 'none'));
  }

  sendBookmarks(): void {
    const rv = String(this.api.store.currentRevision);
    for (const w of this.streams) {
      if (w.bookmarks)
        w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { ...w.bookmarks, metadata: { resourceVersion: rv } } }) + '\n');
    }
  }

  /** Returns how many streams were open. */
  finishAll(how: 'end' | 'destroy'): number {
    return this.streams.finishAll(how);
  }
}
