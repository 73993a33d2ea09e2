import type { RequestMeta } from '@stagecraft/messaging';

import { allows, allowsSomewhere, type AppAbility } from '../policy-compiler';

/** The verified identity behind a request, with the ability its policies compile to. */
export class Caller {
  constructor(
    readonly userId: string,
    readonly accountId: string,
    readonly isAdmin: boolean,
    readonly ability: AppAbility,
    /** Passed on when this request calls another service for the same user. */
    readonly meta: RequestMeta,
  ) {}

  can(action: string, enterpriseProjectId: string): boolean {
    return allows(this.ability, action, enterpriseProjectId);
  }

  /** Whether some enterprise project may grant the action: false when none can, whatever the resource. */
  canSomewhere(action: string): boolean {
    return allowsSomewhere(this.ability, action);
  }
}
