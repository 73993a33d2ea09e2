import type { Readable } from 'node:stream';

import { Injectable } from '@nestjs/common';
import { archiveLimitsOf } from '@stagecraft/archive';
import type { TechStack } from '@stagecraft/contracts';

import { ArtifactsConfig } from '../../config';
import { PackageInspector } from '../domain/package-inspector';
import { type InspectionResult, inspectPackage } from '../inspection';

/** inspectPackage with the service's size and archive limits (the same a build applies again). */
@Injectable()
export class ArchivePackageInspector extends PackageInspector {
  constructor(private readonly config: ArtifactsConfig) {
    super();
  }

  inspect(stream: Readable, declared: TechStack | undefined): Promise<InspectionResult> {
    return inspectPackage(stream, {
      maxBytes: this.config.PACKAGE_MAX_BYTES,
      declared,
      limits: archiveLimitsOf(this.config),
    });
  }
}
