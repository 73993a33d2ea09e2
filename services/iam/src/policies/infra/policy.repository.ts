import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { unlessTaken } from '@stagecraft/persistence';
import { In, IsNull, Repository } from 'typeorm';

import { EnterpriseProjectEntity } from '../../projects/infra/enterprise-project.entity';
import { UserEntity } from '../../users/infra/user.entity';
import { PolicyEntity } from './policy.entity';
import { PolicyAttachmentEntity } from './policy-attachment.entity';

/** A policy as stored, without what storage assigns (id, timestamps). */
export type PolicyFields = Pick<PolicyEntity, 'accountId' | 'name' | 'description' | 'statements'>;

export type AttachmentFields = Pick<PolicyAttachmentEntity, 'accountId' | 'policyId' | 'userId' | 'enterpriseProjectIds'>;

/** An attachment with the policy, user and projects it names, for showing it. */
export interface ResolvedAttachment {
  id: string;
  policy: PolicyEntity;
  user: UserEntity;
  /** null: every project of the account; a project deleted since is left out. */
  enterpriseProjects: EnterpriseProjectEntity[] | null;
}

/** The policies and policy_attachments tables for the policy use cases: their queries, and what their constraints mean. */
@Injectable()
export class PolicyRepository {
  constructor(
    @InjectRepository(PolicyEntity) private readonly policies: Repository<PolicyEntity>,
    @InjectRepository(PolicyAttachmentEntity) private readonly attachments: Repository<PolicyAttachmentEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
  ) {}

  listInAccount(accountId: string): Promise<PolicyEntity[]> {
    return this.policies.find({ where: { accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  findInAccount(accountId: string, id: string): Promise<PolicyEntity | null> {
    return this.policies.findOneBy({ id, accountId });
  }

  /** Stores a new policy; `'name-taken'` when the account already has a policy of that name. */
  async insert(fields: PolicyFields): Promise<PolicyEntity | 'name-taken'> {
    // policies_account_name: one name per account, whatever its case.
    return unlessTaken(() => this.policies.save(this.policies.create(fields)), 'name-taken');
  }

  replaceStatements(policy: PolicyEntity, statements: PolicyEntity['statements']): Promise<PolicyEntity> {
    policy.statements = statements;
    return this.policies.save(policy);
  }

  /** Its attachments go with it (ON DELETE CASCADE). */
  async delete(id: string): Promise<void> {
    await this.policies.delete({ id });
  }

  /** The users a policy is attached to, each once: whose rules change with it. */
  async attachedUserIds(policyId: string): Promise<string[]> {
    const rows = await this.attachments.find({ where: { policyId }, select: { userId: true } });
    return [...new Set(rows.map((r) => r.userId))];
  }

  /** A user of the account who is not deleted: the only kind a policy may be attached to. */
  findActiveUser(accountId: string, id: string): Promise<UserEntity | null> {
    return this.users.findOneBy({ id, accountId, deletedAt: IsNull() });
  }

  /** Which of `ids` are enterprise projects of the account. */
  async projectIdsInAccount(accountId: string, ids: string[]): Promise<Set<string>> {
    return new Set((await this.projects.findBy({ id: In(ids), accountId })).map((p) => p.id));
  }

  listAttachments(accountId: string, userId: string | null | undefined): Promise<PolicyAttachmentEntity[]> {
    return this.attachments.find({
      where: { accountId, ...(userId ? { userId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  findAttachment(accountId: string, id: string): Promise<PolicyAttachmentEntity | null> {
    return this.attachments.findOneBy({ id, accountId });
  }

  attach(
    fields: Pick<PolicyAttachmentEntity, 'accountId' | 'policyId' | 'userId' | 'enterpriseProjectIds'>,
  ): Promise<PolicyAttachmentEntity> {
    return this.attachments.save(this.attachments.create(fields));
  }

  async detach(id: string): Promise<void> {
    await this.attachments.delete({ id });
  }

  /** Three queries however many rows: a list costs no query per attachment. */
  async resolve(rows: PolicyAttachmentEntity[]): Promise<ResolvedAttachment[]> {
    if (rows.length === 0) return [];
    const [policies, users, projects] = await Promise.all([
      this.policies.findBy({ id: In([...new Set(rows.map((r) => r.policyId))]) }),
      this.users.findBy({ id: In([...new Set(rows.map((r) => r.userId))]) }),
      this.projects.findBy({ id: In([...new Set(rows.flatMap((r) => r.enterpriseProjectIds ?? []))]) }),
    ]);
    const policyById = new Map(policies.map((p) => [p.id, p]));
    const userById = new Map(users.map((u) => [u.id, u]));
    const projectById = new Map(projects.map((p) => [p.id, p]));
    return rows.map((row) => ({
      id: row.id,
      policy: policyById.get(row.policyId)!,
      user: userById.get(row.userId)!,
      enterpriseProjects: row.enterpriseProjectIds
        ? row.enterpriseProjectIds.flatMap((id) => (projectById.has(id) ? [projectById.get(id)!] : []))
        : null,
    }));
  }
}
