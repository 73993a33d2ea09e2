import { readdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';

import { ArchiveGuard } from '../archive-guard';
import type { ArchiveItem } from '../archive-item';
import { ArchiveRejection } from '../archive-rejection';
import { ArchiveWorkshop, buildTarball, expectDemoAppItems, readThrough, RecordingSink, type TarFixtureEntry } from '../testing';
import { resolveUnpackLimits } from '../unpack-limits';
import { stageTarItems } from './tar-stager';
import { TarStreamReader } from './tar-stream.reader';

/*
 * The two tar readers: the streaming one (inspection at upload) and the stager (a build's
 * unpacker, which writes each file to a numbered staging file). On the same archive they list the
 * same entries and refuse the same hostile ones.
 */

const MiB = 1024 ** 2;

const workshop = new ArchiveWorkshop();
afterAll(() => workshop.remove());
let n = 0;

/** Streams `tar` through a TarStreamReader; the names it reports and the contents of `wanted` ones. */
async function stream(tar: Buffer, gzipped: boolean, wanted: string[] = []): Promise<RecordingSink> {
  const sink = new RecordingSink(wanted);
  const format = gzipped ? 'tar.gz' : 'tar';
  await readThrough(new TarStreamReader(format, sink, new ArchiveGuard(resolveUnpackLimits(), format)), tar);
  return sink;
}

/** Stages `tar` from a file into a fresh, empty staging folder. */
async function stage(tar: Buffer, gzipped: boolean): Promise<{ items: ArchiveItem[]; staging: string }> {
  const staging = workshop.tree({});
  return { items: await stageTarItems(workshop.bytes(`${++n}.tar`, tar), gzipped, staging, resolveUnpackLimits()), staging };
}

describe.each([true, false])('the streaming tar reader and the stager (gzip: %s)', (gzipped) => {
  const app: TarFixtureEntry[] = [
    { name: 'package/', type: 'directory' },
    { name: 'package/package.json', content: '{"name":"demo"}' },
    { name: 'package/bin/run', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'package/current', type: 'symlink', linkname: 'bin' },
  ];

  it('read the same entries, file contents and symlink targets', async () => {
    const tar = await buildTarball(app, { gzip: gzipped });
    const streamed = await stream(tar, gzipped, ['package/package.json']);
    expect(streamed.names).toEqual(app.map((entry) => entry.name));
    expect(streamed.contents.get('package/package.json')).toBe('{"name":"demo"}');

    const { items, staging } = await stage(tar, gzipped);
    await expectDemoAppItems(items, 'package');
    // Staged under numbers, never under the archive's own names.
    expect((await readdir(staging)).every((name) => /^\d+$/.test(name))).toBe(true);
  });

  it.each<[string, TarFixtureEntry, RegExp]>([
    ['an entry climbing out with ..', { name: 'package/../../evil', content: 'x' }, /climbs out of the archive with "\.\."/],
    ['an absolute path', { name: '/etc/cron.d/x', content: 'x' }, /has an absolute path/],
    [
      'a symlink out of the tree',
      { name: 'a/secrets', type: 'symlink', linkname: '../../etc/shadow' },
      /points outside the package/,
    ],
    ['a hard link', { name: 'passwd', type: 'link', linkname: '/etc/passwd' }, /is a hard link/],
    ['a device file', { name: 'dev/mem', type: 'character-device' }, /is a character-device, which a package cannot hold/],
  ])('both refuse %s', async (_, hostile, message) => {
    const tar = await buildTarball([{ name: 'package.json', content: '{}' }, hostile], { gzip: gzipped });
    await expect(stream(tar, gzipped)).rejects.toThrow(message);
    await expect(stream(tar, gzipped)).rejects.toBeInstanceOf(ArchiveRejection);
    await expect(stage(tar, gzipped)).rejects.toThrow(message);
    await expect(stage(tar, gzipped)).rejects.toBeInstanceOf(ArchiveRejection);
  });
});

describe('the tar readers on a gzip stream', () => {
  it('both refuse one that passes the ratio limit', async () => {
    const zeros = await buildTarball([{ name: 'zeros.bin', content: Buffer.alloc(64 * MiB) }]);
    const message = /^the tar\.gz archive unpacks to more than 200 times its size .*decompression bomb$/;
    await expect(stream(zeros, true)).rejects.toThrow(message);
    await expect(stage(zeros, true)).rejects.toThrow(message);
  });

  it('the streaming one refuses a gzip without a tar inside', async () => {
    await expect(stream(gzipSync('just text, compressed'), true)).rejects.toThrow(
      'not a zip or tar.gz archive: gzip data without a tar archive inside',
    );
  });
});
