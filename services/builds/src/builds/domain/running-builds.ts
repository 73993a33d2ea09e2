export type StopReason = 'cancel' | 'deadline';

/** The builds running in this process (BuildRunner). */
export abstract class RunningBuilds {
  /** Aborts a build running here; false when it is not running in this process. */
  abstract stop(buildId: string, reason: StopReason): boolean;
}
