import { Readable } from 'node:stream';

import {
  buildTarball,
  buildZip,
  overlappingZip,
  storedEntry,
  type TarFixtureEntry,
  zerosZip,
  type ZipFixtureEntry,
  zipOf,
} from '@stagecraft/archive/testing';

import { inspectPackage } from './inspect-package';
import type { InspectionResult } from './package-inspection.types';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const MAX = 2 * GiB;

const inspect = (bytes: Buffer, limits?: Parameters<typeof inspectPackage>[1]['limits']) =>
  inspectPackage(Readable.from([bytes]), { maxBytes: MAX, limits });

function expectRejected(result: InspectionResult, reason: RegExp): void {
  expect(result.status).toBe('REJECTED');
  expect(result.status === 'REJECTED' && result.reason).toMatch(reason);
}

const NODE_FILES = { 'package.json': '{"name":"demo"}', 'index.js': 'console.log(1)' };
const PACKAGE_JSON = { name: 'package.json', content: '{}' };
const NPM_PACKAGE_JSON = { name: 'package/package.json', content: '{}' };

/** A builder of a gzip'd tarball of `entries`, for a table row to call in its own test. */
function lazyTarball(...entries: TarFixtureEntry[]): () => Promise<Buffer> {
  return () => buildTarball(entries);
}

/** A builder of a zip of `entries`, for a table row to call in its own test. */
function lazyZip(...entries: ZipFixtureEntry[]): () => Promise<Buffer> {
  return async () => buildZip(entries);
}

