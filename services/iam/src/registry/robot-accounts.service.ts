import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller } from '@stagecraft/authz';
import {
  CreatedRobotAccountDto,
  CreateRobotAccountRequest,
  IamError,
  IamErrorReason,
  RobotAccountDto,
  RobotAccountIdRequest,
  RobotAccountsRequest,
} from '@stagecraft/contracts';
import { formatRegistryAuthFile } from '@stagecraft/oci';
import { isUniqueViolation } from '@stagecraft/persistence';
import { Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { IamConfig } from '../config';
import { EnterpriseProjectEntity } from '../projects/infra/enterprise-project.entity';
import { generateAccessKey, hashSecret, verifySecret } from '../users/domain/access-key';
import { RobotAccountEntity } from './infra/robot-account.entity';

const ROBOT_PREFIX = 'SCRB';

/** Pull-only registry logins of a project, for the clusters that run its images. */
@Injectable()
export class RobotAccountsService {
  constructor(
    private readonly config: IamConfig,
    private readonly audit: AuditService,
    @InjectRepository(RobotAccountEntity) private readonly robots: Repository<RobotAccountEntity>,
    @InjectRepository(EnterpriseProjectEntity) private readonly projects: Repository<EnterpriseProjectEntity>,
  ) {}

  async create(caller: Caller, request: CreateRobotAccountRequest): Promise<CreatedRobotAccountDto> {
    await this.requireProject(caller, request.enterpriseProjectId, Actions.image.modify);
    const { accessKey: id, secretKey: secret } = generateAccessKey(ROBOT_PREFIX);
    let robot: RobotAccountEntity;
    try {
      robot = await this.robots.save(
        this.robots.create({
          id,
          accountId: caller.accountId,
          enterpriseProjectId: request.enterpriseProjectId,
          name: request.name,
          secretHash: await hashSecret(secret),
          createdBy: caller.userId,
          lastUsedAt: null,
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new IamError(
          IamErrorReason.NAME_TAKEN,
          `a robot account named ${request.name} already exists in this enterprise project`,
          'name',
        );
      throw error;
    }
    await this.audit.record(caller, {
      action: Actions.image.modify,
      resourceType: 'robot-account',
      resourceId: robot.id,
      enterpriseProjectId: robot.enterpriseProjectId,
    });
    return { robot: toRobotDto(robot), secret, dockerConfigJson: this.dockerConfigJson(robot.id, secret) };
  }

  async list(caller: Caller, request: RobotAccountsRequest): Promise<RobotAccountDto[]> {
    await this.requireProject(caller, request.enterpriseProjectId, Actions.image.list);
    const robots = await this.robots.find({
      where: { accountId: caller.accountId, enterpriseProjectId: request.enterpriseProjectId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return robots.map(toRobotDto);
  }

  async delete(caller: Caller, request: RobotAccountIdRequest): Promise<{ id: string }> {
    const robot = await this.robots.findOneBy({ id: request.id, accountId: caller.accountId });
    if (!robot) throw new IamError(IamErrorReason.ROBOT_ACCOUNT_NOT_FOUND, 'robot account not found');
    await this.requireProject(caller, robot.enterpriseProjectId, Actions.image.modify);
    await this.robots.delete({ id: robot.id });
    await this.audit.record(caller, {
      action: Actions.image.modify,
      resourceType: 'robot-account',
      resourceId: robot.id,
      enterpriseProjectId: robot.enterpriseProjectId,
    });
    return { id: robot.id };
  }

  /** The robot behind a login, or null when the name is not a robot's; a robot's wrong secret is refused. */
  async authenticate(id: string, secret: string): Promise<RobotAccountEntity | null> {
    if (!id.startsWith(ROBOT_PREFIX)) return null;
    const robot = await this.robots.findOneBy({ id });
    if (!robot || !(await verifySecret(secret, robot.secretHash)))
      throw new IamError(IamErrorReason.INVALID_CREDENTIALS, 'invalid registry credentials');
    await this.robots.update({ id }, { lastUsedAt: new Date() });
    return robot;
  }

  private dockerConfigJson(username: string, password: string): string {
    const host = this.config.REGISTRY_HOST;
    return formatRegistryAuthFile(host ? { [host]: { username, password } } : {});
  }

  /** The project of the caller's account, where the caller holds `action`; another answers NOT_FOUND. */
  private async requireProject(caller: Caller, enterpriseProjectId: string, action: string): Promise<void> {
    const project = await this.projects.findOneBy({ id: enterpriseProjectId, accountId: caller.accountId });
    const visible = project && (caller.can(Actions.image.list, project.id) || caller.can(action, project.id));
    if (!visible) throw new IamError(IamErrorReason.PROJECT_NOT_FOUND, 'enterprise project not found');
    if (!caller.can(action, project.id))
      throw new IamError(IamErrorReason.ACTION_DENIED, `${action} is not allowed in this enterprise project`);
  }
}

function toRobotDto(robot: RobotAccountEntity): RobotAccountDto {
  return {
    id: robot.id,
    name: robot.name,
    enterpriseProjectId: robot.enterpriseProjectId,
    createdAt: robot.createdAt.toISOString(),
    lastUsedAt: robot.lastUsedAt?.toISOString() ?? null,
  };
}
