import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';

import { type ApolloServer, type BaseContext, HeaderMap } from '@apollo/server';

/** body-parser's default limit, which the gateway's JSON parser uses. */
export const GRAPHQL_BODY_LIMIT_BYTES = 100 * 1024;

const JSON_CONTENT_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

export interface DirectGraphQLPosts<TContext extends BaseContext> {
  /** The HTTP server and the request listener it had (the express app). */
  server: Server;
  express: RequestListener;
  apollo: ApolloServer<TContext>;
  /** The GraphQL endpoint's path, `/graphql`. */
  path: string;
  /** The same context factory Apollo's express integration is given. */
  context(arg: { req: IncomingMessage; res: ServerResponse }): TContext | Promise<TContext>;
}

/**
 * Answers the gateway's bread and butter — `POST /graphql` with a JSON body of declared length —
 * by handing it to Apollo straight from the HTTP server. Express's router, body-parser's stream
 * plumbing and `res.send` cost more per request than Apollo's own pipeline and do nothing for
 * such a request. Anything else (GET, other paths and body types, a compressed, chunked or too
 * large body, graphql-ws upgrades) still goes through express as before.
 */
export function answerGraphQLPostsDirectly<TContext extends BaseContext>(options: DirectGraphQLPosts<TContext>): void {
  const { server, express } = options;
  if (!server.listeners('request').includes(express)) throw new Error('the HTTP server does not hand its requests to express');
  server.removeListener('request', express);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isPlainJsonPost(req, options.path)) void answer(req, res, options);
    else express(req, res);
  });
}

function isPlainJsonPost(req: IncomingMessage, path: string): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (url !== path && !url.startsWith(`${path}?`)) return false;
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined || headers['content-encoding'] !== undefined) return false;
  const length = Number(headers['content-length']);
  if (!Number.isSafeInteger(length) || length <= 0 || length > GRAPHQL_BODY_LIMIT_BYTES) return false;
  return JSON_CONTENT_TYPE.test(headers['content-type'] ?? '');
}

async function answer<TContext extends BaseContext>(
  req: IncomingMessage,
  res: ServerResponse,
  options: DirectGraphQLPosts<TContext>,
): Promise<void> {
  let body: unknown;
  try {
    body = await readJson(req);
  } catch (error) {
    // As express answers a body that does not parse (body-parser's error, Nest's JSON).
    if (!res.headersSent && !res.destroyed)
      send(res, 400, JSON.stringify({ message: messageOf(error), error: 'Bad Request', statusCode: 400 }));
    return;
  }
  try {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const response = await options.apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers, search: query === -1 ? '' : url.slice(query), body },
      context: async () => options.context({ req, res }),
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    if (response.body.kind === 'complete') {
      send(res, response.status ?? 200, response.body.string);
      return;
    }
    res.statusCode = response.status ?? 200;
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  } catch {
    // Apollo answers errors itself; this is what express would answer for anything it throws.
    if (!res.headersSent) send(res, 500, JSON.stringify({ statusCode: 500, message: 'Internal server error' }));
    else res.destroy();
  }
}

function send(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}

/** The body, of the length the request declared, parsed as body-parser's strict JSON: an object or an array. */
function readJson(req: IncomingMessage): Promise<unknown> {
  const expected = Number(req.headers['content-length']);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received <= expected) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('request aborted')));
    req.on('end', () => {
      if (received !== expected) return reject(new Error('request size did not match content length'));
      const text = (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).toString('utf8');
      const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
      if (first !== undefined && first !== '{' && first !== '[') return reject(strictViolation(text, first));
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** body-parser's error for JSON that is not an object or array: the engine's message about the token, with the text. */
function strictViolation(text: string, char: string): SyntaxError {
  const index = text.indexOf(char);
  try {
    JSON.parse(text.slice(0, index) + '#'.repeat(text.length - index));
    return new SyntaxError('strict violation');
  } catch (error) {
    return new SyntaxError(messageOf(error).replace(/#+/g, (placeholder) => text.slice(index, index + placeholder.length)));
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
