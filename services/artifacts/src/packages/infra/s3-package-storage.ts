import { Inject, Injectable } from '@nestjs/common';
import type { PackageSource } from '@stagecraft/contracts';

import { ObsCredentialsService } from '../../obs-credentials/obs-credentials.service';
import type { S3Store } from '../../storage/s3-store';
import { type ObjectStore, PackageStorage } from '../domain/package-storage';

/** The S3Store of Stagecraft's own package repository (SWR). */
export const SWR_STORE = Symbol('SWR_STORE');

/** SWR is one store for everyone; OBS is each account's own, with the credentials its administrator set. */
@Injectable()
export class S3PackageStorage extends PackageStorage {
  constructor(
    @Inject(SWR_STORE) private readonly swr: S3Store,
    private readonly obs: ObsCredentialsService,
  ) {
    super();
  }

  async storeFor(accountId: string, source: PackageSource): Promise<ObjectStore | null> {
    return source === 'SWR' ? this.swr : this.obs.storeFor(accountId);
  }
}
