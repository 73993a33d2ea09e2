// npm run nats:identities -- FOLDER: one NATS user (an NKey seed, FOLDER/<process>.nk, 0600) for
// each Stagecraft process, kept if already there, and FOLDER/authorization.conf, the block a
// nats-server configuration includes to hold each of them to its permissions. The subject prefix
// of the installation comes from NATS_SUBJECT_PREFIX (default none). See docs/security.md.
import { resolve } from 'node:path';

import { ensureNatsIdentities, writeNatsAuthorization } from './nats-identities';

const folder = process.argv[2];
if (!folder) {
  console.error('usage: npm run nats:identities -- FOLDER');
  process.exit(2);
}
const prefix = process.env.NATS_SUBJECT_PREFIX ?? '';
if (!/^([a-z0-9_-]+\.)*$/i.test(prefix)) {
  console.error('NATS_SUBJECT_PREFIX must be empty or end with a dot');
  process.exit(2);
}
const identities = ensureNatsIdentities(resolve(folder));
writeNatsAuthorization(resolve(folder), identities, prefix);
for (const [identity, { seedFile, publicKey }] of Object.entries(identities))
  console.log(`${identity}\t${publicKey}\t${seedFile}`);
console.log(`authorization: ${resolve(folder, 'authorization.conf')}`);
