import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ErrorCode, IamSubjects, type RegistryTokenDto, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import type { Response } from 'express';

import { httpStatusFor } from '../artifacts/rest-error.filter';
import { requestContextFromHeaders } from '../auth/request-context';

/** What `docker login` and the registry's challenge say to use: Basic credentials at this realm. */
const BASIC_CHALLENGE = 'Basic realm="Stagecraft registry"';

/**
 * The embedded registry's token endpoint (the distribution token spec): `GET /registry/token`
 * with `service`, `scope` (repeated) and optional Basic credentials, as docker, skopeo, buildah
 * and crane send it (containerd tries an OAuth2 POST first and falls back to this GET on the 404
 * it gets). iam decides and signs; this only carries the request and shapes the answer.
 */
@Controller('registry')
export class RegistryTokenController {
  constructor(private readonly client: NatsRpcClient) {}

  @Get('token')
  async get(
    @Query('service') service: unknown,
    @Query('scope') scope: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const credentials = basicCredentials(authorization);
    if (credentials === 'malformed') return this.refuse(response, ServiceError.unauthenticated('malformed Basic credentials'));
    await this.answer(response, { service: listOf(service)[0] ?? '', scopes: listOf(scope), ...credentials });
  }

  private async answer(
    response: Response,
    request: { service: string; scopes: string[]; username?: string; password?: string },
  ): Promise<void> {
    let token: RegistryTokenDto;
    try {
      token = await this.client.send(IamSubjects.registryToken, request, requestContextFromHeaders(undefined, undefined));
    } catch (error) {
      return this.refuse(
        response,
        error instanceof ServiceError ? error : new ServiceError(ErrorCode.INTERNAL, 'internal error'),
      );
    }
    response.setHeader('cache-control', 'no-store');
    response
      .status(200)
      .json({ token: token.token, access_token: token.token, expires_in: token.expiresIn, issued_at: token.issuedAt });
  }

  private refuse(response: Response, error: ServiceError): void {
    if (error.code === ErrorCode.UNAUTHENTICATED) response.setHeader('www-authenticate', BASIC_CHALLENGE);
    // The distribution spec's error body, which clients print.
    response.status(httpStatusFor(error.code)).json({ errors: [{ code: error.code, message: error.message }] });
  }
}

/** Query values as strings: express reads `scope[x]=…` as an object, which is nothing a client sends. */
function listOf(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((item): item is string => typeof item === 'string');
}

/** `Authorization: Basic …` as username and password; nothing when absent; 'malformed' when unreadable. */
function basicCredentials(header: string | undefined): { username?: string; password?: string } | 'malformed' {
  if (!header) return {};
  const [scheme, value] = header.split(' ', 2);
  if (scheme.toLowerCase() !== 'basic' || !value) return 'malformed';
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
