import { type CachedBaseImage, prepareBaseImages } from '@stagecraft/base-images';

import { which } from './which';

/**
 * The embedded catalog's base images (libs/base-images): from the user's cache, or built from
 * Debian packages with mmdebstrap on the first start, printing a line as each image starts and
 * ends (docs/base-images.md).
 */
export async function prepareEmbeddedBaseImages(): Promise<CachedBaseImage[]> {
  const started = Date.now();
  let built = 0;
  const images = await prepareBaseImages({
    mmdebstrap: which('mmdebstrap'),
    onProgress: (line) => {
      if (line.startsWith('Built ')) built++;
      console.log(line);
    },
  });
  if (built)
    console.log(`Base images ready in ${Math.round((Date.now() - started) / 1000)} s (built once, then taken from the cache)`);
  return images;
}
