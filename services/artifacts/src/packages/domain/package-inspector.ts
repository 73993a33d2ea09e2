import type { Readable } from 'node:stream';

import type { TechStack } from '@stagecraft/contracts';

import type { InspectionResult, StoredPackage } from '../inspection';

/** Reads a package's bytes under the configured limits: READY with its stack, or REJECTED and why. */
export abstract class PackageInspector {
  /** Every byte, once: the sha256 is computed here. */
  abstract inspect(stream: Readable, declared: TechStack | undefined): Promise<InspectionResult>;
  /** A package whose sha256 the store vouched for: only what detection needs is read. */
  abstract inspectStored(object: StoredPackage, sha256: string, declared: TechStack | undefined): Promise<InspectionResult>;
}
