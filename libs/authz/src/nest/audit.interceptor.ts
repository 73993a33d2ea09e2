import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Injectable,
  Logger,
  NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PATTERN_METADATA } from '@nestjs/microservices/constants';
import { type AuditEvent, IamSubjects, type Subject, subjectOwner } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
import { type Observable, tap } from 'rxjs';

import { verifiedCallerOf } from './rpc-auth.guard';

export const AUDITED = 'stagecraft:audited';

/** What an audited handler changed, read from its answer (and request) once it succeeded. */
export interface AuditSpec {
  action: string;
  resourceType: string;
  resource: (result: never, request: never) => { id: string; enterpriseProjectId?: string | null } | null;
}

/**
 * Records the handler's successful calls in the audit trail: the service publishes an event on
 * core NATS (`iam.events.audit.v1`) after answering, and iam stores it. Refused calls and calls
 * without a user leave no record. The interceptor is bound to the audited handlers alone: Nest
 * calls a handler without interceptors directly, where one bound to every handler wrapped each
 * request of every subject in observables.
 */
export const Audited = <R, Q = unknown>(
  action: string,
  resourceType: string,
  resource: (result: R, request: Q) => { id: string; enterpriseProjectId?: string | null } | null,
) =>
  applyDecorators(
    SetMetadata<string, AuditSpec>(AUDITED, { action, resourceType, resource: resource as AuditSpec['resource'] }),
    UseInterceptors(AuditInterceptor),
  );

@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger('AuditInterceptor');

  constructor(
    private readonly reflector: Reflector,
    private readonly client: NatsRpcClient,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec =
      context.getType() === 'rpc' ? this.reflector.get<AuditSpec | undefined>(AUDITED, context.getHandler()) : undefined;
    if (!spec) return next.handle();
    return next.handle().pipe(
      tap((result) => {
        const caller = verifiedCallerOf(context);
        if (!caller) return;
        try {
          const resource = spec.resource(result as never, context.switchToRpc().getData() as never);
          if (!resource) return;
          const event: AuditEvent = {
            accountId: caller.accountId,
            actorId: caller.userId,
            action: spec.action,
            resourceType: spec.resourceType,
            resourceId: resource.id,
            enterpriseProjectId: resource.enterpriseProjectId ?? null,
            service: serviceOf(context),
            occurredAt: new Date().toISOString(),
          };
          this.client.publish(IamSubjects.auditRecorded, event);
        } catch (error) {
          // The change is made and answered: a missing audit record is logged, not turned into a failure.
          this.logger.error(`no audit record for ${spec.action}: ${String(error)}`);
        }
      }),
    );
  }
}

function serviceOf(context: ExecutionContext): string {
  const patterns: unknown = Reflect.getMetadata(PATTERN_METADATA, context.getHandler());
  return Array.isArray(patterns) && typeof patterns[0] === 'string' ? subjectOwner(patterns[0] as Subject) : 'unknown';
}
