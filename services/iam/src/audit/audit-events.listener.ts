import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { type AuditEvent, IamSubjects } from '@stagecraft/contracts';
import { decodeJson, NatsRpcClient } from '@stagecraft/messaging';
import type { Subscription } from 'nats';

import { AuditService } from './audit.service';

/** Stores the audit events every service publishes; a queue group, so one iam replica stores each. */
@Injectable()
export class AuditEventsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditEventsListener');
  private subscription?: Subscription;

  constructor(
    private readonly client: NatsRpcClient,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.subscription = this.client.connection.subscribe(this.client.qualify(IamSubjects.auditRecorded), {
      queue: 'iam',
      callback: (error, message) => {
        if (error) return;
        let event: Partial<AuditEvent>;
        try {
          event = decodeJson(message.data) as Partial<AuditEvent>;
        } catch {
          this.logger.warn('dropped an unreadable audit event');
          return;
        }
        this.audit.store(event).then(
          (stored) => stored || this.logger.warn('dropped a malformed audit event'),
          (failure: unknown) => this.logger.error(`an audit event was not stored: ${String(failure)}`),
        );
      },
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
