import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildTarball, buildZip } from '@stagecraft/archive/testing';

import { AssemblyError } from '../assembly.errors';
import { NPM_CI_COMMAND, PIP_INSTALL_COMMAND } from '../testing/install-commands';
import { withDependencyEnv } from './dependency-layer';
import {
  dependencyLayerKey,
  type DependencyManifests,
  type DependencyPlan,
  installEnvironment,
  installVolumes,
  outputLocation,
  planDependencies,
  PYTHON_PACKAGES_DIR,
} from './dependency-plan';
import { planPackageDependencies } from './package-manifests';

const json = (value: unknown) => Buffer.from(JSON.stringify(value, null, 2));
const IS_NUMBER = {
  version: '7.0.0',
  resolved: 'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz',
  integrity: 'sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==',
};
const packageJson = (extra: Record<string, unknown> = {}) =>
  json({
    name: 'orders',
    version: '1.4.0',
    scripts: { start: 'node index.js' },
    dependencies: { 'is-number': '7.0.0' },
    ...extra,
  });
const lockfile = (extra: Record<string, unknown> = {}, app = { name: 'orders', version: '1.4.0' }) =>
  json({
    ...app,
    lockfileVersion: 3,
    requires: true,
    packages: { '': { ...app, dependencies: { 'is-number': '7.0.0' } }, 'node_modules/is-number': IS_NUMBER, ...extra },
  });
const npm = (manifests: Partial<DependencyManifests>): DependencyManifests => ({
  packageJson: packageJson(),
  lockfiles: { 'package-lock.json': lockfile() },
  hasNodeModules: false,
  ...manifests,
});

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof AssemblyError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('no failure');
}

function install(plan: DependencyPlan) {
  if (!plan.install) throw new Error(`no install: ${plan.note}`);
  return plan.install;
}

