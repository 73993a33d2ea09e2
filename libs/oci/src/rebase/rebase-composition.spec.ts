import type { ImageConfig } from '../manifest.types';
import { RebaseError } from './rebase.error';
import { composeRebase, type ImageParts } from './rebase-composition';

const layer = (name: string) => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${name.padEnd(64, '0')}`,
  size: 1,
});
const diffId = (name: string) => `sha256:${name.padEnd(64, 'f')}`;
const config = (diffIds: string[], history: string[], container: ImageConfig['config']): ImageConfig => ({
  architecture: 'amd64',
  os: 'linux',
  config: container,
  rootfs: { type: 'layers', diff_ids: diffIds },
  history: history.map((created_by) => ({ created_by })),
});

const oldBase: ImageParts = {
  family: 'oci',
  layers: [layer('a1'), layer('a2')],
  config: config([diffId('a1'), diffId('a2')], ['base a1', 'base env', 'base a2'], {
    Env: ['PATH=/usr/bin', 'JAVA_HOME=/opt/java/17.0.1', 'GONE=1'],
    Cmd: ['java'],
    WorkingDir: '/',
    Labels: { vendor: 'old' },
  }),
};
const newBase: ImageParts & { digest: string } = {
  family: 'oci',
  digest: `sha256:${'b'.repeat(64)}`,
  layers: [layer('b1'), layer('b2'), layer('b3')],
  config: config([diffId('b1'), diffId('b2'), diffId('b3')], ['new b1', 'new b2', 'new b3'], {
    Env: ['PATH=/usr/local/bin:/usr/bin', 'JAVA_HOME=/opt/java/17.0.9', 'ADDED=yes'],
    Cmd: ['java', '-version'],
    WorkingDir: '/srv',
    Labels: { vendor: 'new' },
  }),
};
const image: ImageParts = {
  family: 'oci',
  layers: [...oldBase.layers, layer('app')],
  config: config([diffId('a1'), diffId('a2'), diffId('app')], ['base a1', 'base env', 'base a2', 'add app'], {
    // The app kept PATH and JAVA_HOME, set its own PORT, Cmd and WorkingDir.
    Env: ['PATH=/usr/bin', 'JAVA_HOME=/opt/java/17.0.1', 'GONE=1', 'PORT=8080'],
    Cmd: ['java', '-jar', '/app/app.jar'],
    WorkingDir: '/app',
    Labels: { vendor: 'old', 'org.opencontainers.image.base.digest': `sha256:${'a'.repeat(64)}`, 'io.stagecraft.job-id': 'j1' },
  }),
  annotations: {
    'org.opencontainers.image.base.name': 'r/base:17',
    'org.opencontainers.image.base.digest': `sha256:${'a'.repeat(64)}`,
  },
};
const NOW = new Date('2026-12-05T12:00:00Z');

describe('composeRebase', () => {
  it('swaps the base layers and diff ids, keeps the app layer and its history, and names the new base', () => {
    const rebased = composeRebase(image, oldBase, newBase, NOW);
    expect(rebased.layers.map((l) => l.digest)).toEqual([...newBase.layers, layer('app')].map((l) => l.digest));
    expect(rebased.appLayers).toEqual([layer('app')]);
    expect(rebased.config.rootfs.diff_ids).toEqual([diffId('b1'), diffId('b2'), diffId('b3'), diffId('app')]);
    expect(rebased.config.history!.map((h) => h.created_by)).toEqual([
      'new b1',
      'new b2',
      'new b3',
      'add app',
      `stagecraft: rebase onto ${newBase.digest}`,
    ]);
    expect(rebased.config.history!.at(-1)).toMatchObject({ empty_layer: true, created: '2026-12-05T12:00:00Z' });
    expect(rebased.config.created).toBe('2026-12-05T12:00:00Z');
    expect(rebased.annotations).toEqual({ ...image.annotations, 'org.opencontainers.image.base.digest': newBase.digest });
  });

  it("follows the new base where the image kept the old base's settings, and keeps the image's own", () => {
    const { config } = composeRebase(image, oldBase, newBase, NOW).config as Required<ImageConfig>;
    expect(config.Env).toEqual(['PATH=/usr/local/bin:/usr/bin', 'JAVA_HOME=/opt/java/17.0.9', 'PORT=8080', 'ADDED=yes']);
    expect(config.Cmd).toEqual(['java', '-jar', '/app/app.jar']);
    expect(config.WorkingDir).toBe('/app');
    expect(config.Labels).toEqual({
      vendor: 'new',
      'org.opencontainers.image.base.digest': newBase.digest,
      'io.stagecraft.job-id': 'j1',
    });
  });

  it('refuses an image whose first layers are not the old base, or a new base of another manifest family', () => {
    const other = { ...image, layers: [layer('x1'), layer('a2'), layer('app')] };
    expect(() => composeRebase(other, oldBase, newBase, NOW)).toThrow(RebaseError);
    expect(() => composeRebase(other, oldBase, newBase, NOW)).toThrow(
      "the image's first 2 layers are not the ones of the base it names",
    );
    const otherDiffIds = {
      ...image,
      config: { ...image.config, rootfs: { type: 'layers' as const, diff_ids: [diffId('x'), diffId('a2'), diffId('app')] } },
    };
    expect(() => composeRebase(otherDiffIds, oldBase, newBase, NOW)).toThrow(RebaseError);
    // Only the base (no app layer on top) is nothing to rebase.
    expect(() => composeRebase({ ...image, layers: oldBase.layers }, oldBase, newBase, NOW)).toThrow(RebaseError);
    expect(() => composeRebase(image, oldBase, { ...newBase, family: 'docker' }, NOW)).toThrow(
      "the new base is a Docker v2 image and the image an OCI image: its layers' media types would not match",
    );
  });
});
