// The fake's HTTPS socket on 127.0.0.1, with the shared test certificate and, optionally, client
// certificates; closing it does not wait for clients that hold connections open.
import { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, Server } from 'node:https';
import { AddressInfo, Socket } from 'node:net';

import { KeyAndCertificate } from './test-pki';

export class HttpsListener {
  readonly url: string;
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server) {
    this.url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Client certificates are asked for but not required: a request without one may still bring a token. */
  static async open(
    certificate: KeyAndCertificate,
    clientCaPem: string,
    requestClientCertificates: boolean,
  ): Promise<HttpsListener> {
    const server = createServer({
      key: certificate.keyPem,
      cert: certificate.certPem,
      ca: [clientCaPem],
      requestCert: requestClientCertificates,
      rejectUnauthorized: false,
    });
    // A client that rejects our certificate (wrong CA in its kubeconfig) is expected in tests.
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new HttpsListener(server);
  }

  onRequest(listener: (req: IncomingMessage, res: ServerResponse) => void): void {
    this.server.on('request', listener);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }
}
