/**
 * Runs a sweep at start, then `intervalMs` after each one ends, and on demand; never two at once
 * (a sweep asked for during one runs right after it).
 */
export class SweepSchedule {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private started = false;
  private stopped = false;

  /** `sweep` is told whether it is the first one; it reports its own failures (a rejection is ignored). */
  constructor(
    private readonly sweep: (first: boolean) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    this.run(true);
  }

  soon(): void {
    if (!this.started || this.stopped) return;
    if (this.running) this.again = true;
    else this.run(false);
  }

  /** No sweep starts after this; resolves once the one in progress has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private run(first: boolean): void {
    clearTimeout(this.timer);
    this.running = this.sweep(first)
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.run(false);
          return;
        }
        this.timer = setTimeout(() => this.run(false), this.intervalMs);
        this.timer.unref();
      });
  }
}
