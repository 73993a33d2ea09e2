import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Makes the launcher's children die with it, also when it is killed with SIGKILL (which it
 * cannot catch, and Node cannot ask Linux for a parent-death signal). A small watchdog process of
 * its own session holds a pipe from the launcher; the launcher names each child's pid on it. When
 * the pipe closes without a "done" (the launcher died), the watchdog stops those children.
 */
export class ChildReaper {
  private constructor(private readonly watchdog: ChildProcess) {}

  static start(): ChildReaper {
    const watchdog = spawn(process.execPath, [join(__dirname, 'child-reaper.process.js')], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.unref();
    // The pipe must not keep the launcher alive either.
    (watchdog.stdin as unknown as { unref?: () => void }).unref?.();
    return new ChildReaper(watchdog);
  }

  watch(pid: number | undefined): void {
    if (pid) this.watchdog.stdin?.write(`${pid}\n`);
  }

  /** A child that has ended: its pid may be reused by a process that is not ours. */
  forget(pid: number | undefined): void {
    if (pid) this.watchdog.stdin?.write(`-${pid}\n`);
  }

  /** A clean stop: the children are stopped already; the watchdog leaves without killing anything. */
  release(): void {
    this.watchdog.stdin?.end('done\n');
  }
}
