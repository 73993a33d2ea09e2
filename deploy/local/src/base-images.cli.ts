// npm run base-images: builds the embedded catalog's base images into the user's cache (the
// first `npm start` does the same), printing progress; nothing to do when they are there.
// CI runs it before the tests so that every launcher they start finds the cache warm.
import { prepareEmbeddedBaseImages } from './embedded-base-images';

prepareEmbeddedBaseImages().then(
  (images) => {
    for (const image of images)
      console.log(`${image.definition.repository}:${image.definition.tag}\t${image.layer.digest}\t${image.dir}`);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
