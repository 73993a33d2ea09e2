import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import type { BuildSpecSnapshotDto } from '@stagecraft/contracts';
import { type DependencyManifests, installEnvironment, type PackageRegistries, planDependencies } from '@stagecraft/oci';

import type { BuildEntity } from '../../infra/build.entity';
import { BUILD_POD_OPTIONS } from '../../testing/build-pod-fixtures';
import { buildJobManifest } from './build-job.manifests';
import { decideBuildState } from './build-job.outcome';

const REGISTRIES: PackageRegistries = {
  npm: 'https://npm-reader:mirror-pa55@npm.mirror.example/',
  pip: 'https://pypi.mirror.example/simple',
};
const DIGEST = `sha256:${'a'.repeat(64)}`;

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const MANIFESTS: Record<'NODEJS' | 'PYTHON', DependencyManifests> = {
  NODEJS: {
    packageJson: json({ name: 'orders', dependencies: { 'is-number': '7.0.0' } }),
    lockfiles: {
      'package-lock.json': json({
        name: 'orders',
        lockfileVersion: 3,
        packages: {
          '': { name: 'orders', dependencies: { 'is-number': '7.0.0' } },
          'node_modules/is-number': { version: '7.0.0', resolved: 'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz' },
        },
      }),
    },
    hasNodeModules: false,
  },
  PYTHON: { lockfiles: {}, hasNodeModules: false, requirementsTxt: Buffer.from('flask==3.0.3\n') },
};

/** The pod of a build that installs dependencies, as the Job controller makes it from the manifest. */
function podOf(stack: 'NODEJS' | 'PYTHON'): V1Pod {
  const build = {
    id: '3f0c6a52-0d4e-4a8b-9d57-5a1f6f1d2c01',
    number: 1,
    accountId: 'a1',
    enterpriseProjectId: 'p1',
    jobId: 'j1',
    spec: {
      jobName: 'orders-api',
      techStack: stack,
      buildSpec: {
        type: 'SYSTEM_DEFAULT',
        baseImage: stack === 'NODEJS' ? 'node' : 'python',
        baseImageTag: 'x',
        dockerfile: null,
      },
      archiveImage: 'registry.example.com/team/orders:1.0',
      nodeLabels: [],
    } as Partial<BuildSpecSnapshotDto>,
  } as BuildEntity;
  const install = planDependencies(stack, MANIFESTS[stack]).install!;
  const job = buildJobManifest(
    build,
    { ...BUILD_POD_OPTIONS, scratchSizeLimit: '8Gi' },
    { install, env: installEnvironment(install, REGISTRIES), image: 'base:x' },
  );
  return { metadata: { name: 'stagecraft-build-1-abcde' }, spec: job.spec!.template.spec };
}

const terminated = (name: string, exitCode: number, message?: string, reason = exitCode ? 'Error' : 'Completed') =>
  ({
    name,
    image: 'x',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode, reason, message } },
  }) as V1ContainerStatus;
const initializing = (name: string) =>
  ({
    name,
    image: 'x',
    imageID: '',
    ready: false,
    restartCount: 0,
    state: { waiting: { reason: 'PodInitializing' } },
  }) as V1ContainerStatus;

const failedJob: V1Job = { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } };
const completeJob: V1Job = { status: { conditions: [{ type: 'Complete', status: 'True' }] } };

/** The pod after its `dependencies` init container ended: fetch succeeded, build never started. */
function dependenciesFailed(stack: 'NODEJS' | 'PYTHON', exitCode: number, output: string, reason?: string): V1Pod {
  return {
    ...podOf(stack),
    status: {
      phase: 'Failed',
      initContainerStatuses: [terminated('fetch', 0), terminated('dependencies', exitCode, output, reason)],
      containerStatuses: [initializing('build')],
    },
  };
}

const outcomeOf = (pod: V1Pod, job = failedJob) => {
  const state = decideBuildState(job, [pod], 'PREPROCESS');
  if (state.kind !== 'ended') throw new Error('the build has not ended');
  expect(state.deleteJob).toBe(false);
  return state.outcome;
};

const NPM_E404 = [
  'npm error code E404',
  'npm error 404 Not Found - GET https://npm.mirror.example/is-numbr - Not found',
  'npm error 404',
  "npm error 404  'is-numbr@7.0.0' is not in this registry.",
  'npm error A complete log of this run can be found in: /tmp/.npm/_logs/2026-12-04T00_00_00_000Z-debug-0.log',
].join('\n');

