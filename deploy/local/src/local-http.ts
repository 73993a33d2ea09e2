import { request } from 'node:http';

export interface LocalResponse {
  status: number;
  body: string;
}

export interface LocalRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A server that takes the request and never answers fails it after this long. */
  timeoutMs?: number;
}

/**
 * One HTTP request to a server the launcher started on loopback (the registry, the gateway).
 * node:http rather than `fetch`: the launcher stays up as long as the platform, and `fetch` would
 * keep its HTTP parser (WebAssembly, ~9 MiB) in the launcher's memory for that long.
 */
export function localHttp(
  url: string,
  { method = 'GET', headers = {}, body, timeoutMs = 30_000 }: LocalRequest = {},
): Promise<LocalResponse> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, timeout: timeoutMs }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${url}: no answer within ${timeoutMs} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
