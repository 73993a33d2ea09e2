// Base images with a real Node.js + npm or Python 3 + pip, made from this machine's own programs
// (the host's node and npm, python3 and Debian's pip wheel) and the shared libraries `ldd` lists for
// them: what the dependency specs need until the embedded catalog has real Debian bases. The
// layout is Debian's merged /usr (`/lib` → `usr/lib`), so the host's binaries find their loader
// and libraries where they look for them.
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

import {
  buildLayerToFile,
  type ContainerConfig,
  FAMILY_MEDIA_TYPES,
  type ImageManifest,
  type LayerEntry,
  type RegistryClient,
  sha256Digest,
  unpackPackage,
} from '@stagecraft/oci';

const exec = promisify(execFile);

export interface HostImage {
  /** `registry/repository:tag`. */
  reference: string;
  /** Of the manifest. */
  digest: string;
}

/** Regular files, folders and symlinks under `path`, as they are (symlinks kept); `skip` leaves out names. */
async function tree(
  path: string,
  entries: Map<string, LayerEntry>,
  skip: (name: string) => boolean = () => false,
): Promise<void> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) {
    entries.set(path, { type: 'symlink', path, target: await readlink(path) });
  } else if (stats.isDirectory()) {
    entries.set(path, { type: 'directory', path, mode: stats.mode & 0o755 });
    for (const name of await readdir(path)) if (!skip(name)) await tree(join(path, name), entries, skip);
  } else if (stats.isFile()) {
    file(path, path, stats.mode, stats.size, entries);
  }
}

function file(path: string, source: string, mode: number, size: number, entries: Map<string, LayerEntry>): void {
  entries.set(path, { type: 'file', path, mode: mode & 0o755, size, open: () => createReadStream(source) });
}

/** The binary and every library it loads, at their real paths (so /lib/x → /usr/lib/x). */
async function binaryWithLibraries(binary: string, entries: Map<string, LayerEntry>): Promise<void> {
  const { stdout } = await exec('ldd', [binary]);
  const libraries = [...stdout.matchAll(/(\/\S+\.so[^\s]*)/g)].map((m) => m[1]);
  for (const library of [binary, ...libraries]) {
    const real = await realpath(library);
    const stats = await stat(real);
    file(real, real, stats.mode, stats.size, entries);
    // The name the loader looks for (libstdc++.so.6) is often a link to the versioned file.
    const named = join(await realpath(dirname(library)), basename(library));
    if (named !== real && (await lstat(named)).isSymbolicLink())
      entries.set(named, { type: 'symlink', path: named, target: await readlink(named) });
  }
}

/** The host's /etc/ld.so.cache: the loader finds the libraries at the same paths in the image. */
async function loaderCache(entries: Map<string, LayerEntry>): Promise<void> {
  const cache = '/etc/ld.so.cache';
  file(cache, cache, 0o644, (await stat(cache)).size, entries);
}

const MERGED_USR: LayerEntry[] = [
  { type: 'symlink', path: '/lib', target: 'usr/lib' },
  { type: 'symlink', path: '/lib64', target: 'usr/lib64' },
  // The program interpreter every binary names (/lib64/ld-linux-x86-64.so.2), where Debian keeps it.
  { type: 'directory', path: '/usr/lib64', mode: 0o755 },
  { type: 'symlink', path: '/usr/lib64/ld-linux-x86-64.so.2', target: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  { type: 'symlink', path: '/bin', target: 'usr/bin' },
  { type: 'directory', path: '/tmp', mode: 0o1777 },
  { type: 'directory', path: '/root', mode: 0o700 },
];

async function pushImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  entries: LayerEntry[],
  config: ContainerConfig,
  layerFile: string,
): Promise<HostImage> {
  const layer = await buildLayerToFile(entries, layerFile, { gzipLevel: 1 });
  if (!(await client.blobExists(repository, layer.digest)))
    await client.uploadBlobStream(repository, createReadStream(layerFile, { highWaterMark: 1 << 20 }), {
      expectedDigest: layer.digest,
    });
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created_by: 'stagecraft test: the host runtime' }],
    }),
  );
  await client.uploadBlob(repository, configBytes);
  const types = FAMILY_MEDIA_TYPES.oci;
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: sha256Digest(configBytes), size: configBytes.length },
    layers: [{ mediaType: types.layerGzip, digest: layer.digest, size: layer.size }],
  };
  const digest = await client.putManifest(repository, tag, Buffer.from(JSON.stringify(manifest)), types.manifest);
  return { reference: `${client.registry}/${repository}:${tag}`, digest };
}

