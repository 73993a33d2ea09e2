/**
 * A Node.js app's rebuild with the same lockfile against its first build, on `npm start`'s LOCAL
 * cluster, through GraphQL as a user builds: the first build installs the dependencies (npm ci of
 * the base image, from the npm registry) into their own layer; a new version of the app with the
 * same lockfile reuses that layer and pushes only its own. Issue 11, item 6.
 *
 *   node -r ./bench/register.cjs bench/dependency-rebuild.bench.ts
 *
 * Environment: BENCH_REBUILDS (3), BENCH_DEPENDENCY ('express@4.21.2': what the app depends on; its
 * lockfile is made here with `npm install --package-lock-only`). Needs what `npm start` needs, the
 * base images (built on the first start), buildah, and the npm registry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { buildZip, type StackApp } from '@stagecraft/testing';

import { freePort } from '../deploy/local/src/free-port';
import { prepareLauncher, startLauncher, stopLauncher } from '../deploy/local/test/launcher-process';
import { PlatformClient } from '../deploy/local/test/platform-client';
import { describeEnvironment, envInt, markdownTable, median, round, writeResults } from './support/bench-report';

const REBUILDS = envInt('BENCH_REBUILDS', 3);
const DEPENDENCY = process.env['BENCH_DEPENDENCY'] ?? 'express@4.21.2';
const MiB = 1024 * 1024;

/** package.json and the lockfile npm makes for it: the same for every version of the app. */
function manifests(): { packageJson: string; lockfile: string; count: number } {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-lock-'));
  try {
    const at = DEPENDENCY.lastIndexOf('@');
    const packageJson = JSON.stringify({
      name: 'bench-app',
      version: '1.0.0',
      scripts: { start: 'node server.js' },
      dependencies: { [DEPENDENCY.slice(0, at)]: DEPENDENCY.slice(at + 1) },
    });
    writeFileSync(join(dir, 'package.json'), packageJson);
    execFileSync('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: 'pipe',
    });
    const lockfile = readFileSync(join(dir, 'package-lock.json'), 'utf8');
    const count = Object.keys((JSON.parse(lockfile) as { packages: object }).packages).length - 1;
    return { packageJson, lockfile, count };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function appVersion(files: { packageJson: string; lockfile: string }, version: number): StackApp {
  const server = `require('node:http').createServer((q, s) => s.end('bench app ${version}')).listen(Number(process.env.PORT || 3000));\n`;
  return {
    stack: 'NODEJS',
    fileName: 'bench-app.zip',
    bytes: buildZip([
      { name: 'package.json', content: files.packageJson },
      { name: 'package-lock.json', content: files.lockfile },
      { name: 'server.js', content: server },
    ]),
    port: 'PORT',
    path: '/',
    answer: new RegExp(`^bench app ${version}$`),
  };
}

async function main(): Promise<void> {
  const files = manifests();
  await prepareLauncher();
  const dataDir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-rebuild-'));
  const launcher = await startLauncher(dataDir, await freePort());
  try {
    const platform = await PlatformClient.connect(launcher);
    const base = await platform.defaultBase('NODEJS');
    const timed = async <T>(work: () => Promise<T>) => {
      const started = process.hrtime.bigint();
      const value = await work();
      return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    };

    const firstPackage = await platform.upload(appVersion(files, 0), '1.0.0');
    const first = await timed(() => platform.buildJob('bench-app', firstPackage, { buildType: 'SYSTEM_DEFAULT', ...base }));
    const firstLayers = await platform.layersOf(first.value.build.image!);
    const rebuilds: { seconds: number; sharedLayers: number; newBytes: number }[] = [];
    for (let version = 1; version <= REBUILDS; version++) {
      const app = appVersion(files, version);
      const packageId = await platform.upload(app, `1.0.${version}`);
      const rebuilt = await timed(() => platform.rebuild(first.value.jobId, packageId));
      const layers = await platform.layersOf(rebuilt.value.image!);
      const shared = layers.filter((layer) => firstLayers.some((f) => f.digest === layer.digest));
      rebuilds.push({
        seconds: rebuilt.seconds,
        sharedLayers: shared.length,
        newBytes: layers.filter((layer) => !shared.includes(layer)).reduce((sum, layer) => sum + layer.size, 0),
      });
      if (!app.answer.test(await platform.answerOf(rebuilt.value.image!, app)))
        throw new Error(`version ${version} does not answer`);
    }

    const dependencyLayer = firstLayers[1];
    const rebuildMedian = median(rebuilds.map((r) => r.seconds));
    console.log(
      `\n${describeEnvironment()}; ${DEPENDENCY} (${files.count} packages in the lockfile), base ${base.baseImage}:${base.baseImageTag}\n`,
    );
    console.log(
      markdownTable(
        // The base image's layer is in the registry already (npm start seeded it): never new.
        ['build', 'seconds', 'layers shared with the first', 'bytes pushed that were new'],
        [
          [
            'first (npm ci into the dependency layer)',
            round(first.seconds, 2),
            '-',
            firstLayers.slice(1).reduce((sum, l) => sum + l.size, 0),
          ],
          ...rebuilds.map((r, i) => [
            `rebuild ${i + 1} (same lockfile, new code)`,
            round(r.seconds, 2),
            `${r.sharedLayers} of ${firstLayers.length}`,
            r.newBytes,
          ]),
        ],
      ),
    );
    console.log(
      `\nrebuild median ${round(rebuildMedian, 2)} s = ${round((rebuildMedian / first.seconds) * 100, 1)} % of the first build; dependency layer ${round(dependencyLayer.size / MiB, 2)} MiB`,
    );
    const file = writeResults(
      'dependency-rebuild',
      rebuilds.map((r, i) => ({ rebuild: i + 1, ...r, seconds: round(r.seconds, 3) })),
      {
        method:
          'npm start with a fresh data folder; a NODEJS job built once (createPackageJob build: true), then rebuilt with new code and the same lockfile (updatePackageJob + startBuild), each timed from the mutation to SUCCEEDED',
        dependency: DEPENDENCY,
        lockfilePackages: files.count,
        firstSeconds: round(first.seconds, 3),
        rebuildMedianSeconds: round(rebuildMedian, 3),
        dependencyLayerBytes: dependencyLayer.size,
      },
    );
    console.log(`results: ${file}`);
  } finally {
    await stopLauncher(launcher);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
