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
export interface PresignedUpload {
  url: string;
  expiresAt: Date;
}

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

  constructor(location: S3Location) {
    this.client = createClient(location, location.endpoint);
    this.presigner = location.publicEndpoint ? createClient(location, location.publicEndpoint) : this.client;
  }

  /** A PUT URL that expires; with `contentLength` it is signed for exactly that many bytes. */
  async presignPut(
    bucket: string,
    key: string,
    options: { expiresInSeconds: number; contentLength?: number },
  ): Promise<PresignedUpload> {
    const command = new PutObjectCommand({ Bucket: bucket, Key: key, ContentLength: options.contentLength });
    const url = await getSignedUrl(this.presigner, command, {
      expiresIn: options.expiresInSeconds,
      signableHeaders: options.contentLength === undefined ? undefined : new Set(['content-length']),
    });
    return { url, expiresAt: new Date(Date.now() + options.expiresInSeconds * 1000) };
  }

  /** A GET URL that expires. */
  async presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<PresignedUpload> {
    const url = await getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
    return { url, expiresAt: new Date(Date.now() + expiresInSeconds * 1000) };
  }

  /** The object's size, or null when there is no such object. */
  async head(bucket: string, key: string): Promise<{ sizeBytes: number } | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { sizeBytes: head.ContentLength ?? 0 };
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
