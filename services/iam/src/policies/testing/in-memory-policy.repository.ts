import { randomUUID } from 'node:crypto';

import type { EnterpriseProjectEntity } from '../../projects/infra/enterprise-project.entity';
import type { UserEntity } from '../../users/infra/user.entity';
import { PolicyEntity } from '../infra/policy.entity';
import type { AttachmentFields, PolicyFields, PolicyRepository, ResolvedAttachment } from '../infra/policy.repository';
import { PolicyAttachmentEntity } from '../infra/policy-attachment.entity';

/** What callers of a class can reach: a fake implements this, as it has none of the private parts. */
type PublicPartOf<T> = { [K in keyof T]: T[K] };

/**
 * PolicyRepository over arrays, for use-case specs without Postgres. It keeps the constraints the
 * use cases rely on: one policy name per account whatever its case (policies_account_name), and a
 * policy's attachments go with it (ON DELETE CASCADE).
 */
export class InMemoryPolicyRepository implements PublicPartOf<PolicyRepository> {
  readonly policies: PolicyEntity[] = [];
  readonly attachments: PolicyAttachmentEntity[] = [];
  readonly users: UserEntity[] = [];
  readonly projects: EnterpriseProjectEntity[] = [];

  async listInAccount(accountId: string): Promise<PolicyEntity[]> {
    return this.policies.filter((p) => p.accountId === accountId);
  }

  async findInAccount(accountId: string, id: string): Promise<PolicyEntity | null> {
    return this.policies.find((p) => p.id === id && p.accountId === accountId) ?? null;
  }

  async insert(fields: PolicyFields): Promise<PolicyEntity | 'name-taken'> {
    const name = fields.name.toLowerCase();
    if (this.policies.some((p) => p.accountId === fields.accountId && p.name.toLowerCase() === name)) return 'name-taken';
    const now = new Date();
    const policy = Object.assign(new PolicyEntity(), { ...fields, id: randomUUID(), createdAt: now, updatedAt: now });
    this.policies.push(policy);
    return policy;
  }

  async replaceStatements(policy: PolicyEntity, statements: PolicyEntity['statements']): Promise<PolicyEntity> {
    policy.statements = statements;
    policy.updatedAt = new Date();
    return policy;
  }

  async delete(id: string): Promise<void> {
    remove(this.policies, (p) => p.id === id);
    remove(this.attachments, (a) => a.policyId === id);
  }

  async attachedUserIds(policyId: string): Promise<string[]> {
    return [...new Set(this.attachments.filter((a) => a.policyId === policyId).map((a) => a.userId))];
  }

  async findActiveUser(accountId: string, id: string): Promise<UserEntity | null> {
    return this.users.find((u) => u.id === id && u.accountId === accountId && !u.deletedAt) ?? null;
  }

  async projectIdsInAccount(accountId: string, ids: string[]): Promise<Set<string>> {
    return new Set(this.projects.filter((p) => p.accountId === accountId && ids.includes(p.id)).map((p) => p.id));
  }

  async listAttachments(accountId: string, userId: string | null | undefined): Promise<PolicyAttachmentEntity[]> {
    return this.attachments.filter((a) => a.accountId === accountId && (!userId || a.userId === userId));
  }

  async findAttachment(accountId: string, id: string): Promise<PolicyAttachmentEntity | null> {
    return this.attachments.find((a) => a.id === id && a.accountId === accountId) ?? null;
  }

  async attach(fields: AttachmentFields): Promise<PolicyAttachmentEntity> {
    const attachment = Object.assign(new PolicyAttachmentEntity(), { ...fields, id: randomUUID(), createdAt: new Date() });
    this.attachments.push(attachment);
    return attachment;
  }

  async detach(id: string): Promise<void> {
    remove(this.attachments, (a) => a.id === id);
  }

  async resolve(rows: PolicyAttachmentEntity[]): Promise<ResolvedAttachment[]> {
    return rows.map((row) => ({
      id: row.id,
      policy: this.policies.find((p) => p.id === row.policyId)!,
      user: this.users.find((u) => u.id === row.userId)!,
      enterpriseProjects: row.enterpriseProjectIds?.flatMap((id) => this.projects.filter((p) => p.id === id)) ?? null,
    }));
  }
}

function remove<T>(rows: T[], matches: (row: T) => boolean): void {
  for (let i = rows.length - 1; i >= 0; i--) if (matches(rows[i])) rows.splice(i, 1);
}
