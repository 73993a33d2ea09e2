// The Kubernetes objects of one build: a Secret holding what the build container needs and must
// not show (the package's presigned URL, registry credentials, a custom Dockerfile), and a
// batch/v1 Job whose single pod is hardened field by field. Pure functions: the executor creates
// these, the tests validate them with kubernetes-models.
import type { V1Container, V1Job, V1PodSpec, V1Secret, V1Volume } from '@kubernetes/client-node';
import { phaseMarker, TERMINATION_LOG_PATH } from '@stagecraft/contracts';
import {
  type DependencyInstall,
  type DependencyTool,
  formatRegistryAuthFile,
  installVolumes,
  parseImageReference,
} from '@stagecraft/oci';

import type { BuildEntity } from '../../infra/build.entity';
import { imageLabels } from '../build-images';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const BUILD_ID_LABEL = 'stagecraft.io/build-id';
/** Every object of every build carries it: the selector of the periodic clean-up. */
export const BUILD_OBJECTS_SELECTOR = `${MANAGED_BY_LABEL}=stagecraft,app.kubernetes.io/component=build`;
/** The container whose exit decides the build (an init container `fetch` precedes it for BuildKit). */
export const BUILD_CONTAINER = 'build';
export const FETCH_CONTAINER = 'fetch';
/** The init container that installs a package's dependencies with the base image's own npm or pip. */
export const DEPENDENCIES_CONTAINER = 'dependencies';
/** Where `fetch` leaves the package (the build container reads it from there) and the install's files. */
const WORKSPACE_MOUNT = '/workspace';
const DEPENDENCIES_MOUNT = '/stagecraft/dependencies';
/** The `dependencies` container's /tmp (HOME, npm's cache): shared with no other container. */
const DEPENDENCIES_TMP_VOLUME = 'dependencies-tmp';
/** Where the build's Secret is mounted, read-only. */
const SECRET_MOUNT = '/var/run/stagecraft/build';
/** The user of Stagecraft's assembler image (the `assembler` target of deploy/Dockerfile) and of rootless BuildKit's image. */
const ASSEMBLER_UID = 10001;
const BUILDKIT_UID = 1000;

export interface BuildPodOptions {
  namespace: string;
  assemblerImage: string;
  buildkitImage: string;
  resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
  deadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  /** The platform images are built for (`os/architecture[/variant]`). */
  platform: string;
  /** The pod's service account: the build namespace's own, which holds no rights. */
  serviceAccountName: string;
  /** sizeLimit of every emptyDir of the pod (a Kubernetes quantity): a build cannot fill its node's disk. */
  scratchSizeLimit: string;
}

/** What the build container reads from its Secret (`spec.json`): the assembler CLI's contract. */
export interface BuildContainerSpec {
  buildId: string;
  baseImage: string | null;
  targetImage: string;
  techStack: string;
  packageName: string;
  labels: Record<string, string>;
  packageUrl: string;
  packageSha256: string;
  platform: string;
  dockerfile: string | null;
  /** Set when the pod installs the package's dependencies: which tool, from which registry. */
  dependencies: { tool: DependencyTool; registryUrl: string } | null;
}

/** The install a build pod runs before assembling (from the plan the builds service made of the package). */
export interface PodDependencies {
  install: Pick<DependencyInstall, 'tool' | 'command' | 'workDir' | 'outputDir'>;
  /** The install's environment (installEnvironment): the registry and the folders npm or pip write to. */
  env: Record<string, string>;
  /** The image whose npm or pip runs: the build's base image. */
  image: string;
}

/** One name for the Job and the Secret of a build, fixed by the build id: a second create answers 409. */
export function buildObjectName(buildId: string): string {
  return `stagecraft-build-${buildId}`;
}

export function buildObjectLabels(build: BuildEntity): Record<string, string> {
  return {
    [MANAGED_BY_LABEL]: 'stagecraft',
    'app.kubernetes.io/component': 'build',
    'stagecraft.io/account-id': build.accountId,
    'stagecraft.io/project-id': build.enterpriseProjectId,
    'stagecraft.io/job-id': build.jobId,
    [BUILD_ID_LABEL]: build.id,
  };
}

