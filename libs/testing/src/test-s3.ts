import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startS3Server } from '@stagecraft/s3-server';

export interface TestS3 {
  endpoint: string;
  /** s3rver knows one key pair, S3RVER/S3RVER, and does not verify v4 signatures. */
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

/**
 * A real S3-API server (s3rver) on a free port, storing in a temporary folder. `verifyChecksums`
 * makes it check `x-amz-checksum-sha256` as S3 does; without it, it is a store that cannot.
 */
export async function startTestS3(options: { verifyChecksums?: boolean } = {}): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'stagecraft-s3-'));
  const server = await startS3Server({ directory, verifyChecksums: options.verifyChecksums ?? false });
  return {
    endpoint: server.endpoint,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    close: async () => {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
