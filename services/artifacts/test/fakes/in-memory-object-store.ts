import { Readable } from 'node:stream';

import type { PackageSource } from '@stagecraft/contracts';

import type { Clock } from '../../src/packages/domain/clock';
import { type ObjectStore, PackageStorage } from '../../src/packages/domain/package-storage';
import { type PresignedUpload, StorageError } from '../../src/storage/s3-store';

interface Presigned {
  method: 'PUT' | 'GET';
  bucket: string;
  key: string;
  expiresAt: Date;
}

/** Objects in a Map, and the URLs it presigned for them: a client "uploads" with uploadThrough. */
export class InMemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, Buffer>();
  private readonly urls = new Map<string, Presigned>();

  constructor(
    private readonly name: string,
    private readonly clock: Clock,
  ) {}

  /** What a client does with a presigned PUT URL. */
  uploadThrough(url: string, bytes: Buffer): void {
    const presigned = this.urls.get(url);
    if (!presigned || presigned.method !== 'PUT') throw new Error(`${url} is no PUT URL this store presigned`);
    if (presigned.expiresAt < this.clock.now()) throw new Error(`${url} has expired`);
    this.objects.set(address(presigned.bucket, presigned.key), bytes);
  }

  has(bucket: string, key: string): boolean {
    return this.objects.has(address(bucket, key));
  }

  async presignPut(bucket: string, key: string, options: { expiresInSeconds: number }): Promise<PresignedUpload> {
    return this.presign('PUT', bucket, key, options.expiresInSeconds);
  }

  async presignGet(bucket: string, key: string, expiresInSeconds: number): Promise<PresignedUpload> {
    return this.presign('GET', bucket, key, expiresInSeconds);
  }

  async head(bucket: string, key: string): Promise<{ sizeBytes: number } | null> {
    const bytes = this.objects.get(address(bucket, key));
    return bytes ? { sizeBytes: bytes.length } : null;
  }

  async read(bucket: string, key: string): Promise<Readable> {
    const bytes = this.objects.get(address(bucket, key));
    if (!bytes) throw new StorageError('unreachable', `the object storage could not be reached for bucket ${bucket}`);
    return Readable.from([bytes]);
  }

  async delete(bucket: string, key: string): Promise<void> {
    this.objects.delete(address(bucket, key));
  }

  private presign(method: Presigned['method'], bucket: string, key: string, expiresInSeconds: number): PresignedUpload {
    const expiresAt = new Date(this.clock.now().getTime() + expiresInSeconds * 1000);
    const url = `https://${this.name}.test/${bucket}/${key}?method=${method}&n=${this.urls.size}`;
    this.urls.set(url, { method, bucket, key, expiresAt });
    return { url, expiresAt };
  }
}

/** One store for SWR; an account has OBS once a test gives it one. */
export class InMemoryPackageStorage extends PackageStorage {
  readonly swr: InMemoryObjectStore;
  private readonly obs = new Map<string, InMemoryObjectStore>();

  constructor(private readonly clock: Clock) {
    super();
    this.swr = new InMemoryObjectStore('swr', clock);
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
