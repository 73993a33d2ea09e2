import type { TechStack } from '@stagecraft/contracts';

import type { ManifestMediaType } from './media-types';

/** A base image of a stack, pushed to a registry under a tag. */
export interface SeededImage {
  stack: TechStack;
  repository: string;
  tag: string;
  /** `registry/repository:tag`. */
  reference: string;
  /** Of what the tag names: the manifest, or the index with `asIndex`. */
  digest: string;
  mediaType: ManifestMediaType;
}
