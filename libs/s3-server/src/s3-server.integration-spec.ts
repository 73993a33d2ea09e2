import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import { type RunningS3Server, startS3Server } from './s3-server';

const BUCKET = 'packages';

const sha256 = (body: Buffer | string) => createHash('sha256').update(body).digest('base64');
const md5 = (body: Buffer | string) => createHash('md5').update(body).digest('hex');

function clientFor(server: RunningS3Server): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    // As the artifacts service configures it: checksums only where asked for.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

interface Fixture {
  directory: string;
  server: RunningS3Server;
  s3: S3Client;
}

/** A server on a folder of its own, with a client and the bucket made. */
async function startFixture(verifyChecksums: boolean): Promise<Fixture> {
  const directory = mkdtempSync(join(tmpdir(), 'stagecraft-s3-server-'));
  const server = await startS3Server({ directory, verifyChecksums });
  const s3 = clientFor(server);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return { directory, server, s3 };
}

async function stopFixture({ directory, server, s3 }: Fixture): Promise<void> {
  s3.destroy();
  await server.close();
  rmSync(directory, { recursive: true, force: true });
}

/** Every file under `directory` with its content: what a refused request must leave as it was. */
function filesUnder(directory: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const file of readdirSync(directory, { recursive: true, encoding: 'utf8' })) {
    const path = join(directory, file);
    if (statSync(path).isFile()) files[file] = readFileSync(path).toString('base64');
  }
  return files;
}

/** Reads `files` until `done` holds or five seconds pass, and answers the last reading. */
async function filesOnceSettled(read: () => string[], done: (files: string[]) => boolean): Promise<string[]> {
  const deadline = Date.now() + 5_000;
  let files = read();
  while (!done(files) && Date.now() < deadline) {
    await sleep(20);
    files = read();
  }
  return files;
}

async function s3ErrorOf(request: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = await request.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
  return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
}

