import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

import type { PackageSource } from '@stagecraft/contracts';

import type { Clock } from '../../src/packages/domain/clock';
import { type ObjectStore, PackageStorage } from '../../src/packages/domain/package-storage';
import { type ObjectHead, type PresignedUpload, type PresignedUrl, StorageError } from '../../src/storage/s3-store';

interface Presigned {
  method: 'PUT' | 'GET';
  bucket: string;
  key: string;
  expiresAt: Date;
  /** Hex sha256 signed into a PUT URL. */
  sha256?: string;
}

interface StoredObject {
  bytes: Buffer;
  /** What a store that verifies checksums keeps beside the bytes it verified. */
  sha256: string | null;
}

/**
 * Objects in a Map, and the URLs it presigned for them: a client "uploads" with uploadThrough.
 * With `verifiesChecksums`, it behaves as S3 does with a checksum signed into a PUT: other bytes
 * are refused, and HEAD answers the verified sha256; without, it ignores checksums, as s3rver.
 */
export class InMemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private readonly urls = new Map<string, Presigned>();
  /** Bytes handed out by read and readRange. */
  bytesRead = 0;

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
    private readonly checksums: { verify: boolean } = { verify: false },
  ) {}

  /** What a client does with a presigned PUT URL. */
  uploadThrough(url: string, bytes: Buffer): void {
    const presigned = this.urls.get(url);
    if (!presigned || presigned.method !== 'PUT') throw new Error(`${url} is no PUT URL this store presigned`);
    if (presigned.expiresAt < this.clock.now()) throw new Error(`${url} has expired`);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const verified = this.checksums.verify && presigned.sha256 !== undefined;
    if (verified && presigned.sha256 !== sha256) throw new Error('BadDigest: the bytes do not match the signed sha256');
    this.objects.set(address(presigned.bucket, presigned.key), { bytes, sha256: verified ? sha256 : null });
  }

  has(bucket: string, key: string): boolean {
    return this.objects.has(address(bucket, key));
  }

  async presignPut(
    bucket: string,
    key: string,
    options: { expiresInSeconds: number; sha256?: string },
  ): Promise<PresignedUpload> {
    const presigned = this.presign('PUT', bucket, key, options.expiresInSeconds, options.sha256);
    const headers: Record<string, string> = options.sha256
      ? { 'x-amz-checksum-sha256': Buffer.from(options.sha256, 'hex').toString('base64') }
      : {};
    return { ...presigned, headers };
  }

  async presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<PresignedUrl> {
    return this.presign('GET', bucket, key, expiresInSeconds);
  }

  async head(bucket: string, key: string): Promise<ObjectHead | null> {
    const object = this.objects.get(address(bucket, key));
    return object ? { sizeBytes: object.bytes.length, sha256: object.sha256 } : null;
  }

  async read(bucket: string, key: string): Promise<Readable> {
    const bytes = this.bytesOf(bucket, key);
    this.bytesRead += bytes.length;
    return Readable.from([bytes]);
  }

  async readRange(bucket: string, key: string, start: number, length: number): Promise<Buffer> {
    const bytes = this.bytesOf(bucket, key).subarray(start, start + length);
    if (bytes.length !== length) throw new StorageError('unreachable', `a range past the end of ${key}`);
    this.bytesRead += length;
    return bytes;
  }

  async verifiesChecksums(): Promise<boolean> {
    return this.checksums.verify;
  }

  async delete(bucket: string, key: string): Promise<void> {
    this.objects.delete(address(bucket, key));
  }

  private bytesOf(bucket: string, key: string): Buffer {
    const object = this.objects.get(address(bucket, key));
    if (!object) throw new StorageError('unreachable', `the object storage could not be reached for bucket ${bucket}`);
    return object.bytes;
  }

  private presign(
    method: Presigned['method'],
    bucket: string,
    key: string,
    expiresInSeconds: number,
    sha256?: string,
  ): PresignedUrl {
    const expiresAt = new Date(this.clock.now().getTime() + expiresInSeconds * 1000);
    const url = `https://${this.name}.test/${bucket}/${key}?method=${method}&n=${this.urls.size}`;
    this.urls.set(url, { method, bucket, key, expiresAt, sha256 });
    return { url, expiresAt };
  }
}

/** One store for SWR; an account has OBS once a test gives it one. */
export class InMemoryPackageStorage extends PackageStorage {
  readonly swr: InMemoryObjectStore;
  private readonly obs = new Map<string, InMemoryObjectStore>();

  constructor(
    private readonly clock: Clock,
    checksums: { verify: boolean } = { verify: false },
  ) {
    super();
    this.swr = new InMemoryObjectStore('swr', clock, checksums);
  }

  configureObs(accountId: string): InMemoryObjectStore {
    const store = new InMemoryObjectStore(`obs-${accountId}`, this.clock);
    this.obs.set(accountId, store);
    return store;
  }

  async storeFor(accountId: string, source: PackageSource): Promise<ObjectStore | null> {
    return source === 'SWR' ? this.swr : (this.obs.get(accountId) ?? null);
  }
}

function address(bucket: string, key: string): string {
  return `${bucket}/${key}`;
}
