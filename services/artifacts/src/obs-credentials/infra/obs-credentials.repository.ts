import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';

import { ObsCredentialsEntity } from './obs-credentials.entity';

/** Credentials as stored, without what storage assigns (the time of the change). */
export type ObsCredentialsFields = Omit<ObsCredentialsEntity, 'updatedAt'>;

/** The obs_credentials table: one row an account, replaced whole when an administrator sets it again. */
@Injectable()
export class ObsCredentialsRepository {
  constructor(@InjectRepository(ObsCredentialsEntity) private readonly credentials: Repository<ObsCredentialsEntity>) {}

  /** Inserts the account's credentials or replaces them. */
  save(fields: ObsCredentialsFields): Promise<ObsCredentialsEntity> {
    return this.credentials.save(this.credentials.create(fields));
  }

  findForAccount(accountId: string): Promise<ObsCredentialsEntity | null> {
    return this.credentials.findOneBy({ accountId });
  }
}
