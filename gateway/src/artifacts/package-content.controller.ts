import { Readable } from 'node:stream';

import { Controller, HttpCode, Param, Put, Req, UseFilters } from '@nestjs/common';
import { TokenVerifier } from '@stagecraft/authz';
import { ArtifactsSubjects, ErrorCode, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import type { Request } from 'express';

import { requestContextFromHeaders } from '../auth/request-context';
import { RestErrorFilter } from './rest-error.filter';

/**
 * PUT /packages/:id/content — for clients that cannot reach the bucket: the body is streamed
 * on to the package's presigned URL as it arrives, never held whole in memory. The gateway
 * holds no storage credentials; the artifacts service signs the URL for exactly this length
 * (and for the sha256 declared at createPackageUpload, whose header goes with the bytes).
 */
@Controller('packages')
@UseFilters(RestErrorFilter)
export class PackageContentController {
  constructor(
    private readonly client: NatsRpcClient,
    private readonly verifier: TokenVerifier,
  ) {}

  @Put(':id/content')
  @HttpCode(200)
  async upload(@Param('id') id: string, @Req() request: Request): Promise<{ id: string; sizeBytes: number }> {
    const meta = requestContextFromHeaders(request.headers.authorization, request.header('x-correlation-id'));
    await this.verifier.verify(meta.token);
    const sizeBytes = Number(request.headers['content-length']);
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
      throw ServiceError.badInput(
        'Content-Length',
        'send the package with a Content-Length header (chunked uploads are not accepted)',
      );
    }
    const target = await this.client.send(ArtifactsSubjects.uploadTarget, { id, sizeBytes }, meta);
    let response: Response;
    try {
      response = await fetch(target.url, {
        method: 'PUT',
        headers: {
          ...Object.fromEntries(target.headers.map((header) => [header.name, header.value])),
          'content-length': String(sizeBytes),
          'content-type': 'application/octet-stream',
        },
        body: Readable.toWeb(request) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
    } catch {
      throw new ServiceError(ErrorCode.UNAVAILABLE, 'the package repository could not be reached');
    }
    if (!response.ok) {
      // A store that verifies checksums says BadDigest (S3's XML error) for bytes other than the declared ones.
      const answer = await response.text().catch(() => '');
      if (response.status === 400 && answer.includes('<Code>BadDigest</Code>')) {
        throw ServiceError.badInput('sha256', 'the bytes sent are not the ones whose sha256 was declared at createPackageUpload');
      }
      throw new ServiceError(ErrorCode.UNAVAILABLE, `the package repository refused the upload (HTTP ${response.status})`);
    }
    await response.body?.cancel();
    return { id, sizeBytes };
  }
}
