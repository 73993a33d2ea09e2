// The watchdog of ChildReaper (child-reaper.ts): reads the pids of the launcher's children from
// stdin (`-<pid>` for one that ended); when stdin closes without "done", the launcher is gone, so it stops them (SIGTERM, then
// SIGKILL after 5 s) and exits.
const pids = new Set<number>();
let released = false;
let pending = '';

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    if (line === 'done') released = true;
    else if (/^\d+$/.test(line)) pids.add(Number(line));
    // An ended child (a supervised one restarts under a new pid): its pid may be reused.
    else if (/^-\d+$/.test(line)) pids.delete(Number(line.slice(1)));
  }
});
process.stdin.on('close', () => void (released ? process.exit(0) : reap()));
// Its own session: the terminal's Ctrl-C is the launcher's to handle.
for (const signal of ['SIGINT', 'SIGHUP'] as const) process.on(signal, () => undefined);

async function reap(): Promise<void> {
  signalAll('SIGTERM');
  const deadline = Date.now() + 5000;
  while ([...pids].some(alive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  signalAll('SIGKILL');
  process.exit(0);
}

function signalAll(signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      pids.delete(pid);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
