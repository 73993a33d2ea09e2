import { IamSubjects } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import type { Subscription } from 'nats';

import type { CallerResolver } from './caller-resolver';

/**
 * Clears a resolver's cached rules the moment iam says a policy, attachment or user changed.
 * A plain subscription, not a queue group: every replica must hear every change.
 */
export function listenForAuthzChanges(client: NatsRpcClient, resolver: CallerResolver): Subscription {
  return client.subscribeToEvents(IamSubjects.authzChanged, {
    onEvent: (event) => resolver.invalidate(event),
    // An unreadable event still means something changed: forget everything.
    onUnreadable: () => resolver.invalidate({ accountId: '', userIds: null }),
  });
}
