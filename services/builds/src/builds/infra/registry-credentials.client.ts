import { Injectable } from '@nestjs/common';
import { ErrorCode, IamSubjects, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import { parseImageReference, type RegistryCredentials } from '@stagecraft/oci';

import { BuildsConfig, registryCredentialsOf, registryTokenHostsOf } from '../../config';
import type { BuildEntity } from './build.entity';

/** A build's registry credentials, or why it cannot have them: `refused` is the user's doing (FAILED), else the platform's (ERROR). */
export type RegistryCredentialsOutcome =
  | { ok: true; credentials: Record<string, RegistryCredentials> }
  | { ok: false; refused: boolean; message: string };

/**
 * The registry credentials a build runs with: REGISTRY_CREDENTIALS, and for a registry whose
 * tokens iam issues (REGISTRY_TOKEN_HOSTS: the embedded one) the build's own push credential,
 * which names its one repository and ends with its deadline. Asking for it claims the repository
 * for the build's project; another project's repository is refused.
 */
@Injectable()
export class RegistryCredentialsClient {
  private readonly configured: Record<string, RegistryCredentials>;
  private readonly tokenHosts: ReadonlySet<string>;

  constructor(
    private readonly client: NatsRpcClient,
    private readonly config: BuildsConfig,
  ) {
    this.configured = registryCredentialsOf(config);
    this.tokenHosts = registryTokenHostsOf(config);
  }

  async forRun(build: BuildEntity, now = new Date()): Promise<RegistryCredentialsOutcome> {
    const target = parseImageReference(build.spec.archiveImage);
    if (!this.tokenHosts.has(target.registry)) return { ok: true, credentials: this.configured };
    try {
      const credential = await this.client.send(IamSubjects.buildRegistryCredential, {
        accountId: build.accountId,
        enterpriseProjectId: build.enterpriseProjectId,
        jobId: build.jobId,
        buildId: build.id,
        repository: target.repository,
        imageClass: build.spec.imageClass,
        // The deadline, and a minute for the push that ends just before it.
        expiresAt: new Date(now.getTime() + (this.config.BUILD_DEADLINE_SECONDS + 60) * 1000).toISOString(),
      });
      const own = { username: credential.username, password: credential.password };
      // The same credential for every registry whose tokens iam issues: it pulls PUBLIC images and the project's own there.
      const issued = Object.fromEntries([...this.tokenHosts].map((host) => [host, own]));
      return { ok: true, credentials: { ...this.configured, ...issued } };
    } catch (error) {
      const code = error instanceof ServiceError ? error.code : null;
      if (code === ErrorCode.CONFLICT || code === ErrorCode.NOT_FOUND)
        return { ok: false, refused: true, message: (error as ServiceError).message };
      return { ok: false, refused: false, message: `no push credential for ${target.registry} could be had from iam` };
    }
  }

  /**
   * What the base-image watcher reads a base image's digest with (a HEAD, no user and no build):
   * the configured credential for that registry, else none (anonymous pull).
   */
  forWatch(registry: string): RegistryCredentials | undefined {
    return this.configured[registry];
  }

  /**
   * What deletes manifests of `repository` on `registry` for the project: a credential iam issues
   * for that one repository where iam issues the registry's tokens, else the configured one.
   * Throws iam's refusal (a repository the project does not own).
   */
  async forPrune(
    scope: { accountId: string; enterpriseProjectId: string },
    registry: string,
    repository: string,
  ): Promise<RegistryCredentials | undefined> {
    if (!this.tokenHosts.has(registry)) return this.configured[registry];
    // Only the fields the subject takes: iam refuses a request with any other (its callers pass whole rows).
    const { accountId, enterpriseProjectId } = scope;
    const credential = await this.client.send(IamSubjects.pruneRegistryCredential, {
      accountId,
      enterpriseProjectId,
      repository,
    });
    return { username: credential.username, password: credential.password };
  }
}
