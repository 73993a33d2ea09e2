import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Actions, type Caller } from '@stagecraft/authz';
import { AuditEvent, AuditRecordDto, ListAuditRecordsRequest, PageDto } from '@stagecraft/contracts';
import { paginate } from '@stagecraft/persistence';
import { Repository } from 'typeorm';

import { requireAdmin } from '../shared/require-admin';
import { AuditRecordEntity } from './infra/audit-record.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditedChange {
  action: string;
  resourceType: string;
  resourceId: string;
  enterpriseProjectId?: string | null;
}

/** The audit trail: iam's own changes are written as they happen, other services' arrive as events. */
@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditRecordEntity) private readonly records: Repository<AuditRecordEntity>) {}

  /** An iam change made by `caller`. */
  async record(caller: Caller, change: AuditedChange): Promise<void> {
    await this.records.insert({
      accountId: caller.accountId,
      actorId: caller.userId,
      action: change.action,
      resourceType: change.resourceType,
      resourceId: change.resourceId,
      enterpriseProjectId: change.enterpriseProjectId ?? null,
      service: 'iam',
      createdAt: new Date(),
    });
  }

  /** Another service's event; a malformed one is dropped (false), never half-stored. */
  async store(event: Partial<AuditEvent>): Promise<boolean> {
    const text = (value: unknown, max: number) => typeof value === 'string' && value.length > 0 && value.length <= max;
    const occurredAt = new Date(String(event.occurredAt));
    const projectOk =
      event.enterpriseProjectId === null || event.enterpriseProjectId === undefined || UUID.test(event.enterpriseProjectId);
    if (
      !UUID.test(String(event.accountId)) ||
      !UUID.test(String(event.actorId)) ||
      !text(event.action, 128) ||
      !text(event.resourceType, 64) ||
      !text(event.resourceId, 256) ||
      !text(event.service, 32) ||
      !projectOk ||
      Number.isNaN(occurredAt.getTime())
    ) {
      return false;
    }
    await this.records.insert({
      accountId: event.accountId!,
      actorId: event.actorId!,
      action: event.action!,
      resourceType: event.resourceType!,
      resourceId: event.resourceId!,
      enterpriseProjectId: event.enterpriseProjectId ?? null,
      service: event.service!,
      createdAt: occurredAt,
    });
    return true;
  }

  async list(caller: Caller, request: ListAuditRecordsRequest): Promise<PageDto<AuditRecordDto>> {
    requireAdmin(caller, Actions.auditRecords.list);
    const query = this.records.createQueryBuilder('r').where('r.account_id = :accountId', { accountId: caller.accountId });
    if (request.actorId) query.andWhere('r.actor_id = :actorId', { actorId: request.actorId });
    if (request.action) query.andWhere('r.action = :action', { action: request.action });
    const page = await paginate(query, { createdAt: 'r.created_at', id: 'r.id' }, request);
    return { ...page, edges: page.edges.map((edge) => ({ cursor: edge.cursor, node: toAuditRecordDto(edge.node) })) };
  }
}

function toAuditRecordDto(record: AuditRecordEntity): AuditRecordDto {
  return {
    id: record.id,
    actorId: record.actorId,
    action: record.action,
    resourceType: record.resourceType,
    resourceId: record.resourceId,
    enterpriseProjectId: record.enterpriseProjectId,
    service: record.service,
    occurredAt: record.createdAt.toISOString(),
  };
}
