/**
 * Runs a task now, or once more right after the run in progress: wake-ups (a timer, a new
 * event) never run it twice at once and never pile up.
 */
export class CoalescedTask {
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (error: Error) => void,
  ) {}

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.task()
      .then(() => undefined)
      .catch((error: Error) => this.onError(error))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Settles when the run in progress (if any) has ended; a run asked for meanwhile may follow it. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /**
   * Runs nothing more, not even the run asked for while one was in progress (which `idle` would
   * let start as it settles), and settles when the run in progress has ended: after it, nothing
   * of this task touches what a shutdown is about to close.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.again = false;
    return this.running ?? Promise.resolve();
  }
}
