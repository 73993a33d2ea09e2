// Test hooks that answer API requests in the fake's place: a canned error, a made-up body, or no
// answer at all.
import { ServerResponse } from 'node:http';

import { sendJson } from './http-io';
import { KubeStatus } from './kube-status';

export interface FakeRequestInfo {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';
  /** Plural, qualified by group for non-core kinds: 'pods', 'jobs.batch'. */
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: Record<string, string>;
  body?: unknown;
}

/**
 * Returns a Status (or any status code and body) to answer instead of the fake, `{ hang: true }`
 * to never answer (the connection stays open until the client gives up or the fake closes), or
 * undefined to go on.
 */
export type Reactor = (request: FakeRequestInfo) => KubeStatus | { code: number; body: unknown } | { hang: true } | undefined;

type ReactorAnswer = NonNullable<ReturnType<Reactor>>;

interface ReactorFilter {
  verb?: FakeRequestInfo['verb'];
  /** Plain ('jobs') or qualified ('jobs.batch'). */
  resource?: string;
}

export class Reactors {
  private readonly registered: (ReactorFilter & { reactor: Reactor })[] = [];

  /** Returns the remove function. */
  add(filter: ReactorFilter, reactor: Reactor): () => void {
    const entry = { ...filter, reactor };
    this.registered.push(entry);
    return () => {
      const i = this.registered.indexOf(entry);
      if (i >= 0) this.registered.splice(i, 1);
    };
  }

  /** The first answer of a reactor that matches; `plural` is the resource without its group. */
  answer(request: FakeRequestInfo, plural: string): ReactorAnswer | undefined {
    for (const r of this.registered) {
      if ((r.verb && r.verb !== request.verb) || (r.resource && r.resource !== request.resource && r.resource !== plural))
        continue;
      const answer = r.reactor(request);
      if (answer) return answer;
    }
    return undefined;
  }
}

export function sendReactorAnswer(res: ServerResponse, answer: ReactorAnswer): void {
  if ('hang' in answer) return;
  // A Success Status (Status.deleted) carries no code.
  if ('kind' in answer && answer.kind === 'Status') return sendJson(res, answer.code ?? 200, answer);
  sendJson(res, (answer as { code: number }).code, (answer as { body: unknown }).body);
}
