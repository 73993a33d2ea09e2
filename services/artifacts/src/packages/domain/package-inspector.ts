import type { Readable } from 'node:stream';

import type { TechStack } from '@stagecraft/contracts';

import type { InspectionResult } from '../inspection';

/** Reads a package's bytes once, under the configured limits: READY with its stack, or REJECTED and why. */
export abstract class PackageInspector {
  abstract inspect(stream: Readable, declared: TechStack | undefined): Promise<InspectionResult>;
}
