import { once } from 'node:events';
import type * as http from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';

/** A listening server that counts the connections made to it: egress tests assert "none came". */
export interface CountingListener {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

export async function listenCounting(server: Server | http.Server, host: string): Promise<CountingListener> {
  let connections = 0;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
