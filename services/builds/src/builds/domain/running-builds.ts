/** Why a build is stopped here: `lost` when another replica took it over (this one's lease ran out). */
export type StopReason = 'cancel' | 'deadline' | 'lost';

/** The builds running in this process (BuildRunner). */
export abstract class RunningBuilds {
  /** This process's runner: what the leases of the builds it runs name. */
  abstract readonly id: string;
  /** Aborts a build running here; false when it is not running in this process. */
  abstract stop(buildId: string, reason: StopReason): boolean;
}
