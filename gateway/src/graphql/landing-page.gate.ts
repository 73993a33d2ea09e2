import type { IncomingMessage, ServerResponse } from 'node:http';

import { requestContextFromHeaders } from '../auth/request-context';
import type { SignedInCheck } from './introspection-gate.plugin';

/**
 * Serves the GraphiQL page (a GET of the endpoint that prefers HTML) only to a request carrying a
 * valid bearer token; others get UNAUTHENTICATED and no page. Used in development only: in other
 * modes the gateway has no landing page at all.
 */
export function landingPageGate(path: string, signedIn: SignedInCheck) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = req.url ?? '';
    const atPath = url === path || url.startsWith(`${path}?`);
    if (req.method !== 'GET' || !atPath || !/text\/html/i.test(req.headers.accept ?? '')) return next();
    const context = requestContextFromHeaders(req.headers.authorization, undefined);
    void signedIn(context).then((ok) => {
      if (ok) return next();
      res.statusCode = 401;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.end(
        JSON.stringify({ errors: [{ message: 'GraphiQL needs a signed-in caller', extensions: { code: 'UNAUTHENTICATED' } }] }),
      );
    });
  };
}
