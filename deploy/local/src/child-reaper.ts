import { type ChildProcess, spawn } from 'node:child_process';

/**
 * The watchdog, in POSIX sh: a Node process of its own held ~12 MiB for this loop. It reads the
 * pids of the launcher's children from stdin (`-<pid>` for one that ended: its pid may be reused
 * by a process that is not ours). When stdin closes without "done", the launcher is gone: it stops
 * the children (SIGTERM, then SIGKILL after 5 s) and exits. It ignores SIGINT and SIGHUP: the
 * terminal's Ctrl-C is the launcher's to handle.
 */
const WATCHDOG = `
trap '' INT HUP
pids=' '
released=
while IFS= read -r line; do
  case $line in
    done) released=1 ;;
    -|-*[!0-9]*|*[!0-9-]*|'') ;;
    -*) ended=\${line#-}; kept=' '
        for pid in $pids; do [ "$pid" = "$ended" ] || kept="$kept$pid "; done
        pids=$kept ;;
    *) pids="$pids$line " ;;
  esac
done
[ -n "$released" ] && exit 0
[ -z "\${pids# }" ] && exit 0
any_alive() { for pid in $pids; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
kill -TERM $pids 2>/dev/null
waited=0
while [ "$waited" -lt 50 ] && any_alive; do sleep 0.1; waited=$((waited + 1)); done
kill -KILL $pids 2>/dev/null
exit 0
`;

/**
 * Makes the launcher's children die with it, also when it is killed with SIGKILL (which it
 * cannot catch, and Node cannot ask Linux for a parent-death signal). A small watchdog process of
 * its own session holds a pipe from the launcher; the launcher names each child's pid on it. When
 * the pipe closes without a "done" (the launcher died), the watchdog stops those children.
 */
export class ChildReaper {
  private constructor(private readonly watchdog: ChildProcess) {}

  static start(): ChildReaper {
    const watchdog = spawn('/bin/sh', ['-c', WATCHDOG], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
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
