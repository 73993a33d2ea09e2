import { spawn } from 'node:child_process';
import { join } from 'node:path';

import type { SeededImage } from '@stagecraft/oci';

/** Where the seeder pushes: the embedded registry, and the files of the key its tokens are signed with. */
export interface SeedTarget {
  registry: string;
  keyFile: string;
  certificateFile: string;
  issuer: string;
  service: string;
}

export interface BaseImageSeeder {
  pid: number | undefined;
  /** Settles once the seeder's process has ended, whatever the outcome. */
  ended: Promise<void>;
  /** Pushes the prepared base images into `target` (once it is up); resolves with what was pushed. */
  seed(target: SeedTarget): Promise<SeededImage[]>;
  /** Ends the seeder if it still runs: the launcher is stopping. */
  stop(): Promise<void>;
}

/**
 * Starts preparing the base images in a child process (base-image-seeder.process.ts) while the
 * rest of the platform starts, and pushes them once the registry is up. A child of its own because
 * what seeding needs stays in a process's memory after it is done: the registry client, and the
 * `fetch` it talks through, whose HTTP parser (WebAssembly) costs a Node process ~9 MiB
 * (docs/benchmarks.md, platform-start). The launcher then runs for as long as the platform does
 * without any of it. Progress lines reach the launcher's stdout as before.
 */
export function startBaseImageSeeder(): BaseImageSeeder {
  const child = spawn(process.execPath, [join(__dirname, 'base-image-seeder.process.js')], {
    stdio: ['pipe', 'inherit', 'pipe', 'pipe'],
  });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The seeder may end (failed, or stopped) before the launcher writes to it.
  child.stdin!.on('error', () => undefined);
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  let output = '';
  const results = child.stdio[3] as NodeJS.ReadableStream;
  results.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const outcome = new Promise<SeededImage[]>((resolve, reject) => {
    child.once('close', (code, signal) => {
      if (code === 0 && output) resolve(JSON.parse(output) as SeededImage[]);
      else reject(new Error(errors.trim() || `the base-image seeder ended (${signal ?? `exit code ${code}`}) before it pushed`));
    });
  });
  outcome.catch(() => undefined); // awaited by seed(); a failure must not go unhandled before then
  return {
    pid: child.pid,
    ended,
    seed(target) {
      child.stdin!.end(`${JSON.stringify(target)}\n`);
      return outcome;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await ended;
    },
  };
}
