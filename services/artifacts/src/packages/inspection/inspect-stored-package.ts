import { ArchiveRejection, resolveUnpackLimits, scanZipDirectory, SNIFF_BYTES, sniffArchiveFormat } from '@stagecraft/archive';

import { decided, inspectVouchedStream } from './inspect-package';
import type { InspectionResult, InspectPackageOptions, StoredPackage } from './package-inspection.types';
import { StackDetector } from './stack-detector';

/** Below this a package is streamed whole: ranged reads would save less than they cost in round trips. */
export const RANGED_INSPECTION_MIN_BYTES = 1024 * 1024;

/**
 * Inspects a package whose sha256 the object store vouched for, reading only what detection
 * needs. A zip is judged from its central directory, which names every entry with its declared
 * sizes and mode, plus the entries the detector reads (META-INF/MANIFEST.MF): a few ranged
 * reads instead of every byte. The archive rules a directory can show are applied here; what
 * only the bytes show (local headers, CRCs, sizes that lie) a build's unpacker holds to again
 * before anything runs. A tarball names its entries only along the way, so it is still read
 * whole, but not hashed; so is a zip whose directory needs more reads than the bound.
 */
export async function inspectStoredPackage(
  object: StoredPackage,
  options: InspectPackageOptions,
  sha256: string,
): Promise<InspectionResult> {
  if (object.size >= RANGED_INSPECTION_MIN_BYTES) {
    const head = await object.read(0, SNIFF_BYTES);
    if (sniffArchiveFormat(head) === 'zip') {
      const detector = new StackDetector('zip');
      try {
        const scan = await scanZipDirectory(object, resolveUnpackLimits(options.limits), detector);
        if (scan.complete) {
          return decided(detector.findings(), { sha256, sizeBytes: object.size, declared: options.declared });
        }
      } catch (error) {
        if (!(error instanceof ArchiveRejection)) throw error;
        return { status: 'REJECTED', sha256, sizeBytes: object.size, reason: error.message };
      }
    }
  }
  return inspectVouchedStream(await object.stream(), options, sha256);
}
