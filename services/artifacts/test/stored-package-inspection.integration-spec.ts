import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

import { buildZip } from '@stagecraft/archive/testing';
import { buildTarGz, startTestS3, type TestS3 } from '@stagecraft/testing';

import { inspectPackage, inspectStoredPackage, type StoredPackage } from '../src/packages/inspection';
import type { S3Store } from '../src/storage/s3-store';
import { testS3Store } from './test-s3-store';

const BUCKET = 'stored-packages';
const OPTIONS = { maxBytes: 256 * 1024 * 1024 };
const MiB = 1024 * 1024;

/**
 * The ranged inspection against a real S3 server: what it reads of a package the store vouched
 * for, and that it decides as the full read of the same bytes does.
 */
describe('inspectStoredPackage: a vouched package read by ranges from real S3', () => {
  let s3: TestS3;
  let store: S3Store;

  beforeAll(async () => {
    s3 = await startTestS3({ verifyChecksums: true });
    store = testS3Store(s3);
    await store.ensureBucket(BUCKET);
  });
  afterAll(async () => {
    store.destroy();
    await s3.close();
  });

  /** Uploads the bytes with their sha256 declared, and answers the object as the service reads it, counting. */
  async function stored(key: string, bytes: Buffer) {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const upload = await store.presignPut(BUCKET, key, { expiresInSeconds: 300, sha256 });
    const response = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(response.status).toBe(200);
    expect((await store.head(BUCKET, key))?.sha256).toBe(sha256);
    const counted = { ranges: 0, rangeBytes: 0, streams: 0 };
    const object: StoredPackage = {
      size: bytes.length,
      read: async (start, length) => {
        counted.ranges++;
        counted.rangeBytes += length;
        return store.readRange(BUCKET, key, start, length);
      },
      stream: async () => {
        counted.streams++;
        return store.read(BUCKET, key);
      },
    };
    return { object, sha256, counted };
  }

  it('judges a 32 MiB executable JAR from its directory and manifest: a few ranges, a few KiB, as the full read does', async () => {
    const jar = buildZip([
      { name: 'META-INF/', content: '' },
      { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\nMain-Class: com.shop.Orders\r\n\r\n', deflate: true },
      ...Array.from({ length: 32 }, (_, i) => ({ name: `BOOT-INF/lib/dep-${i}.jar`, content: randomBytes(MiB) })),
      { name: 'com/shop/Orders.class', content: Buffer.from([0xca, 0xfe, 0xba, 0xbe]) },
    ]);
    const { object, sha256, counted } = await stored('orders.jar', jar);

    const result = await inspectStoredPackage(object, OPTIONS, sha256);

    expect(result).toEqual(await inspectPackage(Readable.from([jar]), OPTIONS));
    expect(result).toMatchObject({ status: 'READY', techStack: 'JAVA', sha256, sizeBytes: jar.length });
    expect(counted.streams).toBe(0);
    expect(counted.ranges).toBeLessThanOrEqual(4);
    expect(counted.rangeBytes).toBeLessThan(128 * 1024);
  });

  it('rejects from the directory alone an entry that climbs out of the package, without streaming it', async () => {
    const zip = buildZip([
      { name: 'package.json', content: '{}' },
      { name: '../../etc/cron.d/evil', content: randomBytes(2 * MiB) },
    ]);
    const { object, sha256, counted } = await stored('climbing.zip', zip);

    const result = await inspectStoredPackage(object, OPTIONS, sha256);

    expect(result).toMatchObject({ status: 'REJECTED', sha256 });
    expect(result).toEqual(await inspectPackage(Readable.from([zip]), OPTIONS));
    expect(counted.streams).toBe(0);
  });

  it('reads a tarball whole, since only the stream names its entries, and keeps the vouched sha256 without hashing', async () => {
    const tarball = await buildTarGz([
      { name: 'package/package.json', content: '{"name":"orders"}' },
      { name: 'package/blob.bin', content: randomBytes(2 * MiB) },
    ]);
    const { object, sha256, counted } = await stored('orders.tgz', tarball);

    const result = await inspectStoredPackage(object, OPTIONS, sha256);

    expect(result).toMatchObject({ status: 'READY', techStack: 'NODEJS', sha256, sizeBytes: tarball.length });
    expect(counted.streams).toBe(1);
  });
});
