import { Injectable } from '@nestjs/common';
import { IamSubjects, ServiceError } from '@stagecraft/contracts';
import { NatsRpcClient } from '@stagecraft/messaging';

import type { Caller } from './caller';

/**
 * Decides the enterprise project a new resource goes into: the one named (it must exist in the
 * caller's account) or the account's `default` one, and the caller must hold `action` there.
 */
@Injectable()
export class EnterpriseProjectScope {
  /** An account's default project never changes, so its id is remembered. */
  private readonly defaults = new Map<string, string>();

  constructor(private readonly client: NatsRpcClient) {}

  async forCreate(caller: Caller, requested: string | null | undefined, action: string): Promise<string> {
    const projectId = requested ?? (await this.defaultProjectId(caller));
    // The right first: iam answers only the projects the caller can see, and a project the caller
    // holds no right in is FORBIDDEN whether it exists or not.
    if (!caller.can(action, projectId)) {
      throw ServiceError.forbidden(`${action} is not allowed in this enterprise project`);
    }
    if (requested) {
      const found = await this.client.send(IamSubjects.getEnterpriseProjects, { ids: [requested] }, caller.meta);
      if (found.length === 0) {
        throw ServiceError.badInput('enterpriseProjectId', 'enterpriseProjectId names no enterprise project of this account');
      }
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
