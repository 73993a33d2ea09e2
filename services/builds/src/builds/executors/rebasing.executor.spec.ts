import { EgressPolicy } from '@stagecraft/config';
import { type RebasedImage, RebaseError, type RebaseImageRequest } from '@stagecraft/oci';

import type { BuildEntity } from '../infra/build.entity';
import type { BuildExecutor, ExecutionHooks, ExecutionOutcome } from './build-executor';
import { RebasingExecutor } from './rebasing.executor';

const OLD_BASE = `sha256:${'1'.repeat(64)}`;
const NEW_BASE = `sha256:${'2'.repeat(64)}`;
const IMAGE = `sha256:${'3'.repeat(64)}`;
const REBASED = `sha256:${'4'.repeat(64)}`;

function buildOf(fields: Partial<BuildEntity> = {}, type: 'SYSTEM_DEFAULT' | 'CUSTOM_DOCKERFILE' = 'SYSTEM_DEFAULT') {
  return {
    id: 'build-2',
    trigger: 'BASE_IMAGE_CHANGED',
    baseChange: {
      baseImage: 'registry.test:5000/eclipse-temurin:17-jre',
      previousDigest: OLD_BASE,
      newDigest: NEW_BASE,
      imageDigest: IMAGE,
      previousBuildId: 'build-1',
    },
    spec: {
      archiveImage: 'registry.test:5000/team/orders:1.0',
      buildSpec: { type, baseImage: null, baseImageTag: null, dockerfile: type === 'CUSTOM_DOCKERFILE' ? 'FROM x' : null },
    },
    ...fields,
  } as unknown as BuildEntity;
}

describe('RebasingExecutor', () => {
  const lines: string[] = [];
  const hooks: ExecutionHooks = {
    phase: async () => undefined,
    log: (line) => void lines.push(line),
    node: async () => undefined,
    appendLog: async () => undefined,
  };
  const built: ExecutionOutcome = { status: 'SUCCEEDED', imageDigest: `sha256:${'9'.repeat(64)}`, image: 'full' };
  let inner: BuildExecutor & { calls: number };
  let requests: RebaseImageRequest[];
  const egress = EgressPolicy.fromConfig({ EGRESS_ALLOWED_CIDRS: '127.0.0.1/32' } as never);
  const credentials = { 'registry.test:5000': { username: 'build', password: 'pushes' } };

  beforeEach(() => {
    lines.length = 0;
    requests = [];
    inner = { calls: 0, execute: async () => (inner.calls++, built) };
  });
  const executor = (rebase: (request: RebaseImageRequest) => Promise<RebasedImage>) =>
    new RebasingExecutor(inner, egress, async (request) => (requests.push(request), rebase(request)));
  const rebased = async (): Promise<RebasedImage> => ({
    digest: REBASED,
    reference: 'registry.test:5000/team/orders:1.0',
    baseDigest: NEW_BASE,
    previousBaseDigest: OLD_BASE,
    appLayers: [`sha256:${'5'.repeat(64)}`],
  });

  it('rebases the previous image onto the base it names, as the job’s tag, with the build’s credentials', async () => {
    const outcome = await executor(rebased).execute(buildOf(), hooks, new AbortController().signal, {
      resumed: false,
      credentials,
    });
    expect(outcome).toEqual({
      status: 'SUCCEEDED',
      imageDigest: REBASED,
      image: `registry.test:5000/team/orders:1.0@${REBASED}`,
    });
    expect(inner.calls).toBe(0);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      repository: 'team/orders',
      imageDigest: IMAGE,
      tag: '1.0',
      baseReference: { registry: 'registry.test:5000', repository: 'eclipse-temurin', tag: '17-jre' },
    });
    expect([requests[0].target.registry, requests[0].base.registry]).toEqual(['registry.test:5000', 'registry.test:5000']);
    expect(lines.join('\n')).toContain(`base ${OLD_BASE} → ${NEW_BASE}, app layers unchanged`);
  });

  it('builds in full, through the wrapped executor, an image that cannot be rebased, and says why', async () => {
    const outcome = await executor(async () => {
      throw new RebaseError('NOT_REBASABLE', 'the image names no base image digest');
    }).execute(buildOf(), hooks, new AbortController().signal, { resumed: false, credentials });
    expect(outcome).toBe(built);
    expect(inner.calls).toBe(1);
    expect(lines.join('\n')).toContain('cannot be rebased (the image names no base image digest): building it in full instead');
  });

  it('fails the build when the new base cannot be built on', async () => {
    const outcome = await executor(async () => {
      throw new RebaseError('BASE_INVALID', 'the base is a Windows image');
    }).execute(buildOf(), hooks, new AbortController().signal, { resumed: false, credentials });
    expect(outcome).toEqual({ status: 'FAILED', reason: 'BASE_IMAGE_INVALID', message: 'the base is a Windows image' });
    expect(inner.calls).toBe(0);
  });

  it.each([
    ['a Dockerfile job', buildOf({}, 'CUSTOM_DOCKERFILE')],
    ['a MANUAL build', buildOf({ trigger: 'MANUAL', baseChange: null })],
  ])('sends %s to the wrapped executor, never rebasing', async (_name, build) => {
    expect(await executor(rebased).execute(build, hooks, new AbortController().signal, { resumed: false })).toBe(built);
    expect([inner.calls, requests.length]).toEqual([1, 0]);
  });
});
