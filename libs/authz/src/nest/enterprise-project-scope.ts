import { Injectable } from '@nestjs/common';
import { IamSubjects, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import type { Caller } from './caller';

/**
 * Decides the enterprise project a new resource goes into: the one named (it must exist in the
 * caller's account) or the account's `default` one, and the caller must hold `action` there.
 * A project that does not exist answers exactly as one the caller holds no right in: FORBIDDEN.
 */
@Injectable()
export class EnterpriseProjectScope {
  /** An account's default project never changes, so its id is remembered. */
  private readonly defaults = new Map<string, string>();

  constructor(private readonly client: NatsRpcClient) {}

  async forCreate(caller: Caller, requested: string | null | undefined, action: string): Promise<string> {
    const projectId = requested ?? (await this.defaultProjectId(caller));
    // One answer for "no right there" and "not there", whoever asks (administrators included):
    // which of the two it was would tell a caller that a project they cannot use exists.
    // iam is asked either way, so the two do not differ in time either.
    const exists = requested
      ? (await this.client.send(IamSubjects.getEnterpriseProjects, { ids: [requested] }, caller.meta)).length > 0
      : true;
    if (!exists || !caller.can(action, projectId)) {
      throw ServiceError.forbidden(`${action} is not allowed in this enterprise project`);
    }
    return projectId;
  }

  private async defaultProjectId(caller: Caller): Promise<string> {
    const known = this.defaults.get(caller.accountId);
    if (known) return known;
    const project = await this.client.send(IamSubjects.getDefaultProject, {}, caller.meta);
    this.defaults.set(caller.accountId, project.id);
    return project.id;
  }
}
