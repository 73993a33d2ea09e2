import type { V1Container, V1Job, V1PodSpec } from '@kubernetes/client-node';
import type { BuildSpecSnapshotDto } from '@stagecraft/contracts';
import {
  type DependencyManifests,
  installEnvironment,
  installVolumes,
  outputLocation,
  type PackageRegistries,
  planDependencies,
  PYTHON_PACKAGES_DIR,
} from '@stagecraft/oci';
import { NPM_CI_COMMAND, PIP_INSTALL_COMMAND } from '@stagecraft/oci/testing';
import { Job } from 'kubernetes-models/batch/v1';
import { Secret } from 'kubernetes-models/v1';

import type { BuildEntity } from '../../infra/build.entity';
import { BUILD_POD_OPTIONS, HARDENED_SECURITY_CONTEXT } from '../../testing/build-pod-fixtures';
import {
  type BuildContainerSpec,
  buildJobManifest,
  buildSecretManifest,
  DEPENDENCIES_CONTAINER,
  type PodDependencies,
} from './build-job.manifests';

const REGISTRY_PASSWORD = 'registry-password-do-not-show';
const PACKAGE_URL = 'https://obs.example.com/packages/app.zip?X-Amz-Signature=0123456789abcdef';
const REGISTRIES: PackageRegistries = { npm: 'https://npm.mirror.example/', pip: 'https://pypi.mirror.example/simple' };
const SCRATCH = { sizeLimit: '6Gi' };

function buildOf(spec: Partial<BuildSpecSnapshotDto>): BuildEntity {
  return {
    id: '3f0c6a52-0d4e-4a8b-9d57-5a1f6f1d2c01',
    accountId: 'a1',
    enterpriseProjectId: 'p1',
    jobId: 'j1',
    number: 7,
    clusterId: 'c1',
    packageUrl: PACKAGE_URL,
    packageSha256: 'b'.repeat(64),
    spec: {
      jobName: 'orders-api',
      packageId: 'pkg1',
      techStack: 'NODEJS',
      buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: 'node', baseImageTag: '20-slim', dockerfile: null },
      imageClass: 'PRIVATE',
      archiveImage: 'registry.example.com/team/orders:1.0',
      clusterId: 'c1',
      nodeLabels: [],
      nodeName: 'node-a',
      clusterType: 'KUBERNETES',
      ...spec,
    },
  } as BuildEntity;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const NODE_MANIFESTS: DependencyManifests = {
  packageJson: json({ name: 'orders', version: '1.0.0', dependencies: { 'is-number': '7.0.0' } }),
  lockfiles: {
    'package-lock.json': json({
      name: 'orders',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'orders', version: '1.0.0', dependencies: { 'is-number': '7.0.0' } },
        'node_modules/is-number': {
          version: '7.0.0',
          resolved: 'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz',
          integrity: 'sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==',
        },
      },
    }),
  },
  hasNodeModules: false,
};
const PYTHON_MANIFESTS: DependencyManifests = {
  lockfiles: {},
  hasNodeModules: false,
  requirementsTxt: Buffer.from('flask==3.0.3\n'),
};

/** As the executor makes it: the plan of the package, the install's environment, the base image. */
function podDependencies(stack: 'NODEJS' | 'PYTHON', manifests: DependencyManifests, image: string): PodDependencies {
  const { install } = planDependencies(stack, manifests);
  if (!install) throw new Error('the plan has no install');
  return { install, env: installEnvironment(install, REGISTRIES), image };
}

function podSpecOf(job: V1Job): V1PodSpec {
  return job.spec!.template.spec!;
}