/**
 * The host's node and npm: `/usr/bin/node`, npm's package folder with `/usr/bin/npm` linking to
 * its CLI, `/usr/bin/env` (npm's shebang), and the host's CA bundle as NODE_EXTRA_CA_CERTS (so the
 * image trusts what this machine trusts, as a company's base image carries its CA).
 */
export async function pushHostNodeImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  layerFile: string,
  extra: LayerEntry[] = [],
): Promise<HostImage> {
  const entries = new Map<string, LayerEntry>();
  await binaryWithLibraries('/usr/bin/node', entries);
  await binaryWithLibraries('/usr/bin/env', entries);
  // npm start runs the script with sh.
  await binaryWithLibraries('/usr/bin/dash', entries);
  entries.set('/usr/bin/sh', { type: 'symlink', path: '/usr/bin/sh', target: 'dash' });
  const npmCli = await realpath('/usr/bin/npm');
  const npmRoot = npmCli.replace(/\/bin\/npm-cli\.js$/, '');
  await tree(npmRoot, entries);
  entries.set('/usr/bin/npm', { type: 'symlink', path: '/usr/bin/npm', target: npmCli });
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  const caStats = await stat(ca);
  file(ca, ca, 0o644, caStats.size, entries);
  await loaderCache(entries);
  for (const entry of [...MERGED_USR, ...extra]) entries.set(entry.path, entry);
  return pushImage(
    client,
    repository,
    tag,
    [...entries.values()],
    {
      Env: ['PATH=/usr/local/bin:/usr/bin:/bin', `NODE_EXTRA_CA_CERTS=${ca}`],
      Cmd: ['node'],
    },
    layerFile,
  );
}

/**
 * The host's Debian python3 (its standard library and the libraries of its extension modules) with
 * Debian's pip wheel unpacked into dist-packages, where Debian's python looks: `python3 -m pip`.
 */
export async function pushHostPythonImage(
  client: RegistryClient,
  repository: string,
  tag: string,
  layerFile: string,
): Promise<HostImage> {
  const entries = new Map<string, LayerEntry>();
  const python = await realpath('/usr/bin/python3');
  await binaryWithLibraries(python, entries);
  entries.set('/usr/bin/python3', { type: 'symlink', path: '/usr/bin/python3', target: python.split('/').pop()! });
  const stdlib = `/usr/lib/${python.split('/').pop()}`;
  await tree(stdlib, entries, (name) => name === '__pycache__' || name === 'test' || name === 'dist-packages');
  for (const name of await readdir(join(stdlib, 'lib-dynload')))
    await binaryWithLibraries(join(stdlib, 'lib-dynload', name), entries);
  const wheels = '/usr/share/python-wheels';
  const pipWheel = (await readdir(wheels)).find((name) => /^pip-.*\.whl$/.test(name));
  if (!pipWheel) throw new Error(`no pip wheel in ${wheels}: apt-get install python3-pip-whl`);
  const pip = await unpackPackage(join(wheels, pipWheel), {
    root: '/usr/lib/python3/dist-packages',
    stripSingleTopFolder: false,
  });
  try {
    for (const entry of pip.entries) entries.set(entry.path, entry);
    await loaderCache(entries);
    for (const entry of MERGED_USR) entries.set(entry.path, entry);
    return await pushImage(
      client,
      repository,
      tag,
      [...entries.values()],
      { Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8'], Cmd: ['python3'] },
      layerFile,
    );
  } finally {
    await pip.cleanup();
  }
}
