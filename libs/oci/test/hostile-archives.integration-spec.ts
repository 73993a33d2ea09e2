import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildTarball, overlappingZip, storedEntry, zerosZip, zipOf } from '@stagecraft/archive/testing';

import { PackageRejectedError } from '../src/assembly.errors';
import { buildLayerInMemory } from '../src/layer.builder';
import { unpackPackage } from '../src/package/package-unpacker';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-oci-hostile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function file(bytes: Buffer): Promise<string> {
  const path = join(dir, `package-${++n}`);
  await writeFile(path, bytes);
  return path;
}

const unpack = (path: string, limits?: Parameters<typeof unpackPackage>[1]['limits']) =>
  unpackPackage(path, { root: '/app', stripSingleTopFolder: true, tmpDir: dir, limits });

async function refusal(work: Promise<unknown>): Promise<PackageRejectedError> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PackageRejectedError);
  return error as PackageRejectedError;
}

describe('the build-side unpacker refuses hostile archives (issue 10)', () => {
  it('refuses the 1 MB zip of 1 GiB zeros by its compression ratio, before writing a layer', async () => {
    const error = await refusal(unpack(await file(zerosZip({ bytes: GiB }))));
    expect(error.message).toMatch(
      /^the zip archive unpacks to more than 200 times its size \(1073741824 bytes from \d+, the entry "zeros\.bin"; the compression ratio limit is 200:1 past 16777216 bytes\)/,
    );
  });

  it('refuses it by the total limit when the ratio is allowed, and stops a lying entry at its declared size', async () => {
    const error = await refusal(unpack(await file(zerosZip({ bytes: GiB })), { maxRatio: 1_000_000, maxTotalBytes: 512 * MiB }));
    expect(error.message).toBe('the archive unpacks to more than the limit of 536870912 bytes (total unpacked size)');
    // Declares 1 KiB: accepted by the directory, but the layer fails as soon as the entry inflates past it.
    const liar = await unpack(await file(zerosZip({ bytes: GiB, declaredSize: 1024 })), { maxRatio: 1_000_000 });
    try {
      await expect(buildLayerInMemory(liar.entries)).rejects.toThrow(/"zeros\.bin" unpacks to more than its declared 1024 bytes/);
    } finally {
      await liar.cleanup();
    }
  });

  it('refuses the overlapping-entries zip (central entries sharing one stream)', async () => {
    const error = await refusal(unpack(await file(overlappingZip({ copies: 30, bytes: 64 * MiB })), { maxRatio: 1_000_000 }));
    expect(error.message).toMatch(
      /^corrupt zip archive: the entries "0\.bin" and "0\.bin" overlap .*refusing a likely zip bomb$/,
    );
    const renamed = await refusal(unpack(await file(overlappingZip({ copies: 30, bytes: 4 * MiB, distinctNames: true }))));
    expect(renamed.message).toMatch(
      /^corrupt zip archive: the central directory names "1\.bin" where the local header at byte 0 names "0\.bin"$/,
    );
  });

  it('refuses a central directory entry outside the archive', async () => {
    const entries = (offset: number) => [storedEntry('package.json', '{}'), storedEntry('index.js', 'x', { offset })];
    const pastEnd = await refusal(unpack(await file(zipOf(entries(4096), (i) => [i]))));
    expect(pastEnd.message).toBe('corrupt zip archive: the entry "index.js" lies past the end of the file');
    // 83: where the central directory starts, after the two local entries (30 + 12 + 2, 30 + 8 + 1).
    const inDirectory = await refusal(unpack(await file(zipOf(entries(83), (i) => [i]))));
    expect(inDirectory.message).toBe('corrupt zip archive: the entry "index.js" lies outside the archive\'s entries');
  });

  it.each<[string, Parameters<typeof buildTarball>[0], RegExp]>([
    ['traversal', [{ name: 'package/../../evil', content: 'x' }], /climbs out of the archive with "\.\."/],
    ['an absolute path', [{ name: '/etc/cron.d/x', content: 'x' }], /has an absolute path/],
    [
      'a symlink out of the tree',
      [{ name: 'a/secrets', type: 'symlink', linkname: '../../etc/shadow' }],
      /points outside the package/,
    ],
    ['a hard link', [{ name: 'passwd', type: 'link', linkname: '/etc/passwd' }], /is a hard link/],
    ['a device file', [{ name: 'dev/mem', type: 'character-device' }], /is a character-device, which a package cannot hold/],
  ])('refuses a tar with %s', async (_, entries, message) => {
    const error = await refusal(unpack(await file(await buildTarball([{ name: 'package.json', content: '{}' }, ...entries]))));
    expect(error.message).toMatch(message);
  });

  it('refuses a tar.gz whose gzip stream passes the ratio limit', async () => {
    const zeros = await buildTarball([{ name: 'zeros.bin', content: Buffer.alloc(64 * MiB) }]);
    const error = await refusal(unpack(await file(zeros)));
    expect(error.message).toMatch(/^the tar\.gz archive unpacks to more than 200 times its size .*decompression bomb$/);
  });
});
