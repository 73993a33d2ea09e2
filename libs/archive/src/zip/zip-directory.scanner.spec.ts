import { crc32, deflateRawSync } from 'node:zlib';

import { ArchiveGuard } from '../archive-guard';
import { ArchiveRejection } from '../archive-rejection';
import type { ByteRangeSource } from '../byte-range-source';
import {
  ArchiveWorkshop,
  buildZip,
  buildZip64,
  centralHeader,
  CleanPathSink,
  commandExists,
  endOfCentralDirectory,
  fileBytes,
  localHeader,
  MemoryRangeSource,
  noise,
  readThrough,
  type ZipFixtureEntry,
} from '../testing';
import { resolveUnpackLimits, type UnpackLimits } from '../unpack-limits';
import { readZipItems } from './zip-directory.reader';
import { MAX_SCAN_ENTRY_READS, scanZipDirectory } from './zip-directory.scanner';
import { ZipStreamReader } from './zip-stream.reader';

/*
 * scanZipDirectory (inspection by ranged reads) against the streaming reader (inspection of the
 * whole stream, the fallback) and readZipItems (a build's unpacker): what it hears, how few reads
 * it takes, and when it gives up.
 */

const KiB = 1024;
const MiB = 1024 ** 2;
/** What findCentralDirectory reads first: the end record with the longest comment. */
const TAIL_BYTES = 22 + 0xffff;

const HAS_INFO_ZIP = commandExists('zip');
const workshop = new ArchiveWorkshop();
afterAll(() => workshop.remove());
let n = 0;

async function scan(zip: Buffer, wanted: string[] = [], limits: Partial<UnpackLimits> = {}) {
  const source = new MemoryRangeSource(zip);
  const sink = new CleanPathSink(wanted);
  const result = await scanZipDirectory(source, resolveUnpackLimits(limits), sink);
  return { result, sink, source };
}

async function stream(zip: Buffer, wanted: string[] = []): Promise<CleanPathSink> {
  const sink = new CleanPathSink(wanted);
  await readThrough(new ZipStreamReader(sink, new ArchiveGuard(resolveUnpackLimits(), 'zip')), zip);
  return sink;
}

/** The build's reading: [path, isDirectory] of every item readZipItems lists. */
async function buildItems(zip: Buffer): Promise<Array<[string, boolean]>> {
  const items = await readZipItems(workshop.bytes(`scan-${++n}.zip`, zip), resolveUnpackLimits());
  return items.map((item) => [item.path, item.type === 'directory']);
}

const demoApp: ZipFixtureEntry[] = [
  { name: 'app/', unixMode: 0o040755 },
  { name: 'app/package.json', content: '{"name":"demo"}', deflate: true },
  { name: 'app/bin/run', content: '#!/bin/sh\n', unixMode: 0o100755 },
  { name: 'app/current', content: 'bin', unixMode: 0o120777 },
  { name: '__MACOSX/app/._package.json', content: 'fork' },
];

/** A zip's name, how it is made (a file a real tool writes, Python's once flushPython ran, or bytes), the entries wanted. */
type Fixture = [name: string, make: () => string | Promise<string> | Buffer, wanted: string[]];

