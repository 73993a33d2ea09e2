import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller, grantedActions } from '@stagecraft/authz';
import { CreateEnterpriseProjectRequest, EnterpriseProjectDto, IamError, IamErrorReason } from '@stagecraft/contracts';
import { isUniqueViolation } from '@stagecraft/persistence';
import { In, Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { GrantsRepository } from '../authorization/grants.repository';
import { toProjectDto } from '../shared/mappers';
import { assertName, normalizeDescription } from '../shared/naming.rules';
import { requireAdmin } from '../shared/require-admin';
import { EnterpriseProjectEntity } from './infra/enterprise-project.entity';

export const DEFAULT_PROJECT_NAME = 'default';

@Injectable()
export class ProjectsService {
  constructor(
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
    private readonly grants: GrantsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Admins see every project; others see the projects a policy grants them anything in. */
  async listVisible(caller: Caller): Promise<EnterpriseProjectDto[]> {
    const all = await this.projects.find({ where: { accountId: caller.accountId }, order: { createdAt: 'ASC', id: 'ASC' } });
    if (caller.isAdmin) return all.map(toProjectDto);
    const visible = await this.visibleProjectIds(caller.userId);
    return all.filter((p) => visible === 'all' || visible.has(p.id)).map(toProjectDto);
  }

  async create(caller: Caller, request: CreateEnterpriseProjectRequest): Promise<EnterpriseProjectDto> {
    requireAdmin(caller, Actions.projects.create);
    const name = assertName('name', request.name);
    const description = normalizeDescription('description', request.description);
    try {
      const project = await this.projects.save(this.projects.create({ accountId: caller.accountId, name, description }));
      await this.audit.record(caller, {
        action: Actions.projects.create,
        resourceType: 'enterprise-project',
        resourceId: project.id,
      });
      return toProjectDto(project);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new IamError(IamErrorReason.NAME_TAKEN, `an enterprise project named ${name} already exists`, 'name');
      throw error;
    }
  }

  /** The account's `default` project, created with the account. */
  async defaultProject(caller: Caller): Promise<EnterpriseProjectDto> {
    const project = await this.projects.findOneBy({ accountId: caller.accountId, name: DEFAULT_PROJECT_NAME });
    if (!project) throw new IamError(IamErrorReason.PROJECT_NOT_FOUND, 'default enterprise project not found');
    return toProjectDto(project);
  }

  /**
   * Projects of the caller's account by id (other services resolve names with this), as far as
   * the caller can see them (the rule of listVisible): another project answers as a missing one.
   */
  async getByIds(caller: Caller, ids: string[]): Promise<EnterpriseProjectDto[]> {
    if (ids.length === 0) return [];
    const found = await this.projects.findBy({ id: In(ids), accountId: caller.accountId });
    if (caller.isAdmin || found.length === 0) return found.map(toProjectDto);
    const visible = await this.visibleProjectIds(caller.userId);
    return found.filter((p) => visible === 'all' || visible.has(p.id)).map(toProjectDto);
  }

  private async visibleProjectIds(userId: string): Promise<Set<string> | 'all'> {
    const grants = await this.grants.grantsFor(userId);
    const visible = new Set<string>();
    for (const granted of grantedActions(grants)) {
      if (granted.effect !== 'ALLOW' || granted.definition.adminOnly) continue;
      if (granted.grant.enterpriseProjectIds === null) return 'all';
      for (const id of granted.grant.enterpriseProjectIds) visible.add(id);
    }
    return visible;
  }
}
