import { parseBuildSpec } from './build-spec';
import { CliInputError } from './cli-input.error';

const VALID = {
  buildId: 'b-1',
  baseImage: 'registry.example.com/eclipse-temurin:17-jre',
  targetImage: 'registry.example.com/apps/demo:1',
  techStack: 'JAVA',
  packageName: 'demo',
  labels: { 'io.stagecraft.build-id': 'b-1' },
  packageUrl: 'https://obs.example.com/pkgs/demo.jar?X-Amz-Signature=deadbeefcafe',
  packageSha256: 'a'.repeat(64),
  platform: 'linux/arm64/v8',
  dockerfile: null,
};

const parse = (overrides: Record<string, unknown>, command: 'assemble' | 'fetch' = 'assemble') =>
  parseBuildSpec(JSON.stringify({ ...VALID, ...overrides }), command);

function problemOf(run: () => unknown): CliInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliInputError);
    return error as CliInputError;
  }
  throw new Error('no error');
}

describe('parseBuildSpec', () => {
  it('reads a valid spec, the platform as os/architecture/variant; unknown fields are ignored', () => {
    // A spec of an executor older than dependency installs has no `dependencies`: none.
    expect(parse({ addedLater: true })).toEqual({
      ...VALID,
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
      dependencies: null,
    });
  });

  it('fetch needs the Dockerfile or the dependencies to install; both commands read the dependencies', () => {
    const dependencies = { tool: 'npm', registryUrl: 'https://registry.npmjs.org/' };
    expect(parse({ dependencies }, 'fetch')).toMatchObject({ dockerfile: null, dependencies });
    expect(parse({ dependencies: { tool: 'pip', registryUrl: 'https://pypi.org/simple' } })).toMatchObject({
      dependencies: { tool: 'pip' },
    });
  });

  it('fetch needs the Dockerfile and not the base image; assemble the other way round', () => {
    expect(parse({ baseImage: null, dockerfile: 'FROM x' }, 'fetch')).toMatchObject({ baseImage: null, dockerfile: 'FROM x' });
    expect(parse({ dockerfile: 'FROM x' })).toMatchObject({ dockerfile: 'FROM x' });
  });

  it.each<[Record<string, unknown>, string, 'assemble' | 'fetch']>([
    [{ buildId: undefined }, 'buildId', 'assemble'],
    [{ buildId: '  ' }, 'buildId', 'assemble'],
    [{ baseImage: null }, 'baseImage', 'assemble'],
    [{ baseImage: 7 }, 'baseImage', 'fetch'],
    [{ targetImage: '' }, 'targetImage', 'assemble'],
    [{ techStack: 'RUST' }, 'techStack', 'assemble'],
    [{ techStack: 'toString' }, 'techStack', 'assemble'],
    [{ packageName: null }, 'packageName', 'assemble'],
    [{ labels: ['a'] }, 'labels', 'assemble'],
    [{ labels: { 'io.stagecraft.build-number': 7 } }, 'labels["io.stagecraft.build-number"]', 'assemble'],
    [{ packageUrl: 'ftp://obs.example.com/x' }, 'packageUrl', 'assemble'],
    [{ packageUrl: 'not a url' }, 'packageUrl', 'assemble'],
    [{ packageSha256: 'A'.repeat(64) }, 'packageSha256', 'assemble'],
    [{ packageSha256: `sha256:${'a'.repeat(64)}` }, 'packageSha256', 'assemble'],
    [{ platform: 'linux' }, 'platform', 'assemble'],
    [{ platform: 'linux/amd64/v1/extra' }, 'platform', 'assemble'],
    [{ platform: 'linux/../amd64' }, 'platform', 'assemble'],
    [{ dockerfile: null }, 'dockerfile', 'fetch'],
    [{ dockerfile: 1 }, 'dockerfile', 'assemble'],
    [{ dependencies: { tool: 'cargo', registryUrl: 'https://crates.io/' } }, 'dependencies', 'fetch'],
    [{ dependencies: { tool: 'npm', registryUrl: 'not a url' } }, 'dependencies', 'assemble'],
    [{ dependencies: 'npm' }, 'dependencies', 'assemble'],
  ])('%j for %s is refused, naming %s', (overrides, field, command) => {
    const error = problemOf(() => parse(overrides, command));
    expect(error).toMatchObject({ reason: 'BUILD_SPEC_INVALID', field });
    expect(error.message).toMatch(new RegExp(`^STAGECRAFT_BUILD_SPEC: "${field.replace(/[[\]]/g, '\\$&')}" must `));
  });

  it('does not quote a spec that is not JSON: it holds the presigned URL', () => {
    const error = problemOf(() => parseBuildSpec(JSON.stringify(VALID).slice(0, -3), 'assemble'));
    expect(error.message).toBe('STAGECRAFT_BUILD_SPEC: the build spec is not JSON');
    expect(problemOf(() => parseBuildSpec('[]', 'assemble')).message).toContain('not a JSON object');
  });
});
