import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildTarball, buildZip } from '@stagecraft/archive/testing';
import type { TechStack } from '@stagecraft/contracts';

import { prepareBuildContext } from '../src/build-context';

let dir: string;
const zip = buildZip([{ name: 'index.php', content: '<?php' }]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagecraft-build-context-test-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

let cases = 0;
async function lay(techStack: TechStack, bytes: Buffer, move = false) {
  const at = join(dir, `case-${++cases}`);
  const packageFile = join(dir, `package-${cases}`);
  await writeFile(packageFile, bytes);
  const context = await prepareBuildContext(join(at, 'context'), { dockerfile: 'FROM scratch\n', packageFile, techStack, move });
  return { at, packageFile, context };
}

describe('prepareBuildContext (the layout buildah on LOCAL and BuildKit on Kubernetes both get)', () => {
  it.each<[TechStack, string, () => Promise<Buffer> | Buffer]>([
    ['JAVA', 'package.jar', () => zip],
    ['TOMCAT', 'package.war', () => zip],
    ['PHP', 'package.zip', () => zip],
    ['NODEJS', 'package.tgz', () => buildTarball([{ name: 'package/index.js', content: '' }])],
    ['PYTHON', 'package.tar', () => buildTarball([{ name: 'app.py', content: '' }], { gzip: false })],
  ])('%s: the Dockerfile and the package as %s', async (stack, name, bytes) => {
    const content = await bytes();
    const { at, packageFile, context } = await lay(stack, content);

    expect(context).toEqual({ dockerfilePath: join(at, 'context', 'Dockerfile'), packageFileName: name });
    expect((await readdir(join(at, 'context'))).sort()).toEqual(['Dockerfile', name].sort());
    expect(await readFile(context.dockerfilePath, 'utf8')).toBe('FROM scratch\n');
    expect((await readFile(join(at, 'context', name))).equals(content)).toBe(true);
    expect(existsSync(packageFile)).toBe(true);
  });

  it('moves the package when asked, and leaves both files readable by others whatever the umask', async () => {
    const previous = process.umask(0o077);
    let laid: Awaited<ReturnType<typeof lay>>;
    try {
      laid = await lay('JAVA', zip, true);
    } finally {
      process.umask(previous);
    }
    expect(existsSync(laid.packageFile)).toBe(false);
    for (const file of ['Dockerfile', 'package.jar']) {
      expect((await stat(join(laid.at, 'context', file))).mode & 0o777).toBe(0o644);
    }
  });
});
