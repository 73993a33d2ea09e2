import { JobsInitial1764000000300 } from './1764000000300-jobs-initial';
import { JobsAccountRecencyIndex1764000000301 } from './1764000000301-jobs-account-recency-index';
import { JobsNamePerProject1765100000300 } from './1765100000300-jobs-name-per-project';
import { JobsAutoRebase1766100000300 } from './1766100000300-jobs-auto-rebase';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const jobsMigrations = [
  JobsInitial1764000000300,
  JobsAccountRecencyIndex1764000000301,
  JobsNamePerProject1765100000300,
  JobsAutoRebase1766100000300,
];
