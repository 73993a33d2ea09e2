import { Injectable } from '@nestjs/common';
import { Actions, type Caller, validateStatements } from '@stagecraft/authz';
import {
  AttachPolicyRequest,
  CreatePolicyRequest,
  IamError,
  IamErrorReason,
  PolicyAttachmentDto,
  PolicyDto,
  PolicyStatementInput,
  UpdatePolicyRequest,
} from '@stagecraft/contracts';

import { AuditService } from '../audit/audit.service';
import { AuthzEventsPublisher } from '../authorization/authz-events.publisher';
import { toAttachmentDto, toPolicyDto } from '../shared/mappers';
import { assertName, normalizeDescription } from '../shared/naming.rules';
import { requireAdmin } from '../shared/require-admin';
import { PolicyEntity } from './infra/policy.entity';
import { PolicyRepository } from './infra/policy.repository';

const MAX_STATEMENTS = 100;

/** Custom policies and their attachments; every change tells the services to rebuild rules. */
@Injectable()
export class PoliciesService {
  constructor(
    private readonly policies: PolicyRepository,
    private readonly events: AuthzEventsPublisher,
    private readonly audit: AuditService,
  ) {}

  async list(caller: Caller): Promise<PolicyDto[]> {
    requireAdmin(caller, Actions.policies.list);
    return (await this.policies.listInAccount(caller.accountId)).map(toPolicyDto);
  }

  async create(caller: Caller, request: CreatePolicyRequest): Promise<PolicyDto> {
    requireAdmin(caller, Actions.policies.create);
    const name = assertName('name', request.name);
    const description = normalizeDescription('description', request.description);
    const statements = checkedStatements(request.statements);
    const policy = await this.policies.insert({ accountId: caller.accountId, name, description, statements });
    if (policy === 'name-taken') throw new IamError(IamErrorReason.NAME_TAKEN, `a policy named ${name} already exists`, 'name');
    await this.audit.record(caller, { action: Actions.policies.create, resourceType: 'policy', resourceId: policy.id });
    return toPolicyDto(policy);
  }

  async update(caller: Caller, request: UpdatePolicyRequest): Promise<PolicyDto> {
    requireAdmin(caller, Actions.policies.modify);
    const policy = await this.findPolicy(caller, request.id);
    const saved = await this.policies.replaceStatements(policy, checkedStatements(request.statements));
    this.events.rulesChanged(caller.accountId, await this.policies.attachedUserIds(policy.id));
    await this.audit.record(caller, { action: Actions.policies.modify, resourceType: 'policy', resourceId: policy.id });
    return toPolicyDto(saved);
  }

  async delete(caller: Caller, id: string): Promise<{ id: string }> {
    requireAdmin(caller, Actions.policies.delete);
    const policy = await this.findPolicy(caller, id);
    // Read before the delete takes the attachments with it.
    const affected = await this.policies.attachedUserIds(policy.id);
    await this.policies.delete(policy.id);
    this.events.rulesChanged(caller.accountId, affected);
    await this.audit.record(caller, { action: Actions.policies.delete, resourceType: 'policy', resourceId: policy.id });
    return { id };
  }

  async listAttachments(caller: Caller, userId: string | null | undefined): Promise<PolicyAttachmentDto[]> {
    requireAdmin(caller, Actions.attachments.list);
    const rows = await this.policies.listAttachments(caller.accountId, userId);
    return (await this.policies.resolve(rows)).map(toAttachmentDto);
  }

  async attach(caller: Caller, request: AttachPolicyRequest): Promise<PolicyAttachmentDto> {
    requireAdmin(caller, Actions.attachments.create);
    const policy = await this.policies.findInAccount(caller.accountId, request.policyId);
    if (!policy) throw new IamError(IamErrorReason.INVALID_FIELD, 'policyId names no policy of this account', 'policyId');
    const user = await this.policies.findActiveUser(caller.accountId, request.userId);
    if (!user) throw new IamError(IamErrorReason.INVALID_FIELD, 'userId names no user of this account', 'userId');
    const projectIds = request.enterpriseProjectIds ?? null;
    if (projectIds) await this.checkProjects(caller.accountId, projectIds);
    const attachment = await this.policies.attach({
      accountId: caller.accountId,
      policyId: policy.id,
      userId: user.id,
      enterpriseProjectIds: projectIds ? [...new Set(projectIds)] : null,
    });
    this.events.rulesChanged(caller.accountId, [user.id]);
    await this.audit.record(caller, {
      action: Actions.attachments.create,
      resourceType: 'policy-attachment',
      resourceId: attachment.id,
    });
    const [resolved] = await this.policies.resolve([attachment]);
    return toAttachmentDto(resolved);
  }

  async detach(caller: Caller, id: string): Promise<{ id: string }> {
    requireAdmin(caller, Actions.attachments.delete);
    const attachment = await this.policies.findAttachment(caller.accountId, id);
    if (!attachment) throw new IamError(IamErrorReason.ATTACHMENT_NOT_FOUND, 'policy attachment not found');
    await this.policies.detach(id);
    this.events.rulesChanged(caller.accountId, [attachment.userId]);
    await this.audit.record(caller, { action: Actions.attachments.delete, resourceType: 'policy-attachment', resourceId: id });
    return { id };
  }

  private async findPolicy(caller: Caller, id: string): Promise<PolicyEntity> {
    const policy = await this.policies.findInAccount(caller.accountId, id);
    if (!policy) throw new IamError(IamErrorReason.POLICY_NOT_FOUND, 'policy not found');
    return policy;
  }

  /** The first id that names no project of the account is the field refused. */
  private async checkProjects(accountId: string, ids: string[]): Promise<void> {
    const found = await this.policies.projectIdsInAccount(accountId, ids);
    const missing = ids.findIndex((id) => !found.has(id));
    if (missing >= 0) {
      const field = `enterpriseProjectIds[${missing}]`;
      throw new IamError(IamErrorReason.INVALID_FIELD, `${field} names no enterprise project of this account`, field);
    }
  }
}

/** Statements are checked against the action catalog before anything is stored. */
function checkedStatements(statements: PolicyStatementInput[]): PolicyEntity['statements'] {
  if (statements.length === 0)
    throw new IamError(IamErrorReason.INVALID_FIELD, 'statements must hold at least one statement', 'statements');
  if (statements.length > MAX_STATEMENTS) {
    throw new IamError(IamErrorReason.INVALID_FIELD, `statements may hold at most ${MAX_STATEMENTS} statements`, 'statements');
  }
  const problem = validateStatements(statements);
  if (problem) throw new IamError(IamErrorReason.INVALID_FIELD, problem.message, problem.field);
  return statements.map((s) => ({ effect: s.effect, actions: [...s.actions] }));
}
