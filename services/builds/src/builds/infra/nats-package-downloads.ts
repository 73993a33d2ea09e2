import { Injectable } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import { ArtifactsSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import type { PackageDownloads, PackageGrant } from '../domain/package-downloads';

@Injectable()
export class NatsPackageDownloads implements PackageDownloads {
  constructor(private readonly client: NatsRpcClient) {}

  async grant(caller: Caller, packageId: string, ttlSeconds: number): Promise<PackageGrant> {
    const download = await this.client.send(ArtifactsSubjects.downloadUrl, { id: packageId, ttlSeconds }, caller.meta);
    return { sha256: download.sha256, grant: download.grant ?? null };
  }
}