describe('planDependencies: NODEJS', () => {
  it('installs declared dependencies with npm ci from the lockfile, scripts ignored, into /app/node_modules', () => {
    const plan = install(planDependencies('NODEJS', npm({})));
    expect(plan.tool).toBe('npm');
    expect(plan.command).toEqual(NPM_CI_COMMAND);
    expect(plan.workDir).toBe('/app');
    expect(plan.outputDir).toBe('/app/node_modules');
    expect(plan.files.map((f) => f.name)).toEqual(['package.json', 'package-lock.json']);
    // What npm ci reads, and nothing of the app's own: no scripts, a fixed name and version.
    expect(JSON.parse(plan.files[0].content.toString())).toEqual({
      name: 'stagecraft-app',
      version: '0.0.0',
      dependencies: { 'is-number': '7.0.0' },
    });
    const lock = JSON.parse(plan.files[1].content.toString());
    expect(lock).toMatchObject({ name: 'stagecraft-app', version: '0.0.0', lockfileVersion: 3 });
    expect(lock.packages['']).toEqual({ name: 'stagecraft-app', version: '0.0.0', dependencies: { 'is-number': '7.0.0' } });
    expect(lock.packages['node_modules/is-number']).toEqual(IS_NUMBER);
    expect(plan.imageEnv).toEqual({});
  });

  it('prefers npm-shrinkwrap.json, as npm does', () => {
    const plan = install(
      planDependencies('NODEJS', npm({ lockfiles: { 'package-lock.json': lockfile(), 'npm-shrinkwrap.json': lockfile() } })),
    );
    expect(plan.files.map((f) => f.name)).toEqual(['package.json', 'npm-shrinkwrap.json']);
  });

  it.each<[string, Partial<DependencyManifests>, RegExp]>([
    ['no package.json', { packageJson: undefined }, /No package\.json/],
    ['no dependencies', { packageJson: json({ name: 'x', devDependencies: { jest: '30.0.0' } }) }, /declares no dependencies/],
    ['empty dependencies', { packageJson: json({ dependencies: {} }), lockfiles: {} }, /declares no dependencies/],
    ['node_modules shipped', { hasNodeModules: true, lockfiles: {} }, /carries node_modules/],
  ])('installs nothing with %s', (_what, manifests, note) => {
    const plan = planDependencies('NODEJS', npm(manifests));
    expect(plan.install).toBeNull();
    expect(plan.note).toMatch(note);
  });

  it('refuses dependencies without a lockfile: DEPENDENCY_LOCKFILE_MISSING says to add package-lock.json', () => {
    const { code, message } = failure(() => planDependencies('NODEJS', npm({ lockfiles: {} })));
    expect(code).toBe('DEPENDENCY_LOCKFILE_MISSING');
    expect(message).toContain('add package-lock.json');
    expect(message).toContain('is-number');
  });

  it.each<[string, Partial<DependencyManifests>, string]>([
    [
      'a git dependency in package.json',
      { packageJson: packageJson({ dependencies: { x: 'git+https://github.com/a/x.git' } }) },
      'package.json dependencies.x "git+https://github.com/a/x.git" is a git dependency',
    ],
    [
      'GitHub shorthand',
      { packageJson: packageJson({ optionalDependencies: { x: 'a/x#v1' } }) },
      'optionalDependencies.x "a/x#v1" is GitHub shorthand',
    ],
    [
      'a dev dependency from a tarball URL',
      { packageJson: packageJson({ devDependencies: { x: 'https://evil.example/x.tgz' } }) },
      'devDependencies.x "https://evil.example/x.tgz" is a tarball URL',
    ],
    ['a file dependency', { packageJson: packageJson({ dependencies: { x: 'file:../x' } }) }, 'is a local file or folder'],
    [
      'an npm alias to git',
      { packageJson: packageJson({ dependencies: { x: 'npm:y@git+ssh://git@github.com/a/y.git' } }) },
      'is a git dependency',
    ],
    [
      'a lockfile entry resolved from git',
      {
        lockfiles: {
          'package-lock.json': lockfile({
            'node_modules/x': { version: '1.0.0', resolved: 'git+ssh://git@github.com/a/x.git#abc' },
          }),
        },
      },
      'package-lock.json entry "node_modules/x" is resolved from "git+ssh://git@github.com/a/x.git#abc"',
    ],
    [
      'a lockfile entry resolved from a file',
      { lockfiles: { 'package-lock.json': lockfile({ 'node_modules/x': { version: '1.0.0', resolved: 'file:../x' } }) } },
      'is resolved from "file:../x", not from a package registry',
    ],
    [
      'a linked lockfile entry',
      { lockfiles: { 'package-lock.json': lockfile({ 'node_modules/x': { resolved: 'packages/x', link: true } }) } },
      'links a local folder',
    ],
    ['workspaces', { packageJson: packageJson({ workspaces: ['packages/*'] }) }, 'declares workspaces'],
    [
      'a lockfile v1 git version',
      {
        lockfiles: {
          'package-lock.json': json({
            lockfileVersion: 1,
            dependencies: { x: { version: '1.0.0', dependencies: { y: { version: 'github:a/y#abc' } } } },
          }),
        },
      },
      'entry "node_modules/x/node_modules/y" version "github:a/y#abc" is a git dependency',
    ],
  ])('refuses %s: DEPENDENCY_SOURCE_REFUSED naming it', (_what, manifests, named) => {
    const { code, message } = failure(() => planDependencies('NODEJS', npm(manifests)));
    expect(code).toBe('DEPENDENCY_SOURCE_REFUSED');
    expect(message).toContain(named);
  });

  it.each<[string, Partial<DependencyManifests>, string]>([
    ['package.json not JSON', { packageJson: Buffer.from('{ nope') }, 'package.json is not JSON'],
    ['a lockfile not JSON', { lockfiles: { 'package-lock.json': Buffer.from('[]') } }, 'package-lock.json is not a JSON object'],
    [
      'an unknown lockfile version',
      { lockfiles: { 'package-lock.json': json({ lockfileVersion: 9 }) } },
      'lockfileVersion "9" is not one npm ci reads',
    ],
  ])('refuses %s: DEPENDENCY_MANIFEST_INVALID', (_what, manifests, named) => {
    const { code, message } = failure(() => planDependencies('NODEJS', npm(manifests)));
    expect(code).toBe('DEPENDENCY_MANIFEST_INVALID');
    expect(message).toContain(named);
  });
});