function container(spec: V1PodSpec, name: string): V1Container {
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

const envOf = (c: V1Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

function secretSpec(build: BuildEntity): BuildContainerSpec {
  return {
    buildId: build.id,
    baseImage: 'node:20-slim',
    targetImage: build.spec.archiveImage,
    techStack: 'NODEJS',
    packageName: 'orders-api',
    labels: {},
    packageUrl: PACKAGE_URL,
    packageSha256: build.packageSha256,
    platform: BUILD_POD_OPTIONS.platform,
    dockerfile: null,
    dependencies: { tool: 'npm', registryUrl: REGISTRIES.npm },
  };
}

describe('buildJobManifest: a NODEJS build whose package needs an npm install', () => {
  const build = buildOf({});
  const dependencies = podDependencies('NODEJS', NODE_MANIFESTS, 'node:20-slim');
  const job = buildJobManifest(build, BUILD_POD_OPTIONS, dependencies);
  const spec = podSpecOf(job);

  it('is a valid Job whose pod runs fetch, then dependencies, then build', () => {
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['fetch', 'dependencies']);
    expect(spec.containers.map((c) => c.name)).toEqual(['build']);
    expect(container(spec, 'fetch')).toMatchObject({ image: 'stagecraft/assembler:0.1.0', args: ['fetch'] });
    expect(container(spec, 'build')).toMatchObject({ image: 'stagecraft/assembler:0.1.0', args: ['assemble'] });
  });

  it('dependencies runs npm ci of the base image itself, in the app folder, with the configured registry', () => {
    const deps = container(spec, DEPENDENCIES_CONTAINER);
    expect(deps.image).toBe('node:20-slim');
    expect(deps.command).toEqual(NPM_CI_COMMAND);
    expect(deps.args).toBeUndefined();
    expect(deps.workingDir).toBe('/app');
    expect(envOf(deps)).toMatchObject({
      NPM_CONFIG_REGISTRY: 'https://npm.mirror.example/',
      NPM_CONFIG_REPLACE_REGISTRY_HOST: 'always',
      HOME: '/tmp',
    });
    expect(envOf(deps)).not.toHaveProperty('PIP_INDEX_URL');
    // npm writes no termination message: the tail of its output is what the outcome reads.
    expect(deps.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(deps.resources).toEqual({ requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } });
  });

  it('every container keeps the full hardening, the pod too', () => {
    for (const c of [...spec.initContainers!, ...spec.containers]) expect(c.securityContext).toEqual(HARDENED_SECURITY_CONTEXT);
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec).toMatchObject({
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      hostNetwork: false,
      hostPID: false,
      hostIPC: false,
    });
  });

  it('fetch fills emptyDirs that build mounts read-only; the dependencies volume sits where the CLI looks', () => {
    const volumes = new Map(spec.volumes!.map((v) => [v.name, v]));
    expect(volumes.get('workspace')).toEqual({ name: 'workspace', emptyDir: SCRATCH });
    expect(volumes.get('dependencies')).toEqual({ name: 'dependencies', emptyDir: SCRATCH });
    expect(container(spec, 'fetch').volumeMounts).toEqual([
      { name: 'build-secret', mountPath: '/var/run/stagecraft/build', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'workspace', mountPath: '/workspace' },
      { name: 'dependencies', mountPath: '/stagecraft/dependencies' },
    ]);
    expect(container(spec, 'build').volumeMounts).toEqual([
      { name: 'build-secret', mountPath: '/var/run/stagecraft/build', readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'workspace', mountPath: '/workspace', readOnly: true },
      { name: 'dependencies', mountPath: '/stagecraft/dependencies', readOnly: true },
    ]);
    for (const name of ['fetch', 'build'])
      expect(envOf(container(spec, name))).toMatchObject({
        PACKAGE_FILE: '/workspace/package',
        DEPENDENCIES_DIR: '/stagecraft/dependencies',
        STAGECRAFT_BUILD_SPEC: '/var/run/stagecraft/build/spec.json',
      });
  });

  it('dependencies mounts the folders fetch wrote (<volume>/work) at the install folders; its output is what build reads', () => {
    const mounts = container(spec, DEPENDENCIES_CONTAINER).volumeMounts!.filter((m) => m.name === 'dependencies');
    // fetch writes package.json and the lockfile to $DEPENDENCIES_DIR/work; npm fills /app/node_modules,
    // which is work/node_modules in the volume: where build reads the layer from (outputLocation).
    expect(mounts).toEqual([{ name: 'dependencies', mountPath: '/app', subPath: 'work' }]);
    expect(installVolumes(dependencies.install)).toEqual([{ name: 'work', path: '/app' }]);
    expect(outputLocation(dependencies.install)).toEqual({ volume: 'work', subPath: 'node_modules' });
  });

  // The attack: the tenant picks the base image, so its "npm" is any program. Nothing it can read may
  // hold a credential: not the Secret (presigned URL, registry passwords), not a token, not an env var.
  it('dependencies can read no credential: no Secret, no token, no other container’s /tmp, nothing secret in its env', () => {
    const deps = container(spec, DEPENDENCIES_CONTAINER);
    const volumes = new Map(spec.volumes!.map((v) => [v.name, v]));
    const mounted = deps.volumeMounts!.map((m) => volumes.get(m.name)!);
    for (const volume of mounted) {
      expect(volume.emptyDir).toEqual(SCRATCH);
      expect(volume.secret ?? volume.projected ?? volume.configMap ?? volume.downwardAPI ?? volume.hostPath).toBeUndefined();
    }
    expect(deps.volumeMounts!.map((m) => m.name)).not.toContain('build-secret');
    // /tmp of its own: the fetch and build containers (which mount the Secret) use another.
    const tmp = deps.volumeMounts!.find((m) => m.mountPath === '/tmp')!;
    for (const other of ['fetch', 'build'])
      expect(container(spec, other).volumeMounts!.map((m) => m.name)).not.toContain(tmp.name);
    expect(deps.envFrom).toBeUndefined();
    expect(deps.env!.every((e) => e.valueFrom === undefined)).toBe(true);
    expect(Object.keys(envOf(deps)).sort()).toEqual(Object.keys(installEnvironment({ tool: 'npm' }, REGISTRIES)).sort());
    expect(JSON.stringify(deps)).not.toMatch(/X-Amz-Signature|registry-password|spec\.json|config\.json|\/var\/run\/stagecraft/);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(deps.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it('runs only on nodes of the build platform (npm and pip install for the machine they run on), beside the chosen ones', () => {
    const labelled = podSpecOf(
      buildJobManifest(
        buildOf({ nodeLabels: [{ key: 'pool', value: 'builds' }] }),
        { ...BUILD_POD_OPTIONS, platform: 'linux/arm64' },
        dependencies,
      ),
    );
    expect(labelled.nodeSelector).toEqual({ pool: 'builds', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' });
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' });
  });

  it('every emptyDir has the scratch size limit: a build cannot fill its node’s disk', () => {
    const scratch = spec.volumes!.filter((v) => v.emptyDir);
    expect(scratch.map((v) => v.name).sort()).toEqual(['dependencies', 'dependencies-tmp', 'tmp', 'workspace']);
    for (const volume of scratch) expect(volume.emptyDir).toEqual(SCRATCH);
  });

  it('the kubelet pulls the base image with the build’s Secret, whose pull key holds only the base registry’s credentials', () => {
    expect(spec.imagePullSecrets).toEqual([{ name: `stagecraft-build-${build.id}` }]);
    const secret = buildSecretManifest(
      build,
      BUILD_POD_OPTIONS.namespace,
      { ...secretSpec(build), baseImage: 'mirror.example.com/library/node:20-slim' },
      {
        'registry.example.com': { username: 'builder', password: REGISTRY_PASSWORD },
        'mirror.example.com': { username: 'reader', password: 'mirror-password' },
      },
    );
    expect(() => new Secret(secret as never).validate()).not.toThrow();
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    const decode = (key: string) => JSON.parse(Buffer.from(secret.data![key], 'base64').toString());
    expect(decode('.dockerconfigjson')).toEqual({
      auths: { 'mirror.example.com': { auth: Buffer.from('reader:mirror-password').toString('base64') } },
    });
    expect(Object.keys(decode('config.json').auths).sort()).toEqual(['mirror.example.com', 'registry.example.com']);
    // No container sees the pull key: the volume projects only spec.json and config.json.
    const volume = spec.volumes!.find((v) => v.name === 'build-secret')!;
    expect(volume.secret!.items!.map((item) => item.key)).toEqual(['spec.json', 'config.json']);
    // A base image from a registry without credentials: an empty pull key, still valid.
    const anonymous = buildSecretManifest(build, BUILD_POD_OPTIONS.namespace, secretSpec(build), {
      'registry.example.com': { username: 'builder', password: REGISTRY_PASSWORD },
    });
    expect(JSON.parse(Buffer.from(anonymous.data!['.dockerconfigjson'], 'base64').toString())).toEqual({ auths: {} });
  });

  it('the Secret (only fetch and build mount it) names the install for the CLI: the tool and the registry', () => {
    const secret = buildSecretManifest(build, BUILD_POD_OPTIONS.namespace, secretSpec(build), {
      'registry.example.com': { username: 'builder', password: REGISTRY_PASSWORD },
    });
    const specJson = JSON.parse(Buffer.from(secret.data!['spec.json'], 'base64').toString());
    expect(specJson.dependencies).toEqual({ tool: 'npm', registryUrl: 'https://npm.mirror.example/' });
    // Neither the presigned URL nor the password is in the Job.
    expect(JSON.stringify(job)).not.toContain('X-Amz-Signature');
    expect(JSON.stringify(job)).not.toContain(REGISTRY_PASSWORD);
  });
});

describe('buildJobManifest: a PYTHON build whose package needs a pip install', () => {
  const dependencies = podDependencies('PYTHON', PYTHON_MANIFESTS, 'python:3.12-slim');
  const job = buildJobManifest(buildOf({ techStack: 'PYTHON' }), BUILD_POD_OPTIONS, dependencies);
  const spec = podSpecOf(job);

  it('dependencies runs pip install --target the PYTHONPATH folder, with the configured index', () => {
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['fetch', 'dependencies']);
    const deps = container(spec, DEPENDENCIES_CONTAINER);
    expect(deps.image).toBe('python:3.12-slim');
    expect(deps.command).toEqual(PIP_INSTALL_COMMAND);
    expect(deps.workingDir).toBe('/opt/stagecraft/install');
    expect(envOf(deps)).toMatchObject({ PIP_INDEX_URL: 'https://pypi.mirror.example/simple', PIP_CONFIG_FILE: '/dev/null' });
    expect(envOf(deps)).not.toHaveProperty('NPM_CONFIG_REGISTRY');
    // The folder pip fills is the one the image's PYTHONPATH names, and it is in the dependencies volume.
    expect(dependencies.install.outputDir).toBe(PYTHON_PACKAGES_DIR);
    expect(planDependencies('PYTHON', PYTHON_MANIFESTS).install?.imageEnv.PYTHONPATH).toBe(PYTHON_PACKAGES_DIR);
    expect(deps.volumeMounts!.filter((m) => m.name === 'dependencies')).toEqual([
      { name: 'dependencies', mountPath: '/opt/stagecraft/install', subPath: 'work' },
      { name: 'dependencies', mountPath: '/opt/stagecraft/python-packages', subPath: 'output' },
    ]);
    for (const c of [...spec.initContainers!, ...spec.containers]) expect(c.securityContext).toEqual(HARDENED_SECURITY_CONTEXT);
    expect(deps.volumeMounts!.map((m) => m.name)).not.toContain('build-secret');
  });
});

describe('buildJobManifest: builds without an install keep the single-container pod', () => {
  /** The assembler pod as it was before dependency installs, exactly. */
  const singleContainerPod = (build: BuildEntity): V1PodSpec => ({
    restartPolicy: 'Never',
    serviceAccountName: 'stagecraft-build',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    hostNetwork: false,
    hostPID: false,
    hostIPC: false,
    volumes: [
      {
        name: 'build-secret',
        secret: {
          secretName: `stagecraft-build-${build.id}`,
          defaultMode: 0o440,
          items: [
            { key: 'spec.json', path: 'spec.json' },
            { key: 'config.json', path: 'config.json' },
          ],
        },
      },
      { name: 'tmp', emptyDir: SCRATCH },
    ],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'build',
        image: 'stagecraft/assembler:0.1.0',
        args: ['assemble'],
        env: [
          { name: 'STAGECRAFT_BUILD_SPEC', value: '/var/run/stagecraft/build/spec.json' },
          { name: 'REGISTRY_AUTH_FILE', value: '/var/run/stagecraft/build/config.json' },
          { name: 'TMPDIR', value: '/tmp' },
          { name: 'CONTEXT_DIR', value: '/workspace' },
        ],
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
        securityContext: HARDENED_SECURITY_CONTEXT,
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'FallbackToLogsOnError',
        volumeMounts: [
          { name: 'build-secret', mountPath: '/var/run/stagecraft/build', readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
    ],
  });

  it.each<[string, Partial<BuildSpecSnapshotDto>, DependencyManifests | null]>([
    [
      'a JAVA build',
      {
        techStack: 'JAVA',
        buildSpec: { type: 'SYSTEM_DEFAULT', baseImage: 'eclipse-temurin', baseImageTag: '17-jre', dockerfile: null },
      },
      null,
    ],
    ['a NODEJS package that carries node_modules', {}, { ...NODE_MANIFESTS, hasNodeModules: true, lockfiles: {} }],
    ['a NODEJS package without dependencies', {}, { ...NODE_MANIFESTS, packageJson: json({ name: 'orders' }), lockfiles: {} }],
    ['a PYTHON package without requirements.txt', { techStack: 'PYTHON' }, { lockfiles: {}, hasNodeModules: false }],
  ])('%s', (_what, spec, manifests) => {
    const build = buildOf(spec);
    if (manifests) expect(planDependencies(build.spec.techStack, manifests).install).toBeNull();
    const job = buildJobManifest(build, BUILD_POD_OPTIONS);
    expect(() => new Job(job as never).validate()).not.toThrow();
    expect(podSpecOf(job)).toEqual(singleContainerPod(build));
  });

  it('a CUSTOM_DOCKERFILE build stays BuildKit’s pod: dependencies are never installed there', () => {
    const build = buildOf({
      buildSpec: { type: 'CUSTOM_DOCKERFILE', baseImage: null, baseImageTag: null, dockerfile: 'FROM node:20' },
    });
    const spec = podSpecOf(buildJobManifest(build, BUILD_POD_OPTIONS, podDependencies('NODEJS', NODE_MANIFESTS, 'node:20-slim')));
    expect(spec.initContainers?.map((c) => c.name)).toEqual(['fetch']);
    expect(spec.containers.map((c) => c.image)).toEqual(['moby/buildkit:v0.17.3-rootless']);
  });
});
