import { type AuthzChangedEvent, IamSubjects } from '@stagecraft/contracts';
import { decodeJson, type NatsRpcClient } from '@stagecraft/messaging';
import type { Subscription } from 'nats';

import type { CallerResolver } from './caller-resolver';

/**
 * Clears a resolver's cached rules the moment iam says a policy, attachment or user changed.
 * A plain subscription, not a queue group: every replica must hear every change.
 */
export function listenForAuthzChanges(client: NatsRpcClient, resolver: CallerResolver): Subscription {
  return client.connection.subscribe(client.qualify(IamSubjects.authzChanged), {
    callback: (error, message) => {
      if (error) return;
      let event: AuthzChangedEvent;
      try {
        event = decodeJson(message.data) as AuthzChangedEvent;
      } catch {
        // An unreadable event still means something changed: forget everything.
        event = { accountId: '', userIds: null };
      }
      resolver.invalidate(event);
    },
  });
}
