import { ArchiveGuard } from '../archive-guard';
import type { ArchiveItem } from '../archive-item';
import { ArchiveRejection } from '../archive-rejection';
import {
  ArchiveWorkshop,
  buildZip,
  expectDemoAppItems,
  itemText,
  overlappingZip,
  readThrough,
  RecordingSink,
  storedEntry,
  zerosZip,
  type ZipFixtureEntry,
  zipOf,
} from '../testing';
import { resolveUnpackLimits, type UnpackLimits } from '../unpack-limits';
import { readZipItems } from './zip-directory.reader';
import { ZipStreamReader } from './zip-stream.reader';

/*
 * The two zip readers: the streaming one (inspection at upload) and the central-directory one (a
 * build's unpacker). A package READY at upload must be one the build accepts, so on the same
 * archive they list the same entries and refuse the same hostile ones.
 */

const MiB = 1024 ** 2;

const workshop = new ArchiveWorkshop();
afterAll(() => workshop.remove());
let n = 0;

/** Streams `zip` through a ZipStreamReader; the names it reports and the contents of `wanted` ones. */
async function stream(zip: Buffer, limits: Partial<UnpackLimits> = {}, wanted: string[] = []): Promise<RecordingSink> {
  const sink = new RecordingSink(wanted);
  await readThrough(new ZipStreamReader(sink, new ArchiveGuard(resolveUnpackLimits(limits), 'zip')), zip);
  return sink;
}

/** Reads `zip` from a file through its central directory. */
function directory(zip: Buffer, limits: Partial<UnpackLimits> = {}): Promise<ArchiveItem[]> {
  return readZipItems(workshop.bytes(`${++n}.zip`, zip), resolveUnpackLimits(limits));
}

describe('the streaming and the central-directory zip reader', () => {
  const app: ZipFixtureEntry[] = [
    { name: 'app/', unixMode: 0o040755 },
    { name: 'app/package.json', content: '{"name":"demo"}', deflate: true },
    { name: 'app/bin/run', content: '#!/bin/sh\n', unixMode: 0o100755 },
    { name: 'app/current', content: 'bin', unixMode: 0o120777 },
    { name: '__MACOSX/app/._package.json', content: 'fork' },
  ];

  it('read the same entries, file contents and symlink targets', async () => {
    const zip = buildZip(app);
    const streamed = await stream(zip, {}, ['app/package.json']);
    expect(streamed.names).toEqual(app.map((entry) => entry.name));
    expect(streamed.contents.get('app/package.json')).toBe('{"name":"demo"}');

    const items = await directory(zip);
    await expectDemoAppItems(items, 'app');
  });

  it.each<[string, () => Buffer, Partial<UnpackLimits>, RegExp]>([
    [
      'an entry climbing out with ..',
      () => buildZip([{ name: 'app/../../evil', content: 'x' }]),
      {},
      /climbs out of the archive with "\.\."/,
    ],
    ['an absolute path', () => buildZip([{ name: '/etc/cron.d/x', content: 'x' }]), {}, /has an absolute path/],
    [
      'a symlink out of the tree',
      () => buildZip([{ name: 'app/link', content: '../../etc/shadow', unixMode: 0o120777 }]),
      {},
      /^the symlink "app\/link" → "\.\.\/\.\.\/etc\/shadow" points outside the package$/,
    ],
    [
      'a FIFO',
      () => buildZip([{ name: 'fifo', unixMode: 0o010644 }]),
      {},
      /^the archive entry "fifo" is a special file \(mode 10000\), which a package cannot hold$/,
    ],
    [
      'more entries than the limit',
      () => buildZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}` }))),
      { maxEntries: 4 },
      /more than the limit of 4/,
    ],
    [
      'a 64 MiB entry of zeros, by the compression ratio',
      () => zerosZip({ bytes: 64 * MiB }),
      {},
      /^the zip archive unpacks to more than 200 times its size \(\d+ bytes from \d+, the entry "zeros\.bin"; .*decompression bomb$/,
    ],
    [
      'central entries sharing one local entry',
      () => overlappingZip({ copies: 3, bytes: MiB }),
      {},
      /^corrupt zip archive: the entries "0\.bin" and "0\.bin" overlap .*refusing a likely zip bomb$/,
    ],
  ])('both refuse %s', async (_, make, limits, message) => {
    const zip = make();
    await expect(stream(zip, limits)).rejects.toThrow(message);
    await expect(stream(zip, limits)).rejects.toBeInstanceOf(ArchiveRejection);
    await expect(directory(zip, limits)).rejects.toThrow(message);
    await expect(directory(zip, limits)).rejects.toBeInstanceOf(ArchiveRejection);
  });

  it("both take an entry whose Unix mode has permission bits only, as Python's zipfile writes them", async () => {
    const zip = buildZip([{ name: 'app/main.py', content: 'print(1)', unixMode: 0o600 }]);
    expect((await stream(zip)).names).toEqual(['app/main.py']);
    const [item] = await directory(zip);
    expect(item).toMatchObject({ type: 'file', path: 'app/main.py', mode: 0o644, size: 8 });
    expect(await itemText(item)).toBe('print(1)');
  });

  it('both refuse a central entry that points where no local entry starts', async () => {
    const zip = zipOf([storedEntry('package.json', '{}'), storedEntry('index.js', 'x', { offset: 50 })], (i) => [i]);
    await expect(stream(zip)).rejects.toThrow(
      'corrupt zip archive: the central directory entry "index.js" points at byte 50, where no entry of the archive starts',
    );
    await expect(directory(zip)).rejects.toThrow(/^corrupt zip archive: the local header of "index\.js" is missing$/);
  });
});

describe('the streaming zip reader', () => {
  it('refuses a local entry the central directory leaves out, which a directory reader would never see', async () => {
    const zip = zipOf([storedEntry('package.json', '{}'), storedEntry('evil.js', 'x')], (i) => (i === 0 ? [0] : []));
    await expect(stream(zip)).rejects.toThrow(
      /^corrupt zip archive: the entry "evil\.js" at byte \d+ is missing from the central directory$/,
    );
  });

  it('refuses an archive cut short', async () => {
    const zip = buildZip([{ name: 'a.txt', content: 'hello' }]);
    await expect(stream(zip.subarray(0, zip.length - 10))).rejects.toThrow(/^corrupt or truncated zip archive: it ends /);
  });
});

describe('the central-directory zip reader', () => {
  it('stops an entry that inflates past its declared size, and one that fails its CRC, when it is read', async () => {
    const [liar] = await directory(zerosZip({ bytes: 2 * MiB, declaredSize: 1024 }), { maxRatio: 1_000_000 });
    await expect(itemText(liar)).rejects.toThrow(/"zeros\.bin" unpacks to more than its declared 1024 bytes/);
    const zip = buildZip([{ name: 'a.txt', content: 'hello' }]);
    zip[zip.indexOf('hello')] = 'j'.charCodeAt(0);
    const [changed] = await directory(zip);
    await expect(itemText(changed)).rejects.toThrow(ArchiveRejection);
    await expect(itemText(changed)).rejects.toThrow(/"a\.txt" fails its CRC-32 check/);
  });
});
