/**
 * Runs a task now, or once more right after the run in progress: wake-ups (a timer, a new
 * event) never run it twice at once and never pile up.
 */
export class CoalescedTask {
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly onError: (error: Error) => void,
  ) {}

  wake(): void {
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

  /** Settles when the run in progress (if any) has ended. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}
