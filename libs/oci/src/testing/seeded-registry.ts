import { seedDemoBaseImages, type SeedDemoOptions, type SeededImage } from '../demo-base-images';
import { RegistryClient } from '../registry.client';
import { startTestRegistry, type TestRegistry, type TestRegistryOptions } from './registry-process';

/** A real registry holding the demo base images (OCI by default), for specs that build images. */
export async function startSeededTestRegistry(
  options: TestRegistryOptions & { seed?: SeedDemoOptions[] } = {},
): Promise<{ registry: TestRegistry; images: SeededImage[] }> {
  const registry = await startTestRegistry(options);
  try {
    const client = new RegistryClient({ registry: registry.host, credentials: options.basicAuth });
    const images: SeededImage[] = [];
    for (const seed of options.seed ?? [{}]) images.push(...(await seedDemoBaseImages(client, seed)));
    return { registry, images };
  } catch (err) {
    await registry.stop();
    throw err;
  }
}
