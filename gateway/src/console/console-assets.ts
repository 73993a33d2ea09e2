import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * The console's policy: only its own files run, nothing inline, nothing evaluated; it talks only
 * to this origin (GraphQL over HTTP and graphql-ws, package uploads through PUT
 * /packages/:id/content) and may not be framed.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Paths the API owns: never answered with the console's page. */
const API_PATHS = /^\/(graphql|health|packages|registry)(\/|$)/;

/**
 * Serves the built console (console/, `npm run build` → dist/console) at `/`: its hashed assets
 * for a year, and index.html for every other GET that asks for a page, so a deep link such as
 * /builds/ID opens the console's own route. Not served when CONSOLE_DIR is empty.
 */
export function serveConsole(app: NestExpressApplication, directory: string): void {
  const indexFile = join(directory, 'index.html');
  if (!existsSync(indexFile)) throw new Error(`CONSOLE_DIR ${directory} holds no index.html: run npm run build`);
  const indexHtml = readFileSync(indexFile);
  app.use('/assets', (_request: Request, response: Response, next: NextFunction) => {
    response.set(SECURITY_HEADERS);
    next();
  });
  app.useStaticAssets(join(directory, 'assets'), {
    prefix: '/assets',
    immutable: true,
    maxAge: '365d',
    index: false,
  });
  // A missing asset is a plain 404, never the page: a stale tab's old bundle must fail visibly.
  app.use('/assets', (_request: Request, response: Response) => {
    response.status(404).type('text/plain').end('not found');
  });
  app.use((request: Request, response: Response, next: NextFunction) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || API_PATHS.test(request.path)) return next();
    if (!request.accepts('html')) return next();
    response
      .status(200)
      .set({ ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
      .end(request.method === 'HEAD' ? undefined : indexHtml);
  });
}
