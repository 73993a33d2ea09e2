/**
 * s3rver in a process of its own (forked by the bench with an IPC channel): the S3 server's
 * work (request parsing, MD5 for the ETag, file writes and reads) then runs on neither the
 * bench's event loop nor the measured artifacts service's, and its CPU can be read apart.
 *
 * Its one argument, `verifying` or `plain`, says whether it verifies x-amz-checksum-sha256.
 *
 * Protocol: sends `{ ready: { endpoint, accessKeyId, secretAccessKey } }` once listening;
 * on `{ close: true }` (or when the parent goes away) closes, removes its folder and exits.
 */
import { startTestS3, type TestS3 } from '@stagecraft/testing';

let s3: TestS3 | undefined;
let closing = false;

async function shutdown(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  try {
    await s3?.close();
  } catch (error) {
    console.error(`s3rver child: close failed: ${String(error)}`);
    code = 1;
  }
  process.exit(code);
}

process.on('message', (message: { close?: boolean }) => {
  if (message?.close) void shutdown(0);
});
// The parent died or closed the channel: do not outlive it.
process.on('disconnect', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGINT', () => void shutdown(0));

startTestS3({ verifyChecksums: process.argv[2] === 'verifying' }).then(
  (started) => {
    s3 = started;
    process.send!({
      ready: { endpoint: started.endpoint, accessKeyId: started.accessKeyId, secretAccessKey: started.secretAccessKey },
    });
  },
  (error: unknown) => {
    console.error(`s3rver child: could not start: ${String(error)}`);
    process.exit(1);
  },
);
