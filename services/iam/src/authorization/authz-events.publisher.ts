import { Injectable } from '@nestjs/common';
import { AuthzChangedEvent, IamSubjects } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

/** Tells every replica of every service that some users' rules changed. */
@Injectable()
export class AuthzEventsPublisher {
  constructor(private readonly client: NatsRpcClient) {}

  rulesChanged(accountId: string, userIds: string[] | null): void {
    const event: AuthzChangedEvent = { accountId, userIds };
    this.client.publish(IamSubjects.authzChanged, event);
  }
}