describe('inspection refuses hostile archives (issue 10)', () => {
  it('refuses the 1 MB zip of 1 GiB zeros by the compression ratio limit, without inflating it all', async () => {
    const bomb = zerosZip({ bytes: GiB });
    expect(bomb.length).toBeLessThan(2 * MiB);
    const result = await inspect(Buffer.concat([bomb]));
    expectRejected(
      result,
      /^the zip archive unpacks to more than 200 times its size \(\d+ bytes from \d+, the entry "zeros\.bin"; the compression ratio limit is 200:1 past 16777216 bytes\): refusing a likely decompression bomb$/,
    );
    // It stopped soon after the ratio limit applies (16 MiB), far from the whole gigabyte: counted in
    // bytes (the reason says how many it had inflated), not in seconds, which a loaded machine
    // stretches (5,057 ms against a 5 s bound once in CI).
    const inflated = Number((result.status === 'REJECTED' && result.reason.match(/\((\d+) bytes from/)?.[1]) || NaN);
    expect(inflated).toBeGreaterThan(16 * MiB);
    expect(inflated).toBeLessThan(GiB / 8);
  });

  it('counts inflated bytes, not declared ones: a zip declaring 1 KiB that inflates to 1 GiB stops at the total limit', async () => {
    const liar = zerosZip({ bytes: GiB, declaredSize: 1024 });
    const result = await inspect(liar, { maxRatio: 1_000_000, maxTotalBytes: 64 * MiB });
    expectRejected(result, /^the archive unpacks to more than the limit of 67108864 bytes \(total unpacked size\)$/);
  });

  it('refuses the overlapping-entries zip: 30 central entries sharing one stream', async () => {
    const sameName = overlappingZip({ copies: 30, bytes: 64 * MiB });
    expect(sameName.length).toBeLessThan(200 * 1024);
    expectRejected(
      await inspect(sameName, { maxRatio: 1_000_000 }),
      /^corrupt zip archive: the entries "0\.bin" and "0\.bin" overlap \(both use bytes 0–\d+\): refusing a likely zip bomb$/,
    );
    expectRejected(
      await inspect(overlappingZip({ copies: 30, bytes: 4 * MiB, distinctNames: true })),
      /^corrupt zip archive: the entries "0\.bin" and "1\.bin" overlap/,
    );
  });

  it('refuses a central directory that points outside the entries, or hides a local entry', async () => {
    const outside = zipOf([storedEntry('package.json', '{}'), storedEntry('index.js', 'x', { offset: 4096 })], (i) => [i]);
    expectRejected(
      await inspect(outside),
      /^corrupt zip archive: the central directory entry "index\.js" points at byte 4096, where no entry of the archive starts$/,
    );
    const hidden = zipOf([storedEntry('package.json', '{}'), storedEntry('evil.js', 'x')], (i) => (i === 0 ? [0] : []));
    expectRejected(
      await inspect(hidden),
      /^corrupt zip archive: the entry "evil\.js" at byte \d+ is missing from the central directory$/,
    );
    const lying = zipOf([storedEntry('package.json', '{}')], () => [0]);
    lying.writeUInt32LE(999, lying.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24); // central size
    expectRejected(
      await inspect(lying),
      /^corrupt zip archive: the central directory declares "package\.json" as 999 bytes \(2 compressed\), but its data holds 2 \(2 compressed\)$/,
    );
  });

  it.each<[string, () => Promise<Buffer>, RegExp]>([
    [
      'a tar entry climbing out with ..',
      lazyTarball(NPM_PACKAGE_JSON, { name: 'package/../../evil', content: 'x' }),
      /^the archive entry "package\/\.\.\/\.\.\/evil" climbs out of the archive with "\.\."$/,
    ],
    [
      'a tar entry with an absolute path',
      lazyTarball(PACKAGE_JSON, { name: '/etc/cron.d/x', content: 'x' }),
      /^the archive entry "\/etc\/cron\.d\/x" has an absolute path$/,
    ],
    [
      'a tar symlink leading out of the tree',
      lazyTarball(PACKAGE_JSON, { name: 'lib/secrets', type: 'symlink', linkname: '../../etc/shadow' }),
      /^the symlink "lib\/secrets" → "\.\.\/\.\.\/etc\/shadow" points outside the package$/,
    ],
    [
      'a tar symlink to an absolute path',
      lazyTarball(PACKAGE_JSON, { name: 'etc', type: 'symlink', linkname: '/etc' }),
      /^the symlink "etc" → "\/etc" points to an absolute path$/,
    ],
    [
      "a symlink leading out of npm's package/ folder (stripped by builds)",
      lazyTarball(NPM_PACKAGE_JSON, { name: 'package/up', type: 'symlink', linkname: '../outside' }),
      /^the symlink "up" → "\.\.\/outside" points outside the package$/,
    ],
    [
      'a tar hard link',
      lazyTarball(PACKAGE_JSON, { name: 'passwd', type: 'link', linkname: '/etc/passwd' }),
      /^the archive entry "passwd" is a hard link \(not supported; archive a copy instead\)$/,
    ],
    [
      'a tar character device',
      lazyTarball(PACKAGE_JSON, { name: 'dev/mem', type: 'character-device' }),
      /^the archive entry "dev\/mem" is a character-device, which a package cannot hold$/,
    ],
    [
      'a tar FIFO',
      () => buildTarball([PACKAGE_JSON, { name: 'pipe', type: 'fifo' }], { gzip: false }),
      /^the archive entry "pipe" is a fifo, which a package cannot hold$/,
    ],
    [
      'a zip symlink leading out of the tree',
      lazyZip(PACKAGE_JSON, { name: 'x/link', content: '../../etc', unixMode: 0o120777 }),
      /^the symlink "x\/link" → "\.\.\/\.\.\/etc" points outside the package$/,
    ],
    [
      'a zip entry climbing out with ..',
      lazyZip(PACKAGE_JSON, { name: '..\\evil.js', content: 'x' }),
      /^the archive entry "\.\.\\\\evil\.js" climbs out of the archive with "\.\."$/,
    ],
    [
      'a zip device file',
      lazyZip(PACKAGE_JSON, { name: 'dev/sda', unixMode: 0o60660 }),
      /^the archive entry "dev\/sda" is a special file \(mode 60000\), which a package cannot hold$/,
    ],
  ])('refuses %s', async (_, make, reason) => {
    expectRejected(await inspect(await make()), reason);
  });

  it('refuses more entries than the limit, as they are read', async () => {
    const many = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.js`, content: 'x' }));
    expectRejected(
      await inspect(await buildTarball([PACKAGE_JSON, ...many]), { maxEntries: 5 }),
      /^the archive has more than the limit of 5 entries$/,
    );
    expectRejected(
      await inspect(buildZip([PACKAGE_JSON, ...many]), { maxEntries: 5 }),
      /^the archive has more than the limit of 5 entries$/,
    );
  });

  it('still accepts ordinary packages: links inside the tree, an npm tarball, a zip', async () => {
    const npm = await buildTarball([
      { name: 'package/package.json', content: '{"name":"demo"}' },
      { name: 'package/bin/cli.js', content: '#!/usr/bin/env node', mode: 0o755 },
      { name: 'package/lib', type: 'symlink', linkname: 'bin' },
    ]);
    expect(await inspect(npm)).toMatchObject({ status: 'READY', techStack: 'NODEJS', evidence: 'package/package.json' });
    const zip = buildZip([
      { name: 'package.json', content: NODE_FILES['package.json'], deflate: true },
      { name: 'index.js', content: NODE_FILES['index.js'] },
      { name: 'current', content: 'index.js', unixMode: 0o120777 },
    ]);
    expect(await inspect(zip)).toMatchObject({ status: 'READY', techStack: 'NODEJS', evidence: 'package.json' });
  });
});
