import { gzipSync } from 'node:zlib';

import { SNIFF_BYTES, sniffArchiveFile, sniffArchiveFormat } from './archive-format';
import { ArchiveWorkshop, buildTarball, buildZip } from './testing';

describe('sniffArchiveFormat', () => {
  it('tells zip, tar.gz and tar apart by their first bytes', async () => {
    expect(sniffArchiveFormat(buildZip([{ name: 'a', content: 'x' }]))).toBe('zip');
    expect(sniffArchiveFormat(buildZip([]))).toBe('zip'); // PK\x05\x06: an empty zip is only its end record
    expect(sniffArchiveFormat(await buildTarball([{ name: 'a', content: 'x' }]))).toBe('tar.gz');
    expect(sniffArchiveFormat(await buildTarball([{ name: 'a', content: 'x' }], { gzip: false }))).toBe('tar');
  });

  it('calls a gzip a tar.gz without looking inside: a gzip of anything else is found out when unpacked', () => {
    expect(sniffArchiveFormat(gzipSync('just text'))).toBe('tar.gz');
  });

  it('knows nothing else, and needs the tar magic whole', async () => {
    expect(sniffArchiveFormat(Buffer.alloc(0))).toBeNull();
    expect(sniffArchiveFormat(Buffer.from('PK\x01\x02', 'latin1'))).toBeNull(); // a central header is no start
    expect(sniffArchiveFormat(Buffer.from('just text, no archive at all'))).toBeNull();
    const tar = await buildTarball([{ name: 'a', content: 'x' }], { gzip: false });
    expect(sniffArchiveFormat(tar.subarray(0, SNIFF_BYTES - 1))).toBeNull();
    expect(sniffArchiveFormat(tar.subarray(0, SNIFF_BYTES))).toBe('tar');
  });
});

describe('sniffArchiveFile', () => {
  const workshop = new ArchiveWorkshop();
  afterAll(() => workshop.remove());

  it('sniffs the first bytes of a file, however short it is', async () => {
    expect(await sniffArchiveFile(workshop.bytes('a.zip', buildZip([{ name: 'a' }])))).toBe('zip');
    expect(await sniffArchiveFile(workshop.bytes('a.tar', await buildTarball([{ name: 'a' }], { gzip: false })))).toBe('tar');
    expect(await sniffArchiveFile(workshop.bytes('empty', Buffer.alloc(0)))).toBeNull();
  });
});
