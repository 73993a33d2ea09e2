import { readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Build folders carry the id of the process that made them, so a builds service starting again
 * removes what a dead one left, and never what another live one on this machine is using.
 */
export function localBuildFolderPrefix(buildId: string, pid = process.pid): string {
  return `stagecraft-build-${buildId}-p${pid}-`;
}

export function sandboxFolderName(random: string, pid = process.pid): string {
  return `p${pid}-${random}`;
}

const LOCAL_BUILD_FOLDER = /^stagecraft-build-[0-9a-f-]{36}-(?:p(\d+)-)?/;
const SANDBOX_FOLDER = /^(?:p(\d+)-)?[0-9a-f]{32}$/;

/**
 * Removes what LOCAL builds of processes that died left behind: the executor's download folders
 * in the temp folder and the sandbox folders under the work root whose process is gone. Folders
 * named before they carried a process id are removed once untouched for `staleMs`.
 * Returns the paths removed.
 */
export async function removeLeftoverBuildFolders(options: {
  workRoot: string;
  staleMs: number;
  tempRoot?: string;
  now?: number;
  alive?: (pid: number) => boolean;
}): Promise<string[]> {
  const now = options.now ?? Date.now();
  const alive = options.alive ?? processAlive;
  const removed: string[] = [];
  const sweep = async (folder: string, pattern: RegExp) => {
    for (const name of await children(folder)) {
      const match = pattern.exec(name);
      if (!match) continue;
      const path = join(folder, name);
      if (match[1]) {
        const pid = Number(match[1]);
        if (pid === process.pid || alive(pid)) continue;
      } else {
        const modified = await stat(path).then(
          (s) => s.mtimeMs,
          () => now,
        );
        if (now - modified < options.staleMs) continue;
      }
      if (await remove(path)) removed.push(path);
    }
  };
  await sweep(options.tempRoot ?? tmpdir(), LOCAL_BUILD_FOLDER);
  await sweep(options.workRoot, SANDBOX_FOLDER);
  return removed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function children(folder: string): Promise<string[]> {
  return readdir(folder).catch(() => []);
}

async function remove(path: string): Promise<boolean> {
  return rm(path, { recursive: true, force: true }).then(
    () => true,
    () => false,
  );
}