describe('startS3Server verifying checksums', () => {
  let directory: string;
  let server: RunningS3Server;
  let s3: S3Client;
  const url = (key: string) => `${server.endpoint}/${BUCKET}/${key}`;

  const put = (key: string, body: Buffer | string, checksum?: string) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ChecksumSHA256: checksum }));
  const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
  const read = async (key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    return { body: Buffer.from(await object.Body!.transformToByteArray()).toString(), checksum: object.ChecksumSHA256 };
  };

  beforeAll(async () => ({ directory, server, s3 } = await startFixture(true)));
  afterAll(() => stopFixture({ directory, server, s3 }));

  it('stores a body whose SHA-256 matches and answers that checksum on HEAD and GET', async () => {
    const body = 'package bytes';
    const stored = await put('matching.tgz', body, sha256(body));

    expect(stored.ETag).toBe(`"${md5(body)}"`);
    const headed = await head('matching.tgz');
    expect(headed).toMatchObject({ ChecksumSHA256: sha256(body), ChecksumType: 'FULL_OBJECT', ETag: `"${md5(body)}"` });
    expect(headed.ContentLength).toBe(body.length);
    // With ChecksumMode the SDK checks the body it reads against the checksum answered.
    await expect(read('matching.tgz')).resolves.toEqual({ body, checksum: sha256(body) });
  });

  it('refuses a body whose SHA-256 does not match with BadDigest, leaving what the key held as it was', async () => {
    await put('kept.tgz', 'first', sha256('first'));
    const before = filesUnder(directory);

    await expect(s3ErrorOf(put('kept.tgz', 'second', sha256('something else')))).resolves.toEqual({
      name: 'BadDigest',
      message: 'The SHA256 you specified did not match the calculated checksum.',
      status: 400,
    });

    expect(filesUnder(directory)).toEqual(before);
    await expect(read('kept.tgz')).resolves.toEqual({ body: 'first', checksum: sha256('first') });
  });

  it('stores nothing under a new key when the SHA-256 does not match', async () => {
    const before = filesUnder(directory);

    await expect(s3ErrorOf(put('never.tgz', 'bytes', sha256('other bytes')))).resolves.toMatchObject({ name: 'BadDigest' });

    expect(filesUnder(directory)).toEqual(before);
    await expect(s3ErrorOf(head('never.tgz'))).resolves.toMatchObject({ status: 404 });
  });

  it.each([
    ['hex', createHash('sha256').update('bytes').digest('hex')],
    ['31 bytes', Buffer.alloc(31).toString('base64')],
    ['not base64', 'not a checksum'],
  ])('refuses a checksum that is %s with InvalidRequest, storing nothing', async (_case, checksum) => {
    const before = filesUnder(directory);

    const response = await fetch(url('malformed.tgz'), {
      method: 'PUT',
      headers: { 'x-amz-checksum-sha256': checksum },
      body: 'bytes',
    });

    expect(response.status).toBe(400);
    const error = await response.text();
    expect(error).toContain('<Code>InvalidRequest</Code>');
    expect(error).toContain('x-amz-checksum-sha256');
    expect(filesUnder(directory)).toEqual(before);
  });

  it('verifies a presigned PUT whose checksum header is signed and sent', async () => {
    const body = 'presigned with the header';
    const presigned = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'signed-header.tgz', ChecksumSHA256: sha256(body) }),
      { expiresIn: 60, unhoistableHeaders: new Set(['x-amz-checksum-sha256']) },
    );
    const query = new URL(presigned).searchParams;
    expect(query.get('X-Amz-SignedHeaders')).toContain('x-amz-checksum-sha256');
    expect(query.has('x-amz-checksum-sha256')).toBe(false);
    const upload = (bytes: string) =>
      fetch(presigned, { method: 'PUT', headers: { 'x-amz-checksum-sha256': sha256(body) }, body: bytes });

    const wrong = await upload('not the bytes that were presigned');
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('<Code>BadDigest</Code>');
    expect((await upload(body)).status).toBe(200);

    await expect(head('signed-header.tgz')).resolves.toMatchObject({ ChecksumSHA256: sha256(body) });
  });

  it('verifies a presigned PUT whose checksum the presigner hoisted into the query', async () => {
    const body = 'presigned with the query parameter';
    const presigned = await getSignedUrl(
      s3,
      new PutObjectCommand({ Bucket: BUCKET, Key: 'hoisted.tgz', ChecksumSHA256: sha256(body) }),
      { expiresIn: 60 },
    );
    expect(new URL(presigned).searchParams.get('x-amz-checksum-sha256')).toBe(sha256(body));
    const upload = (bytes: string) => fetch(presigned, { method: 'PUT', body: bytes });

    const wrong = await upload('not the bytes that were presigned');
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('<Code>BadDigest</Code>');
    expect((await upload(body)).status).toBe(200);

    await expect(head('hoisted.tgz')).resolves.toMatchObject({ ChecksumSHA256: sha256(body) });
  });

  it('keeps no checksum once the key is overwritten without one', async () => {
    await put('overwritten.tgz', 'verified', sha256('verified'));

    await put('overwritten.tgz', 'unverified');

    const headed = await head('overwritten.tgz');
    expect(headed.ChecksumSHA256).toBeUndefined();
    expect(headed.ChecksumType).toBeUndefined();
    await expect(read('overwritten.tgz')).resolves.toEqual({ body: 'unverified', checksum: undefined });
  });

  it('answers ranged GETs with the bytes asked for and no whole-object checksum', async () => {
    await put('ranged.tgz', '0123456789', sha256('0123456789'));

    const response = await fetch(url('ranged.tgz'), { headers: { Range: 'bytes=2-5' } });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(response.headers.get('x-amz-checksum-sha256')).toBeNull();
    expect(await response.text()).toBe('2345');

    // The SDK would refuse the range had the whole object's checksum come with it.
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'ranged.tgz', Range: 'bytes=6-', ChecksumMode: 'ENABLED' }),
    );
    await expect(ranged.Body!.transformToString()).resolves.toBe('6789');
  });

  it('verifies a large body streamed in many chunks', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const chunks = 256;
    const expected = createHash('sha256');
    for (let sent = 0; sent < chunks; sent++) expected.update(chunk);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < chunks) controller.enqueue(chunk);
        else controller.close();
      },
    });

    const response = await fetch(url('large.tgz'), {
      method: 'PUT',
      headers: { 'x-amz-checksum-sha256': expected.digest('base64'), 'content-length': String(chunk.length * chunks) },
      body,
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(200);
    const headed = await head('large.tgz');
    expect(headed.ContentLength).toBe(chunk.length * chunks);
    expect(headed.ChecksumSHA256).toBe(sha256(Buffer.concat(Array.from({ length: chunks }, () => chunk))));
  });

  it('removes the upload of a client that goes away part way', async () => {
    const before = filesUnder(directory);
    const uploads = () => Object.keys(filesUnder(directory)).filter((file) => file.includes('._S3rver_upload-'));
    const upload = request(url('abandoned.tgz'), {
      method: 'PUT',
      headers: { 'x-amz-checksum-sha256': sha256('never sent whole'), 'content-length': '1000000' },
    });
    upload.on('error', () => {});
    upload.write(Buffer.alloc(1000, 'x'));

    expect(await filesOnceSettled(uploads, (files) => files.length > 0)).toHaveLength(1);
    upload.destroy();

    expect(await filesOnceSettled(uploads, (files) => files.length === 0)).toEqual([]);
    expect(filesUnder(directory)).toEqual(before);
  });

  it('completes a multipart upload over a verified key as s3rver does, with no checksum', async () => {
    await put('multipart.tgz', 'verified', sha256('verified'));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart.tgz' }));
    const parts = await Promise.all(
      ['first part, ', 'second part'].map(async (Body, index) => {
        const { ETag } = await s3.send(
          new UploadPartCommand({ Bucket: BUCKET, Key: 'multipart.tgz', UploadId, PartNumber: index + 1, Body }),
        );
        return { ETag, PartNumber: index + 1 };
      }),
    );

    await s3.send(
      new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart.tgz', UploadId, MultipartUpload: { Parts: parts } }),
    );

    const headed = await head('multipart.tgz');
    expect(headed.ChecksumSHA256).toBeUndefined();
    expect(headed.ETag).toBe(`"${md5('first part, second part')}"`);
    await expect(read('multipart.tgz')).resolves.toEqual({ body: 'first part, second part', checksum: undefined });
  });

  it('copies without carrying a checksum to the copy', async () => {
    await put('copy-source.tgz', 'source', sha256('source'));
    await put('copy-target.tgz', 'target', sha256('target'));

    await s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy-target.tgz', CopySource: `${BUCKET}/copy-source.tgz` }));

    await expect(read('copy-target.tgz')).resolves.toEqual({ body: 'source', checksum: undefined });
    await expect(read('copy-source.tgz')).resolves.toEqual({ body: 'source', checksum: sha256('source') });
  });

  it('deletes a verified object with every file it had', async () => {
    const before = filesUnder(directory);
    await put('nested/folder/deleted.tgz', 'gone soon', sha256('gone soon'));

    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'nested/folder/deleted.tgz' }));

    expect(filesUnder(directory)).toEqual(before);
    expect(readdirSync(join(directory, BUCKET))).not.toContain('nested');
  });
});

