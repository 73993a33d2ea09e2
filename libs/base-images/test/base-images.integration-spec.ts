import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import { RegistryClient, type SeededImage } from '@stagecraft/oci';
import { startTestRegistry, type TestRegistry } from '@stagecraft/oci/testing';
import { runToEnd } from '@stagecraft/testing';

import { type CachedBaseImage, prepareBaseImages, seedBaseImages } from '../src';

const exec = promisify(execFile);

/** Runs `command` in the image (its Env, WorkingDir and user) and answers what it printed once it ended. */
async function outputOf(image: string, command: string[]): Promise<string> {
  const { code, output } = await runToEnd(image, { command });
  if (code !== 0) throw new Error(`${command.join(' ')} in ${image} exited ${code}:\n${output}`);
  return output;
}

/**
 * The embedded catalog's images, as `npm start` seeds them: from the user's cache (built there
 * by mmdebstrap when missing — .ci/run builds them before the tests), pushed into a real
 * registry, pulled back by buildah and run. Each holds the runtime its name promises, where the
 * official image has it. (deploy/local/test/images-run.e2e-spec.ts runs a real app on each.)
 */
describe('the embedded base images run their stack (real mmdebstrap cache, registry, buildah)', () => {
  let registry: TestRegistry;
  let prepared: CachedBaseImage[];
  let seeded: SeededImage[];
  const image = (name: string) => {
    const found = seeded.find((entry) => `${entry.repository}:${entry.tag}` === name);
    if (!found) throw new Error(`${name} is not in the catalog`);
    return `${registry.host}/${found.repository}@${found.digest}`;
  };

  beforeAll(async () => {
    const missing = [];
    if (process.getuid?.() !== 0) missing.push('root');
    for (const tool of ['buildah', 'mmdebstrap', 'docker-registry'])
      await exec('sh', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
    if (missing.length) throw new Error(`this spec needs ${missing.join(', ')} (.ci/run installs them)`);
    prepared = await prepareBaseImages({ onProgress: (line) => process.stdout.write(`${line}\n`) });
    registry = await startTestRegistry();
    seeded = await seedBaseImages(new RegistryClient({ registry: registry.host }), prepared);
  }, 600_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('pushes each image under its catalog name, labelled with the Debian packages it holds; pushing again changes nothing', async () => {
    const client = new RegistryClient({ registry: registry.host });
    for (const entry of seeded) {
      const manifest = await client.getManifest(entry.repository, entry.tag);
      expect(manifest.digest).toBe(entry.digest);
      const config = JSON.parse(
        prepared.find((p) => p.definition.repository === entry.repository && p.definition.tag === entry.tag)!.config.toString(),
      ) as {
        config: { Labels: Record<string, string> };
      };
      expect(config.config.Labels['io.stagecraft.base-image.packages']).toMatch(/^\S+=\S+( \S+=\S+)*$/);
    }
    const again = await seedBaseImages(client, prepared);
    expect(again.map((entry) => entry.digest)).toEqual(seeded.map((entry) => entry.digest));
  });

  it.each([
    ['eclipse-temurin:17-jre', ['java', '-version'], /openjdk version "17\./],
    ['eclipse-temurin:21-jre', ['java', '-version'], /openjdk version "21\./],
    ['tomcat:10.1-jre17', ['catalina.sh', 'version'], /Server version: Apache Tomcat\/10\.1\./],
    [
      'node:20-slim',
      ['sh', '-c', 'node --version && npm --version && docker-entrypoint.sh --version'],
      /^v20\.\d+\.\d+\n10\.9\.\d+\nv20\./,
    ],
    ['python:3.13-slim', ['sh', '-c', 'python --version && pip --version'], /^Python 3\.13\.\d+\npip \d+/],
    [
      'php:8.4-apache',
      ['sh', '-c', 'php -r "echo PHP_VERSION, PHP_EOL;" && apache2ctl -M 2>/dev/null | grep php'],
      /^8\.4\.\d+\n php_module/,
    ],
  ])(
    '%s: %j answers',
    async (name, command, expected) => {
      expect(await outputOf(image(name), command)).toMatch(expected);
    },
    120_000,
  );
});