describe('scanZipDirectory on well-formed zips', () => {
  const files = { 'app/package.json': '{"name":"demo"}', 'app/src/index.js': 'console.log(1)\n'.repeat(50) };
  const python = (name: string, method: 'stored' | 'deflated', seekable: boolean, zip64 = false) =>
    workshop.python(name, { kind: 'zip', method, seekable, zip64, files });
  const demoWanted = ['app/package.json', 'app/current'];
  const INFO_ZIP: Fixture = ['Info-ZIP to a pipe', () => workshop.zipToPipe('infozip.zip', files), ['app/package.json']];
  const FIXTURES: Fixture[] = [
    [
      'an executable jar (the JDK, data descriptors)',
      () => workshop.jar('exec.jar', { 'com/example/Main.class': Buffer.from('cafebabe', 'hex') }, 'com.example.Main'),
      ['META-INF/MANIFEST.MF'],
    ],
    [
      'a WAR (the JDK)',
      () => workshop.jar('app.war', { 'WEB-INF/web.xml': '<web-app/>', 'index.jsp': '<html/>' }),
      ['META-INF/MANIFEST.MF', 'WEB-INF/web.xml'],
    ],
    ["Python's zipfile to a file, deflated", () => python('py-file.zip', 'deflated', true), ['app/package.json']],
    ["Python's zipfile to a pipe, stored (data descriptors)", () => python('py-pipe.zip', 'stored', false), ['app/package.json']],
    [
      "Python's zipfile to a pipe, deflated, with zip64 fields",
      () => python('py-zip64.zip', 'deflated', false, true),
      ['app/src/index.js'],
    ],
    ...(HAS_INFO_ZIP ? [INFO_ZIP] : []),
    ['a zip with a folder, modes, a symlink and macOS debris', () => buildZip(demoApp), demoWanted],
    ['the same in the zip64 layout', () => buildZip64(demoApp), demoWanted],
    ['the same with a comment', () => buildZip(demoApp, { comment: 'built by hand' }), demoWanted],
  ];
  const zips = new Map<string, Buffer>();

  beforeAll(async () => {
    const made = FIXTURES.map(([name, make]) => [name, make()] as const);
    await workshop.flushPython();
    for (const [name, zip] of made) zips.set(name, Buffer.isBuffer(zip) ? zip : fileBytes(await zip));
  });

  it.each(FIXTURES)(
    '%s: hears the entries and wanted contents the streaming reader hears, and the build lists',
    async (name, _, wanted) => {
      const zip = zips.get(name) ?? Buffer.alloc(0);
      const streamed = await stream(zip, wanted);
      const { result, sink } = await scan(zip, wanted);
      expect(result).toMatchObject({ complete: true });
      expect(sink.entries).toEqual(streamed.entries);
      expect(sink.contents).toEqual(streamed.contents);
      expect([...sink.contents.keys()].sort()).toEqual([...wanted].sort());
      expect(sink.entries).toEqual(await buildItems(zip));
    },
  );

  it('gives the Main-Class of a jar manifest', async () => {
    const { sink } = await scan(zips.get(FIXTURES[0][0]) ?? Buffer.alloc(0), ['META-INF/MANIFEST.MF']);
    expect(sink.contents.get('META-INF/MANIFEST.MF')).toMatch(/^Main-Class: com\.example\.Main\r?$/m);
  });
});

