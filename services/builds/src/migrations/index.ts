import { BuildsInitial1764000000400 } from './1764000000400-builds-initial';
import { KubernetesBuilds1764000000500 } from './1764000000500-kubernetes-builds';
import { BuildsOfDeletedJobs1765200000400 } from './1765200000400-builds-of-deleted-jobs';
import { BuildLeases1765400000400 } from './1765400000400-build-leases';
import { BuildPhaseTimes1765600000400 } from './1765600000400-build-phase-times';
import { BuildRetention1765800000400 } from './1765800000400-build-retention';
import { Webhooks1765900000400 } from './1765900000400-webhooks';
import { BuildAttestations1766000000400 } from './1766000000400-build-attestations';
import { BuildBase1766100000400 } from './1766100000400-build-base';

/** Applied in order on start; never edit one that has shipped, add a new one. */
export const buildsMigrations = [
  BuildsInitial1764000000400,
  KubernetesBuilds1764000000500,
  BuildsOfDeletedJobs1765200000400,
  BuildLeases1765400000400,
  BuildPhaseTimes1765600000400,
  BuildRetention1765800000400,
  Webhooks1765900000400,
  BuildAttestations1766000000400,
  BuildBase1766100000400,
];
