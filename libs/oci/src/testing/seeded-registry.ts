import type { RegistryTokenSource } from '../registry.auth';
import { RegistryClient } from '../registry.client';
import type { SeededImage } from '../seeded-image';
import { seedDemoBaseImages, type SeedDemoOptions } from './demo-base-images';
import { startTestRegistry, type TestRegistry, type TestRegistryOptions } from './registry-process';

/** A real registry holding the demo base images (OCI by default), for specs that build images. */
export async function startSeededTestRegistry(
  /** `tokenSource`: how the seeding client signs its own tokens, for a registry with `tokenAuth`. */
  options: TestRegistryOptions & { seed?: SeedDemoOptions[]; tokenSource?: RegistryTokenSource } = {},
): Promise<{ registry: TestRegistry; images: SeededImage[] }> {
  const registry = await startTestRegistry(options);
  try {
    const client = new RegistryClient({
      registry: registry.host,
      credentials: options.basicAuth,
      tokenSource: options.tokenSource,
    });
    const images: SeededImage[] = [];
    for (const seed of options.seed ?? [{}]) images.push(...(await seedDemoBaseImages(client, seed)));
    return { registry, images };
  } catch (err) {
    await registry.stop();
    throw err;
  }
}