describe('planDependencies: PYTHON', () => {
  it('installs requirements.txt with pip --target into the packages folder, wheels only, and puts it on PYTHONPATH and PATH', () => {
    const plan = install(
      planDependencies('PYTHON', { lockfiles: {}, hasNodeModules: false, requirementsTxt: Buffer.from('# web\nflask==3.0.3\n') }),
    );
    expect(plan.tool).toBe('pip');
    expect(plan.command).toEqual(PIP_INSTALL_COMMAND);
    expect(plan.outputDir).toBe(PYTHON_PACKAGES_DIR);
    expect(plan.files).toEqual([{ name: 'requirements.txt', content: Buffer.from('flask==3.0.3\n') }]);
    expect(plan.imageEnv).toEqual({ PYTHONPATH: '/opt/stagecraft/python-packages' });
    expect(plan.pathPrepend).toEqual(['/opt/stagecraft/python-packages/bin']);
  });

  it('installs nothing without requirements.txt or with an empty one', () => {
    expect(planDependencies('PYTHON', { lockfiles: {}, hasNodeModules: false }).install).toBeNull();
    expect(
      planDependencies('PYTHON', { lockfiles: {}, hasNodeModules: false, requirementsTxt: Buffer.from('# none\n') }).install,
    ).toBeNull();
  });

  it('refuses a requirement that reaches another host, naming the line', () => {
    const { code, message } = failure(() =>
      planDependencies('PYTHON', {
        lockfiles: {},
        hasNodeModules: false,
        requirementsTxt: Buffer.from('flask==3.0.3\n--extra-index-url https://evil.example/simple\n'),
      }),
    );
    expect(code).toBe('DEPENDENCY_SOURCE_REFUSED');
    expect(message).toContain('requirements.txt line 2: "--extra-index-url https://evil.example/simple"');
  });

  it.each(['JAVA', 'TOMCAT', 'PHP'] as const)('%s packages install nothing, whatever they carry', (stack) => {
    expect(planDependencies(stack, npm({ requirementsTxt: Buffer.from('flask\n') }))).toEqual({ install: null, note: null });
  });
});

