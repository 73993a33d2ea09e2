// Issue 17 item 2: a rebase is a manifest edit, and the rebased image runs on the new base. A
// Node.js package is assembled onto a base (the host's node, with /etc/base-release saying v1),
// the base's tag moves to a new build of it (v2), the image is rebased with rebaseImage, and both
// images are run with buildah: the old one still says v1, the rebased one v2, from the same app layer.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { buildZip } from '@stagecraft/archive/testing';
import { ImageAssembler, OCI_LABELS, parseImageReference, RebaseError, rebaseImage, RegistryClient } from '@stagecraft/oci';
import { startTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { runToEnd } from '@stagecraft/testing';

import { type HostImage, pushHostNodeImage } from './host-runtime-images';

const BASE = 'base/node';
const APP = 'apps/hello';

describe('rebaseImage: a new base under an assembled image, which then runs on it', () => {
  let registry: TestRegistry;
  let client: RegistryClient;
  let dir: string;
  let v1: HostImage;
  let v2: HostImage;
  let built: { digest: string; layers: string[] };

  /** Runs the image to its end and answers what it printed. */
  const outputOf = async (image: string) => {
    const { code, output } = await runToEnd(image);
    expect(code).toBe(0);
    return output;
  };
  const release = (version: string) => ({
    type: 'file' as const,
    path: '/etc/base-release',
    mode: 0o644,
    size: version.length,
    open: () => Readable.from([Buffer.from(version)]),
  });

  beforeAll(async () => {
    registry = await startTestRegistry();
    client = new RegistryClient({ registry: registry.host });
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-rebase-'));
    v1 = await pushHostNodeImage(client, BASE, 'lts', join(dir, 'v1.layer'), [release('v1')]);
    const pkg = join(dir, 'hello.zip');
    await writeFile(
      pkg,
      buildZip([
        { name: 'Procfile', content: 'web: node server.js\n' },
        {
          name: 'server.js',
          content: `console.log('hello from the app on base ' + require('fs').readFileSync('/etc/base-release', 'utf8'));\n`,
        },
      ]),
    );
    const result = await new ImageAssembler({ tmpDir: dir }).assemble({
      baseImage: `${registry.host}/${BASE}:lts`,
      targetImage: `${registry.host}/${APP}:1`,
      packageFile: pkg,
      techStack: 'NODEJS',
    });
    built = { digest: result.digest, layers: result.layers.map((layer) => layer.digest) };
    // The base's tag moves on: a new build of it, every layer new.
    v2 = await pushHostNodeImage(client, BASE, 'lts', join(dir, 'v2.layer'), [release('v2')]);
  }, 180_000);

  afterAll(async () => {
    await registry?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps the app layer, takes the new base layers and names the new base; the image runs on it', async () => {
    const lines: string[] = [];
    const rebased = await rebaseImage({
      target: client,
      repository: APP,
      imageDigest: built.digest,
      tag: '1',
      base: client,
      baseReference: parseImageReference(`${registry.host}/${BASE}:lts`),
      log: (line) => lines.push(line),
      now: () => new Date('2026-12-05T12:00:00Z'),
    });
    expect(rebased).toMatchObject({ previousBaseDigest: v1.digest, baseDigest: v2.digest, appLayers: [built.layers.at(-1)] });
    expect(rebased.digest).not.toBe(built.digest);
    // The tag now names the rebased image, which holds v2's layer and the same app layer.
    expect(await client.headManifest(APP, '1')).toMatchObject({ digest: rebased.digest });
    const manifest = await client.getManifest(APP, rebased.digest);
    const v2Layers = (await client.getManifest(BASE, v2.digest)).body.layers.map((layer) => layer.digest);
    expect(manifest.body.layers.map((layer) => layer.digest)).toEqual([...v2Layers, built.layers.at(-1)]);
    expect(manifest.body.annotations?.[OCI_LABELS.baseDigest]).toBe(v2.digest);
    expect(lines.at(-1)).toContain('its 1 own layers unchanged');

    expect(await outputOf(`${registry.host}/${APP}@${built.digest}`)).toContain('hello from the app on base v1');
    expect(await outputOf(`${registry.host}/${APP}@${rebased.digest}`)).toContain('hello from the app on base v2');
  }, 180_000);

  it('refuses an image whose first layers are not the base it names (the caller rebuilds)', async () => {
    // An image that names v1 but has other layers underneath: v2's.
    const manifest = await client.getRawManifest(APP, built.digest);
    const v2Manifest = await client.getManifest(BASE, v2.digest);
    const forged = Buffer.from(
      JSON.stringify({
        ...manifest.body,
        layers: [...v2Manifest.body.layers, ...('layers' in manifest.body ? manifest.body.layers.slice(-1) : [])],
      }),
    );
    const forgedDigest = await client.putManifest(APP, 'forged', forged, manifest.mediaType as never);
    const attempt = rebaseImage({
      target: client,
      repository: APP,
      imageDigest: forgedDigest,
      tag: 'forged',
      base: client,
      baseReference: parseImageReference(`${registry.host}/${BASE}:lts`),
    });
    await expect(attempt).rejects.toBeInstanceOf(RebaseError);
    await expect(attempt).rejects.toMatchObject({ code: 'NOT_REBASABLE' });
    expect(await client.headManifest(APP, 'forged')).toMatchObject({ digest: forgedDigest });
  });
});
