import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { DigestingStream, type ImageConfig } from '@stagecraft/oci';

import { type CachedBaseImage, type CacheRecord, CONFIG_FILE, LAYER_FILE, readCacheEntry, RECORD_FILE } from './base-image.cache';
import type { BaseImageDefinition } from './definitions';

/** Fixed timestamps (tar mtimes, config `created`): the same packages give the same layer. */
export const SOURCE_DATE_EPOCH = 1_735_689_600; // 2025-01-01T00:00:00Z
const CREATED = new Date(SOURCE_DATE_EPOCH * 1000).toISOString();
/** Files a container never needs: documentation (copyright notices kept), manuals, translations. */
const DPKG_EXCLUDES = [
  'path-exclude=/usr/share/doc/*',
  'path-include=/usr/share/doc/*/copyright',
  'path-exclude=/usr/share/man/*',
  'path-exclude=/usr/share/info/*',
  'path-exclude=/usr/share/locale/*',
  'path-include=/usr/share/locale/locale.alias',
];

export class BaseImageBuildError extends Error {
  override readonly name = 'BaseImageBuildError';
}

/**
 * Builds one base image into `dir` (which must not exist yet): `mmdebstrap --variant=essential`
 * installs the definition's packages from Debian into a tarball, its `layout` runs over the
 * root file system before it is packed, then the tarball is gzip'd into the image's one layer
 * while it is hashed (digest of the gzip, diff_id of the tar). Built in a folder beside `dir`
 * and renamed when complete, so a build that dies leaves no entry.
 */
export async function buildBaseImage(
  definition: BaseImageDefinition,
  key: string,
  dir: string,
  options: { mirror: string; mmdebstrap: string; npm?: string; log?: (line: string) => void },
): Promise<CachedBaseImage> {
  const started = Date.now();
  const work = await mkdtemp(`${dir}.partial-`);
  try {
    await chmod(work, 0o755);
    const packs = await fetchNpmPacks(definition.npmPacks ?? [], work, options.npm ?? 'npm');
    const layout = join(work, 'layout.sh');
    const variables = packs.map((file, index) => `NPM_PACK_${index}='${file}'\n`).join('');
    await writeFile(layout, `set -eu\nR="$1"\n${variables}${definition.layout}\n`);
    const versionsFile = join(work, 'versions.txt');
    const format = '${Package}=${Version}\\n';
    const tarball = join(work, 'rootfs.tar');
    const args = [
      '--variant=essential',
      '--mode=root',
      '--format=tar',
      `--include=${definition.packages.join(',')}`,
      ...DPKG_EXCLUDES.map((rule) => `--dpkgopt=${rule}`),
      '--dpkgopt=force-unsafe-io',
      // OpenJDK's postinst links its manual page there and fails when man pages are left out.
      '--essential-hook=mkdir -p "$1/usr/share/man/man1"',
      `--customize-hook=chroot "$1" dpkg-query -W -f='${format}' ${definition.labelled.join(' ')} > '${versionsFile}'`,
      `--customize-hook=sh '${layout}' "$1"`,
      definition.suite,
      tarball,
      options.mirror,
    ];
    await run(options.mmdebstrap, args, { SOURCE_DATE_EPOCH: String(SOURCE_DATE_EPOCH) }, options.log);
    const versions = parseVersions(await readFile(versionsFile, 'utf8'));

    const layerFile = join(work, LAYER_FILE);
    const tar = new DigestingStream();
    const gzip = new DigestingStream();
    await pipeline(
      createReadStream(tarball, { highWaterMark: 1 << 20 }),
      tar,
      createGzip({ level: 1 }),
      gzip,
      createWriteStream(layerFile),
    );
    await rm(tarball);
    const layer = { digest: gzip.digest, diffId: tar.digest, size: gzip.bytes };

    const config = Buffer.from(JSON.stringify(imageConfig(definition, versions, layer.diffId)));
    await writeFile(join(work, CONFIG_FILE), config);
    const record: CacheRecord = { key, layer, buildSeconds: (Date.now() - started) / 1000, versions };
    await writeFile(join(work, RECORD_FILE), JSON.stringify(record, null, 2));
    for (const file of [layout, versionsFile, ...packs]) await rm(file);
    await mkdir(join(dir, '..'), { recursive: true });
    await rename(work, dir);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const entry = await readCacheEntry(definition, key, dir);
  if (!entry)
    throw new BaseImageBuildError(
      `the base image ${definition.repository}:${definition.tag} was built but its cache entry in ${dir} cannot be read`,
    );
  return entry;
}

/** `npm pack` of each spec into `dir` (the registry's tarball, its integrity checked by npm): the files' paths. */
async function fetchNpmPacks(specs: readonly string[], dir: string, npm: string): Promise<string[]> {
  const files: string[] = [];
  for (const spec of specs) {
    let output = '';
    await run(npm, ['pack', spec, '--pack-destination', dir, '--json', '--silent'], {}, (line) => (output += `${line}\n`));
    const [packed] = JSON.parse(output) as { filename: string }[];
    files.push(join(dir, packed.filename));
  }
  return files;
}

/** `dpkg-query` lines, `name=version`. */
export function parseVersions(text: string): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) versions[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return versions;
}

/** The image's config: the definition's runtime settings and labels saying what it holds. */
export function imageConfig(definition: BaseImageDefinition, versions: Record<string, string>, diffId: string): ImageConfig {
  const missing = definition.labelled.filter((name) => !versions[name]);
  if (missing.length)
    throw new BaseImageBuildError(`${definition.repository}:${definition.tag}: Debian did not install ${missing.join(', ')}`);
  const packages = definition.labelled.map((name) => `${name}=${versions[name]}`).join(' ');
  return {
    created: CREATED,
    architecture: 'amd64',
    os: 'linux',
    config: {
      ...definition.config,
      Labels: {
        'org.opencontainers.image.title': `${definition.repository}:${definition.tag}`,
        'org.opencontainers.image.description': definition.description,
        'org.opencontainers.image.version': versions[definition.labelled[0]],
        'org.opencontainers.image.vendor': 'Stagecraft (built from Debian packages)',
        'org.opencontainers.image.base.name': `debian:${definition.suite}`,
        'io.stagecraft.base-image.packages': packages,
        ...(definition.npmPacks?.length && { 'io.stagecraft.base-image.npm-packages': definition.npmPacks.join(' ') }),
      },
    },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [
      {
        created: CREATED,
        created_by: `mmdebstrap --variant=essential --include=${definition.packages.join(',')} ${definition.suite}, then Stagecraft's layout`,
      },
    ],
  };
}

/** Runs a command; its output goes to `log` line by line, and the last lines into the error when it fails. */
function run(binary: string, args: string[], env: Record<string, string>, log?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let partial = '';
    const onData = (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > 20) tail.shift();
        log?.(line);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => reject(new BaseImageBuildError(`${binary}: ${error.message}`)));
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new BaseImageBuildError(`${binary} exited with code ${code}:\n${[...tail, partial].join('\n').trim()}`)),
    );
  });
}
