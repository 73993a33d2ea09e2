import { chown, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { formatRegistryAuthFile, isLoopback, type RegistryCredentials } from '@stagecraft/oci';

import type { SandboxedBuild } from './build-sandbox';

/**
 * Runs one buildah registry step (pull, from, push) in a fresh folder `name` of the build user,
 * with the flags for `host`: TLS unless it is a loopback registry (plain HTTP, as the embedded
 * one), and when the platform has credentials for it an auth file (0600, the build user's) that
 * is removed with the folder as soon as the step ends. Credentials never reach a command line.
 */
export async function withRegistryStep<T>(
  build: SandboxedBuild,
  credentials: Record<string, RegistryCredentials>,
  name: string,
  host: string,
  step: (home: string, flags: string[]) => Promise<T>,
): Promise<T> {
  const home = await build.userDir(name, true);
  try {
    const flags = [`--tls-verify=${!isLoopback(host)}`];
    const hostCredentials = credentials[host];
    if (hostCredentials) {
      const authFile = join(home, 'auth.json');
      await writeFile(authFile, formatRegistryAuthFile({ [host]: hostCredentials }), { mode: 0o600 });
      if (build.user) await chown(authFile, build.user.uid, build.user.gid);
      flags.push('--authfile', authFile);
    }
    return await step(home, flags);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
