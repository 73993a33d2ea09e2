import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { type AuditEvent, IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';
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
    this.subscription = this.client.subscribeToEvents(IamSubjects.auditRecorded, {
      queue: 'iam',
      // Any service may publish here: store() checks every field before it writes.
      onEvent: (event: Partial<AuditEvent>) =>
        void this.audit.store(event).then(
          (stored) => stored || this.logger.warn('dropped a malformed audit event'),
          (failure: unknown) => this.logger.error(`an audit event was not stored: ${String(failure)}`),
        ),
      onUnreadable: () => this.logger.warn('dropped an unreadable audit event'),
    });
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }
}