describe('scanZipDirectory reads', () => {
  it('a small zip in one read of its tail, the symlink target and the wanted entry included', async () => {
    for (const zip of [buildZip(demoApp), buildZip64(demoApp), buildZip(demoApp, { comment: 'x'.repeat(1000) })]) {
      const { result, sink, source } = await scan(zip, ['app/package.json']);
      expect(source.reads).toEqual([{ start: 0, length: zip.length }]);
      expect(result).toEqual({ complete: true, entries: 5, reads: 1, bytesRead: zip.length });
      expect(sink.contents.get('app/package.json')).toBe('{"name":"demo"}');
    }
  });

  it('the part of the directory its tail does not hold with one more read (a long comment)', async () => {
    const entries = Array.from({ length: 300 }, (_, i) => ({ name: `src/module-${i}.js`, content: `exports.n = ${i};\n` }));
    const zip = buildZip(entries, { comment: 'c'.repeat(60_000) });
    const directoryOffset = zip.readUInt32LE(zip.length - 60_000 - 22 + 16);
    const tailStart = zip.length - TAIL_BYTES;
    expect(directoryOffset).toBeLessThan(tailStart);
    const { result, sink, source } = await scan(zip);
    expect(source.reads).toEqual([
      { start: tailStart, length: TAIL_BYTES },
      { start: directoryOffset, length: tailStart - directoryOffset },
    ]);
    expect(result).toMatchObject({ complete: true, entries: 300, reads: 2 });
    expect(sink.entries).toEqual(entries.map(({ name }) => [name, false]));
  });

  it('a 64 MiB stored zip with 3 reads and its 64 KiB tail plus under 4 KiB', async () => {
    const part = noise(4 * MiB);
    const zip = buildZip([
      { name: 'META-INF/MANIFEST.MF', content: 'Manifest-Version: 1.0\r\nMain-Class: app.Main\r\n\r\n' },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `lib/part-${i}.bin`, content: part })),
      { name: 'lib/current', content: 'part-0.bin', unixMode: 0o120777 },
      ...Array.from({ length: 8 }, (_, i) => ({ name: `lib/more-${i}.bin`, content: part })),
    ]);
    expect(zip.length).toBeGreaterThan(64 * MiB);
    const { result, sink, source } = await scan(zip, ['META-INF/MANIFEST.MF']);
    expect(result).toMatchObject({ complete: true, entries: 18, reads: 3 });
    expect(result.bytesRead - TAIL_BYTES).toBeLessThan(4 * KiB);
    expect(source.bytesRead).toBe(result.bytesRead);
    expect(sink.contents.get('META-INF/MANIFEST.MF')).toContain('Main-Class: app.Main');
  });

  it('a node_modules tree: its directory with 2 reads, the symlinks of its .bin side by side with 1 more', async () => {
    const links = Array.from({ length: 300 }, (_, i) => ({
      name: `node_modules/.bin/tool-${i}`,
      content: `../tool-${i}/cli.js`,
      unixMode: 0o120777,
    }));
    const modules = Array.from({ length: 3000 }, (_, i) => ({
      name: `node_modules/tool-${i % 300}/lib/file-${i}.js`,
      content: noise(512, i + 1),
    }));
    const zip = buildZip([...links, ...modules]);
    const { result, sink } = await scan(zip);
    expect(result).toMatchObject({ complete: true, entries: 3300, reads: 3 });
    expect(sink.entries).toHaveLength(3300);
  });

  it("a local header's long extra field with one more read", async () => {
    // The directory does not give the local extra field's length; the scan allows 1 KiB of it.
    const data = Buffer.from('Main-Class: a.Main\r\n');
    const fields = { name: Buffer.from('META-INF/MANIFEST.MF'), flags: 0x800, method: 0, crc: crc32(data), size: data.length };
    const extra = Buffer.alloc(4 + 2000);
    extra.writeUInt16LE(0xcafe, 0);
    extra.writeUInt16LE(2000, 2);
    const local = localHeader({ ...fields, compressedSize: data.length, extra });
    const filler = buildZip([{ name: 'filler.bin', content: noise(70 * KiB) }]);
    const fillerEntry = filler.subarray(0, filler.indexOf(Buffer.from('PK\x01\x02', 'latin1')));
    const fillerCentral = filler.subarray(fillerEntry.length, filler.length - 22);
    fillerCentral.writeUInt32LE(local.length + data.length, 42);
    const directory = Buffer.concat([centralHeader({ ...fields, compressedSize: data.length, offset: 0 }), fillerCentral]);
    const entriesEnd = local.length + data.length + fillerEntry.length;
    const zip = Buffer.concat([local, data, fillerEntry, directory, endOfCentralDirectory(2, directory.length, entriesEnd)]);
    const { result, sink, source } = await scan(zip, ['META-INF/MANIFEST.MF']);
    expect(result).toMatchObject({ complete: true, reads: 3 });
    expect(source.reads[2]).toEqual({ start: local.length, length: data.length });
    expect(sink.contents.get('META-INF/MANIFEST.MF')).toBe('Main-Class: a.Main\r\n');
  });
});

