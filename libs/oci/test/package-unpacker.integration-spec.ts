import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { buildTarball, buildZip, type TarFixtureEntry, type ZipFixtureEntry } from '@stagecraft/archive/testing';

import { PackageRejectedError } from '../src/assembly.errors';
import { buildLayerInMemory } from '../src/layer.builder';
import type { LayerEntry } from '../src/layer-entry';
import { unpackPackage } from '../src/package/package-unpacker';
import { packageContents } from '../src/package-layer';
import { readTarEntries } from '../src/testing/layer-reader';

let dir: string;
let staging: string;
let n = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-oci-unpack-test-'));
  staging = join(dir, 'staging');
  await mkdir(staging);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(bytes: Buffer): Promise<string> {
  const path = join(dir, `package-${++n}`);
  await writeFile(path, bytes);
  return path;
}

const zip = (entries: ZipFixtureEntry[], dosTime?: number) => file(buildZip(entries, { dosTime }));
const tgz = async (entries: TarFixtureEntry[], gzip = true) => file(await buildTarball(entries, { gzip }));

async function layerOf(path: string, root = '/app'): Promise<{ digest: string; files: Record<string, string> }> {
  const unpacked = await unpackPackage(path, { root, stripSingleTopFolder: true, tmpDir: staging });
  try {
    const layer = await buildLayerInMemory(unpacked.entries);
    const files: Record<string, string> = {};
    for (const e of await readTarEntries(layer.bytes)) {
      files[e.header.name] =
        e.header.type === 'file'
          ? `${e.header.mode.toString(8)} ${e.content.toString()}`
          : `${e.header.type} ${e.header.linkname ?? ''}`.trim();
    }
    return { digest: layer.digest, files };
  } finally {
    await unpacked.cleanup();
  }
}

const NPM_PACKAGE: TarFixtureEntry[] = [
  { name: 'package/package.json', content: '{"name":"demo","scripts":{"start":"node index.js"}}', mode: 0o644 },
  { name: 'package/index.js', content: 'console.log(1)', mode: 0o644 },
  { name: 'package/bin/cli', content: '#!/usr/bin/env node', mode: 0o755 },
  { name: 'package/lib', type: 'symlink', linkname: 'bin' },
];

