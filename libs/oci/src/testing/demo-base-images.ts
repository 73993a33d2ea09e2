import type { TechStack } from '@stagecraft/contracts';

import { sha256Digest } from '../digest';
import { buildLayerInMemory } from '../layer.builder';
import type { LayerEntry } from '../layer-entry';
import type { ContainerConfig, Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from '../manifest.types';
import { FAMILY_MEDIA_TYPES, type ManifestFamily, type ManifestMediaType } from '../media-types';
import type { RegistryClient } from '../registry.client';
import type { SeededImage } from '../seeded-image';

/**
 * Demo base images: tiny but valid images (a shared "rootfs" layer and one per stack) built from
 * files in this module, tagged like the official images the base-image catalog names. They
 * carry the official images' runtime settings (Env, Entrypoint, Cmd, WorkingDir, ports) but no
 * runtime: there is no shell and no java/node/python/php in them, so containers made from them
 * do not start. The tests and benchmarks build real images on them without a network (npm start
 * seeds real, runnable bases instead: libs/base-images).
 */
export interface DemoBaseImage {
  stack: TechStack;
  repository: string;
  tag: string;
  /** The stack's own files, on top of the shared rootfs layer. */
  files: LayerEntry[];
  config: ContainerConfig;
}

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const JAVA_PATH = 'PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const DEMO_LABELS = {
  'io.stagecraft.demo-base': 'true',
  'org.opencontainers.image.description': 'Stagecraft demo base image: the settings of the official image, none of its programs',
};

const text = (path: string, content: string, mode = 0o644): LayerEntry => ({
  type: 'file',
  path,
  mode,
  content: Buffer.from(content),
});
const script = (path: string, says: string) => text(path, `#!/bin/sh\n# Stagecraft demo base: ${says}\nexec "$@"\n`, 0o755);
const javaRelease = text('/opt/java/openjdk/release', 'IMPLEMENTOR="Stagecraft demo"\nJAVA_VERSION="17.0.13"\n');

export const DEMO_BASE_IMAGES: readonly DemoBaseImage[] = [
  {
    stack: 'JAVA',
    repository: 'eclipse-temurin',
    tag: '17-jre',
    files: [javaRelease, script('/__cacert_entrypoint.sh', 'the temurin entrypoint')],
    config: { Env: [JAVA_PATH, 'JAVA_HOME=/opt/java/openjdk', 'LANG=en_US.UTF-8'], Entrypoint: ['/__cacert_entrypoint.sh'] },
  },
  {
    stack: 'TOMCAT',
    repository: 'tomcat',
    tag: '10.1-jre17',
    files: [
      javaRelease,
      script('/__cacert_entrypoint.sh', 'the temurin entrypoint'),
      { type: 'directory', path: '/usr/local/tomcat/webapps' },
      text('/usr/local/tomcat/RELEASE-NOTES', 'Apache Tomcat 10.1 (Stagecraft demo base: no Tomcat inside)\n'),
    ],
    config: {
      Env: [
        'PATH=/usr/local/tomcat/bin:/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'JAVA_HOME=/opt/java/openjdk',
        'CATALINA_HOME=/usr/local/tomcat',
      ],
      Entrypoint: ['/__cacert_entrypoint.sh'],
      Cmd: ['catalina.sh', 'run'],
      WorkingDir: '/usr/local/tomcat',
      ExposedPorts: { '8080/tcp': {} },
    },
  },
  {
    stack: 'NODEJS',
    repository: 'node',
    tag: '20-slim',
    files: [
      script('/usr/local/bin/docker-entrypoint.sh', 'the node entrypoint'),
      text('/usr/local/lib/node_modules/npm/package.json', '{"name":"npm","version":"10.8.2"}\n'),
    ],
    config: { Env: [PATH, 'NODE_VERSION=20.18.0'], Entrypoint: ['docker-entrypoint.sh'], Cmd: ['node'] },
  },
  {
    stack: 'PYTHON',
    repository: 'python',
    tag: '3.12-slim',
    files: [text('/usr/local/lib/python3.12/README.txt', 'Python 3.12 (Stagecraft demo base: no Python inside)\n')],
    config: { Env: [PATH, 'LANG=C.UTF-8', 'PYTHON_VERSION=3.12.7'], Cmd: ['python3'] },
  },
  {
    stack: 'PHP',
    repository: 'php',
    tag: '8.3-apache',
    files: [
      script('/usr/local/bin/docker-php-entrypoint', 'the php entrypoint'),
      text('/usr/local/etc/php/php.ini-production', '; Stagecraft demo base: no PHP inside\n'),
      { type: 'directory', path: '/var/www/html', mode: 0o777, uid: 33, gid: 33 },
    ],
    config: {
      Env: [PATH, 'PHP_INI_DIR=/usr/local/etc/php', 'APACHE_CONFDIR=/etc/apache2', 'PHP_VERSION=8.3.13'],
      Entrypoint: ['docker-php-entrypoint'],
      Cmd: ['apache2-foreground'],
      WorkingDir: '/var/www/html',
      ExposedPorts: { '80/tcp': {} },
      StopSignal: 'SIGWINCH',
    },
  },
];

