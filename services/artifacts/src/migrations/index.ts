import { ArtifactsInitial1764000000100 } from './1764000000100-artifacts-initial';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const artifactsMigrations = [ArtifactsInitial1764000000100];
