// Reading requests and writing JSON answers the way the API server does.
import { IncomingMessage, ServerResponse } from 'node:http';

import { FakeKubeError, KubeStatus, Status } from './kube-status';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** A boolean query parameter as the API server reads it. */
export const isTrue = (value: string | null) => value === 'true' || value === '1';

/** The whole body; past the size limit it is still drained, so the answer can be a 413 and not a reset. */
export function readBody(req: IncomingMessage): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function parseJsonBody(raw: string): unknown {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new FakeKubeError(Status.badRequest('the request body is not valid JSON'));
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendStatus(res: ServerResponse, status: KubeStatus): void {
  sendJson(res, status.code, status);
}
