/** What to stop, in reverse order of starting; safe to run more than once. */
export class ShutdownList {
  private readonly steps: (() => Promise<void>)[] = [];
  private started = false;

  /** True once shutting down began: processes exiting then are expected to. */
  get stopping(): boolean {
    return this.started;
  }

  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    this.started = true;
    for (const step of this.steps.splice(0).reverse()) await step().catch(() => undefined);
  }
}
