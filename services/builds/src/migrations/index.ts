import { BuildsInitial1764000000400 } from './1764000000400-builds-initial';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const buildsMigrations = [BuildsInitial1764000000400];
