import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';

import { buildLayerInMemory, createLayerStream, parseSourceDateEpoch } from './layer.builder';
import type { LayerEntry } from './layer-entry';
import { readTarEntries } from './testing/layer-reader';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const ENTRIES: LayerEntry[] = [
  { type: 'file', path: '/app/z.txt', content: Buffer.from('zzz') },
  { type: 'file', path: 'app/bin/run', mode: 0o755, content: Buffer.from('#!/bin/sh\n') },
  { type: 'symlink', path: '/app/current', target: 'bin' },
  { type: 'file', path: '/app/a-b', content: Buffer.from('dash') },
  { type: 'directory', path: '/var/www/html', mode: 0o775, uid: 33, gid: 33 },
];

describe('buildLayerInMemory', () => {
  it('sorts entries, emits implied parents, pins times and owners', async () => {
    const layer = await buildLayerInMemory(ENTRIES);
    const entries = await readTarEntries(layer.bytes);
    expect(entries.map((e) => [e.header.name, e.header.type, e.header.mode.toString(8), e.header.uid, e.header.gid])).toEqual([
      ['app/', 'directory', '755', 0, 0],
      ['app/a-b', 'file', '644', 0, 0],
      ['app/bin/', 'directory', '755', 0, 0],
      ['app/bin/run', 'file', '755', 0, 0],
      ['app/current', 'symlink', '777', 0, 0],
      ['app/z.txt', 'file', '644', 0, 0],
      ['var/', 'directory', '755', 0, 0],
      ['var/www/', 'directory', '755', 0, 0],
      ['var/www/html/', 'directory', '775', 33, 33],
    ]);
    expect(gunzipSync(layer.bytes).subarray(0, 5).toString()).toBe('app/\0'); // directories end in "/", as docker writes them
    expect(new Set(entries.map((e) => e.header.mtime.getTime()))).toEqual(new Set([0]));
    expect(new Set(entries.map((e) => `${e.header.uname}|${e.header.gname}`))).toEqual(new Set(['|']));
    expect(entries.find((e) => e.header.name === 'app/current')?.header.linkname).toBe('bin');
    expect(entries.find((e) => e.header.name === 'app/z.txt')?.content.toString()).toBe('zzz');
  });

  it('reports the gzip digest and size and the diffID of the tar', async () => {
    const layer = await buildLayerInMemory(ENTRIES);
    const tar = gunzipSync(layer.bytes);
    expect(layer.digest).toBe(sha(layer.bytes));
    expect(layer.size).toBe(layer.bytes.length);
    expect(layer.diffId).toBe(sha(tar));
    expect(layer.uncompressedSize).toBe(tar.length);
    expect(layer.entries).toBe(9);
  });

  it('uncompressed, is the gzip layer’s own tar: one hash is its digest and its diffID', async () => {
    const gzipped = await buildLayerInMemory(ENTRIES);
    const plain = await buildLayerInMemory(ENTRIES, { compression: 'none' });
    expect(plain.bytes.equals(gunzipSync(gzipped.bytes))).toBe(true);
    expect(plain).toMatchObject({
      compression: 'none',
      digest: gzipped.diffId,
      diffId: gzipped.diffId,
      size: plain.bytes.length,
      uncompressedSize: plain.bytes.length,
      entries: 9,
    });
    expect(gzipped.compression).toBe('gzip');
    expect((await buildLayerInMemory([...ENTRIES].reverse(), { compression: 'none' })).digest).toBe(plain.digest);
  });

  it('writes a gzip header with no name, mtime 0 and the Unix OS byte', async () => {
    const { bytes } = await buildLayerInMemory(ENTRIES);
    expect(bytes.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000003');
    const stored = await buildLayerInMemory(ENTRIES, { gzipLevel: 0 });
    expect(stored.bytes.subarray(0, 10).toString('hex')).toBe('1f8b0800000000000403'); // XFL 4: fastest
    expect(stored.diffId).toBe((await buildLayerInMemory(ENTRIES)).diffId);
  });

  it('gives byte-identical output for the same entries in any order and any stream chunking', async () => {
    const big = Buffer.alloc(200_000, 1);
    const withStream = (chunks: Buffer[]): LayerEntry => ({
      type: 'file',
      path: 'app/big',
      size: big.length,
      open: () => Readable.from(chunks),
    });
    const one = await buildLayerInMemory([...ENTRIES, withStream([big])]);
    const two = await buildLayerInMemory([withStream([big.subarray(0, 7), big.subarray(7)]), ...[...ENTRIES].reverse()]);
    expect(two.bytes.equals(one.bytes)).toBe(true);
    expect(two.digest).toBe(one.digest);
  });

  it('uses SOURCE_DATE_EPOCH and a configured owner when given', async () => {
    const layer = await buildLayerInMemory([{ type: 'file', path: 'f', content: Buffer.from('x') }], {
      mtime: parseSourceDateEpoch('1700000000'),
      uid: 1000,
      gid: 1001,
    });
    const [entry] = await readTarEntries(layer.bytes);
    expect([entry.header.mtime.getTime(), entry.header.uid, entry.header.gid]).toEqual([1_700_000_000_000, 1000, 1001]);
    expect(() => parseSourceDateEpoch('yesterday')).toThrow(/whole seconds/);
    expect(parseSourceDateEpoch(undefined)).toBeUndefined();
  });

  it('writes long and non-ASCII paths as PAX records', async () => {
    const long = `app/${'d'.repeat(120)}/${'f'.repeat(120)}.txt`;
    const layer = await buildLayerInMemory([
      { type: 'file', path: long, content: Buffer.from('1') },
      { type: 'file', path: 'app/héllo.txt', content: Buffer.from('2') },
    ]);
    const names = (await readTarEntries(layer.bytes)).map((e) => e.header.name);
    expect(names).toEqual(['app/', `app/${'d'.repeat(120)}/`, long, 'app/héllo.txt']);
  });

  it.each<[string, LayerEntry[], RegExp]>([
    ['a ".." path', [{ type: 'file', path: 'app/../etc/passwd', content: Buffer.from('') }], /contains "\.\."/],
    ['a whiteout', [{ type: 'file', path: 'app/.wh.x', content: Buffer.from('') }], /whiteout/],
    ['the root', [{ type: 'directory', path: '/' }], /names the root/],
    [
      'a duplicate',
      [
        { type: 'file', path: 'a', content: Buffer.from('1') },
        { type: 'file', path: '/a', content: Buffer.from('2') },
      ],
      /given twice/,
    ],
    [
      'a file used as a folder',
      [
        { type: 'file', path: 'a', content: Buffer.from('1') },
        { type: 'file', path: 'a/b', content: Buffer.from('2') },
      ],
      /\/a is a file but \/a\/b is inside it/,
    ],
  ])('refuses %s', (_, entries, message) => {
    expect(() => createLayerStream(entries)).toThrow(message);
  });

  it.each([
    ['fewer', 3],
    ['more', 5],
  ])('fails when a stream has %s bytes than announced', async (_, actual) => {
    const entry: LayerEntry = { type: 'file', path: 'f', size: 4, open: () => Readable.from([Buffer.alloc(actual)]) };
    await expect(buildLayerInMemory([entry])).rejects.toThrow(/announced 4/);
  });
});
