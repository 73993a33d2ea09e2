import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startTestS3, type TestS3 } from '@stagecraft/testing';

import { testS3Store } from '../../test/test-s3-store';
import type { S3Store } from './s3-store';

describe('S3Store.ensureBucket (real S3 API: s3rver)', () => {
  let s3: TestS3;
  const stores: S3Store[] = [];

  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    for (const store of stores) store.destroy();
    await s3.close();
  });

  function replica(): S3Store {
    const store = testS3Store(s3);
    stores.push(store);
    return store;
  }

  it('creates the bucket when replicas of artifacts start at once, and none of them fails on the race', async () => {
    await Promise.all(Array.from({ length: 4 }, () => replica().ensureBucket('raced-bucket')));
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    await expect(client.send(new HeadBucketCommand({ Bucket: 'raced-bucket' }))).resolves.toBeDefined();
    client.destroy();
  });

  it('finds an existing bucket as it is', async () => {
    await replica().ensureBucket('kept-bucket');
    await expect(replica().ensureBucket('kept-bucket')).resolves.toBeUndefined();
  });
});
