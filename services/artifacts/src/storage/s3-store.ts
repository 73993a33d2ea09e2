import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { EgressPolicy } from '@stagecraft/config';

export interface S3Location {
  endpoint: string;
  /** The endpoint clients reach, when it differs from the service's (presigned URLs use it). */
  publicEndpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Where the client may connect (docs/security.md#egress): every request's socket passes it. */
  egress: EgressPolicy;
}

/** A presigned URL and when it stops working. */
export interface PresignedUrl {
  url: string;
  expiresAt: Date;
}

/** A presigned PUT, with the headers its signature covers (the client must send them as they are). */
export interface PresignedUpload extends PresignedUrl {
  headers: Record<string, string>;
}

/** What HEAD says of an object. */
export interface ObjectHead {
  sizeBytes: number;
  /**
   * Hex SHA-256 of the whole object, when the store holds one (it verified the checksum sent with
   * the PUT, or computed it). Multipart objects' composite checksums are not the object's digest
   * and count as none.
   */
  sha256: string | null;
}

const CHECKSUM_HEADER = 'x-amz-checksum-sha256';
/** How S3 (BadDigest) and S3-compatible stores name a PUT refused for its checksum; nothing broader counts. */
const CHECKSUM_MISMATCH_ERRORS = new Set(['BadDigest', 'XAmzContentChecksumMismatch', 'InvalidDigest']);

/** What went wrong talking to S3, in words fit for a user (never credentials or URLs with signatures). */
export class StorageError extends Error {
  constructor(
    readonly kind: 'denied' | 'missing-bucket' | 'unreachable',
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

/** One S3 endpoint with one set of credentials, behind the few calls Stagecraft makes. */
export class S3Store {
  private readonly client: S3Client;
  private readonly presigner: S3Client;
  /** Per bucket: whether the store refuses a PUT whose declared SHA-256 is wrong (asked once). */
  private readonly checksumProbes = new Map<string, Promise<boolean>>();

  constructor(location: S3Location) {
    this.client = createClient(location, location.endpoint);
    this.presigner = location.publicEndpoint ? createClient(location, location.publicEndpoint) : this.client;
  }

  /**
   * A PUT URL that expires; with `contentLength` it is signed for exactly that many bytes, and
   * with `sha256` (hex) for a body of that digest: the checksum header is signed, not hoisted into
   * the query, so the client must send it and a store that verifies checksums refuses other bytes.
   */
  async presignPut(
    bucket: string,
    key: string,
    options: { expiresInSeconds: number; contentLength?: number; sha256?: string },
  ): Promise<PresignedUpload> {
    const checksum = options.sha256 === undefined ? undefined : Buffer.from(options.sha256, 'hex').toString('base64');
    const command = new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentLength: options.contentLength,
      ChecksumSHA256: checksum,
    });
    const signed = new Set<string>();
    if (options.contentLength !== undefined) signed.add('content-length');
    if (checksum !== undefined) signed.add(CHECKSUM_HEADER);
    const url = await getSignedUrl(this.presigner, command, {
      expiresIn: options.expiresInSeconds,
      signableHeaders: signed.size > 0 ? signed : undefined,
      unhoistableHeaders: checksum === undefined ? undefined : new Set([CHECKSUM_HEADER]),
    });
    return {
      url,
      headers: checksum === undefined ? {} : { [CHECKSUM_HEADER]: checksum },
      expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000),
    };
  }

  /** A GET URL that expires. */
  async presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<PresignedUrl> {
    const url = await getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
    return { url, expiresAt: new Date(Date.now() + expiresInSeconds * 1000) };
  }

