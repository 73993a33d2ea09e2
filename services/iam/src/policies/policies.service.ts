import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller, validateStatements } from '@stagecraft/authz';
import {
  AttachPolicyRequest,
  CreatePolicyRequest,
  PolicyAttachmentDto,
  PolicyDto,
  PolicyStatementInput,
  ServiceError,
  UpdatePolicyRequest,
} from '@stagecraft/contracts';
import { isUniqueViolation } from '@stagecraft/persistence';
import { In, IsNull, Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { AuthzEventsPublisher } from '../authorization/authz-events.publisher';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { toPolicyDto, toProjectDto, toUserDto } from '../shared/mappers';
import { assertName, normalizeDescription } from '../shared/naming.rules';
import { requireAdmin } from '../shared/require-admin';
import { UserEntity } from '../users/infra/user.entity';
import { PolicyEntity } from './infra/policy.entity';
import { PolicyAttachmentEntity } from './infra/policy-attachment.entity';

const MAX_STATEMENTS = 100;

/** Custom policies and their attachments; every change tells the services to rebuild rules. */
@Injectable()
export class PoliciesService {
  constructor(
    @InjectRepository(PolicyEntity) private readonly policies: Repository<PolicyEntity>,
    @InjectRepository(PolicyAttachmentEntity) private readonly attachments: Repository<PolicyAttachmentEntity>,
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
    private readonly events: AuthzEventsPublisher,
    private readonly audit: AuditService,
  ) {}

  async list(caller: Caller): Promise<PolicyDto[]> {
    requireAdmin(caller, Actions.policies.list);
    const rows = await this.policies.find({ where: { accountId: caller.accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map(toPolicyDto);
  }

  async create(caller: Caller, request: CreatePolicyRequest): Promise<PolicyDto> {
    requireAdmin(caller, Actions.policies.create);
    const name = assertName('name', request.name);
    const description = normalizeDescription('description', request.description);
    const statements = checkedStatements(request.statements);
    try {
      const policy = await this.policies.save(
        this.policies.create({ accountId: caller.accountId, name, description, statements }),
      );
      await this.audit.record(caller, { action: Actions.policies.create, resourceType: 'policy', resourceId: policy.id });
      return toPolicyDto(policy);
    } catch (error) {
      if (isUniqueViolation(error)) throw ServiceError.conflict(`a policy named ${name} already exists`, 'name');
      throw error;
    }
  }

  async update(caller: Caller, request: UpdatePolicyRequest): Promise<PolicyDto> {
    requireAdmin(caller, Actions.policies.modify);
    const policy = await this.findPolicy(caller, request.id);
    policy.statements = checkedStatements(request.statements);
    const saved = await this.policies.save(policy);
    this.events.rulesChanged(caller.accountId, await this.attachedUserIds(policy.id));
    await this.audit.record(caller, { action: Actions.policies.modify, resourceType: 'policy', resourceId: policy.id });
    return toPolicyDto(saved);
  }

  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    requireAdmin(caller, Actions.policies.delete);
    const policy = await this.findPolicy(caller, id);
    const affected = await this.attachedUserIds(policy.id);
    await this.policies.delete({ id: policy.id });
    this.events.rulesChanged(caller.accountId, affected);
    await this.audit.record(caller, { action: Actions.policies.delete, resourceType: 'policy', resourceId: policy.id });
    return { id };
  }

  async listAttachments(caller: Caller, userId: string | null | undefined): Promise<PolicyAttachmentDto[]> {
    requireAdmin(caller, Actions.attachments.list);
    const rows = await this.attachments.find({
      where: { accountId: caller.accountId, ...(userId ? { userId } : {}) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return this.toAttachmentDtos(rows);
  }

  async attach(caller: Caller, request: AttachPolicyRequest): Promise<PolicyAttachmentDto> {
    requireAdmin(caller, Actions.attachments.create);
    const policy = await this.policies.findOneBy({ id: request.policyId, accountId: caller.accountId });
    if (!policy) throw ServiceError.badInput('policyId', 'policyId names no policy of this account');
    const user = await this.users.findOneBy({ id: request.userId, accountId: caller.accountId, deletedAt: IsNull() });
    if (!user) throw ServiceError.badInput('userId', 'userId names no user of this account');
    const projectIds = request.enterpriseProjectIds ?? null;
    if (projectIds) await this.checkProjects(caller.accountId, projectIds);
    const attachment = await this.attachments.save(
      this.attachments.create({
        accountId: caller.accountId,
        policyId: policy.id,
        userId: user.id,
        enterpriseProjectIds: projectIds ? [...new Set(projectIds)] : null,
      }),
    );
    this.events.rulesChanged(caller.accountId, [user.id]);
    await this.audit.record(caller, {
      action: Actions.attachments.create,
      resourceType: 'policy-attachment',
      resourceId: attachment.id,
    });
    const [dto] = await this.toAttachmentDtos([attachment]);
    return dto;
  }

  async detach(caller: Caller, id: string): Promise<{ id: string }> {
    requireAdmin(caller, Actions.attachments.delete);
    const attachment = await this.attachments.findOneBy({ id, accountId: caller.accountId });
    if (!attachment) throw ServiceError.notFound('policy attachment');
    await this.attachments.delete({ id });
    this.events.rulesChanged(caller.accountId, [attachment.userId]);
    await this.audit.record(caller, { action: Actions.attachments.delete, resourceType: 'policy-attachment', resourceId: id });
    return { id };
  }

  private async findPolicy(caller: Caller, id: string): Promise<PolicyEntity> {
    const policy = await this.policies.findOneBy({ id, accountId: caller.accountId });
    if (!policy) throw ServiceError.notFound('policy');
    return policy;
  }

  private async attachedUserIds(policyId: string): Promise<string[]> {
    const rows = await this.attachments.find({ where: { policyId }, select: { userId: true } });
    return [...new Set(rows.map((r) => r.userId))];
  }

  private async checkProjects(accountId: string, ids: string[]): Promise<void> {
    const found = new Set((await this.projects.findBy({ id: In(ids), accountId })).map((p) => p.id));
    const missing = ids.findIndex((id) => !found.has(id));
    if (missing >= 0) {
      throw ServiceError.badInput(
        `enterpriseProjectIds[${missing}]`,
        `enterpriseProjectIds[${missing}] names no enterprise project of this account`,
      );
    }
  }

  private async toAttachmentDtos(rows: PolicyAttachmentEntity[]): Promise<PolicyAttachmentDto[]> {
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
      policy: toPolicyDto(policyById.get(row.policyId)!),
      user: toUserDto(userById.get(row.userId)!),
      enterpriseProjects: row.enterpriseProjectIds
        ? row.enterpriseProjectIds.flatMap((id) => (projectById.has(id) ? [toProjectDto(projectById.get(id)!)] : []))
        : null,
    }));
  }
}

/** Statements are checked against the action catalog before anything is stored. */
function checkedStatements(statements: PolicyStatementInput[]): PolicyEntity['statements'] {
  if (statements.length === 0) throw ServiceError.badInput('statements', 'statements must hold at least one statement');
  if (statements.length > MAX_STATEMENTS) {
    throw ServiceError.badInput('statements', `statements may hold at most ${MAX_STATEMENTS} statements`);
  }
  const problem = validateStatements(statements);
  if (problem) throw ServiceError.badInput(problem.field, problem.message);
  return statements.map((s) => ({ effect: s.effect, actions: [...s.actions] }));
}
