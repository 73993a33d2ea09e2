import type { ExecutionContext } from '@nestjs/common';
import { NatsContext } from '@nestjs/microservices';
import { PROCESS_IDENTITIES, type ProcessIdentity } from '@stagecraft/contracts';

import { inboxPrefixOf } from '../nats-auth/nats-config';

/** The reply subject of each request being handled, keyed by its Nest context (NatsRpcServer fills it). */
const replySubjects = new WeakMap<NatsContext, string>();

export function rememberReplySubject(context: NatsContext, replySubject: string | undefined): void {
  if (replySubject) replySubjects.set(context, replySubject);
}

/**
 * The process that sent a request, read from its reply subject: every process receives replies
 * in an inbox named after its NATS identity (`_INBOX_builds.…`), which only that identity may
 * subscribe to. So whoever put the request on the subject, only this identity can read the
 * answer; and the NATS server lets only the identities of SUBJECT_SENDERS publish the subject.
 * Undefined for any other reply subject (an anonymous or test client's `_INBOX.…`).
 */
export function rpcSenderOf(context: ExecutionContext): ProcessIdentity | undefined {
  const rpc = context.switchToRpc().getContext<unknown>();
  if (!(rpc instanceof NatsContext)) return undefined;
  return senderOfReplySubject(replySubjects.get(rpc));
}

export function senderOfReplySubject(replySubject: string | undefined): ProcessIdentity | undefined {
  if (!replySubject) return undefined;
  return PROCESS_IDENTITIES.find((identity) => replySubject.startsWith(`${inboxPrefixOf(identity)}.`));
}
