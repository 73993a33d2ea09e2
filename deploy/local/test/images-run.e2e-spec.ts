// Issue 11, item 5: the proof that the embedded default builds images that RUN. Through GraphQL
// on `npm start` (its real base images, its LOCAL cluster, its registry), one small real app per
// stack is uploaded, built, pulled back and started as a container runtime would start it, and
// its HTTP answer is checked. Needs buildah (root, vfs), mmdebstrap on the first run (the base
// images are cached afterwards) and the npm registry (the Node app's dependency).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { MediaTypes } from '@stagecraft/oci';
import { skopeoInspect } from '@stagecraft/oci/testing';
import { javaApp, nodeApp, phpApp, pythonApp, tomcatApp } from '@stagecraft/testing';

import { freePort } from '../src/free-port';
import { PREPARE_TIMEOUT_MS, prepareLauncher, type StartedLauncher, startLauncher, stopLauncher } from './launcher-process';
import { byDigest, PlatformClient } from './platform-client';

describe('npm start builds images that run: one real app per stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stagecraft-images-run-'));
  let launcher: StartedLauncher;
  let platform: PlatformClient;

  beforeAll(async () => {
    await prepareLauncher();
    // prepareLauncher built the base images if this machine had none (minutes): the launcher takes them from the cache.
    launcher = await startLauncher(dataDir, await freePort());
    platform = await PlatformClient.connect(launcher);
  }, PREPARE_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    if (launcher) await stopLauncher(launcher);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each([
    ['java', javaApp],
    ['tomcat', tomcatApp],
    ['python', pythonApp],
    ['php', phpApp],
  ])(
    'a %s package on the default base image builds into an image whose app answers',
    async (name, make) => {
      const app = make();
      const packageId = await platform.upload(app, '1.0.0');
      const { build } = await platform.buildJob(`${name}-app`, packageId, {
        buildType: 'SYSTEM_DEFAULT',
        ...(await platform.defaultBase(app.stack)),
      });
      expect(await platform.answerOf(build.image!, app)).toMatch(app.answer);
      // A JAR or WAR goes into the image as an uncompressed layer (it is deflated already), and runs as such.
      const raw = (await skopeoInspect(byDigest(build.image!), { raw: true, creds: platform.login })) as {
        layers: { mediaType: string }[];
      };
      const compressedAlready = app.stack === 'JAVA' || app.stack === 'TOMCAT';
      expect(raw.layers.at(-1)!.mediaType).toBe(compressedAlready ? MediaTypes.ociLayerTar : MediaTypes.ociLayerGzip);
    },
    300_000,
  );

  it('a Node.js app gets the dependency it does not carry, in a layer a rebuild with the same lockfile reuses', async () => {
    const first = nodeApp('node says');
    const { jobId, build } = await platform.buildJob('node-app', await platform.upload(first, '1.0.0'), {
      buildType: 'SYSTEM_DEFAULT',
      ...(await platform.defaultBase('NODEJS')),
    });
    expect(await platform.answerOf(build.image!, first)).toMatch(first.answer);

    const second = nodeApp('node says again');
    const rebuilt = await platform.rebuild(jobId, await platform.upload(second, '1.0.1'));
    const [before, after] = [await platform.layersOf(build.image!), await platform.layersOf(rebuilt.image!)];
    // The base image's layer, the dependency layer, the app's: only the app's differs.
    expect(after.map((layer) => layer.digest).slice(0, -1)).toEqual(before.map((layer) => layer.digest).slice(0, -1));
    expect(after).toHaveLength(3);
    expect(after.at(-1)!.digest).not.toBe(before.at(-1)!.digest);
    expect(await platform.answerOf(rebuilt.image!, second)).toMatch(second.answer);
  }, 400_000);

  it('a Dockerfile job builds FROM the embedded registry and its image runs', async () => {
    const { baseImage, baseImageTag } = await platform.defaultBase('PYTHON');
    const dockerfile = [
      `FROM ${baseImage}:${baseImageTag}`,
      'RUN mkdir -p /srv && echo "dockerfile says hi" > /srv/index.html',
      'CMD ["sh", "-c", "exec python3 -m http.server \\"$PORT\\" --bind 127.0.0.1 --directory /srv"]',
      '',
    ].join('\n');
    const { build } = await platform.buildJob('dockerfile-app', await platform.upload(pythonApp(), '2.0.0'), {
      buildType: 'CUSTOM_DOCKERFILE',
      dockerfile,
    });
    expect(await platform.answerOf(build.image!, { port: 'PORT', path: '/index.html' })).toBe('dockerfile says hi');
    // Its base is recorded (the FROM image, by the digest its registry answers), so a new base rebuilds it.
    const base = await skopeoInspect(`${baseImage}:${baseImageTag}`, { creds: platform.login });
    expect(build.baseImage).toBe(`${baseImage}:${baseImageTag}`);
    expect(build.baseImageDigest).toBe(base.Digest);
  }, 300_000);
});