const ROOTFS: LayerEntry[] = [
  text(
    '/etc/os-release',
    'PRETTY_NAME="Stagecraft demo base (not a real OS)"\nNAME="Stagecraft demo"\nID=stagecraft-demo\nVERSION_ID="1"\n',
  ),
  text('/etc/passwd', 'root:x:0:0:root:/root:/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n'),
  text('/etc/group', 'root:x:0:\nwww-data:x:33:\n'),
  { type: 'directory', path: '/tmp', mode: 0o1777 },
  { type: 'directory', path: '/root', mode: 0o700 },
  { type: 'directory', path: '/usr/local/bin' },
];

/** Fixed, so seeding twice gives the same digests (and pushes nothing new). */
const CREATED = '1970-01-01T00:00:00Z';

export interface SeedDemoOptions {
  /** Manifest family: OCI (default) or Docker v2. */
  format?: ManifestFamily;
  /** Push an index (linux/amd64 and linux/arm64) under the tag instead of one manifest. */
  asIndex?: boolean;
  /** Prepended to every repository, e.g. `library/` or `demo/`. */
  repositoryPrefix?: string;
  images?: readonly DemoBaseImage[];
  onProgress?: (line: string) => void;
}

const PLATFORMS: Platform[] = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
];

/** Pushes the demo base images into `client`'s registry; idempotent. */
export async function seedDemoBaseImages(client: RegistryClient, options: SeedDemoOptions = {}): Promise<SeededImage[]> {
  const types = FAMILY_MEDIA_TYPES[options.format ?? 'oci'];
  const rootfs = await buildLayerInMemory(ROOTFS);
  const holders = new Map<string, string>(); // digest → a repository that has it, for mounts
  const pushBlob = async (repository: string, bytes: Buffer, digest: string) => {
    const holder = holders.get(digest);
    if (!(await client.blobExists(repository, digest))) {
      const mount = holder ? await client.mountBlob(repository, digest, holder) : null;
      if (!mount?.mounted) await client.uploadBlob(repository, bytes, mount?.session);
    }
    holders.set(digest, repository);
  };

  const seeded: SeededImage[] = [];
  for (const image of options.images ?? DEMO_BASE_IMAGES) {
    const repository = `${options.repositoryPrefix ?? ''}${image.repository}`;
    const platforms = options.asIndex ? PLATFORMS : PLATFORMS.slice(0, 1);
    const manifests: Descriptor[] = [];
    for (const platform of platforms) {
      const stackLayer = await buildLayerInMemory([
        ...image.files,
        text('/etc/stagecraft-demo-base', `${image.repository}:${image.tag} ${platform.architecture}\n`),
      ]);
      await pushBlob(repository, rootfs.bytes, rootfs.digest);
      await pushBlob(repository, stackLayer.bytes, stackLayer.digest);
      const config: ImageConfig = {
        created: CREATED,
        architecture: platform.architecture,
        ...(platform.variant && { variant: platform.variant }),
        os: platform.os,
        config: { ...image.config, Labels: { ...DEMO_LABELS } },
        rootfs: { type: 'layers', diff_ids: [rootfs.diffId, stackLayer.diffId] },
        history: [
          { created: CREATED, created_by: 'stagecraft demo base: rootfs (os-release, passwd, group)' },
          { created: CREATED, created_by: `stagecraft demo base: ${image.repository} files` },
        ],
      };
      const configBytes = Buffer.from(JSON.stringify(config));
      await pushBlob(repository, configBytes, sha256Digest(configBytes));
      const manifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: types.manifest,
        config: { mediaType: types.config, digest: sha256Digest(configBytes), size: configBytes.length },
        layers: [rootfs, stackLayer].map((l) => ({ mediaType: types.layerGzip, digest: l.digest, size: l.size })),
      };
      const manifestBytes = Buffer.from(JSON.stringify(manifest));
      const digest = sha256Digest(manifestBytes);
      await client.putManifest(repository, options.asIndex ? digest : image.tag, manifestBytes, types.manifest);
      manifests.push({ mediaType: types.manifest, digest, size: manifestBytes.length, platform });
    }
    let digest = manifests[0].digest;
    let mediaType: ManifestMediaType = types.manifest;
    if (options.asIndex) {
      const index: ImageIndex = { schemaVersion: 2, mediaType: types.index, manifests };
      digest = await client.putManifest(repository, image.tag, Buffer.from(JSON.stringify(index)), types.index);
      mediaType = types.index;
    }
    const reference = `${client.registry}/${repository}:${image.tag}`;
    options.onProgress?.(`Seeded demo base image ${reference} (${digest})`);
    seeded.push({ stack: image.stack, repository, tag: image.tag, reference, digest, mediaType });
  }
  return seeded;
}