type RegistryAuth = Record<string, { username: string; password: string }>;

/**
 * The build's Secret. `config.json` holds the credentials of the base and target registries for
 * the build containers; `.dockerconfigjson` (what makes it a `kubernetes.io/dockerconfigjson`
 * Secret, the pod's imagePullSecret) holds only the base registry's, for the kubelet to pull the
 * base image the dependencies container runs.
 */
export function buildSecretManifest(
  build: BuildEntity,
  namespace: string,
  spec: BuildContainerSpec,
  registryAuth: RegistryAuth,
): V1Secret {
  const baseHost = spec.baseImage ? registryHostOf(spec.baseImage) : null;
  const pull = baseHost && registryAuth[baseHost] ? { [baseHost]: registryAuth[baseHost] } : {};
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: buildObjectName(build.id), namespace, labels: buildObjectLabels(build) },
    type: 'kubernetes.io/dockerconfigjson',
    immutable: true,
    data: {
      'spec.json': base64(JSON.stringify(spec)),
      'config.json': base64(formatRegistryAuthFile(registryAuth)),
      '.dockerconfigjson': base64(formatRegistryAuthFile(pull)),
    },
  };
}

/** The registry host of an image reference; null when it does not parse (the build fails on it elsewhere). */
function registryHostOf(image: string): string | null {
  try {
    return parseImageReference(image).registry;
  } catch {
    return null;
  }
}

export function buildJobManifest(build: BuildEntity, options: BuildPodOptions, dependencies?: PodDependencies): V1Job {
  const labels = buildObjectLabels(build);
  const name = buildObjectName(build.id);
  const custom = build.spec.buildSpec.type === 'CUSTOM_DOCKERFILE';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: options.namespace,
      labels,
      annotations: { 'stagecraft.io/build-number': String(build.number), 'stagecraft.io/job-name': build.spec.jobName },
    },
    spec: {
      // One pod; a failure is final, except a disruption (eviction, preemption, drain), which the
      // Job retries and the executor allows once.
      backoffLimit: 0,
      podFailurePolicy: {
        rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      },
      activeDeadlineSeconds: options.deadlineSeconds,
      ttlSecondsAfterFinished: options.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: custom ? buildkitPodSpec(build, name, options) : assemblerPodSpec(build, name, options, dependencies),
      },
    },
  };
}

/** What every build pod shares: no token, no service links, no host namespaces, only the chosen nodes. */
function basePodSpec(build: BuildEntity, secretName: string, options: BuildPodOptions): Omit<V1PodSpec, 'containers'> {
  const nodeSelector = Object.fromEntries(build.spec.nodeLabels.map((label) => [label.key, label.value]));
  const eligible = build.spec.eligibleNodes ?? [];
  return {
    restartPolicy: 'Never',
    serviceAccountName: options.serviceAccountName,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
    // The labels choose the nodes; of those, only the ones with an EIP when the build started.
    ...(eligible.length
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: eligible }] }],
              },
            },
          },
        }
      : {}),
    volumes: [
      // Only spec.json and config.json: the pull credentials are the kubelet's, no container's.
      {
        name: 'build-secret',
        secret: {
          secretName,
          defaultMode: 0o440,
          items: [
            { key: 'spec.json', path: 'spec.json' },
            { key: 'config.json', path: 'config.json' },
          ],
        },
      },
      scratchVolume('tmp', options),
    ],
  };
}

/** An emptyDir the build may write to, up to the configured size (the kubelet evicts the pod beyond it). */
function scratchVolume(name: string, options: BuildPodOptions): V1Volume {
  return { name, emptyDir: { sizeLimit: options.scratchSizeLimit } };
}

function resources(options: BuildPodOptions): V1Container['resources'] {
  return {
    requests: { cpu: options.resources.cpuRequest, memory: options.resources.memoryRequest },
    limits: { cpu: options.resources.cpuLimit, memory: options.resources.memoryLimit },
  };
}

