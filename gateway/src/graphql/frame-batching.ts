import type { Socket } from 'node:net';

import type { WebSocket } from 'ws';

/** Above this many bytes waiting to be written, a connection's sender waits for the kernel again. */
export const FRAME_BATCH_HIGH_WATER_MARK = 1 << 20;

type SendCallback = (error?: Error) => void;

/**
 * Writes every graphql-ws frame a connection sends in one event-loop turn with one system call.
 *
 * graphql-ws awaits each frame's write before it takes a subscription's next event, and `ws`
 * writes each frame on its own, so a subscriber with ten events waiting cost ten turns and ten
 * writes. Here the connection's TCP socket is corked at the first frame of a turn and uncorked
 * once the turn's I/O callbacks and promises have run (setImmediate), and a frame counts as sent
 * as soon as it is queued while less than `highWaterMark` bytes wait: the events already waiting
 * then go out in one write. Above the mark (a slow reader), a frame counts as sent only once the
 * kernel took it, so a stalled client holds back its own subscriptions instead of the gateway's
 * memory. A socket that is not open keeps `ws`'s own behaviour (the error reaches graphql-ws).
 */
export function batchFramesPerTurn(websocket: WebSocket, highWaterMark = FRAME_BATCH_HIGH_WATER_MARK): void {
  // `_socket` is ws's TCP socket (not typed): ws itself has no cork.
  const tcp = (websocket as unknown as { _socket?: Socket })._socket;
  if (!tcp) return;
  const send = websocket.send.bind(websocket);
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp.uncork();
  };
  const batched = (data: Parameters<WebSocket['send']>[0], callback?: SendCallback): void => {
    if (websocket.readyState !== websocket.OPEN || websocket.bufferedAmount >= highWaterMark) {
      send(data, callback);
      return;
    }
    if (!corked) {
      corked = true;
      tcp.cork();
      setImmediate(uncork);
    }
    send(data);
    callback?.();
  };
  // graphql-ws sends (data, callback); a call with options keeps ws's own path.
  websocket.send = ((data, optionsOrCallback?: object | SendCallback, callback?: SendCallback) =>
    typeof optionsOrCallback === 'object'
      ? send(data, optionsOrCallback, callback)
      : batched(data, optionsOrCallback)) as WebSocket['send'];
}
