import { Injectable } from '@nestjs/common';
import { ArtifactsSubjects, ErrorCode, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import { BuildsConfig } from '../../config';
import type { BuildEntity } from './build.entity';

/** Why a build got no URL: `gone` is the package's doing (deleted, changed), `unavailable` the platform's. */
export type PackageUrlOutcome = { ok: true; url: string } | { ok: false; gone: boolean; message: string };

/**
 * The package's URL for a build that starts running, asked of artifacts with the grant it sealed
 * when the build was queued (no user's token is needed, or kept, for that).
 */
@Injectable()
export class PackageUrlsClient {
  constructor(
    private readonly client: NatsRpcClient,
    private readonly config: BuildsConfig,
  ) {}

  async forRun(build: BuildEntity): Promise<PackageUrlOutcome> {
    if (!build.packageGrant) return { ok: false, gone: false, message: 'the build was queued without a download grant' };
    try {
      const download = await this.client.send(ArtifactsSubjects.buildDownloadUrl, {
        grant: build.packageGrant,
        ttlSeconds: this.config.BUILD_DEADLINE_SECONDS + 600,
      });
      if (download.sha256 !== build.packageSha256)
        return { ok: false, gone: true, message: 'the package is no longer the one the build was queued with' };
      return { ok: true, url: download.url };
    } catch (error) {
      const code = error instanceof ServiceError ? error.code : null;
      const gone = code === ErrorCode.NOT_FOUND || code === ErrorCode.CONFLICT || code === ErrorCode.FORBIDDEN;
      return {
        ok: false,
        gone,
        message: gone ? (error as ServiceError).message : 'the package repository could not be reached for a download URL',
      };
    }
  }
}
