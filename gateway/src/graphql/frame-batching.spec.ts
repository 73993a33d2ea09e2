import type { AddressInfo, Socket } from 'node:net';

import { stopAfterEach } from '@stagecraft/testing';
import { WebSocket, WebSocketServer } from 'ws';

import { batchFramesPerTurn } from './frame-batching';

// Each connection a test opened is closed after it too, when a failed assertion skipped the test's own close.
const closeLater = stopAfterEach();

/** A ws server whose first connection is handed to the test, with a client that collects frames. */
async function connection() {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  await new Promise((resolve) => client.once('open', resolve));
  const websocket = await accepted;
  const tcp = (websocket as unknown as { _socket: Socket })._socket;
  const writes = { count: 0 };
  // Every write that reaches the kernel goes through _writev (corked or several chunks) or _write.
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method]!.bind(tcp) as (...args: unknown[]) => void;
    (tcp as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      writes.count++;
      original(...args);
    };
  }
  const until = async (count: number) => {
    for (let i = 0; i < 200 && received.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const close = async () => {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  };
  closeLater(close);
  return { websocket, received, writes, until, close };
}

describe('batchFramesPerTurn', () => {
  it('writes the frames of one event-loop turn with one write, in order, each counted as sent at once', async () => {
    const { websocket, received, writes, until, close } = await connection();
    batchFramesPerTurn(websocket);
    let sentAtOnce = 0;
    for (let i = 0; i < 10; i++) websocket.send(`frame ${i}`, () => sentAtOnce++);
    expect(sentAtOnce).toBe(10);
    await until(10);
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => `frame ${i}`));
    expect(writes.count).toBe(1);
    await close();
  });

  it('without it, ws writes each frame on its own (what the batching saves)', async () => {
    const { websocket, received, writes, until, close } = await connection();
    for (let i = 0; i < 10; i++) websocket.send(`frame ${i}`);
    await until(10);
    expect(writes.count).toBe(10);
    expect(received).toHaveLength(10);
    await close();
  });

  it('above the high-water mark, a frame counts as sent only once the kernel has taken it', async () => {
    const { websocket, received, until, close } = await connection();
    batchFramesPerTurn(websocket, 1000);
    const sent: string[] = [];
    websocket.send('x'.repeat(2000), () => sent.push('big'));
    websocket.send('after', () => sent.push('after'));
    // The big frame was queued below the mark; the next one found 2 KB waiting.
    expect(sent).toEqual(['big']);
    await until(2);
    expect(sent).toEqual(['big', 'after']);
    expect(received[1]).toBe('after');
    await close();
  });

  it('leaves a closed socket to ws, whose callback reports the error', async () => {
    const { websocket, close } = await connection();
    batchFramesPerTurn(websocket);
    websocket.close();
    const error = await new Promise<Error | undefined>((resolve) => websocket.send('late', resolve));
    expect(error?.message).toMatch(/not open/i);
    await close();
  });
});
