import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** When it arrived (ms since the epoch). */
  at: number;
}

/** How the receiver answers the n-th request (0-based) on a path: a status, and a body. */
export type ReceiverAnswer = (n: number) => { status: number; body?: string };

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>`: append a path per webhook. */
  base: string;
  /** The requests of each path, in arrival order. */
  received: Map<string, ReceivedRequest[]>;
  /** Sets how a path answers (default: 200, `answer <n>`). */
  answer(path: string, answer: ReceiverAnswer): void;
  close(): Promise<void>;
}

const answerOk: ReceiverAnswer = () => ({ status: 200 });

/** A real HTTP receiver on 127.0.0.1 that records every request with its raw body. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received = new Map<string, ReceivedRequest[]>();
  const answers = new Map<string, ReceiverAnswer>();
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      const log = received.get(path) ?? [];
      log.push({ headers: request.headers, body, at: Date.now() });
      received.set(path, log);
      const n = log.length - 1;
      const { status, body: answer = `answer ${n + 1}` } = (answers.get(path) ?? answerOk)(n);
      response.writeHead(status).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (path, answer) => answers.set(path, answer),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Verifies a delivery as docs/webhooks.md tells a receiver to (HMAC-SHA256 of "<timestamp>.<raw
 * body>", compared in constant time), written apart from the signer so a test checks it for real.
 */
export function isStagecraftSignatureValid(secret: string, request: ReceivedRequest): boolean {
  const timestamp = String(request.headers['x-stagecraft-timestamp']);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`);
  const given = Buffer.from(String(request.headers['x-stagecraft-signature']));
  return expected.length === given.length && timingSafeEqual(expected, given);
}
