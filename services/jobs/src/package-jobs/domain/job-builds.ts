import type { Caller } from '@stagecraft/authz';
import type { BuildDto, PackageJobDto } from '@stagecraft/contracts';

/** The builds service as the jobs use cases need it. */
export abstract class JobBuilds {
  /** Starts a build of the job as given (its Dockerfile as written). */
  abstract start(caller: Caller, job: PackageJobDto): Promise<BuildDto>;
  /** Deletes the job's builds and logs; refused while one is unfinished. */
  abstract deleteAll(caller: Caller, jobId: string): Promise<void>;
}
