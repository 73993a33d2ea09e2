import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller } from '@stagecraft/authz';
import {
  IamError,
  IamErrorReason,
  ImageRepositoryDto,
  ListImageRepositoriesRequest,
  SetImageRepositoryClassRequest,
} from '@stagecraft/contracts';
import { Repository } from 'typeorm';

import { AuditService } from '../audit/audit.service';
import { IamConfig } from '../config';
import { ImageRepositoryEntity } from './infra/image-repository.entity';

/** The embedded registry's repositories that builds pushed: who owns each, and its class. */
@Injectable()
export class ImageRepositoriesService {
  constructor(
    private readonly config: IamConfig,
    private readonly audit: AuditService,
    @InjectRepository(ImageRepositoryEntity) private readonly repositories: Repository<ImageRepositoryEntity>,
  ) {}

  /** The repositories of the projects where the caller may list images (one project, when named). */
  async list(caller: Caller, request: ListImageRepositoriesRequest): Promise<ImageRepositoryDto[]> {
    const rows = await this.repositories.find({
      where: {
        accountId: caller.accountId,
        ...(request.enterpriseProjectId && { enterpriseProjectId: request.enterpriseProjectId }),
      },
      order: { name: 'ASC' },
    });
    return rows.filter((row) => caller.can(Actions.image.list, row.enterpriseProjectId)).map((row) => this.toDto(row));
  }

  /** Sets a repository's class now (a job's own class applies again at its next build). */
  async setClass(caller: Caller, request: SetImageRepositoryClassRequest): Promise<ImageRepositoryDto> {
    const row = await this.repositories.findOneBy({ name: request.name, accountId: caller.accountId });
    const visible =
      row &&
      (caller.can(Actions.image.list, row.enterpriseProjectId) || caller.can(Actions.image.modify, row.enterpriseProjectId));
    if (!visible) throw new IamError(IamErrorReason.IMAGE_REPOSITORY_NOT_FOUND, 'image repository not found');
    if (!caller.can(Actions.image.modify, row.enterpriseProjectId))
      throw new IamError(
        IamErrorReason.ACTION_DENIED,
        `${Actions.image.modify} is not allowed in the repository's enterprise project`,
      );
    row.imageClass = request.imageClass;
    const saved = await this.repositories.save(row);
    await this.audit.record(caller, {
      action: Actions.image.modify,
      resourceType: 'image-repository',
      resourceId: row.name,
      enterpriseProjectId: row.enterpriseProjectId,
    });
    return this.toDto(saved);
  }

  private toDto(row: ImageRepositoryEntity): ImageRepositoryDto {
    return {
      name: row.name,
      enterpriseProjectId: row.enterpriseProjectId,
      imageClass: row.imageClass,
      reference: this.config.REGISTRY_HOST ? `${this.config.REGISTRY_HOST}/${row.name}` : row.name,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}
