import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type CachedBaseImage, seedBaseImages } from '@stagecraft/base-images';
import {
  dockerRegistryConfig,
  type DockerRegistryTokenAuth,
  platformTokenSource,
  RegistryClient,
  type RegistryTokenKey,
  type SeededImage,
} from '@stagecraft/oci';

import { rememberedPort, waitFor } from './free-port';
import { which } from './which';

/** The registry's token auth: iam issues tokens at `realm` and signs them with the key of `certificateFile`. */
export interface RegistryTokenAuth extends DockerRegistryTokenAuth {
  /** The key, for the launcher's own pushes of the base images (before iam runs). */
  key: RegistryTokenKey;
}

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
 * catalog and jobs name images by host:port), taking tokens from iam (docs/registry.md). Seeded
 * with the base images once they are built (`baseImages`, prepared while the rest of the platform
 * starts), with tokens the launcher signs itself.
 */
export async function startLocalRegistry(
  dataDir: string,
  logDir: string,
  baseImages: Promise<CachedBaseImage[]>,
  auth: RegistryTokenAuth,
): Promise<RunningRegistry> {
  const binary = which('docker-registry');
  if (!binary) throw new Error('docker-registry is not on PATH: install it (Debian: apt-get install docker-registry)');
  const dir = join(dataDir, 'registry');
  mkdirSync(dir, { recursive: true });
  const port = await rememberedPort(join(dir, 'port'));
  writeFileSync(
    join(dir, 'config.yml'),
    dockerRegistryConfig({ rootDirectory: join(dir, 'data'), port, logLevel: 'warn', auth: { token: auth } }),
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
      // 401: the registry asks for a token, as it should.
      async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 401,
      10_000,
      `docker-registry did not start; see ${join(logDir, 'registry.log')}`,
    );
    const host = `127.0.0.1:${port}`;
    const client = new RegistryClient({
      registry: host,
      tokenSource: platformTokenSource(auth.key, { issuer: auth.issuer, service: auth.service, subject: 'stagecraft-launcher' }),
    });
    const images = await seedBaseImages(client, await baseImages);
    return { host, images, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
