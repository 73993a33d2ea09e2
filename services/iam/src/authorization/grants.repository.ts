import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { PolicyGrant } from '@stagecraft/authz';
import { Repository } from 'typeorm';

import { PolicyEntity } from '../policies/infra/policy.entity';
import { PolicyAttachmentEntity } from '../policies/infra/policy-attachment.entity';

/** A user's policies with the enterprise projects each is attached for. */
@Injectable()
export class GrantsRepository {
  constructor(@InjectRepository(PolicyAttachmentEntity) private readonly attachments: Repository<PolicyAttachmentEntity>) {}

  async grantsFor(userId: string): Promise<PolicyGrant[]> {
    const rows = await this.attachments
      .createQueryBuilder('attachment')
      .innerJoinAndMapOne('attachment.policy', PolicyEntity, 'policy', 'policy.id = attachment.policy_id')
      .where('attachment.user_id = :userId', { userId })
      .orderBy('attachment.created_at')
      .getMany();
    return rows.map((row) => {
      const policy = (row as PolicyAttachmentEntity & { policy: PolicyEntity }).policy;
      return {
        policy: { id: policy.id, name: policy.name, statements: policy.statements },
        enterpriseProjectIds: row.enterpriseProjectIds,
      };
    });
  }
}
