import type { Caller } from '@stagecraft/authz';

/** How many package jobs use a package (the jobs service knows), asked with the caller's rights. */
export abstract class PackageUsage {
  abstract jobCount(caller: Caller, pkg: { id: string; enterpriseProjectId: string }): Promise<number>;
}
