import type { RequestMeta } from '@stagecraft/messaging';

import { allows, allowsSomewhere, type AppAbility } from '../policy-compiler';

const MAX_REMEMBERED_DECISIONS = 1024;

/** The verified identity behind a request, with the ability its policies compile to. */
export class Caller {
  constructor(
    readonly userId: string,
    readonly accountId: string,
    readonly isAdmin: boolean,
    readonly ability: AppAbility,
    /** Passed on when this request calls another service for the same user. */
    readonly meta: RequestMeta,
    /**
     * Decisions already made on the same ability, by (action, project): shared by the Callers of
     * one user's cached rules, so a decision repeated for every event or request is made once.
     */
    private readonly decisions: Map<string, boolean> = new Map(),
  ) {}

  can(action: string, enterpriseProjectId: string): boolean {
    const key = `${action} ${enterpriseProjectId}`;
    let allowed = this.decisions.get(key);
    if (allowed === undefined) {
      allowed = allows(this.ability, action, enterpriseProjectId);
      // Bounded: a user's rules are cached for seconds, but a caller could name many projects.
      if (this.decisions.size >= MAX_REMEMBERED_DECISIONS) this.decisions.clear();
      this.decisions.set(key, allowed);
    }
    return allowed;
  }

  /** Whether some enterprise project may grant the action: false when none can, whatever the resource. */
  canSomewhere(action: string): boolean {
    return allowsSomewhere(this.ability, action);
  }
}
