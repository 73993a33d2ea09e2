import {
  ALL_BUILD_EVENTS,
  BUILD_EVENTS_STREAM,
  EVENT_SUBJECTS,
  type ProcessIdentity,
  type Subject,
  SUBJECT_SENDERS,
  subjectOwner,
  WEBHOOKS_DURABLE_CONSUMER,
} from '@stagecraft/contracts';

import { qualifyStreamName } from '../jetstream/subjects';
import { inboxPrefixOf } from './nats-config';

/** One user's permissions in nats-server's configuration format. */
export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  /** Lets a service answer the requests it received (once each), and nothing else on reply subjects. */
  allow_responses?: boolean;
}

export interface PermissionScope {
  /**
   * The installation's subject prefix (`''`, `'prod.'`), or a pattern of prefixes: `'*.'` lets
   * one server carry many installations (the test suite gives every test file its own prefix).
   */
  subjectPrefix: string;
}

/**
 * What one process may publish and subscribe to, derived from the contracts: it sends only the
 * requests SUBJECT_SENDERS names it for, listens only on the subjects it answers, reads replies
 * only in its own inbox, and touches JetStream only as far as its part needs (builds writes
 * build events, keeps their stream, consumes it for webhooks and purges pruned builds' events; the gateway
 * follows them). Nobody may subscribe to `>`.
 */
export function natsPermissionsFor(identity: ProcessIdentity, scope: PermissionScope): NatsPermissions {
  const prefix = scope.subjectPrefix;
  const subjects = Object.keys(SUBJECT_SENDERS) as Subject[];
  const publish = subjects.filter((subject) => SUBJECT_SENDERS[subject].includes(identity)).map((s) => prefix + s);
  const answers = subjects.filter((subject) => subjectOwner(subject) === identity).map((s) => prefix + s);
  const subscribe = [...answers, `${inboxPrefixOf(identity)}.>`];
  for (const [subject, event] of Object.entries(EVENT_SUBJECTS)) {
    if (event.publishers.includes(identity)) publish.push(prefix + subject);
    if (event.listeners.includes(identity)) subscribe.push(prefix + subject);
  }
  const stream = prefix.includes('*') ? '*' : qualifyStreamName(prefix, BUILD_EVENTS_STREAM);
  if (identity === 'builds') {
    publish.push(
      prefix + ALL_BUILD_EVENTS,
      '$JS.API.INFO',
      `$JS.API.STREAM.INFO.${stream}`,
      `$JS.API.STREAM.CREATE.${stream}`,
      `$JS.API.STREAM.UPDATE.${stream}`,
      // Pruned builds' events, by their subjects (BuildEventsPurge); as strong as UPDATE, which could age everything out.
      `$JS.API.STREAM.PURGE.${stream}`,
      ...durableConsumerSubjects(stream, WEBHOOKS_DURABLE_CONSUMER),
    );
  }
  if (identity === 'gateway') publish.push(...buildEventReaderSubjects(stream));
  return {
    publish: { allow: unique(publish) },
    subscribe: { allow: unique(subscribe) },
    ...(answers.length > 0 ? { allow_responses: true } : {}),
  };
}

/**
 * The JetStream API a follower of build events needs (ordered, ephemeral consumers on
 * BUILD_EVENTS): create, read, fetch, flow-control and delete its consumers — no stream
 * management, no other stream. Deliveries arrive in the follower's own inbox.
 */
export function buildEventReaderSubjects(stream: string): string[] {
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * The JetStream API one durable pull consumer needs: create or update it, read it, pull from it
 * and ack its messages — that consumer only, no other, no deletes.
 */
export function durableConsumerSubjects(stream: string, durable: string): string[] {
  return [
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
