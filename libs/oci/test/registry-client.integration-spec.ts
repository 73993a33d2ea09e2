import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

import { DigestingStream, sha256Digest } from '../src/digest';
import type { ImageIndex } from '../src/manifest.types';
import { type ManifestMediaType, MediaTypes } from '../src/media-types';
import { RegistryClient } from '../src/registry.client';
import { RegistryError } from '../src/registry.error';
import { startTestRegistry, type TestRegistry } from '../src/testing/registry-process';
import { skopeoInspect } from '../src/testing/skopeo';
import { pushTinyImage } from '../src/testing/tiny-image';

let registry: TestRegistry;
let client: RegistryClient;

beforeAll(async () => {
  registry = await startTestRegistry();
  client = new RegistryClient({ registry: registry.host, chunkSize: 1024 * 1024 });
});
afterAll(() => registry?.stop());

describe('RegistryClient against docker-registry', () => {
  it('uploads a blob monolithically, finds it with HEAD and streams it back', async () => {
    const bytes = randomBytes(10_000);
    const digest = sha256Digest(bytes);
    expect(await client.blobExists('blobs/mono', digest)).toBe(false);
    expect(await client.uploadBlob('blobs/mono', bytes)).toEqual({ digest, size: bytes.length, chunks: 0 });
    expect(await client.statBlob('blobs/mono', digest)).toEqual({ size: bytes.length });
    const download = await client.getBlob('blobs/mono', digest);
    expect(download.size).toBe(bytes.length);
    expect(Buffer.concat(await download.stream.toArray())).toEqual(bytes);
  });

  it.each([
    ['in 1 MiB chunks with Content-Range', 'chunked', 6],
    ['streamed in one PATCH', 'stream', 1],
  ] as const)('uploads a multi-MiB blob from a stream %s', async (_, mode, chunks) => {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const pieces = Array.from({ length: 41 }, (_, i) => bytes.subarray(i * 131_072, (i + 1) * 131_072)).filter(
      (p) => p.length > 0,
    );
    const result = await client.uploadBlobStream(`blobs/${mode}`, Readable.from(pieces), { mode });
    expect(result).toEqual({ digest: sha256Digest(bytes), size: bytes.length, chunks });
    const download = await client.getBlob(`blobs/${mode}`, result.digest);
    expect(sha256Digest(Buffer.concat(await download.stream.toArray()))).toBe(result.digest);
  });

  it.each(['chunked', 'stream'] as const)(
    'reports a source that fails mid-upload (%s) as itself and commits nothing',
    async (mode) => {
      const failing = async function* () {
        yield randomBytes(3 * 1024 * 1024);
        throw new Error('the package file went away');
      };
      await expect(client.uploadBlobStream('blobs/failing', failing(), { mode })).rejects.toThrow('the package file went away');
    },
  );

  it('has the registry refuse a streamed blob whose bytes miss the expected digest', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const wrong = sha256Digest('something else');
    await expect(client.uploadBlobStream('blobs/wrong', Readable.from([bytes]), { expectedDigest: wrong })).rejects.toMatchObject(
      {
        status: 400,
        code: 'DIGEST_INVALID',
      },
    );
    expect(await client.blobExists('blobs/wrong', sha256Digest(bytes))).toBe(false);
  });

  it('takes the digest a self-hashing source reports at its end, and the registry checks it', async () => {
    const bytes = randomBytes(3 * 1024 * 1024);
    const source = new DigestingStream();
    source.end(bytes);
    const pushed = await client.uploadBlobStream('blobs/self-hashed', source, { digestOfSource: () => source.digest });
    expect(pushed).toMatchObject({ digest: sha256Digest(bytes), size: bytes.length });
    expect(await client.blobExists('blobs/self-hashed', sha256Digest(bytes))).toBe(true);

    const lying = () => sha256Digest('something else');
    await expect(client.uploadBlobStream('blobs/lying', Readable.from([bytes]), { digestOfSource: lying })).rejects.toMatchObject(
      {
        status: 400,
        code: 'DIGEST_INVALID',
      },
    );
  });

  it('mounts a blob from a repository that has it (201) and gets an upload session from one that lacks it (202)', async () => {
    const bytes = randomBytes(4096);
    const digest = sha256Digest(bytes);
    await client.uploadBlob('mount/source', bytes);

    expect(await client.mountBlob('mount/target', digest, 'mount/source')).toEqual({ mounted: true });
    expect(await client.blobExists('mount/target', digest)).toBe(true);

    const other = randomBytes(4096);
    const lacking = await client.mountBlob('mount/target', sha256Digest(other), 'mount/empty');
    expect(lacking.mounted).toBe(false);
    if (lacking.mounted) return;
    expect(lacking.session.location.href).toMatch(new RegExp(`^http://${registry.host}/v2/mount/target/blobs/uploads/`));
    await client.uploadBlobStream('mount/target', Readable.from([other]), { session: lacking.session });
    expect(await client.blobExists('mount/target', sha256Digest(other))).toBe(true);
  });

  it.each<[string, 'oci' | 'docker', ManifestMediaType]>([
    ['OCI', 'oci', MediaTypes.ociManifest],
    ['Docker v2', 'docker', MediaTypes.dockerManifest],
  ])('pushes and pulls a %s manifest that skopeo reads back', async (_, family, mediaType) => {
    const image = await pushTinyImage(client, `images/${family}`, { family, text: family, tag: 'v1' });
    const pulled = await client.getManifest(`images/${family}`, 'v1');
    expect(pulled).toMatchObject({
      mediaType,
      digest: image.digest,
      size: image.manifestBytes.length,
      bytes: image.manifestBytes,
    });
    expect(pulled.index).toBeUndefined();
    expect(await client.headManifest(`images/${family}`, 'v1')).toEqual({
      digest: image.digest,
      mediaType,
      size: image.manifestBytes.length,
    });

    const ref = `${registry.host}/images/${family}:v1`;
    const raw = await skopeoInspect(ref, { raw: true });
    expect(raw).toEqual(image.manifest);
    expect(await skopeoInspect(ref)).toMatchObject({
      Digest: image.digest,
      Architecture: 'amd64',
      Os: 'linux',
      Layers: [image.layerDigest],
    });
    expect(await skopeoInspect(ref, { config: true })).toMatchObject({ config: { Cmd: ['/hello'] } });
  });

  it('is refused by the registry when a manifest is pushed as application/json', async () => {
    const image = await pushTinyImage(client, 'images/json', { family: 'oci', text: 'json' });
    const error = await client
      .putManifest('images/json', 'v1', image.manifestBytes, 'application/json' as ManifestMediaType)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 400, code: 'MANIFEST_INVALID' });
  });

  it('picks the configured platform from an index it was pushed', async () => {
    const amd64 = await pushTinyImage(client, 'images/multi', { family: 'oci', text: 'amd64' });
    const arm64 = await pushTinyImage(client, 'images/multi', {
      family: 'oci',
      text: 'arm64',
      platform: { os: 'linux', architecture: 'arm64' },
    });
    const index: ImageIndex = {
      schemaVersion: 2,
      mediaType: MediaTypes.ociIndex,
      manifests: [
        {
          mediaType: MediaTypes.ociManifest,
          digest: arm64.digest,
          size: arm64.manifestBytes.length,
          platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
        },
        {
          mediaType: MediaTypes.ociManifest,
          digest: amd64.digest,
          size: amd64.manifestBytes.length,
          platform: { os: 'linux', architecture: 'amd64' },
        },
      ],
    };
    const indexDigest = await client.putManifest(
      'images/multi',
      'latest',
      Buffer.from(JSON.stringify(index)),
      MediaTypes.ociIndex,
    );

    const pulled = await client.getManifest('images/multi', 'latest');
    expect(pulled).toMatchObject({
      digest: amd64.digest,
      mediaType: MediaTypes.ociManifest,
      index: { digest: indexDigest, mediaType: MediaTypes.ociIndex },
    });
    const onArm = new RegistryClient({ registry: registry.host, platform: { os: 'linux', architecture: 'arm64' } });
    expect((await onArm.getManifest('images/multi', 'latest')).digest).toBe(arm64.digest);
    expect((await client.getRawManifest('images/multi', 'latest')).mediaType).toBe(MediaTypes.ociIndex);
    expect(await skopeoInspect(`${registry.host}/images/multi:latest`)).toMatchObject({
      Digest: indexDigest,
      Architecture: 'amd64',
    });

    const onS390x = new RegistryClient({ registry: registry.host, platform: { os: 'linux', architecture: 's390x' } });
    await expect(onS390x.getManifest('images/multi', 'latest')).rejects.toMatchObject({
      code: 'PLATFORM_UNAVAILABLE',
      message: expect.stringContaining('has no manifest for linux/s390x (it has: linux/arm64/v8, linux/amd64)'),
    });
  });

  it('reports unknown manifests and blobs with the registry error codes', async () => {
    await expect(client.getManifest('images/oci', 'nope')).rejects.toMatchObject({ status: 404, code: 'MANIFEST_UNKNOWN' });
    await expect(client.getBlob('images/oci', sha256Digest('nope'))).rejects.toMatchObject({ status: 404, code: 'BLOB_UNKNOWN' });
    expect(await client.headManifest('images/oci', 'nope')).toBeNull();
  });

  it('deletes a manifest by digest with the tags on it, answers false once it is gone, and refuses a tag', async () => {
    const kept = await pushTinyImage(client, 'images/deleted', { family: 'oci', text: 'kept', tag: 'kept' });
    const gone = await pushTinyImage(client, 'images/deleted', { family: 'oci', text: 'gone', tag: 'gone' });
    expect(await client.deleteManifest('images/deleted', gone.digest)).toBe(true);
    expect(await client.headManifest('images/deleted', gone.digest)).toBeNull();
    expect(await client.headManifest('images/deleted', 'gone')).toBeNull();
    expect(await client.headManifest('images/deleted', 'kept')).toMatchObject({ digest: kept.digest });
    expect(await client.deleteManifest('images/deleted', gone.digest)).toBe(false);
    await expect(client.deleteManifest('images/deleted', 'kept')).rejects.toMatchObject({ code: 'DIGEST_INVALID' });
  });
});
