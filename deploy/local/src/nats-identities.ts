import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PROCESS_IDENTITIES, type ProcessIdentity } from '@stagecraft/contracts';
import { generateNatsIdentity, natsAuthorizationBlock, processNatsUsers, publicKeyOfSeed } from '@stagecraft/messaging/nats-auth';

export interface NatsIdentityFiles {
  /** The process's seed file (0600), for its NATS_NKEY_SEED_FILE. */
  seedFile: string;
  publicKey: string;
}

/**
 * One NATS identity per platform process, generated at the first start and kept (0600) in
 * `folder`: the seeds never leave the data folder, the server configuration names only the
 * public keys.
 */
export function ensureNatsIdentities(folder: string): Record<ProcessIdentity, NatsIdentityFiles> {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const identities = {} as Record<ProcessIdentity, NatsIdentityFiles>;
  for (const identity of PROCESS_IDENTITIES) {
    const seedFile = join(folder, `${identity}.nk`);
    if (!existsSync(seedFile)) writeFileSync(seedFile, `${generateNatsIdentity().seed}\n`, { mode: 0o600 });
    identities[identity] = { seedFile, publicKey: publicKeyOfSeed(readFileSync(seedFile, 'utf8').trim()) };
  }
  return identities;
}

/**
 * The NATS server's `authorization` block for these identities, also written to
 * `<folder>/authorization.conf` (0600) for a server Stagecraft does not start itself.
 */
export function writeNatsAuthorization(
  folder: string,
  identities: Record<ProcessIdentity, NatsIdentityFiles>,
  subjectPrefix: string,
): string {
  const publicKeys = Object.fromEntries(PROCESS_IDENTITIES.map((id) => [id, identities[id].publicKey]));
  const authorization = natsAuthorizationBlock(
    processNatsUsers(publicKeys as Record<ProcessIdentity, string>, { subjectPrefix }),
  );
  writeFileSync(join(folder, 'authorization.conf'), authorization, { mode: 0o600 });
  return authorization;
}
