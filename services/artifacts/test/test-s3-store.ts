import { EgressPolicy } from '@stagecraft/config';
import type { TestS3 } from '@stagecraft/testing';

import { S3Store } from '../src/storage/s3-store';

/** An S3Store on a test S3 server, as the service builds one, allowed to reach loopback. */
export function testS3Store(s3: TestS3): S3Store {
  return new S3Store({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    forcePathStyle: true,
    egress: EgressPolicy.fromConfig({ EGRESS_ALLOWED_CIDRS: '127.0.0.1/32' }),
  });
}
