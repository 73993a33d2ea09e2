import { Injectable } from '@nestjs/common';
import { ArtifactsSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

/**
 * A download grant for a build the platform starts without a user (a base image changed): asked
 * of artifacts for the package bytes the job's last build used, which must still be READY.
 */
@Injectable()
export class RebuildGrantsClient {
  constructor(private readonly client: NatsRpcClient) {}

  async grant(accountId: string, packageId: string, sha256: string, ttlSeconds: number): Promise<string> {
    const answer = await this.client.send(ArtifactsSubjects.rebuildGrant, { accountId, packageId, sha256, ttlSeconds });
    return answer.grant;
  }
}
