// The launcher's base-image seeder, a child process of its own (base-image-seeder.ts says why).
// Prepares the embedded catalog's base images as soon as it starts (from the user's cache, or
// built with mmdebstrap, printing progress on stdout), then reads one line from stdin naming the
// registry and its token key files, pushes the images there, and writes what it pushed as JSON to
// fd 3. A failure is one line on stderr and exit code 1; stdin closing without a line means the
// launcher gave up, and the seeder exits without pushing.
import { createWriteStream, readFileSync } from 'node:fs';

import { seedBaseImages } from '@stagecraft/base-images';
import { loadRegistryTokenKey, platformTokenSource, RegistryClient } from '@stagecraft/oci';

import type { SeedTarget } from './base-image-seeder';
import { prepareEmbeddedBaseImages } from './embedded-base-images';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.trim();
}

async function main(): Promise<void> {
  const prepared = prepareEmbeddedBaseImages();
  prepared.catch(() => undefined); // awaited below, after the launcher has named the registry
  const line = await readStdin();
  if (!line) return;
  const target = JSON.parse(line) as SeedTarget;
  const key = loadRegistryTokenKey(readFileSync(target.keyFile, 'utf8'), readFileSync(target.certificateFile, 'utf8'));
  const client = new RegistryClient({
    registry: target.registry,
    tokenSource: platformTokenSource(key, { issuer: target.issuer, service: target.service, subject: 'stagecraft-launcher' }),
  });
  const seeded = await seedBaseImages(client, await prepared);
  await new Promise<void>((resolve, reject) => {
    const result = createWriteStream('', { fd: 3 });
    result.once('error', reject);
    result.end(JSON.stringify(seeded), resolve);
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
