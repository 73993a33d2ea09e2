import { Readable } from 'node:stream';

import { ArchiveRejection, checkSymlinkTarget, DEFAULT_UNPACK_LIMITS } from '@stagecraft/archive';
import { ArchiveWorkshop, buildZip } from '@stagecraft/archive/testing';

import { PackageRejectedError } from '../assembly.errors';
import { classifyBuildFailure } from '../build-failure';
import { buildLayerInMemory } from '../layer.builder';
import { asPackageRejection, openAsPackage } from './package-rejection';
import { unpackPackage } from './package-unpacker';

describe('archive rejections, as a build reports them', () => {
  it('become PackageRejectedErrors: the build is FAILED, PACKAGE_REJECTED, with the same message', () => {
    const error = asPackageRejection(new ArchiveRejection('the archive entry "../x" climbs out of the archive with ".."'));
    expect(error).toBeInstanceOf(PackageRejectedError);
    expect(classifyBuildFailure(error)).toEqual({
      status: 'FAILED',
      reason: 'PACKAGE_REJECTED',
      message: 'the archive entry "../x" climbs out of the archive with ".."',
    });
    const other = new Error('disk full');
    expect(asPackageRejection(other)).toBe(other);
  });

  it('also when an entry fails only as it is read, and the source stream is closed with it', async () => {
    const source = new Readable({ read() {} });
    const bytes = await openAsPackage(async () => source);
    source.push('partial ');
    source.destroy(new ArchiveRejection('the entry "a.txt" fails its CRC-32 check'));
    const read = (async () => {
      for await (const _ of bytes) {
        // drain
      }
    })();
    await expect(read).rejects.toThrow(new PackageRejectedError('the entry "a.txt" fails its CRC-32 check'));
    await expect(read).rejects.toBeInstanceOf(PackageRejectedError);
    await expect(openAsPackage(() => Promise.reject(new ArchiveRejection('no')))).rejects.toBeInstanceOf(PackageRejectedError);
  });

  it('include a refused symlink, failing as an AssemblyError', () => {
    const check = () => {
      try {
        checkSymlinkTarget('link', '/etc/passwd', DEFAULT_UNPACK_LIMITS, () => false);
      } catch (err) {
        throw asPackageRejection(err);
      }
    };
    expect(check).toThrow(PackageRejectedError);
  });

  describe('through unpackPackage', () => {
    const workshop = new ArchiveWorkshop();
    afterAll(() => workshop.remove());

    it('fails the layer of a zip whose entry fails its CRC with a PackageRejectedError', async () => {
      const zip = buildZip([{ name: 'a.txt', content: 'hello' }]);
      zip[zip.indexOf('hello')] = 'j'.charCodeAt(0);
      const unpacked = await unpackPackage(workshop.bytes('changed.zip', zip), { root: '/app', stripSingleTopFolder: false });
      const error = await buildLayerInMemory(unpacked.entries).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PackageRejectedError);
      expect((error as Error).message).toMatch(/"a\.txt" fails its CRC-32 check/);
    });
  });
});
