import { ArchiveGuard } from '../archive-guard';
import { ArchiveRejection } from '../archive-rejection';
import {
  ArchiveWorkshop,
  buildZip,
  CleanPathSink,
  itemText,
  MemoryRangeSource,
  noise,
  overlappingZip,
  storedEntry,
  zerosZip,
  zipOf,
} from '../testing';
import { resolveUnpackLimits, type UnpackLimits } from '../unpack-limits';
import { readZipItems } from './zip-directory.reader';
import { scanZipDirectory } from './zip-directory.scanner';
import { ZipStreamReader } from './zip-stream.reader';

/*
 * The hostile zips (testing/hostile-archives and the cases of zip-readers.spec) against
 * scanZipDirectory: every one the central directory (and the few entries a scan reads) can tell
 * is refused, as the streaming reader (inspection today) or readZipItems (the build) refuses it.
 * The rest only a full read tells; the scan takes them, and the build refuses them when it unpacks
 * the archive, before anything of it runs.
 */

const MiB = 1024 ** 2;
const workshop = new ArchiveWorkshop();
afterAll(() => workshop.remove());
let n = 0;

type Reader = 'stream' | 'build';

async function scan(zip: Buffer, limits: Partial<UnpackLimits> = {}, wanted: string[] = []) {
  return scanZipDirectory(new MemoryRangeSource(zip), resolveUnpackLimits(limits), new CleanPathSink(wanted));
}

/** The rejection of the streaming reader, or of the build (readZipItems, then reading every file); null when it takes the zip. */
async function verdict(reader: Reader, zip: Buffer, limits: Partial<UnpackLimits>): Promise<ArchiveRejection | null> {
  try {
    if (reader === 'stream') {
      const streaming = new ZipStreamReader(new CleanPathSink(), new ArchiveGuard(resolveUnpackLimits(limits), 'zip'));
      await streaming.write(zip);
      await streaming.end();
    } else {
      const items = await readZipItems(workshop.bytes(`hostile-${++n}.zip`, zip), resolveUnpackLimits(limits));
      for (const item of items) if (item.type === 'file') await itemText(item);
    }
    return null;
  } catch (err) {
    if (err instanceof ArchiveRejection) return err;
    throw err;
  }
}

const CENTRAL = Buffer.from('PK\x01\x02', 'latin1');
const LOCAL = Buffer.from('PK\x03\x04', 'latin1');

/** Where the local or central header of the entry `name` starts. */
function headerOf(zip: Buffer, kind: 'local' | 'central', name: string): number {
  const [signature, nameAt] = kind === 'local' ? [LOCAL, 30] : [CENTRAL, 46];
  for (let at = zip.indexOf(signature); at !== -1; at = zip.indexOf(signature, at + 4)) {
    if (zip.subarray(at + nameAt, at + nameAt + name.length).toString('latin1') === name) return at;
  }
  throw new Error(`no ${kind} header for ${name}`);
}

/** A copy of `zip` changed by `edit`, which is given the copy and where the entry `name`'s headers start. */
function patched(zip: Buffer, name: string, edit: (zip: Buffer, local: number, central: number) => void): Buffer {
  const copy = Buffer.from(zip);
  edit(copy, headerOf(copy, 'local', name), headerOf(copy, 'central', name));
  return copy;
}

