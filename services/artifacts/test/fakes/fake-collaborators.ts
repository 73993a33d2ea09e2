import type { Caller } from '@stagecraft/authz';
import { ServiceError } from '@stagecraft/contracts';

import { PackageUsage } from '../../src/packages/domain/package-usage';
import { ProjectScope } from '../../src/packages/domain/project-scope';
import type { GrantSealer } from '../../src/packages/download-grant';

/** Every account has the same default project; a named project exists (iam is not asked). */
export class FixedProjectScope extends ProjectScope {
  constructor(readonly defaultProjectId = '00000000-0000-4000-8000-00000000d3fa') {
    super();
  }

  async forCreate(caller: Caller, requested: string | null | undefined, action: string): Promise<string> {
    const projectId = requested ?? this.defaultProjectId;
    if (!caller.can(action, projectId)) throw ServiceError.forbidden(`${action} is not allowed in this enterprise project`);
    return projectId;
  }
}

/** Package jobs by package id, as the jobs service would count them. */
export class CountedPackageUsage extends PackageUsage {
  readonly jobs = new Map<string, number>();

  async jobCount(_caller: Caller, pkg: { id: string }): Promise<number> {
    return this.jobs.get(pkg.id) ?? 0;
  }
}

/** Seals in the clear, bound to the context as SecretBox binds it: enough to see a grant go round. */
export const plainSealer: GrantSealer = {
  seal: (plaintext, context) => `${context}:${Buffer.from(plaintext).toString('base64url')}`,
  open: (sealed, context) => {
    if (!sealed.startsWith(`${context}:`)) throw new Error('not sealed for this context');
    return Buffer.from(sealed.slice(context.length + 1), 'base64url').toString('utf8');
  },
};
