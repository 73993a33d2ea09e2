import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';

/** A proxy's request id is kept when it looks like one; anything else gets a fresh id. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * One `debug` line per HTTP request (method, path, status, duration, request id), from the
 * server's own `request` event, so requests that bypass express (the gateway answers GraphQL
 * POSTs directly) are logged too. Nothing is attached unless debug is on: no cost per request
 * otherwise. Headers, query strings and bodies are never logged (tokens travel in them).
 */
export function logHttpRequests(server: Server, logger: Logger): boolean {
  if (!logger.isLevelEnabled('debug')) return false;
  const log = pinoHttp({
    logger,
    useLevel: 'debug',
    quietReqLogger: true,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: (req.url ?? '').split('?')[0] }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
    customSuccessMessage: (req, res, ms) => `${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode} in ${ms} ms`,
    customErrorMessage: (req, res) => `${req.method} ${(req.url ?? '').split('?')[0]} failed (${res.statusCode})`,
    customProps: () => ({ context: 'HttpRequest' }),
  });
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => log(req, res));
  return true;
}
