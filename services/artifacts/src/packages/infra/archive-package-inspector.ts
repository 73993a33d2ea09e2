import type { Readable } from 'node:stream';

import { Injectable } from '@nestjs/common';
import { archiveLimitsOf } from '@stagecraft/archive';
import type { TechStack } from '@stagecraft/contracts';

import { ArtifactsConfig } from '../../config';
import { PackageInspector } from '../domain/package-inspector';
import {
  type InspectionResult,
  inspectPackage,
  type InspectPackageOptions,
  inspectStoredPackage,
  type StoredPackage,
} from '../inspection';

/** The inspection functions with the service's size and archive limits (the same a build applies again). */
@Injectable()
export class ArchivePackageInspector extends PackageInspector {
  constructor(private readonly config: ArtifactsConfig) {
    super();
  }

  inspect(stream: Readable, declared: TechStack | undefined): Promise<InspectionResult> {
    return inspectPackage(stream, this.options(declared));
  }

  inspectStored(object: StoredPackage, sha256: string, declared: TechStack | undefined): Promise<InspectionResult> {
    return inspectStoredPackage(object, this.options(declared), sha256);
  }

  private options(declared: TechStack | undefined): InspectPackageOptions {
    return { maxBytes: this.config.PACKAGE_MAX_BYTES, declared, limits: archiveLimitsOf(this.config) };
  }
}