describe('scanZipDirectory gives up, without a verdict,', () => {
  /** `count` symlinks, each followed by 70 KiB of file: too far apart to share a read. */
  function spreadSymlinks(count: number): Buffer {
    const filler = noise(70 * KiB);
    return buildZip(
      Array.from({ length: count }, (_, i) => [
        { name: `bin/tool-${i}`, content: `../lib/tool-${i}.js`, unixMode: 0o120777 },
        { name: `lib/tool-${i}.js`, content: filler },
      ]).flat(),
    );
  }

  it(`when its symlinks need more than ${MAX_SCAN_ENTRY_READS} reads, after reading only the tail`, async () => {
    const zip = spreadSymlinks(MAX_SCAN_ENTRY_READS + 1);
    const { result } = await scan(zip);
    expect(result).toEqual({
      complete: false,
      reason: `it needs ${MAX_SCAN_ENTRY_READS + 1} reads for ${MAX_SCAN_ENTRY_READS + 1} symlink targets and wanted entries, more than ${MAX_SCAN_ENTRY_READS}`,
      reads: 1,
      bytesRead: TAIL_BYTES,
    });
    // The archive is fine: the streaming reader and the build take it.
    const reader = new ZipStreamReader(new CleanPathSink(), new ArchiveGuard(resolveUnpackLimits(), 'zip'));
    await reader.write(zip);
    await reader.end();
    expect(await buildItems(zip)).toHaveLength(2 * (MAX_SCAN_ENTRY_READS + 1));
  });

  it(`but reads ${MAX_SCAN_ENTRY_READS} spread symlinks`, async () => {
    const { result } = await scan(spreadSymlinks(MAX_SCAN_ENTRY_READS));
    expect(result).toMatchObject({ complete: true, reads: 1 + MAX_SCAN_ENTRY_READS });
  });

  it('when its central directory is too large to hold, after reading only the tail', async () => {
    // 520 entries, each central header carrying a 64 KiB comment: a 34 MB directory.
    const comment = Buffer.alloc(0xffff, 'c');
    const zip = buildZip(Array.from({ length: 520 }, (_, i) => ({ name: `f${i}` })));
    const entriesEnd = zip.readUInt32LE(zip.length - 22 + 16);
    const headers: Buffer[] = [];
    for (let at = entriesEnd; at < zip.length - 22; at += 46 + zip.readUInt16LE(at + 28)) {
      const header = Buffer.from(zip.subarray(at, at + 46 + zip.readUInt16LE(at + 28)));
      header.writeUInt16LE(comment.length, 32);
      headers.push(header, comment);
    }
    const directory = Buffer.concat(headers);
    const big = Buffer.concat([zip.subarray(0, entriesEnd), directory, endOfCentralDirectory(520, directory.length, entriesEnd)]);
    const { result } = await scan(big);
    expect(result).toEqual({
      complete: false,
      reason: `its central directory has ${directory.length} bytes, more than the ${32 * MiB} a scan holds`,
      reads: 1,
      bytesRead: TAIL_BYTES,
    });
  });

  it('when a symlink has far more compressed bytes than its target needs', async () => {
    // 2000 empty stored deflate blocks (not final: 00, length 0000, its complement ffff), then
    // the real stream: valid deflate data, 10 KB for a 6-byte target.
    const padded = Buffer.concat([Buffer.from('000000ffff'.repeat(2000), 'hex'), deflateRawSync('target')]);
    const zip = withDeflatedData(buildZip([{ name: 'link', content: 'target', unixMode: 0o120777 }]), 'link', padded);
    const { result } = await scan(zip);
    expect(result).toMatchObject({
      complete: false,
      reason: `the symlink "link" has ${padded.length} compressed bytes for a 6-byte target`,
    });
    expect(await buildItems(zip)).toEqual([['link', false]]);
  });
});

describe('scanZipDirectory and a failing source', () => {
  class FailingSource implements ByteRangeSource {
    reads = 0;
    constructor(
      private readonly inner: ByteRangeSource,
      private readonly failingRead: number,
      private readonly error: Error,
      private readonly shortBy = 0,
    ) {}
    get size(): number {
      return this.inner.size;
    }
    async read(start: number, length: number): Promise<Buffer> {
      if (++this.reads !== this.failingRead) return this.inner.read(start, length);
      if (this.shortBy > 0) return (await this.inner.read(start, length)).subarray(this.shortBy);
      throw this.error;
    }
  }
  const zip = buildZip([
    { name: 'bin/tool', content: '../lib/tool.js', unixMode: 0o120777 },
    { name: 'lib/tool.js', content: noise(100 * KiB) },
  ]);

  it.each([
    ['the tail', 1],
    ['a symlink target', 2],
  ])('passes on the error of a read of %s unchanged', async (_, failingRead) => {
    const error = new Error('socket hang up');
    const source = new FailingSource(new MemoryRangeSource(zip), failingRead, error);
    await expect(scanZipDirectory(source, resolveUnpackLimits(), new CleanPathSink())).rejects.toBe(error);
  });

  it('refuses a source that returns fewer bytes than asked for, as a fault and not a verdict', async () => {
    const source = new FailingSource(new MemoryRangeSource(zip), 2, new Error('unused'), 3);
    const scanned = scanZipDirectory(source, resolveUnpackLimits(), new CleanPathSink());
    await expect(scanned).rejects.toThrow(/^the byte source returned \d+ bytes for a read of \d+ at byte 0$/);
    await expect(scanned).rejects.not.toBeInstanceOf(ArchiveRejection);
  });
});

/** A zip of the one stored entry `name`, its data replaced by deflated `data` (method and sizes to match). */
function withDeflatedData(zip: Buffer, name: string, data: Buffer): Buffer {
  const nameEnd = 30 + name.length;
  const local = Buffer.from(zip.subarray(0, nameEnd));
  const central = Buffer.from(zip.subarray(zip.length - 22 - (46 + name.length), zip.length - 22));
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  const end = Buffer.from(zip.subarray(zip.length - 22));
  end.writeUInt32LE(local.length + data.length, 16);
  return Buffer.concat([local, data, central, end]);
}