const hello = () => buildZip([{ name: 'a.txt', content: 'hello' }]);
const manifest = (deflate = false) =>
  buildZip([{ name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\nMain-Class: a.Main\r\n', deflate }]);
const MANIFEST = ['META-INF/MANIFEST.MF'];

describe('scanZipDirectory refuses what the directory and the entries it reads tell', () => {
  it.each<[string, () => Buffer, Partial<UnpackLimits>, string[], RegExp, Reader[]]>([
    [
      'an entry climbing out with ..',
      () => buildZip([{ name: 'app/../../evil', content: 'x' }]),
      {},
      [],
      /^the archive entry "app\/\.\.\/\.\.\/evil" climbs out of the archive with "\.\."$/,
      ['stream', 'build'],
    ],
    [
      'an absolute path',
      () => buildZip([{ name: '/etc/cron.d/x', content: 'x' }]),
      {},
      [],
      /^the archive entry "\/etc\/cron\.d\/x" has an absolute path$/,
      ['stream', 'build'],
    ],
    [
      'a symlink out of the tree (its target read by range)',
      () => buildZip([{ name: 'app/link', content: '../../etc/shadow', unixMode: 0o120777 }]),
      {},
      [],
      /^the symlink "app\/link" → "\.\.\/\.\.\/etc\/shadow" points outside the package$/,
      ['stream', 'build'],
    ],
    [
      // readZipItems leaves this to the build's unpacker (libs/oci checkTree), which refuses it too.
      'a symlink through another symlink',
      () =>
        buildZip([
          { name: 'app/d', content: '.', unixMode: 0o120777 },
          { name: 'app/e', content: 'd/f', unixMode: 0o120777 },
        ]),
      {},
      [],
      /^the symlink "app\/e" → "d\/f" passes through another symlink$/,
      ['stream'],
    ],
    [
      'a symlink target longer than the path limit',
      () => buildZip([{ name: 'app/link', content: 'a/'.repeat(2100), unixMode: 0o120777 }]),
      {},
      [],
      /^the symlink "app\/link" has a target longer than 4096 bytes$/,
      ['stream', 'build'],
    ],
    [
      'a symlink whose target fails its CRC-32 check',
      () =>
        patched(buildZip([{ name: 'app/current', content: 'bin', unixMode: 0o120777 }]), 'app/current', (zip, local) =>
          zip.write('bim', local + 30 + 'app/current'.length, 'latin1'),
        ),
      {},
      [],
      /^corrupt zip archive: the entry "app\/current" fails its CRC-32 check$/,
      ['build'],
    ],
    [
      'a FIFO',
      () => buildZip([{ name: 'fifo', unixMode: 0o010644 }]),
      {},
      [],
      /^the archive entry "fifo" is a special file \(mode 10000\), which a package cannot hold$/,
      ['stream', 'build'],
    ],
    [
      'more entries than the limit',
      () => buildZip(Array.from({ length: 5 }, (_, i) => ({ name: `f${i}` }))),
      { maxEntries: 4 },
      [],
      /^the archive has 5 entries, more than the limit of 4$/,
      ['stream', 'build'],
    ],
    [
      'a 64 MiB entry of zeros, by its declared compression ratio',
      () => zerosZip({ bytes: 64 * MiB }),
      {},
      [],
      /^the zip archive unpacks to more than 200 times its size \(\d+ bytes from \d+, the entry "zeros\.bin"; .*decompression bomb$/,
      ['stream', 'build'],
    ],
    [
      'more declared bytes than the total limit',
      () =>
        buildZip([
          { name: 'a.bin', content: noise(1000) },
          { name: 'b.bin', content: noise(1000) },
        ]),
      { maxTotalBytes: 1500 },
      [],
      /^the archive unpacks to more than the limit of 1500 bytes \(total unpacked size\)$/,
      ['stream', 'build'],
    ],
    [
      'central entries sharing one local entry',
      () => overlappingZip({ copies: 3, bytes: MiB }),
      {},
      [],
      /^corrupt zip archive: the entries "0\.bin" and "0\.bin" overlap .*refusing a likely zip bomb$/,
      ['stream', 'build'],
    ],
    [
      'central entries under other names sharing one local entry',
      () => overlappingZip({ copies: 3, bytes: MiB, distinctNames: true }),
      {},
      [],
      /^corrupt zip archive: the entries "0\.bin" and "1\.bin" overlap .*refusing a likely zip bomb$/,
      ['stream', 'build'],
    ],
    [
      'a central entry that points where no local entry starts',
      () => zipOf([storedEntry('package.json', '{}'), storedEntry('index.js', 'x', { offset: 50 })], (i) => [i]),
      {},
      [],
      /^corrupt zip archive: the entry "index\.js" lies outside the archive's entries \(bytes 50–89, the central directory starts at 83\)$/,
      ['stream', 'build'],
    ],
    [
      'an entry that runs past the end of the file',
      () => patched(hello(), 'a.txt', (zip, _, central) => zip.writeUInt32LE(10 * MiB, central + 20)),
      {},
      [],
      /^corrupt zip archive: the entry "a\.txt" lies past the end of the file$/,
      ['stream', 'build'],
    ],
    [
      'an archive cut short',
      () => hello().subarray(0, hello().length - 10),
      {},
      [],
      /^corrupt zip archive: it has no end of central directory record$/,
      ['stream', 'build'],
    ],
    [
      'an encrypted entry',
      () =>
        patched(hello(), 'a.txt', (zip, local, central) => {
          zip.writeUInt16LE(zip.readUInt16LE(local + 6) | 1, local + 6);
          zip.writeUInt16LE(zip.readUInt16LE(central + 8) | 1, central + 8);
        }),
      {},
      [],
      /^the zip entry "a\.txt" is encrypted$/,
      ['stream', 'build'],
    ],
    [
      'an entry compressed with bzip2',
      () =>
        patched(hello(), 'a.txt', (zip, local, central) => {
          zip.writeUInt16LE(12, local + 8);
          zip.writeUInt16LE(12, central + 10);
        }),
      {},
      [],
      /^the zip entry "a\.txt" uses compression method 12 \(only stored and deflate are supported\)$/,
      ['stream', 'build'],
    ],
    [
      'a stored entry declared smaller than its data',
      () => patched(hello(), 'a.txt', (zip, _, central) => zip.writeUInt32LE(3, central + 24)),
      {},
      [],
      /^corrupt zip archive: the entry "a\.txt" unpacks to more than its declared 3 bytes$/,
      ['stream', 'build'],
    ],
    [
      'a wanted entry that inflates past its declared size',
      () => zerosZip({ name: 'META-INF/MANIFEST.MF', bytes: 2 * MiB, declaredSize: 1024 }),
      { maxRatio: 1_000_000 },
      MANIFEST,
      /^corrupt zip archive: the entry "META-INF\/MANIFEST\.MF" unpacks to more than its declared 1024 bytes$/,
      ['stream', 'build'],
    ],
    [
      'a wanted entry whose local header names another entry',
      () => patched(manifest(), 'META-INF/MANIFEST.MF', (zip, local) => zip.write('X', local + 30 + 19, 'latin1')),
      {},
      MANIFEST,
      /^corrupt zip archive: the central directory names "META-INF\/MANIFEST\.MF" where the local header at byte 0 names "META-INF\/MANIFEST\.MX"$/,
      ['stream', 'build'],
    ],
    [
      'a wanted entry whose deflate data is invalid',
      () => patched(manifest(true), 'META-INF/MANIFEST.MF', (zip, local) => zip.fill(0xff, local + 30 + 20, local + 30 + 24)),
      {},
      MANIFEST,
      /^corrupt zip archive: the entry "META-INF\/MANIFEST\.MF" cannot be read \(invalid block type\)$/,
      ['stream', 'build'],
    ],
  ])('%s', async (_, make, limits, wanted, message, refusedBy) => {
    const zip = make();
    const scanned = scan(zip, limits, wanted);
    await expect(scanned).rejects.toThrow(message);
    await expect(scanned).rejects.toBeInstanceOf(ArchiveRejection);
    for (const reader of refusedBy) expect(await verdict(reader, zip, limits)).toBeInstanceOf(ArchiveRejection);
  });
});

describe('scanZipDirectory takes what only a full read tells, and the build refuses', () => {
  it.each<[string, () => Buffer, Partial<UnpackLimits>, Record<Reader, boolean>]>([
    [
      'a file whose data fails its CRC-32 check',
      () => patched(hello(), 'a.txt', (zip, local) => zip.write('j', local + 30 + 5, 'latin1')),
      {},
      { stream: false, build: true },
    ],
    [
      'a file that inflates past its declared size (zerosZip with a lying header)',
      () => zerosZip({ bytes: 2 * MiB, declaredSize: 1024 }),
      { maxRatio: 1_000_000 },
      { stream: true, build: true },
    ],
    [
      'a file whose local header names another entry',
      () => patched(hello(), 'a.txt', (zip, local) => zip.write('b', local + 30, 'latin1')),
      {},
      { stream: true, build: true },
    ],
    [
      'a file whose local header is missing',
      () => patched(hello(), 'a.txt', (zip, local) => zip.write('XX', local, 'latin1')),
      {},
      { stream: true, build: true },
    ],
    [
      'a file whose deflate data is invalid',
      () =>
        patched(buildZip([{ name: 'a.txt', content: 'hello hello', deflate: true }]), 'a.txt', (zip, local) =>
          zip.fill(0xff, local + 35, local + 39),
        ),
      {},
      { stream: true, build: true },
    ],
    [
      // The build never sees it either: it unpacks what the central directory lists.
      'a local entry the central directory leaves out',
      () => zipOf([storedEntry('package.json', '{}'), storedEntry('evil.js', 'x')], (i) => (i === 0 ? [0] : [])),
      {},
      { stream: true, build: false },
    ],
  ])('%s', async (_, make, limits, refused) => {
    const zip = make();
    await expect(scan(zip, limits)).resolves.toMatchObject({ complete: true });
    for (const reader of ['stream', 'build'] as const) {
      expect({ reader, refused: (await verdict(reader, zip, limits)) !== null }).toEqual({ reader, refused: refused[reader] });
    }
  });
});
