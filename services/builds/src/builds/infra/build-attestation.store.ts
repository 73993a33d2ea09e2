import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import { BuildAttestationEntity } from './build-attestation.entity';

@Injectable()
export class BuildAttestationStore {
  constructor(@InjectRepository(BuildAttestationEntity) private readonly rows: Repository<BuildAttestationEntity>) {}

  /** Written before the build turns SUCCEEDED; a retry after a crash writes the same build again. */
  async save(row: Omit<BuildAttestationEntity, 'createdAt'>): Promise<void> {
    await this.rows.upsert(row, ['buildId']);
  }

  find(buildId: string): Promise<BuildAttestationEntity | null> {
    return this.rows.findOneBy({ buildId });
  }
}
