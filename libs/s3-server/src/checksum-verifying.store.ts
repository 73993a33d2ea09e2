import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { KeyedMutex } from './keyed-mutex';
import { FilesystemStore, S3Error, type S3rverObject } from './s3rver';
import { decodeSha256Checksum, SHA256_CHECKSUM_HEADER } from './sha256-checksum';

/** The resource (s3rver's `<name>._S3rver_<resource>` file beside the object) holding the verified checksum. */
const CHECKSUM_RESOURCE = 'object.sha256';
/** An upload in flight, renamed over the object when complete; s3rver lists only `._S3rver_object` files. */
const uploadResource = () => `upload-${randomUUID()}`;
const UPLOAD_FILE = /\._S3rver_upload-[0-9a-f-]{36}$/;

/**
 * s3rver's filesystem store that, like S3, checks a PutObject body against the
 * `x-amz-checksum-sha256` it was sent with, and then answers that checksum on GET and HEAD.
 *
 * Every PutObject (checksum or not) streams to a file beside the object, hashing as it goes, and
 * is renamed over the object only once complete and verified: a refused body never replaces what
 * was stored. Writers and readers of one key take turns around the short steps that change or
 * read the object's files together, so a checksum is never read beside bytes it does not cover.
 */
export class ChecksumVerifyingStore extends FilesystemStore {
  private readonly keys = new KeyedMutex();

  override async putObject(object: S3rverObject & { content: Readable | Buffer }): Promise<{ size: number; md5: string }> {
    const expected = requestedSha256(object);
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    const uploadPath = this.getResourcePath(object.bucket, object.key, uploadResource());
    await mkdir(dirname(objectPath), { recursive: true });
    try {
      const written = await writeHashed(object.content, uploadPath);
      if (expected && !expected.equals(written.sha256)) {
        throw new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
      }
      const checksumPath = this.checksumPath(object.bucket, object.key);
      await this.keys.run(objectPath, async () => {
        // In this order, a crash part way leaves the object with no checksum rather than a stale one.
        await rm(checksumPath, { force: true });
        await rename(uploadPath, objectPath);
        await this.putMetadata(object.bucket, object.key, object.metadata, written.md5);
        if (expected) await writeFile(checksumPath, expected.toString('base64'));
      });
      return { size: written.size, md5: written.md5 };
    } catch (error) {
      await rm(uploadPath, { force: true });
      throw error;
    }
  }

  override getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null> {
    return this.keys.run(this.getResourcePath(bucket, key, 'object'), async () => {
      const object = await super.getObject(bucket, key, options);
      // The whole object's checksum would fail a client checking a byte range against it (the AWS SDK does).
      if (!object || object.range) return object;
      const checksum = await readIfPresent(this.checksumPath(bucket, key));
      // The controller sends every metadata entry back as a response header.
      if (checksum) Object.assign(object.metadata, { [SHA256_CHECKSUM_HEADER]: checksum, 'x-amz-checksum-type': 'FULL_OBJECT' });
      return object;
    });
  }

  /** The copy carries no checksum: nothing verified its bytes on the way in. */
  override copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata: Record<string, unknown> | null,
  ): Promise<Record<string, unknown>> {
    return this.keys.run(this.getResourcePath(destBucket, destKey, 'object'), async () => {
      await rm(this.checksumPath(destBucket, destKey), { force: true });
      return super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    });
  }

  override deleteObject(bucket: string, key: string): Promise<void> {
    return this.keys.run(this.getResourcePath(bucket, key, 'object'), async () => {
      // First: s3rver removes the key's folders once they are empty.
      await rm(this.checksumPath(bucket, key), { force: true });
      await super.deleteObject(bucket, key);
    });
  }

  /** Uploads a stopped process left half written: nothing refers to them. */
  async removeAbandonedUploads(): Promise<void> {
    const files = await readdir(this.rootDirectory, { recursive: true });
    await Promise.all(
      files.filter((file) => UPLOAD_FILE.test(file)).map((file) => rm(join(this.rootDirectory, file), { force: true })),
    );
  }

  private checksumPath(bucket: string, key: string): string {
    return this.getResourcePath(bucket, key, CHECKSUM_RESOURCE);
  }
}

/**
 * The SHA-256 a PutObject asks to be verified against, if any. Only PutObject hands the store the
 * request itself; s3rver's authentication middleware has copied `x-amz-*` query parameters into
 * its headers, which is where a presigned URL's hoisted checksum ends up.
 */
function requestedSha256(object: S3rverObject): Buffer | undefined {
  if (!(object.content instanceof IncomingMessage)) return undefined;
  const value = object.content.headers[SHA256_CHECKSUM_HEADER];
  if (value === undefined) return undefined;
  const digest = typeof value === 'string' ? decodeSha256Checksum(value) : undefined;
  if (!digest) throw new S3Error('InvalidRequest', `Value for ${SHA256_CHECKSUM_HEADER} header is invalid.`);
  return digest;
}

async function writeHashed(content: Readable | Buffer, path: string): Promise<{ size: number; md5: string; sha256: Buffer }> {
  // MD5 for the ETag, as s3rver's own putObject computes it.
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let size = 0;
  await pipeline(
    Buffer.isBuffer(content) ? Readable.from([content]) : content,
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk);
        sha256.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    }),
    createWriteStream(path, { flags: 'wx' }),
  );
  return { size, md5: md5.digest('hex'), sha256: sha256.digest() };
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
