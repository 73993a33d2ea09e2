import type { Readable } from 'node:stream';

import type { ArchiveFormat, ByteRangeSource, UnpackLimits } from '@stagecraft/archive';

export type { ArchiveFormat };

/** The tech stacks a package job can build. The lead aligns this with libs/contracts later. */
export const TECH_STACKS = ['JAVA', 'TOMCAT', 'NODEJS', 'PYTHON', 'PHP'] as const;
export type TechStack = (typeof TECH_STACKS)[number];

export interface InspectPackageOptions {
  /** More bytes than this end the read at once with REJECTED and no sha256. */
  maxBytes: number;
  /** The stack the user declared; contents that contradict it end REJECTED. */
  declared?: TechStack;
  /** Entry count, unpacked size and ratio limits; @stagecraft/archive's defaults otherwise. */
  limits?: Partial<UnpackLimits>;
}

/** A package whose sha256 the object store vouched for: read by ranges, or whole when detection needs every entry. */
export interface StoredPackage extends ByteRangeSource {
  stream(): Promise<Readable>;
}

export type InspectionResult =
  | {
      status: 'READY';
      sha256: string;
      sizeBytes: number;
      techStack: TechStack;
      format: ArchiveFormat;
      /** Which entry or attribute decided the stack, e.g. `package/package.json`. */
      evidence: string;
    }
  | {
      status: 'REJECTED';
      /** Hex sha256 of every byte read; null when the read stopped at maxBytes. */
      sha256: string | null;
      sizeBytes: number;
      reason: string;
    };
