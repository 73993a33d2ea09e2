import { type BuildType, resourceNameProblem, type TechStack } from '@stagecraft/contracts';
import { parseDockerfile, scanForSecrets } from '@stagecraft/dockerfile';
import { imageReferenceProblem } from '@stagecraft/oci';

import type { BaseImageCatalog } from './base-image-catalog';
import { invalidField } from './invalid-field';

export interface BuildSpecInput {
  type: BuildType;
  baseImage?: string | null;
  baseImageTag?: string | null;
  dockerfile?: string | null;
}

export interface CheckedBuildSpec {
  type: BuildType;
  baseImage: string | null;
  baseImageTag: string | null;
  dockerfile: string | null;
  warnings: { line: number; kind: string; message: string }[];
}

export function checkName(name: string): void {
  const problem = resourceNameProblem(name);
  if (problem) throw invalidField('name', `name ${problem}`);
}

export function checkDescription(description: string | null | undefined): string | null {
  if (description === undefined || description === null || description === '') return null;
  if (description.length > 64) throw invalidField('description', 'description must be at most 64 characters');
  return description;
}

export function checkArchiveImage(archiveImage: string): void {
  const problem = imageReferenceProblem(archiveImage);
  if (problem) throw invalidField('archiveImage', `archiveImage is not a valid image reference: ${problem}`);
}

/**
 * The console's build types: SYSTEM_DEFAULT takes a base image and tag from the catalog of the
 * package's stack; IMAGE a base image of that stack; CUSTOM_DOCKERFILE a Dockerfile that parses
 * and starts with FROM, scanned for likely secrets (warnings, not errors).
 */
export function checkBuildSpec(spec: BuildSpecInput, stack: TechStack, catalog: BaseImageCatalog): CheckedBuildSpec {
  switch (spec.type) {
    case 'SYSTEM_DEFAULT': {
      if (!spec.baseImage) throw invalidField('baseImage', 'baseImage is required for SYSTEM_DEFAULT builds');
      const tags = catalog.tagsFor(stack, spec.baseImage);
      if (!tags) {
        const allowed = catalog.repositoriesFor(stack);
        throw invalidField(
          'baseImage',
          `baseImage must be a ${stack} base image of the catalog (${allowed.join(', ') || 'none configured'})`,
        );
      }
      if (!spec.baseImageTag) throw invalidField('baseImageTag', 'baseImageTag is required for SYSTEM_DEFAULT builds');
      if (!tags.includes(spec.baseImageTag)) throw invalidField('baseImageTag', `baseImageTag must be one of ${tags.join(', ')}`);
      return { type: spec.type, baseImage: spec.baseImage, baseImageTag: spec.baseImageTag, dockerfile: null, warnings: [] };
    }
    case 'IMAGE': {
      if (!spec.baseImage) throw invalidField('baseImage', 'baseImage is required for IMAGE builds');
      const problem = imageReferenceProblem(spec.baseImage);
      if (problem) throw invalidField('baseImage', `baseImage is not a valid image reference: ${problem}`);
      if (!catalog.isImageOf(stack, spec.baseImage)) {
        throw invalidField(
          'baseImage',
          `baseImage must be a ${stack} image (one of ${catalog.repositoriesFor(stack).join(', ') || 'none configured'})`,
        );
      }
      return { type: spec.type, baseImage: spec.baseImage, baseImageTag: null, dockerfile: null, warnings: [] };
    }
    case 'CUSTOM_DOCKERFILE': {
      if (!spec.dockerfile) throw invalidField('dockerfile', 'dockerfile is required for CUSTOM_DOCKERFILE builds');
      const parsed = parseDockerfile(spec.dockerfile);
      if (!parsed.ok) throw invalidField('dockerfile', parsed.problem);
      const warnings = scanForSecrets(parsed.instructions).map(({ line, kind, message }) => ({ line, kind, message }));
      return { type: spec.type, baseImage: null, baseImageTag: null, dockerfile: spec.dockerfile, warnings };
    }
  }
}

/** autoRebase: absent or null is false; anything but a boolean is refused, naming the field. */
export function checkAutoRebase(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalidField('autoRebase', 'autoRebase must be true or false');
  return value;
}