describe('startS3Server verifying checksums, restarted', () => {
  it('removes uploads a stopped server left half written, and nothing else', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'stagecraft-s3-server-'));
    const first = await startS3Server({ directory, verifyChecksums: true });
    const s3 = clientFor(first);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a/kept.tgz', Body: 'kept', ChecksumSHA256: sha256('kept') }));
    s3.destroy();
    await first.close();
    const stored = filesUnder(directory);
    mkdirSync(join(directory, BUCKET, 'b'));
    writeFileSync(join(directory, BUCKET, 'b', `half.tgz._S3rver_upload-${randomUUID()}`), 'half');

    const second = await startS3Server({ directory, verifyChecksums: true });
    try {
      expect(filesUnder(directory)).toEqual(stored);
    } finally {
      await second.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('startS3Server not verifying checksums', () => {
  let directory: string;
  let server: RunningS3Server;
  let s3: S3Client;

  beforeAll(async () => ({ directory, server, s3 } = await startFixture(false)));
  afterAll(() => stopFixture({ directory, server, s3 }));

  it('ignores the checksum header and answers none, as plain s3rver', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'unchecked.tgz', Body: 'bytes', ChecksumSHA256: sha256('other') }));

    const headed = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'unchecked.tgz', ChecksumMode: 'ENABLED' }));
    expect(headed.ChecksumSHA256).toBeUndefined();
    expect(headed.ChecksumType).toBeUndefined();
    expect(headed.ETag).toBe(`"${md5('bytes')}"`);
  });
});
