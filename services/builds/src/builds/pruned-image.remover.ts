import { Injectable, Logger } from '@nestjs/common';
import { EgressPolicy } from '@stagecraft/config';
import { parseImageReference, RegistryClient } from '@stagecraft/oci';

import { registryBackoffMs } from './domain/registry-backoff';
import { type ImageUse, type PrunedImage, PrunedImageStore } from './infra/pruned-image.store';
import { RegistryCredentialsClient } from './infra/registry-credentials.client';

/** Images deleted per pass; the rest wait for the next one. */
const BATCH = 100;
/** How long a claimed image is another replica's to leave alone. */
const CLAIM_MS = 5 * 60_000;
/** While a build that may push to the repository runs, its image waits this long. */
const BUSY_RETRY_MS = 60_000;
/** A registry that keeps failing: tried again after 1, 2, 4, … minutes, at most 6 hours apart, this many times. */
const MAX_ATTEMPTS = 10;

export interface RemovalPass {
  /** Deleted from the registry (or already gone there). */
  deleted: number;
  /** Not deleted: a build still in the history pushed the same digest. */
  kept: number;
  /** Left for a later pass: a build of the repository is unfinished, or the registry failed. */
  postponed: number;
  /** Given up after MAX_ATTEMPTS failures. */
  abandoned: number;
}

/**
 * Deletes the images of pruned builds whose policy says so (pruned_images), by digest, so every
 * tag on that manifest in its repository goes with it. Never one that a build still in the
 * history pushed (same registry, repository and digest), and not while a build that may push to
 * that repository is unfinished (it could push the same digest: layers are deterministic). Every
 * request goes through the egress policy; the registry's blobs stay until it collects garbage.
 */
@Injectable()
export class PrunedImageRemover {
  private readonly logger = new Logger('PrunedImageRemover');

  constructor(
    private readonly store: PrunedImageStore,
    private readonly credentials: RegistryCredentialsClient,
    private readonly egress: EgressPolicy,
  ) {}

  async removeDue(now: Date): Promise<RemovalPass> {
    const pass: RemovalPass = { deleted: 0, kept: 0, postponed: 0, abandoned: 0 };
    for (const image of await this.store.claimDue(now, BATCH, CLAIM_MS)) pass[await this.remove(image, now)] += 1;
    if (pass.deleted + pass.abandoned > 0)
      this.logger.log(`deleted ${pass.deleted} images of pruned builds; gave up on ${pass.abandoned}`);
    return pass;
  }

  private async remove(image: PrunedImage, now: Date): Promise<keyof RemovalPass> {
    let address: { registry: string; repository: string };
    try {
      address = parseImageReference(image.archiveImage);
    } catch {
      await this.store.remove(image.buildId);
      return 'abandoned';
    }
    const { registry, repository } = address;
    const uses = await this.store.usesOf(image.imageDigest);
    const sameRepository = (use: ImageUse) => sameAddress(use.archiveImage, registry, repository);
    if (uses.some((use) => use.finished && use.imageDigest === image.imageDigest && sameRepository(use))) {
      await this.store.remove(image.buildId);
      return 'kept';
    }
    if (uses.some((use) => !use.finished && sameRepository(use))) {
      await this.store.retryAt(image.buildId, new Date(now.getTime() + BUSY_RETRY_MS), null, image.attempts);
      return 'postponed';
    }
    try {
      const credentials = await this.credentials.forPrune(image, registry, repository);
      const client = new RegistryClient({ registry, credentials, fetch: this.egress.fetch });
      await client.deleteManifest(repository, image.imageDigest);
      // Its attestations describe an image that is gone; one already deleted (a retry) answers false.
      for (const digest of image.attestationManifests) await client.deleteManifest(repository, digest);
      await this.store.remove(image.buildId);
      return 'deleted';
    } catch (error) {
      const attempts = image.attempts + 1;
      const message = (error as Error).message;
      if (attempts >= MAX_ATTEMPTS) {
        this.logger.warn(
          `gave up deleting ${registry}/${repository}@${image.imageDigest} after ${attempts} attempts: ${message}`,
        );
        await this.store.remove(image.buildId);
        return 'abandoned';
      }
      await this.store.retryAt(image.buildId, new Date(now.getTime() + registryBackoffMs(attempts)), message, attempts);
      return 'postponed';
    }
  }
}

function sameAddress(archiveImage: string, registry: string, repository: string): boolean {
  try {
    const parsed = parseImageReference(archiveImage);
    return parsed.registry === registry && parsed.repository === repository;
  } catch {
    return false;
  }
}
