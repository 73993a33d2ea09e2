import { mkdir } from 'node:fs/promises';

import { ChecksumVerifyingStore } from './checksum-verifying.store';
import { S3rver } from './s3rver';

export interface S3ServerOptions {
  /** Where the buckets are kept; created when missing. */
  directory: string;
  /** 127.0.0.1 unless told: the server knows one key pair and checks no v4 signature. */
  address?: string;
  /** 0 (the default): any free port. */
  port?: number;
  /**
   * Verify `x-amz-checksum-sha256` on PutObject and answer it on GET and HEAD, as S3 and MinIO
   * do. Off, the server is plain s3rver: the header is ignored and no checksum is answered.
   */
  verifyChecksums: boolean;
}

export interface RunningS3Server {
  endpoint: string;
  port: number;
  accessKeyId: 'S3RVER';
  secretAccessKey: 'S3RVER';
  close(): Promise<void>;
}

/** An S3-API server (s3rver) in this process, storing in `directory`. */
export async function startS3Server(options: S3ServerOptions): Promise<RunningS3Server> {
  const address = options.address ?? '127.0.0.1';
  await mkdir(options.directory, { recursive: true });
  const server = new S3rver({ address, port: options.port ?? 0, directory: options.directory, silent: true });
  if (options.verifyChecksums) {
    const store = new ChecksumVerifyingStore(options.directory);
    await store.removeAbandonedUploads();
    // s3rver's constructor made a plain FilesystemStore; nothing has used it before run().
    server.store = server.context.store = store;
  }
  const { port } = await server.run();
  return {
    endpoint: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    close: () => server.close(),
  };
}
