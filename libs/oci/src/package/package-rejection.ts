import { PassThrough, type Readable } from 'node:stream';

import { ArchiveRejection } from '@stagecraft/archive';

import { PackageRejectedError } from '../assembly.errors';

/*
 * @stagecraft/archive rejects an archive with an ArchiveRejection. A build reports the same verdict
 * as a PackageRejectedError: an AssemblyError, so the build ends FAILED with PACKAGE_REJECTED (the
 * user's package, not the platform, is at fault; classifyBuildFailure). These translate at the
 * edge of this library; anything else passes through as it is.
 */

export function asPackageRejection(err: unknown): unknown {
  return err instanceof ArchiveRejection ? new PackageRejectedError(err.message) : err;
}

/**
 * An entry's bytes, opened by the layer builder after unpackPackage returned: a zip entry that
 * fails its size or CRC check only then must fail as a PackageRejectedError too.
 */
export async function openAsPackage(open: () => Promise<Readable>): Promise<Readable> {
  let source: Readable;
  try {
    source = await open();
  } catch (err) {
    throw asPackageRejection(err);
  }
  const bytes = new PassThrough({ readableHighWaterMark: source.readableHighWaterMark });
  source.on('error', (err) => bytes.destroy(asPackageRejection(err) as Error));
  bytes.on('close', () => source.destroy());
  return source.pipe(bytes);
}
