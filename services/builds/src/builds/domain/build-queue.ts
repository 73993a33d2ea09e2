/** The queue of builds waiting for a slot on their cluster (BuildScheduler). */
export abstract class BuildQueue {
  /** Looks at the queue now: a build was queued, or a slot freed. */
  abstract wake(): void;
}
