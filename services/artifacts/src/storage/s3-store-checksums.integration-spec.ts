import { createHash } from 'node:crypto';

import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startTestS3, type TestS3 } from '@stagecraft/testing';

import { testS3Store } from '../../test/test-s3-store';
import type { S3Store } from './s3-store';

const BUCKET = 'checksummed';

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe.each([
  { verifyChecksums: true, what: 'a store that verifies checksums' },
  { verifyChecksums: false, what: 'a store that ignores them (plain s3rver)' },
])('S3Store and declared SHA-256 checksums, on $what', ({ verifyChecksums }) => {
  let s3: TestS3;
  let store: S3Store;

  beforeAll(async () => {
    s3 = await startTestS3({ verifyChecksums });
    store = testS3Store(s3);
    await store.ensureBucket(BUCKET);
  });
  afterAll(async () => {
    store.destroy();
    await s3.close();
  });

  async function put(upload: { url: string; headers: Record<string, string> }, body: Buffer): Promise<number> {
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body });
    await response.arrayBuffer();
    return response.status;
  }

  it(`finds out that the store ${verifyChecksums ? 'verifies' : 'ignores'} checksums, and leaves no probe object behind`, async () => {
    expect(await store.verifiesChecksums(BUCKET)).toBe(verifyChecksums);
    const client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: '.stagecraft/' }));
    client.destroy();
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('does not vouch where it cannot ask (the probe PUT fails), and does not fail either', async () => {
    await expect(store.verifiesChecksums('no-such-bucket')).resolves.toBe(false);
  });

  it('signs the declared sha256 into a presigned PUT, as a header the client sends', async () => {
    const bytes = Buffer.from('the package bytes, declared up front');
    const upload = await store.presignPut(BUCKET, 'declared', { expiresInSeconds: 300, sha256: sha256Of(bytes) });
    expect(upload.headers).toEqual({ 'x-amz-checksum-sha256': Buffer.from(sha256Of(bytes), 'hex').toString('base64') });
    const query = new URL(upload.url).searchParams;
    expect(query.get('X-Amz-SignedHeaders')).toBe('host;x-amz-checksum-sha256');
    expect([...query.keys()].filter((name) => /checksum/i.test(name))).toEqual([]);

    expect(await put(upload, bytes)).toBe(200);
    expect(await store.head(BUCKET, 'declared')).toEqual({
      sizeBytes: bytes.length,
      sha256: verifyChecksums ? sha256Of(bytes) : null,
    });
  });

  it(`${verifyChecksums ? 'refuses' : 'stores'} other bytes than the declared ones`, async () => {
    const declared = Buffer.from('what the client said it would send');
    const upload = await store.presignPut(BUCKET, 'lied-about', { expiresInSeconds: 300, sha256: sha256Of(declared) });
    expect(await put(upload, declared)).toBe(200);

    const other = Buffer.from('what the client sent instead');
    expect(await put(upload, other)).toBe(verifyChecksums ? 400 : 200);
    const kept = verifyChecksums ? declared : other;
    expect(await store.readRange(BUCKET, 'lied-about', 0, kept.length)).toEqual(kept);
  });

  it('reads exactly the range asked for', async () => {
    const bytes = Buffer.from('0123456789abcdef');
    expect(await put(await store.presignPut(BUCKET, 'ranged', { expiresInSeconds: 300 }), bytes)).toBe(200);
    expect((await store.readRange(BUCKET, 'ranged', 10, 4)).toString()).toBe('abcd');
    await expect(store.readRange(BUCKET, 'ranged', 12, 8)).rejects.toThrow(/answered 4 bytes for a range of 8/);
  });
});
