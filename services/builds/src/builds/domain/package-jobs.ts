import type { Caller } from '@stagecraft/authz';
import type { PackageJobDto } from '@stagecraft/contracts';

/** The jobs service as the builds use cases need it. */
export abstract class PackageJobs {
  /** The job as written: its Dockerfile unmasked (it stays in this service's database). */
  abstract forBuild(caller: Caller, jobId: string): Promise<PackageJobDto>;
  /** For the base-image watcher, which has no user: the job of that account (masked), with its autoRebase. */
  abstract forAutoRebase(accountId: string, jobId: string): Promise<PackageJobDto>;
}
