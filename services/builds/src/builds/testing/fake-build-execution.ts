import type { BuildLogChunkDto } from '@stagecraft/contracts';

import type { BuildLogs } from '../domain/build-logs';
import type { BuildQueue } from '../domain/build-queue';
import type { RunningBuilds, StopReason } from '../domain/running-builds';
import type { BuildExecutor, ExecutionOutcome } from '../executors/build-executor';
import type { BuildEntity } from '../infra/build.entity';

/** Counts how often the queue was woken. */
export class FakeBuildQueue implements BuildQueue {
  wakes = 0;

  wake(): void {
    this.wakes++;
  }
}

/** The builds of `running` run in this process; `stopped` records what was asked to stop. */
export class FakeRunningBuilds implements RunningBuilds {
  readonly id = 'fake-runner';
  readonly running = new Set<string>();
  readonly stopped: { buildId: string; reason: StopReason }[] = [];

  stop(buildId: string, reason: StopReason): boolean {
    if (!this.running.has(buildId)) return false;
    this.stopped.push({ buildId, reason });
    return true;
  }
}

/** Logs as plain strings (one byte per character). */
export class FakeBuildLogs implements BuildLogs {
  readonly texts = new Map<string, string>();

  async read(buildId: string, offset: number, limit: number, finished: boolean): Promise<BuildLogChunkDto> {
    const log = this.texts.get(buildId) ?? '';
    const text = log.slice(offset, offset + limit);
    const nextOffset = offset + text.length;
    return { buildId, offset, text, nextOffset, complete: finished && nextOffset >= log.length };
  }
}

/** An executor that runs nothing (the use cases never run builds) and records what it released. */
export class FakeBuildExecutor implements BuildExecutor {
  readonly released: string[] = [];

  execute(): Promise<ExecutionOutcome> {
    throw new Error('the use cases never run a build themselves');
  }

  async release(build: BuildEntity): Promise<void> {
    this.released.push(build.id);
  }
}
