import { spawn } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { SeededImage } from '@stagecraft/oci';
import { dockerRegistryConfig, type DockerRegistryTokenAuth } from '@stagecraft/oci/docker-registry-config';

import type { BaseImageSeeder } from './base-image-seeder';
import { rememberedPort, waitFor } from './free-port';
import { localHttp } from './local-http';
import { which } from './which';

/** The registry's token auth: iam issues tokens at `realm` and signs them with the key of `certificateFile`. */
export interface RegistryTokenAuth extends DockerRegistryTokenAuth {
  /** The key's file, for the seeder's own pushes of the base images (before iam runs). */
  keyFile: string;
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
 * with the base images by `seeder`, which prepares them while the rest of the platform starts and
 * pushes them with tokens it signs itself.
 */
export async function startLocalRegistry(
  dataDir: string,
  logDir: string,
  seeder: BaseImageSeeder,
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
      async () => (await localHttp(`http://127.0.0.1:${port}/v2/`)).status === 401,
      10_000,
      `docker-registry did not start; see ${join(logDir, 'registry.log')}`,
    );
    const host = `127.0.0.1:${port}`;
    const images = await seeder.seed({
      registry: host,
      keyFile: auth.keyFile,
      certificateFile: auth.certificateFile,
      issuer: auth.issuer,
      service: auth.service,
    });
    return { host, images, pid: child.pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