describe('dependencyLayerKey', () => {
  const base = `sha256:${'1'.repeat(64)}`;
  const key = (manifests: Partial<DependencyManifests>, digest = base, registry = 'https://registry.npmjs.org/') =>
    dependencyLayerKey(install(planDependencies('NODEJS', npm(manifests))), digest, registry);

  it('is the same for a new version of the app with the same dependencies (name, version, scripts changed)', () => {
    const next = { name: 'orders', version: '1.5.0' };
    expect(
      key({
        packageJson: packageJson({ version: '1.5.0', scripts: { start: 'node server.js' } }),
        lockfiles: { 'package-lock.json': lockfile({}, next) },
      }),
    ).toBe(key({}));
  });

  it('changes with the lockfile, the base image and the registry', () => {
    const other = key({
      lockfiles: { 'package-lock.json': lockfile({ 'node_modules/is-odd': { version: '3.0.1' } }) },
    });
    expect(other).not.toBe(key({}));
    expect(key({}, `sha256:${'2'.repeat(64)}`)).not.toBe(key({}));
    expect(key({}, base, 'https://npm.mirror.example/')).not.toBe(key({}));
    expect(key({})).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('install helpers', () => {
  const npmInstall = install(planDependencies('NODEJS', npm({})));
  const pipInstall = install(
    planDependencies('PYTHON', { lockfiles: {}, hasNodeModules: false, requirementsTxt: Buffer.from('flask\n') }),
  );

  it('mounts one folder for npm (node_modules inside it) and two for pip', () => {
    expect(installVolumes(npmInstall)).toEqual([{ name: 'work', path: '/app' }]);
    expect(outputLocation(npmInstall)).toEqual({ volume: 'work', subPath: 'node_modules' });
    expect(installVolumes(pipInstall)).toEqual([
      { name: 'work', path: '/opt/stagecraft/install' },
      { name: 'output', path: '/opt/stagecraft/python-packages' },
    ]);
    expect(outputLocation(pipInstall)).toEqual({ volume: 'output', subPath: '' });
  });

  it('passes the configured registry, and trusts a plain-http pip index the administrator named', () => {
    const registries = { npm: 'https://npm.mirror.example/', pip: 'http://pypi.mirror.example:8080/simple' };
    expect(installEnvironment(npmInstall, registries)).toMatchObject({
      NPM_CONFIG_REGISTRY: 'https://npm.mirror.example/',
      NPM_CONFIG_REPLACE_REGISTRY_HOST: 'always',
      HOME: '/tmp',
    });
    expect(installEnvironment(pipInstall, registries)).toMatchObject({
      PIP_INDEX_URL: 'http://pypi.mirror.example:8080/simple',
      PIP_TRUSTED_HOST: 'pypi.mirror.example',
      PIP_CONFIG_FILE: '/dev/null',
    });
    expect(installEnvironment(pipInstall, { ...registries, pip: 'https://pypi.org/simple' })).not.toHaveProperty(
      'PIP_TRUSTED_HOST',
    );
  });

  it('adds PYTHONPATH and puts the packages bin folder in front of the base PATH', () => {
    expect(withDependencyEnv({ Env: ['PATH=/usr/local/bin:/usr/bin', 'LANG=C.UTF-8'], Cmd: ['python3'] }, pipInstall)).toEqual({
      Env: [
        'PATH=/opt/stagecraft/python-packages/bin:/usr/local/bin:/usr/bin',
        'LANG=C.UTF-8',
        'PYTHONPATH=/opt/stagecraft/python-packages',
      ],
      Cmd: ['python3'],
    });
    expect(withDependencyEnv({}, pipInstall).Env).toEqual([
      'PYTHONPATH=/opt/stagecraft/python-packages',
      'PATH=/opt/stagecraft/python-packages/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    const config = { Env: ['PATH=/usr/bin'] };
    expect(withDependencyEnv(config, npmInstall)).toBe(config);
  });
});

describe('planPackageDependencies (from the package archive)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stagecraft-plan-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the manifests of a zip under its top folder, and sees node_modules listed only through its files', async () => {
    const zip = join(dir, 'app.zip');
    await writeFile(
      zip,
      buildZip([
        { name: 'orders/package.json', content: packageJson() },
        { name: 'orders/package-lock.json', content: lockfile() },
        { name: 'orders/index.js', content: 'console.log(1)' },
      ]),
    );
    expect(install(await planPackageDependencies(zip, 'NODEJS')).files.map((f) => f.name)).toEqual([
      'package.json',
      'package-lock.json',
    ]);
    await writeFile(
      zip,
      buildZip([
        { name: 'package.json', content: packageJson() },
        { name: 'node_modules/is-number/index.js', content: 'module.exports = 1' },
      ]),
    );
    expect((await planPackageDependencies(zip, 'NODEJS')).note).toMatch(/carries node_modules/);
  });

  it('reads requirements.txt from a tar.gz, and says why a package without a lockfile is refused', async () => {
    const tgz = join(dir, 'app.tgz');
    await writeFile(
      tgz,
      await buildTarball([
        { name: 'requirements.txt', content: 'flask==3.0.3\n' },
        { name: '__main__.py', content: 'print(1)\n' },
      ]),
    );
    expect(install(await planPackageDependencies(tgz, 'PYTHON')).tool).toBe('pip');
    await writeFile(tgz, await buildTarball([{ name: 'package.json', content: packageJson() }]));
    await expect(planPackageDependencies(tgz, 'NODEJS')).rejects.toMatchObject({ code: 'DEPENDENCY_LOCKFILE_MISSING' });
    expect((await planPackageDependencies(tgz, 'JAVA')).install).toBeNull();
  });
});