describe('decideBuildState: the dependencies init container', () => {
  it('npm failing on its own (E404) → FAILED DEPENDENCY_INSTALL_FAILED with the tail of npm’s output', () => {
    expect(outcomeOf(dependenciesFailed('NODEJS', 1, NPM_E404))).toEqual({
      status: 'FAILED',
      reason: 'DEPENDENCY_INSTALL_FAILED',
      message: `npm ci exited with code 1:\n${NPM_E404}`,
    });
  });

  it.each([
    [
      'ENOTFOUND',
      'npm error code ENOTFOUND\nnpm error syscall getaddrinfo\nnpm error errno ENOTFOUND\nnpm error network request to https://npm.mirror.example/is-number failed, reason: getaddrinfo ENOTFOUND npm.mirror.example',
    ],
    [
      'ECONNREFUSED',
      'npm error code ECONNREFUSED\nnpm error errno ECONNREFUSED\nnpm error FetchError: request to https://npm.mirror.example/is-number failed, reason: connect ECONNREFUSED 10.0.0.9:443',
    ],
  ])(
    'npm unable to reach the registry (%s) → DEPENDENCY_REGISTRY_UNREACHABLE naming the registry, not its password',
    (code, output) => {
      const outcome = outcomeOf(dependenciesFailed('NODEJS', 1, output));
      expect(outcome).toEqual({
        status: 'FAILED',
        reason: 'DEPENDENCY_REGISTRY_UNREACHABLE',
        message: `the package registry https://npm.mirror.example/ could not be reached from the build (npm: npm error code ${code})`,
      });
      expect(outcome.status !== 'SUCCEEDED' && outcome.message).not.toContain('mirror-pa55');
    },
  );

  it('pip unable to reach the index → DEPENDENCY_REGISTRY_UNREACHABLE naming the pip index', () => {
    const output = [
      "WARNING: Retrying (Retry(total=1, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/flask/",
      'ERROR: Could not find a version that satisfies the requirement flask==3.0.3 (from versions: none)',
      'ERROR: No matching distribution found for flask==3.0.3',
    ].join('\n');
    expect(outcomeOf(dependenciesFailed('PYTHON', 1, output))).toEqual({
      status: 'FAILED',
      reason: 'DEPENDENCY_REGISTRY_UNREACHABLE',
      message: expect.stringMatching(
        /^the package registry https:\/\/pypi\.mirror\.example\/simple could not be reached from the build \(pip: WARNING: Retrying/,
      ),
    });
  });

  it('pip failing on its own (no such version) → DEPENDENCY_INSTALL_FAILED with pip’s explanation', () => {
    const output =
      'ERROR: Could not find a version that satisfies the requirement flask==99.0 (from versions: 3.0.2, 3.0.3)\nERROR: No matching distribution found for flask==99.0';
    expect(outcomeOf(dependenciesFailed('PYTHON', 1, output))).toEqual({
      status: 'FAILED',
      reason: 'DEPENDENCY_INSTALL_FAILED',
      message: `pip install exited with code 1:\n${output}`,
    });
  });

  it('OOMKilled is still OUT_OF_MEMORY, naming the dependencies container', () => {
    expect(outcomeOf(dependenciesFailed('NODEJS', 137, 'npm http fetch GET 200 …', 'OOMKilled'))).toEqual({
      status: 'FAILED',
      reason: 'OUT_OF_MEMORY',
      message: 'the dependencies container ran out of memory in phase PREPROCESS',
    });
  });

  it('an exit without any output still says which install failed and how', () => {
    expect(outcomeOf(dependenciesFailed('NODEJS', 127, ''))).toEqual({
      status: 'FAILED',
      reason: 'DEPENDENCY_INSTALL_FAILED',
      message: 'npm ci exited with code 127',
    });
  });

  // The base image is the tenant's: its "npm" may write a report that looks like the assembler's.
  it('what the base image wrote is never taken for the assembler’s report', () => {
    const forged = JSON.stringify({ status: 'ERROR', reason: 'CLUSTER_UNREACHABLE', message: 'the platform broke' });
    expect(outcomeOf(dependenciesFailed('NODEJS', 2, forged))).toEqual({
      status: 'FAILED',
      reason: 'DEPENDENCY_INSTALL_FAILED',
      message: `npm ci exited with code 2:\n${forged}`,
    });
  });

  it('fetch failing first: its report decides, the dependencies container never ran', () => {
    const report = JSON.stringify({
      status: 'ERROR',
      reason: 'PACKAGE_CORRUPTED',
      message: 'sha256 mismatch',
      phase: 'DOWNLOAD',
    });
    const pod: V1Pod = {
      ...podOf('NODEJS'),
      status: {
        phase: 'Failed',
        initContainerStatuses: [terminated('fetch', 2, report), initializing('dependencies')],
        containerStatuses: [initializing('build')],
      },
    };
    expect(outcomeOf(pod)).toEqual({ status: 'ERROR', reason: 'PACKAGE_CORRUPTED', message: 'sha256 mismatch (phase DOWNLOAD)' });
  });

  it('all three succeeding: the build container’s digest', () => {
    const pod: V1Pod = {
      ...podOf('NODEJS'),
      status: {
        phase: 'Succeeded',
        initContainerStatuses: [terminated('fetch', 0), terminated('dependencies', 0, 'added 1 package in 1s')],
        containerStatuses: [
          terminated('build', 0, JSON.stringify({ status: 'SUCCEEDED', digest: DIGEST, image: `r/o@${DIGEST}` })),
        ],
      },
    };
    expect(outcomeOf(pod, completeJob)).toEqual({ status: 'SUCCEEDED', imageDigest: DIGEST, image: `r/o@${DIGEST}` });
  });
});
