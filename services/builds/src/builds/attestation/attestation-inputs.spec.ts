import { maskFindings, parseDockerfile, scanForSecrets } from '@stagecraft/dockerfile';
import type { RegistryClient } from '@stagecraft/oci';

import type { BuildEntity } from '../infra/build.entity';
import { readBaseImage } from './base-image.reader';
import { externalParametersOf } from './external-parameters';

const DOCKERFILE = 'FROM node:20\nRUN mysql --user=root --password=S3cr3tPass -e "select 1"\nCOPY . /app\n';

function build(dockerfile: string | null): BuildEntity {
  return {
    jobId: 'job-1',
    spec: {
      jobName: 'orders',
      packageId: 'pkg-1',
      techStack: 'NODEJS',
      buildSpec: { type: dockerfile ? 'CUSTOM_DOCKERFILE' : 'SYSTEM_DEFAULT', baseImage: null, baseImageTag: null, dockerfile },
      imageClass: 'PRIVATE',
      archiveImage: 'registry.example.com/team/orders:1',
      clusterId: 'cluster-1',
      nodeLabels: [],
      nodeName: null,
    },
  } as unknown as BuildEntity;
}

describe('externalParametersOf', () => {
  it('keeps the build settings and masks what the secret scan flags in a custom Dockerfile', () => {
    const parsed = parseDockerfile(DOCKERFILE);
    if (!parsed.ok) throw new Error('fixture does not parse');
    const findings = scanForSecrets(parsed.instructions);
    const parameters = externalParametersOf(build(DOCKERFILE), (text) => maskFindings(text, findings));
    expect(parameters).toMatchObject({ jobId: 'job-1', packageId: 'pkg-1', archiveImage: 'registry.example.com/team/orders:1' });
    const dockerfile = (parameters.buildSpec as { dockerfile: string }).dockerfile;
    expect(dockerfile).toContain('COPY . /app');
    expect(JSON.stringify(parameters)).not.toContain('S3cr3tPass');
  });

  it('has no Dockerfile for the other build types', () => {
    expect((externalParametersOf(build(null), (text) => text).buildSpec as { dockerfile: unknown }).dockerfile).toBeNull();
  });
});

describe('readBaseImage', () => {
  const digest = `sha256:${'a'.repeat(64)}`;
  const stub = (annotations: Record<string, string> | undefined, labels: Record<string, string> | null) =>
    ({
      getRawManifest: async () => ({ body: { schemaVersion: 2, config: { digest: 'sha256:cfg' }, layers: [], annotations } }),
      getBlobBytes: async () => Buffer.from(JSON.stringify({ config: { Labels: labels } })),
    }) as unknown as RegistryClient;
  const base = { 'org.opencontainers.image.base.name': 'r/base:1', 'org.opencontainers.image.base.digest': digest };

  it('reads the manifest annotations the assembler writes', async () => {
    expect(await readBaseImage(stub(base, null), 'team/orders', digest)).toEqual({ name: 'r/base:1', digest });
  });

  it('falls back to the config labels, and names no base without both or with a malformed digest', async () => {
    expect(await readBaseImage(stub(undefined, base), 'team/orders', digest)).toEqual({ name: 'r/base:1', digest });
    expect(await readBaseImage(stub(undefined, null), 'team/orders', digest)).toBeNull();
    const malformed = { ...base, 'org.opencontainers.image.base.digest': 'latest' };
    expect(await readBaseImage(stub(undefined, malformed), 'team/orders', digest)).toBeNull();
  });
});
