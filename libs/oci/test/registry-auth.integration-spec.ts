import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildTarball } from '@stagecraft/archive/testing';

import { sha256Digest } from '../src/digest';
import { ImageAssembler } from '../src/image.assembler';
import { RegistryClient } from '../src/registry.client';
import { RegistryError } from '../src/registry.error';
import { DEMO_BASE_IMAGES } from '../src/testing/demo-base-images';
import { type TestRegistry } from '../src/testing/registry-process';
import { startSeededTestRegistry } from '../src/testing/seeded-registry';
import { skopeoInspect } from '../src/testing/skopeo';
import { pushTinyImage } from '../src/testing/tiny-image';

const USER = { username: 'builder', password: 'c0rrect-h0rse' };
let registry: TestRegistry;

beforeAll(async () => {
  ({ registry } = await startSeededTestRegistry({
    basicAuth: USER,
    seed: [{ images: DEMO_BASE_IMAGES.filter((i) => i.stack === 'NODEJS') }],
  }));
});
afterAll(() => registry?.stop());

describe('RegistryClient with htpasswd Basic auth', () => {
  it('pushes with the right credentials, and skopeo reads the image with them', async () => {
    const client = new RegistryClient({ registry: registry.host, credentials: USER });
    const image = await pushTinyImage(client, 'secure/app', { family: 'oci', text: 'secret', tag: '1' });
    expect((await client.getManifest('secure/app', '1')).digest).toBe(image.digest);
    expect(await skopeoInspect(`${registry.host}/secure/app:1`, { creds: USER })).toMatchObject({ Digest: image.digest });
  });

  it('answers a wrong password with a 401 RegistryError that does not contain it', async () => {
    const password = 'wr0ng-pa55word';
    const client = new RegistryClient({ registry: registry.host, credentials: { username: USER.username, password } });
    const error = (await client.uploadBlob('secure/app', randomBytes(16)).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(error.message).toBe(
      `registry ${registry.host}: start upload to secure/app: 401 UNAUTHORIZED (authentication required)`,
    );
    const everything = JSON.stringify({ message: error.message, detail: error.detail, stack: error.stack });
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(Buffer.from(`${USER.username}:${password}`).toString('base64'));
  });

  it('says credentials are needed when none are configured', async () => {
    const client = new RegistryClient({ registry: registry.host });
    await expect(client.blobExists('secure/app', sha256Digest('x'))).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
      message: `registry ${registry.host} requires credentials (Basic) and none are configured`,
    });
  });

  it('assembles an image on a registry that needs credentials, with a client factory that has them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagecraft-oci-auth-test-'));
    try {
      const pkg = join(dir, 'app.tgz');
      await writeFile(pkg, await buildTarball([{ name: 'package/package.json', content: '{}' }]));
      const assembler = new ImageAssembler({
        clientFactory: ({ registry: host, signal }) => new RegistryClient({ registry: host, credentials: USER, signal }),
      });
      const result = await assembler.assemble({
        baseImage: `${registry.host}/node:20-slim`,
        targetImage: `${registry.host}/jobs/private:1`,
        packageFile: pkg,
        techStack: 'NODEJS',
      });
      expect(await skopeoInspect(result.reference, { creds: USER })).toMatchObject({ Digest: result.digest });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
