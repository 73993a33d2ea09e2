import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type CachedBaseImage, seedBaseImages } from '@stagecraft/base-images';
import { RegistryClient, type SeededImage } from '@stagecraft/oci';

import { rememberedPort, waitFor } from './free-port';
import { which } from './which';

export interface RunningRegistry {
  host: string;
  /** The base images (libs/base-images), as the embedded base-image catalog names them. */
  images: SeededImage[];
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * The embedded OCI registry: `docker-registry` from PATH on loopback, storing under
 * `<data>/registry`, on the port it had last time when that port is free (the base-image
 * catalog and jobs name images by host:port). Seeded with the base images once they are built
 * (`baseImages`, prepared while the rest of the platform starts).
 */
export async function startLocalRegistry(
  dataDir: string,
  logDir: string,
  baseImages: Promise<CachedBaseImage[]>,
): Promise<RunningRegistry> {
  const binary = which('docker-registry');
  if (!binary) throw new Error('docker-registry is not on PATH: install it (Debian: apt-get install docker-registry)');
  const dir = join(dataDir, 'registry');
  mkdirSync(dir, { recursive: true });
  const port = await rememberedPort(join(dir, 'port'));
  writeFileSync(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const log = openSync(join(logDir, 'registry.log'), 'a');
  const child = spawn(binary, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', log, log] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).ok,
      10_000,
      `docker-registry did not start; see ${join(logDir, 'registry.log')}`,
    );
    const host = `127.0.0.1:${port}`;
    const images = await seedBaseImages(new RegistryClient({ registry: host }), await baseImages);
    return { host, images, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
