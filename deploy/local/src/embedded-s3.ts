import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { rememberedPort } from './free-port';

// s3rver ships CommonJS without types; this is the part of it the launcher uses.
interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;

export interface RunningS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * The embedded package repository: s3rver, an S3-API server in this process, storing under
 * `<data>/s3` and listening on loopback only, on the same port as last time when it is free (it knows one key pair and does not check v4
 * signatures, so it must not be reachable from elsewhere).
 */
export async function startEmbeddedS3(dataDir: string): Promise<RunningS3> {
  const directory = join(dataDir, 's3');
  mkdirSync(directory, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverClass;
  // The port of last time: presigned URLs of queued builds and uploads in flight name it.
  const port = await rememberedPort(join(dataDir, 's3-port'));
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    stop: () => server.close(),
  };
}
