import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One launcher per data folder: `<data>/launcher.pid`, created exclusively. A file left by a
 * launcher that is gone (killed) is taken over; one of a live launcher refuses the start.
 * Answers the release, which removes the file if it is still this launcher's.
 */
export function claimDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'launcher.pid');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (isLauncher(holder)) {
        throw new Error(
          `another Stagecraft (pid ${holder}) is running on ${dataDir}: stop it first, or choose another STAGECRAFT_DATA_DIR`,
        );
      }
      rmSync(file, { force: true });
    }
  }
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file);
    } catch {
      // Already gone.
    }
  };
}

/** A live process that is a Stagecraft launcher (not a recycled pid of something else). */
function isLauncher(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(join('deploy', 'local', 'src', 'main.js'));
  } catch {
    return false;
  }
}
