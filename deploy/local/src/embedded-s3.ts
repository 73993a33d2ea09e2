import { join } from 'node:path';

import { startS3Server } from '@stagecraft/s3-server';

import { rememberedPort } from './free-port';

export interface RunningS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * The embedded package repository: s3rver, an S3-API server in this process, storing under
 * `<data>/s3` and listening on loopback only, on the same port as last time when it is free (it
 * knows one key pair and does not check v4 signatures, so it must not be reachable from elsewhere).
 * It verifies `x-amz-checksum-sha256` on upload, so the artifacts service can take its word for a
 * package's SHA-256.
 */
export async function startEmbeddedS3(dataDir: string): Promise<RunningS3> {
  // The port of last time: presigned URLs of queued builds and uploads in flight name it.
  const port = await rememberedPort(join(dataDir, 's3-port'));
  const server = await startS3Server({ directory: join(dataDir, 's3'), port, verifyChecksums: true });
  return {
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    stop: () => server.close(),
  };
}