  /** The object's size and stored SHA-256, or null when there is no such object. */
  async head(bucket: string, key: string): Promise<ObjectHead | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
      return { sizeBytes: head.ContentLength ?? 0, sha256: wholeObjectSha256(head.ChecksumSHA256, head.ChecksumType) };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw toStorageError(error, bucket);
    }
  }

  async read(bucket: string, key: string): Promise<Readable> {
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return object.Body as Readable;
    } catch (error) {
      throw toStorageError(error, bucket);
    }
  }

  /** Exactly `length` bytes from `start` (a ranged GET). */
  async readRange(bucket: string, key: string, start: number, length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    let bytes: Buffer;
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${start + length - 1}` }),
      );
      bytes = Buffer.from(await object.Body!.transformToByteArray());
    } catch (error) {
      throw toStorageError(error, bucket);
    }
    if (bytes.length !== length) {
      throw new StorageError('unreachable', `the object storage answered ${bytes.length} bytes for a range of ${length}`);
    }
    return bytes;
  }

  /**
   * Whether the store verifies a declared SHA-256 (S3, MinIO) or ignores it (s3rver): a PUT of a
   * few bytes with a checksum that cannot match must be refused. Asked once per bucket; an object
   * a store that ignores checksums kept is deleted again. Never fails: a store that cannot be
   * asked (no write access to an OBS bucket, unreachable) does not vouch this time, so the caller
   * reads every byte itself, and it is asked again next time.
   */
  async verifiesChecksums(bucket: string): Promise<boolean> {
    let probe = this.checksumProbes.get(bucket);
    if (!probe) {
      probe = this.probeChecksums(bucket).then((answer) => {
        if (answer === 'unknown') this.checksumProbes.delete(bucket);
        return answer === 'verifies';
      });
      this.checksumProbes.set(bucket, probe);
    }
    return probe;
  }

  private async probeChecksums(bucket: string): Promise<'verifies' | 'ignores' | 'unknown'> {
    const key = `.stagecraft/checksum-probe/${randomUUID()}`;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: Buffer.from('checksum probe'),
          // The SHA-256 of zero bytes: never these bytes' digest.
          ChecksumSHA256: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
        }),
      );
    } catch (error) {
      return error instanceof S3ServiceException && CHECKSUM_MISMATCH_ERRORS.has(error.name) ? 'verifies' : 'unknown';
    }
    // A probe object that cannot be deleted now is a few bytes under .stagecraft/; the answer stands.
    await this.delete(bucket, key).catch(() => undefined);
    return 'ignores';
  }

  async delete(bucket: string, key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      if (!isNotFound(error)) throw toStorageError(error, bucket);
    }
  }

  async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (error) {
      if (!isNotFound(error)) throw toStorageError(error, bucket);
      await this.client.send(new CreateBucketCommand({ Bucket: bucket })).catch(async (createError: unknown) => {
        if (createError instanceof S3ServiceException && createError.name === 'BucketAlreadyOwnedByYou') return;
        // Another replica made it between our HEAD and CREATE (some servers, s3rver among them, say
        // BucketAlreadyExists then): it is ours if we can reach it now; else the name is someone else's.
        if (createError instanceof S3ServiceException && createError.name === 'BucketAlreadyExists') {
          await this.client.send(new HeadBucketCommand({ Bucket: bucket })).catch(() => {
            throw new StorageError('denied', `bucket ${bucket} exists and belongs to someone else`);
          });
          return;
        }
        throw createError;
      });
    }
  }

  destroy(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}

function createClient(location: S3Location, endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: location.region,
    forcePathStyle: location.forcePathStyle,
    credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey },
    // Otherwise presigned PUTs carry the checksum of an empty body, which real S3 rejects.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: { httpAgent: location.egress.httpAgent(), httpsAgent: location.egress.httpsAgent() },
  });
}

function wholeObjectSha256(checksum: string | undefined, type: string | undefined): string | null {
  if (!checksum || type === 'COMPOSITE') return null;
  const digest = Buffer.from(checksum, 'base64');
  return digest.length === 32 && digest.toString('base64') === checksum ? digest.toString('hex') : null;
}

function isNotFound(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return (
    error.name === 'NotFound' ||
    error.name === 'NoSuchKey' ||
    error.name === 'NoSuchBucket' ||
    error.$metadata.httpStatusCode === 404
  );
}

function toStorageError(error: unknown, bucket: string): StorageError {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (
      status === 403 ||
      error.name === 'AccessDenied' ||
      error.name === 'InvalidAccessKeyId' ||
      error.name === 'SignatureDoesNotMatch'
    ) {
      return new StorageError('denied', `access to bucket ${bucket} was denied`);
    }
    if (error.name === 'NoSuchBucket') return new StorageError('missing-bucket', `bucket ${bucket} does not exist`);
  }
  if (isEgressDeniedError(error)) {
    return new StorageError('unreachable', `the object storage endpoint is not allowed by the egress policy (bucket ${bucket})`);
  }
  return new StorageError('unreachable', `the object storage could not be reached for bucket ${bucket}`);
}

function isEgressDeniedError(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === 'EGRESS_DENIED') return true;
  }
  return false;
}
