import type { BuildPodOptions } from '../executors/kubernetes/build-job.manifests';

/** How the Kubernetes executor is configured in specs that make build pods. */
export const BUILD_POD_OPTIONS: BuildPodOptions = {
  namespace: 'stagecraft-builds',
  assemblerImage: 'stagecraft/assembler:0.1.0',
  buildkitImage: 'moby/buildkit:v0.17.3-rootless',
  resources: { cpuRequest: '500m', cpuLimit: '2', memoryRequest: '512Mi', memoryLimit: '2Gi' },
  deadlineSeconds: 900,
  ttlSecondsAfterFinished: 600,
  platform: 'linux/amd64',
  serviceAccountName: 'stagecraft-build',
  scratchSizeLimit: '6Gi',
};

/** What every container of an assembler pod gets (hardenedContainer), written out: specs compare it whole. */
export const HARDENED_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  seccompProfile: { type: 'RuntimeDefault' },
};
