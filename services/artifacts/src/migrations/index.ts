import { ArtifactsInitial1764000000100 } from './1764000000100-artifacts-initial';
import { PackageDeletionTombstone1765200000100 } from './1765200000100-package-deletion-tombstone';
import { PackageDeclaredSize1765300000500 } from './1765300000500-package-declared-size';
import { PackageVerification1766200000100 } from './1766200000100-package-verification';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const artifactsMigrations = [
  ArtifactsInitial1764000000100,
  PackageDeletionTombstone1765200000100,
  PackageDeclaredSize1765300000500,
  PackageVerification1766200000100,
];
