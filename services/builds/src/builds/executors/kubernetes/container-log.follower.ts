import type { KubeConfig } from '@kubernetes/client-node';
import { backoffDelay, PodLogStreamError, type PodLogTarget, streamPodLog, type TimestampedLine } from '@stagecraft/kube';

import type { LineCursor } from '../../infra/build.entity';

export interface ContainerLogFollowerOptions {
  kubeConfig: KubeConfig;
  target: PodLogTarget;
  /** Where reading stopped so far (stored with the lines, so it survives a restart). */
  cursor: () => LineCursor | undefined;
  /** Takes new lines in order; resolves once they are stored (and the cursor with them). */
  deliver: (lines: TimestampedLine[]) => Promise<void>;
  /** The container has ended (or its pod is gone): a stream that ends now has said everything. */
  finished: () => boolean;
  backoffMaxMs: number;
  onError?: (reason: string) => void;
}

/**
 * Follows one container's log into the build log. A stream that breaks, or ends while the
 * container still runs, is opened again from `sinceTime` (whole seconds, so it overlaps); the
 * lines up to the cursor are skipped, so nothing is stored twice and nothing is lost.
 */
export class ContainerLogFollower {
  readonly done: Promise<void>;
  private readonly abort = new AbortController();

  constructor(private readonly options: ContainerLogFollowerOptions) {
    this.done = this.follow();
  }

  stop(): void {
    this.abort.abort();
  }

  private async follow(): Promise<void> {
    let failures = 0;
    while (!this.abort.signal.aborted) {
      const from = this.options.cursor();
      let skip = from?.seen ?? 0;
      try {
        await streamPodLog(
          this.options.kubeConfig,
          this.options.target,
          { sinceTime: from ? wholeSeconds(from.time) : undefined, signal: this.abort.signal },
          async (lines) => {
            const fresh = lines.filter((line) => {
              if (!from || !line.time || line.time > from.time) return true;
              if (line.time < from.time) return false;
              return skip-- <= 0;
            });
            failures = 0;
            if (fresh.length) await this.options.deliver(fresh);
          },
        );
        if (this.options.finished()) return;
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.options.onError?.(error instanceof Error ? error.message : String(error));
        // A finished container whose log is gone (its pod deleted) has nothing more to give.
        if (this.options.finished() && (failures >= 3 || (error instanceof PodLogStreamError && error.status === 404))) return;
      }
      failures++;
      await sleep(backoffDelay(failures, { baseMs: 100, maxMs: this.options.backoffMaxMs }), this.abort.signal);
    }
  }
}

/** RFC3339 at whole seconds: the precision the API's sinceTime is compared at. */
function wholeSeconds(time: string): string {
  return time.replace(/\.\d+Z$/, 'Z');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
