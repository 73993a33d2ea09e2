// The launcher's processes as Linux shows them (/proc): for the specs that kill some of them.
import { readdirSync, readFileSync } from 'node:fs';

/** The services `npm start` runs STAGECRAFT_REPLICAS copies of (the gateway is always one). */
export const SERVICES = ['iam', 'artifacts', 'clusters', 'jobs', 'builds'];

/** The pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return (
          Number(
            readFileSync(`/proc/${entry}/stat`, 'utf8')
              .replace(/^.*\) /s, '')
              .split(' ')[1],
          ) === pid
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** The launcher's children running `<app>/src/main.js` (`services/jobs`, `gateway`). */
export function replicasOf(launcherPid: number, app: string): number[] {
  return childrenOf(launcherPid).filter((pid) => commandLineOf(pid).includes(`${app}/src/main.js`));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (killed, not yet reaped by init) is gone for our purpose.
    return !/^\S+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

export async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
