import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The data folder's parts that are created later with default modes; made here first, 0700. */
const PRIVATE_FOLDERS = ['keys', 'logs', 'nats', 'registry', 's3'];

/**
 * Makes the data folder the platform's user's alone: the folder and every folder in it 0700,
 * every file in it stripped of group and other rights. Nothing a build (docs/security.md) or another
 * local user runs can list or read it. Embedded Postgres, as root, later opens the folder itself
 * to passing through (o+x, no listing) for the `postgres` user, which keeps its own `postgres`
 * folder 0700; that folder is left to it.
 */
export function ensurePrivateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  for (const name of PRIVATE_FOLDERS) mkdirSync(join(dataDir, name), { recursive: true, mode: 0o700 });
  for (const entry of readdirSync(dataDir, { withFileTypes: true })) {
    if (entry.name === 'postgres') continue;
    const path = join(dataDir, entry.name);
    if (entry.isDirectory()) chmodSync(path, 0o700);
    else if (entry.isFile()) chmodSync(path, statSync(path).mode & 0o700);
  }
}
