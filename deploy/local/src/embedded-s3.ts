import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { freePort } from './free-port';

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
 * `<data>/s3` and listening on loopback only (it knows one key pair and does not check v4
 * signatures, so it must not be reachable from elsewhere).
 */
export async function startEmbeddedS3(dataDir: string): Promise<RunningS3> {
  const directory = join(dataDir, 's3');
  mkdirSync(directory, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('s3rver') as S3rverClass;
  const server = new S3rver({ address: '127.0.0.1', port: await freePort(), directory, silent: true });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    stop: () => server.close(),
  };
}
