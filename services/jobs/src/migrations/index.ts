import { JobsInitial1764000000300 } from './1764000000300-jobs-initial';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const jobsMigrations = [JobsInitial1764000000300];
