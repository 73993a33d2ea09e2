import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Caller } from '@stagecraft/authz';
import { EgressPolicy } from '@stagecraft/config';
import { ConfigureObsCredentialsRequest, ObsCredentialsDto, PackageError, PackageErrorReason } from '@stagecraft/contracts';
import { SecretBox } from '@stagecraft/secrets';

import { invalidField } from '../packages/domain/package.rules';
import { S3Store } from '../storage/s3-store';
import { ObsCredentialsRepository } from './infra/obs-credentials.repository';
import { toObsCredentialsDto } from './obs-credentials.mapper';

export const SECRET_BOX = Symbol('SECRET_BOX');

/**
 * The credentials with which Stagecraft reads (and writes) an account's own OBS buckets. The
 * secret key is sealed at rest and never returned.
 */
@Injectable()
export class ObsCredentialsService implements OnModuleDestroy {
  private readonly stores = new Map<string, { updatedAt: number; store: S3Store }>();

  constructor(
    private readonly credentials: ObsCredentialsRepository,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    private readonly egress: EgressPolicy,
  ) {}

  async configure(caller: Caller, request: ConfigureObsCredentialsRequest): Promise<ObsCredentialsDto> {
    // Account-wide settings are administrators' work, like the rest of iam's.
    if (!caller.isAdmin) {
      throw new PackageError(PackageErrorReason.ADMIN_ONLY, 'configuring OBS credentials is reserved for administrators');
    }
    const endpoint = parseEndpoint(request.endpoint);
    if (!request.region.trim()) throw invalidField('region', 'region must not be empty');
    if (!/^[\x21-\x7e]{1,128}$/.test(request.accessKeyId))
      throw invalidField('accessKeyId', 'accessKeyId must be 1 to 128 printable characters');
    if (!/^[\x21-\x7e]{1,256}$/.test(request.secretAccessKey)) {
      throw invalidField('secretAccessKey', 'secretAccessKey must be 1 to 256 printable characters');
    }
    const saved = await this.credentials.save({
      accountId: caller.accountId,
      endpoint,
      region: request.region.trim(),
      accessKeyId: request.accessKeyId,
      secretAccessKeySealed: this.secrets.seal(request.secretAccessKey, caller.accountId),
    });
    return toObsCredentialsDto(saved);
  }

  /** An S3 client for the account's OBS, or null when none is configured. */
  async storeFor(accountId: string): Promise<S3Store | null> {
    const row = await this.credentials.findForAccount(accountId);
    if (!row) return null;
    const cached = this.stores.get(accountId);
    if (cached && cached.updatedAt === row.updatedAt.getTime()) return cached.store;
    cached?.store.destroy();
    const store = new S3Store({
      endpoint: row.endpoint,
      region: row.region,
      accessKeyId: row.accessKeyId,
      secretAccessKey: this.secrets.open(row.secretAccessKeySealed, accountId),
      forcePathStyle: true,
      // An administrator's endpoint, but still only where the egress policy allows (docs/security.md#egress).
      egress: this.egress,
    });
    this.stores.set(accountId, { updatedAt: row.updatedAt.getTime(), store });
    return store;
  }

  onModuleDestroy(): void {
    for (const { store } of this.stores.values()) store.destroy();
  }
}

function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidField('endpoint', 'endpoint must be an http or https URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw invalidField('endpoint', 'endpoint must be an http or https URL');
  if (url.username || url.password) throw invalidField('endpoint', 'endpoint must not carry credentials');
  return url.origin;
}