describe('unpackPackage', () => {
  it("strips npm's package/ folder, keeps execute bits and relative symlinks, and emits parents", async () => {
    const { files } = await layerOf(await tgz(NPM_PACKAGE));
    expect(files).toEqual({
      'app/': 'directory',
      'app/bin/': 'directory',
      'app/bin/cli': '755 #!/usr/bin/env node',
      'app/index.js': '644 console.log(1)',
      'app/lib': 'symlink bin',
      'app/package.json': '644 {"name":"demo","scripts":{"start":"node index.js"}}',
    });
  });

  it('gives the same layer for a zip and a tar.gz of the same files, whatever their timestamps', async () => {
    const asZip = await zip(
      [
        { name: 'demo-1.0/', unixMode: 0o40755 },
        { name: 'demo-1.0/main.py', content: 'print(1)', unixMode: 0o100644, deflate: true },
        { name: 'demo-1.0/run.sh', content: 'exec python main.py', unixMode: 0o100775 },
      ],
      0x1234,
    );
    const laterZip = await zip(
      [
        { name: 'demo-1.0/run.sh', content: 'exec python main.py', unixMode: 0o100775, deflate: true },
        { name: 'demo-1.0/main.py', content: 'print(1)', unixMode: 0o100664 },
      ],
      0x7777,
    );
    const asTar = await tgz([
      { name: 'demo-1.0/main.py', content: 'print(1)', mode: 0o600, mtime: new Date() },
      { name: 'demo-1.0/run.sh', content: 'exec python main.py', mode: 0o700, mtime: new Date(1e12) },
    ]);
    const plainTar = await tgz(
      [
        { name: './main.py', content: 'print(1)' },
        { name: './run.sh', content: 'exec python main.py', mode: 0o755 },
      ],
      false,
    );
    const digests = await Promise.all([asZip, laterZip, asTar, plainTar].map(async (p) => (await layerOf(p)).digest));
    expect(new Set(digests).size).toBe(1);
  });

  it('reads DOS zips (no Unix modes, backslash separators) as plain files', async () => {
    const { files } = await layerOf(
      await zip([
        { name: 'site\\index.php', content: '<?php echo 1;' },
        { name: 'site\\lib\\a.php', content: '<?php' },
      ]),
      '/var/www/html',
    );
    expect(files).toEqual({
      'var/': 'directory',
      'var/www/': 'directory',
      'var/www/html/': 'directory',
      'var/www/html/index.php': '644 <?php echo 1;',
      'var/www/html/lib/': 'directory',
      'var/www/html/lib/a.php': '644 <?php',
    });
  });

  it('keeps two top-level folders as they are, in path order (a parent always before its children)', async () => {
    const { files } = await layerOf(
      await zip([
        { name: 'pkg/__init__.py', content: '' },
        { name: 'pkg-1.0.dist-info/METADATA', content: 'x' },
      ]),
    );
    expect(Object.keys(files)).toEqual([
      'app/',
      'app/pkg/',
      'app/pkg-1.0.dist-info/',
      'app/pkg-1.0.dist-info/METADATA',
      'app/pkg/__init__.py',
    ]);
  });

  it('removes its staging folder on cleanup and on failure', async () => {
    const unpacked = await unpackPackage(await tgz(NPM_PACKAGE), { root: '/app', stripSingleTopFolder: true, tmpDir: staging });
    expect(await readdir(staging)).toHaveLength(1);
    await unpacked.cleanup();
    await expect(
      unpackPackage(
        await tgz([
          { name: 'ok', content: 'x' },
          { name: '../evil', content: 'x' },
        ]),
        { root: '/app', stripSingleTopFolder: true, tmpDir: staging },
      ),
    ).rejects.toThrow(PackageRejectedError);
    expect(await readdir(staging)).toEqual([]);
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    [
      'a zip entry climbing out with ..',
      () => zip([{ name: 'app/../../x', content: 'x' }]),
      /climbs out of the archive with "\.\."/,
    ],
    [
      'a zip entry with an absolute path',
      () => zip([{ name: '/etc/passwd', content: 'x' }]),
      /"\/etc\/passwd" has an absolute path/,
    ],
    ['a zip entry with a drive letter', () => zip([{ name: 'C:\\Windows\\x', content: 'x' }]), /absolute path/],
    ['a backslash traversal in a zip', () => zip([{ name: '..\\x', content: 'x' }]), /climbs out/],
    ['a tar entry climbing out with ..', () => tgz([{ name: '../x', content: 'x' }]), /"\.\.\/x" climbs out/],
    ['a tar entry with an absolute path', () => tgz([{ name: '/x', content: 'x' }]), /absolute path/],
    [
      'a symlink to an absolute path',
      () => tgz([{ name: 'etc', type: 'symlink', linkname: '/etc' }]),
      /"etc" → "\/etc" points to an absolute path/,
    ],
    [
      'a symlink leading outside',
      () => tgz([{ name: 'a/b', type: 'symlink', linkname: '../../secret' }]),
      /points outside the package/,
    ],
    [
      'a zip symlink leading outside',
      () =>
        zip([
          { name: 'x/link', content: '../../etc', unixMode: 0o120777 },
          { name: 'x/y', content: '' },
        ]),
      /points outside/,
    ],
    [
      'a symlink through another symlink',
      () =>
        tgz([
          { name: 'd', type: 'symlink', linkname: '.' },
          { name: 'c', type: 'symlink', linkname: 'd/..' },
        ]),
      /passes through another symlink/,
    ],
    [
      'an entry inside a symlink',
      () =>
        tgz([
          { name: 'lib', type: 'symlink', linkname: 'sub' },
          { name: 'lib/x', content: 'x' },
        ]),
      /"lib\/x" lies inside the symlink "lib"/,
    ],
    [
      'a hard link',
      () =>
        tgz([
          { name: 'a', content: 'x' },
          { name: 'b', type: 'link', linkname: 'a' },
        ]),
      /is a hard link/,
    ],
    ['a device', () => tgz([{ name: 'dev', type: 'character-device' }]), /is a character-device/],
    ['a whiteout name', () => tgz([{ name: 'x/.wh.etc', content: '' }]), /whiteout name/],
    [
      'a duplicate',
      () =>
        zip([
          { name: 'a', content: '1' },
          { name: 'a', content: '2' },
        ]),
      /holds "a" twice/,
    ],
    [
      'something that is no archive',
      () => file(Buffer.from('just text, no archive at all')),
      /not a zip, tar\.gz or tar archive/,
    ],
    [
      'an encrypted zip entry',
      async () => {
        const z = buildZip([{ name: 'a', content: 'x' }]);
        z.writeUInt16LE(0x801, z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 8);
        return file(z);
      },
      /is encrypted/,
    ],
  ])('rejects %s', async (_, make, message) => {
    const error = await unpackPackage(await make(), { root: '/app', stripSingleTopFolder: true, tmpDir: staging }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PackageRejectedError);
    expect(error).toMatchObject({ code: 'PACKAGE_REJECTED', message: expect.stringMatching(message) });
  });

  it('enforces the entry and size limits', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}`, content: 'x' }));
    await expect(
      unpackPackage(await zip(many), { root: '/app', stripSingleTopFolder: false, limits: { maxEntries: 4 } }),
    ).rejects.toThrow(/5 entries, more than the limit of 4/);
    await expect(
      unpackPackage(await tgz(many), { root: '/app', stripSingleTopFolder: false, limits: { maxEntries: 4 }, tmpDir: staging }),
    ).rejects.toThrow(/more than the limit of 4 entries/);
    const big = [{ name: 'big', content: Buffer.alloc(1000) }];
    await expect(
      unpackPackage(await zip(big), { root: '/app', stripSingleTopFolder: false, limits: { maxTotalBytes: 999 } }),
    ).rejects.toThrow(/more than the limit of 999 bytes/);
    await expect(
      unpackPackage(await tgz(big), {
        root: '/app',
        stripSingleTopFolder: false,
        limits: { maxTotalBytes: 999 },
        tmpDir: staging,
      }),
    ).rejects.toThrow(/more than the limit of 999 bytes/);
  });

  it('fails the layer when a zip entry does not match its CRC', async () => {
    const z = buildZip([{ name: 'a.txt', content: 'hello' }]);
    z[z.indexOf('hello')] = 'j'.charCodeAt(0);
    const unpacked = await unpackPackage(await file(z), { root: '/app', stripSingleTopFolder: false });
    await expect(buildLayerInMemory(unpacked.entries)).rejects.toThrow(/"a.txt" fails its CRC-32 check/);
  });
});

describe('the Procfile, read while unpacking (it may set the command: stack-layout.ts)', () => {
  const procfileOf = async (path: string) => {
    const unpacked = await unpackPackage(path, { root: '/app', stripSingleTopFolder: true, tmpDir: staging });
    try {
      return unpacked.procfile;
    } finally {
      await unpacked.cleanup();
    }
  };

  it('reads a top-level Procfile of a zip, deflated, and of a tar.gz inside a stripped top folder', async () => {
    expect(
      await procfileOf(await zip([{ name: 'Procfile', content: 'web: node server.js\n', deflate: true }, { name: 'server.js' }])),
    ).toBe('web: node server.js\n');
    expect(
      await procfileOf(
        await tgz([
          { name: 'svc-1.0/Procfile', content: 'web: python3 -m svc\n' },
          { name: 'svc-1.0/svc/__main__.py', content: '' },
        ]),
      ),
    ).toBe('web: python3 -m svc\n');
  });

  it('has none when there is no top-level Procfile (a deeper one does not count)', async () => {
    expect(await procfileOf(await zip([{ name: 'index.php' }, { name: 'docs/Procfile', content: 'web: x' }]))).toBeNull();
  });

  it('refuses a Procfile that is a symlink, a folder or larger than 64 KiB, rather than ignore the command it sets', async () => {
    await expect(
      procfileOf(
        await tgz([
          { name: 'Procfile', type: 'symlink', linkname: 'other' },
          { name: 'other', content: 'web: x' },
        ]),
      ),
    ).rejects.toThrow(new PackageRejectedError("the package's Procfile is a symlink, not a file"));
    await expect(
      procfileOf(await tgz([{ name: 'Procfile/', type: 'directory' }, { name: 'Procfile/web' }, { name: 'index.js' }])),
    ).rejects.toThrow("the package's Procfile is a directory, not a file");
    expect(await procfileOf(await zip([{ name: 'Procfile', content: `web: ${'x'.repeat(64 * 1024 - 5)}` }]))).toHaveLength(
      64 * 1024,
    );
    await expect(procfileOf(await zip([{ name: 'Procfile', content: `web: ${'x'.repeat(64 * 1024)}` }]))).rejects.toThrow(
      `the package's Procfile has ${64 * 1024 + 5} bytes; at most 65536 are allowed`,
    );
  });
});

describe('a package file copied as one layer entry', () => {
  it("gives the same layer digest whatever the file's time on disk", async () => {
    const jar = await file(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100_000, 3)]));
    const digest = async () => {
      const contents = await packageContents(jar, { kind: 'file', path: '/app/app.jar', gzipHint: 'compressed' }, {});
      return (await buildLayerInMemory(contents.entries, { gzipLevel: 0 })).digest;
    };
    const before = await digest();
    await utimes(jar, new Date('2001-02-03T04:05:06Z'), new Date('2001-02-03T04:05:06Z'));
    expect(await digest()).toBe(before);
    const entries: LayerEntry[] = [
      { type: 'file', path: '/app/app.jar', size: 4, open: () => Readable.from([Buffer.from('PK\x03\x04')]) },
    ];
    expect((await buildLayerInMemory(entries, { gzipLevel: 0 })).digest).not.toBe(before);
  });
});