/** The hardening every container gets unless BuildKit needs an exception (see buildkitPodSpec). */
function hardenedContainer(uid: number): V1Container['securityContext'] {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

function assemblerContainer(
  name: string,
  command: 'assemble' | 'fetch',
  options: BuildPodOptions,
  extraMounts: V1Container['volumeMounts'] = [],
  extraEnv: V1Container['env'] = [],
): V1Container {
  return {
    name,
    image: options.assemblerImage,
    args: [command],
    env: [
      { name: 'STAGECRAFT_BUILD_SPEC', value: `${SECRET_MOUNT}/spec.json` },
      { name: 'REGISTRY_AUTH_FILE', value: `${SECRET_MOUNT}/config.json` },
      { name: 'TMPDIR', value: '/tmp' },
      { name: 'CONTEXT_DIR', value: WORKSPACE_MOUNT },
      ...(extraEnv ?? []),
    ],
    resources: resources(options),
    securityContext: hardenedContainer(ASSEMBLER_UID),
    terminationMessagePath: TERMINATION_LOG_PATH,
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [
      { name: 'build-secret', mountPath: SECRET_MOUNT, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      ...(extraMounts ?? []),
    ],
  };
}

function assemblerPodSpec(
  build: BuildEntity,
  secretName: string,
  options: BuildPodOptions,
  dependencies?: PodDependencies,
): V1PodSpec {
  const base = basePodSpec(build, secretName, options);
  const securityContext = {
    runAsNonRoot: true,
    runAsUser: ASSEMBLER_UID,
    runAsGroup: ASSEMBLER_UID,
    fsGroup: ASSEMBLER_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  if (!dependencies) return { ...base, securityContext, containers: [assemblerContainer(BUILD_CONTAINER, 'assemble', options)] };
  // fetch: the package into the workspace, the install's files into the dependencies volume;
  // dependencies: the base image's npm or pip fills its output folder there; build: the package
  // and that folder become the layers. Every container keeps the full hardening.
  const shared = [
    { name: 'PACKAGE_FILE', value: `${WORKSPACE_MOUNT}/package` },
    { name: 'DEPENDENCIES_DIR', value: DEPENDENCIES_MOUNT },
  ];
  const [os, arch] = options.platform.split('/');
  return {
    ...base,
    // The base image's own npm or pip runs here, and what it installs (native addons, wheels) is
    // for the machine it runs on: only nodes of the platform the image is built for. The Secret
    // lets the kubelet pull that base image from a registry that needs credentials.
    nodeSelector: { ...base.nodeSelector, 'kubernetes.io/os': os, 'kubernetes.io/arch': arch },
    imagePullSecrets: [{ name: secretName }],
    securityContext,
    initContainers: [
      assemblerContainer(
        FETCH_CONTAINER,
        'fetch',
        options,
        [
          { name: 'workspace', mountPath: WORKSPACE_MOUNT },
          { name: 'dependencies', mountPath: DEPENDENCIES_MOUNT },
        ],
        shared,
      ),
      dependenciesContainer(dependencies, options),
    ],
    containers: [
      assemblerContainer(
        BUILD_CONTAINER,
        'assemble',
        options,
        [
          { name: 'workspace', mountPath: WORKSPACE_MOUNT, readOnly: true },
          { name: 'dependencies', mountPath: DEPENDENCIES_MOUNT, readOnly: true },
        ],
        shared,
      ),
    ],
    volumes: [
      ...base.volumes!,
      scratchVolume('workspace', options),
      scratchVolume('dependencies', options),
      scratchVolume(DEPENDENCIES_TMP_VOLUME, options),
    ],
  };
}

/**
 * The base image itself runs the install (the same node or python that will run the app), as the
 * assembler's non-root uid, on a read-only root file system: it writes only to the dependencies
 * volume (mounted at the install's working and output folders) and to its own /tmp (HOME and
 * caches). It mounts nothing that holds a credential: not the Secret, not the others' /tmp.
 */
function dependenciesContainer(dependencies: PodDependencies, options: BuildPodOptions): V1Container {
  const { install } = dependencies;
  return {
    name: DEPENDENCIES_CONTAINER,
    image: dependencies.image,
    command: install.command,
    workingDir: install.workDir,
    env: Object.entries(dependencies.env).map(([name, value]) => ({ name, value })),
    resources: resources(options),
    securityContext: hardenedContainer(ASSEMBLER_UID),
    terminationMessagePath: TERMINATION_LOG_PATH,
    // npm and pip write no termination message: the kubelet keeps the tail of their output instead.
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [
      // Its own /tmp, not the one the containers holding the Secret write to and read from.
      { name: DEPENDENCIES_TMP_VOLUME, mountPath: '/tmp' },
      ...installVolumes(install).map((volume) => ({ name: 'dependencies', mountPath: volume.path, subPath: volume.name })),
    ],
  };
}

// Rootless BuildKit runs its own user namespace (rootlesskit with newuidmap/newgidmap, which are
// setuid) and mounts inside it. That needs, for its container only: seccomp and AppArmor
// Unconfined (the default profiles block unshare and mount), privilege escalation allowed (for
// the setuid helpers) with SETUID and SETGID kept, and a writable root filesystem. It still runs
// as a non-root user, unprivileged, with every other capability dropped; the fetch step before it
// keeps the full hardening. BUILDKITD_FLAGS turns off BuildKit's process sandbox, which would
// need more (docs/clusters.md).
const BUILDKIT_SCRIPT = [
  'set -e',
  `echo '${phaseMarker('BUILD')}'`,
  'set -- build --frontend dockerfile.v0 --local context=/workspace --local dockerfile=/workspace' +
    ' --opt "platform=$BUILD_PLATFORM" --output "type=image,name=$TARGET_IMAGE,push=true"' +
    ' --metadata-file /tmp/metadata.json',
  'for label in $IMAGE_LABELS; do set -- "$@" --opt "label:$label"; done',
  'buildctl-daemonless.sh "$@"',
  `echo '${phaseMarker('POSTPROCESS')}'`,
  `cat /tmp/metadata.json > ${TERMINATION_LOG_PATH}`,
].join('\n');

function buildkitPodSpec(build: BuildEntity, secretName: string, options: BuildPodOptions): V1PodSpec {
  const labels = imageLabels(build);
  return {
    ...basePodSpec(build, secretName, options),
    securityContext: { runAsNonRoot: true, runAsUser: BUILDKIT_UID, runAsGroup: BUILDKIT_UID, fsGroup: BUILDKIT_UID },
    initContainers: [
      {
        ...assemblerContainer(FETCH_CONTAINER, 'fetch', options, [{ name: 'workspace', mountPath: '/workspace' }]),
        securityContext: hardenedContainer(BUILDKIT_UID),
      },
    ],
    containers: [
      {
        name: BUILD_CONTAINER,
        image: options.buildkitImage,
        command: ['sh', '-c', BUILDKIT_SCRIPT],
        env: [
          { name: 'BUILDKITD_FLAGS', value: '--oci-worker-no-process-sandbox' },
          { name: 'DOCKER_CONFIG', value: SECRET_MOUNT },
          { name: 'TARGET_IMAGE', value: build.spec.archiveImage },
          { name: 'BUILD_PLATFORM', value: options.platform },
          // Label values are ids and the job name (letters, digits, `_`, `-`): no spaces to split on.
          {
            name: 'IMAGE_LABELS',
            value: Object.entries(labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          },
        ],
        resources: resources(options),
        securityContext: {
          allowPrivilegeEscalation: true,
          capabilities: { drop: ['ALL'], add: ['SETUID', 'SETGID'] },
          privileged: false,
          readOnlyRootFilesystem: false,
          runAsNonRoot: true,
          runAsUser: BUILDKIT_UID,
          runAsGroup: BUILDKIT_UID,
          seccompProfile: { type: 'Unconfined' },
          appArmorProfile: { type: 'Unconfined' },
        },
        terminationMessagePath: TERMINATION_LOG_PATH,
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [
          { name: 'build-secret', mountPath: SECRET_MOUNT, readOnly: true },
          { name: 'workspace', mountPath: '/workspace', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
          { name: 'buildkit-state', mountPath: '/home/user/.local/share/buildkit' },
        ],
      },
    ],
    volumes: [
      ...basePodSpec(build, secretName, options).volumes!,
      scratchVolume('workspace', options),
      scratchVolume('buildkit-state', options),
    ],
  };
}
