/**
 * Issue 17 item 2: what a rebase costs against the full build it replaces. A 100 MiB executable
 * JAR is assembled onto the demo `eclipse-temurin:17-jre` (v1) in a local registry; the base's tag
 * then moves to v2 (one more file in its stack layer: every base layer but the shared one new).
 * Each repetition times, in this process and in alternating order, (a) `rebaseImage` of that
 * image onto v2 and (b) a full `ImageAssembler.assemble` of the same JAR onto v2 into a fresh
 * repository (its package layer pushed in full, the base layers mounted, as in production).
 *
 *   node -r ./bench/register.cjs bench/rebase.bench.ts        (npm run bench:rebase)
 *
 * Environment: BENCH_SIZE_MIB (JAR size, default 100), BENCH_REBASE_REPS (5).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import {
  type AssembledImage,
  ImageAssembler,
  parseImageReference,
  type RebasedImage,
  rebaseImage,
  RegistryClient,
} from '@stagecraft/oci';
import { DEMO_BASE_IMAGES, seedDemoBaseImages, startSeededTestRegistry } from '@stagecraft/oci/testing';

import { writeExecutableJar } from './package-upload/executable-jar';
import { describeEnvironment, envInt, markdownTable, median, round, writeResults } from './support/bench-report';
import { runBench } from './support/run-bench';

const MiB = 1024 * 1024;
const SIZE_MIB = envInt('BENCH_SIZE_MIB', 100);
const REPS = envInt('BENCH_REBASE_REPS', 5);
const JAVA = DEMO_BASE_IMAGES.find((image) => image.stack === 'JAVA')!;

interface RepResult {
  rep: number;
  order: string;
  rebaseSeconds: number;
  fullBuildSeconds: number;
  speedup: number;
  rebasedDigest: string;
  appLayerKept: boolean;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const value = await work();
  return { value, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'stagecraft-bench-rebase-'));
  const { registry } = await startSeededTestRegistry({ seed: [{ images: [JAVA] }] });
  try {
    const client = new RegistryClient({ registry: registry.host });
    const base = `${registry.host}/${JAVA.repository}:${JAVA.tag}`;
    const jar = await writeExecutableJar(join(dir, 'app.jar'), SIZE_MIB * MiB, 'stagecraft-bench-rebase');
    const assembler = new ImageAssembler({ tmpDir: dir });
    const assemble = (target: string) =>
      assembler.assemble({ baseImage: base, targetImage: target, packageFile: jar.path, techStack: 'JAVA' });

    // The images to rebase, on v1; then v2 takes the tag.
    const originals: AssembledImage[] = [];
    for (let rep = 0; rep <= REPS; rep += 1) originals.push(await assemble(`${registry.host}/bench/rebased-${rep}:1`));
    const fix = Buffer.from('a security fix\n');
    await seedDemoBaseImages(client, {
      images: [
        {
          ...JAVA,
          files: [
            ...JAVA.files,
            { type: 'file', path: '/etc/base-fix', mode: 0o644, size: fix.length, open: () => Readable.from([fix]) },
          ],
        },
      ],
    });

    const rebase = (rep: number) =>
      rebaseImage({
        target: client,
        repository: `bench/rebased-${rep}`,
        imageDigest: originals[rep].digest,
        tag: '1',
        base: client,
        baseReference: parseImageReference(base),
      });
    // Rep 0 warms both paths up (JIT, connections) and is not reported.
    await rebase(0);
    await assemble(`${registry.host}/bench/full-0:1`);

    const results: RepResult[] = [];
    for (let rep = 1; rep <= REPS; rep += 1) {
      const rebaseFirst = rep % 2 === 1;
      let rebased: { value: RebasedImage; seconds: number };
      let full: { value: AssembledImage; seconds: number };
      if (rebaseFirst) {
        rebased = await timed(() => rebase(rep));
        full = await timed(() => assemble(`${registry.host}/bench/full-${rep}:1`));
      } else {
        full = await timed(() => assemble(`${registry.host}/bench/full-${rep}:1`));
        rebased = await timed(() => rebase(rep));
      }
      const appLayer = originals[rep].layers.at(-1)!.digest;
      results.push({
        rep,
        order: rebaseFirst ? 'rebase, full build' : 'full build, rebase',
        rebaseSeconds: round(rebased.seconds, 3),
        fullBuildSeconds: round(full.seconds, 3),
        speedup: round(full.seconds / rebased.seconds, 1),
        rebasedDigest: rebased.value.digest,
        appLayerKept: rebased.value.appLayers.at(-1) === appLayer,
      });
      console.log(
        `rebase: rep ${rep}: rebase ${round(rebased.seconds, 3)} s, full build ${round(full.seconds, 3)} s, ${round(full.seconds / rebased.seconds, 1)}×`,
      );
    }

    const rebaseMedian = median(results.map((r) => r.rebaseSeconds));
    const fullMedian = median(results.map((r) => r.fullBuildSeconds));
    console.log(`\n## rebase — ${SIZE_MIB} MiB JAR image onto a new ${JAVA.repository}:${JAVA.tag} (${describeEnvironment()})\n`);
    console.log(
      markdownTable(
        ['rep', 'order', '(a) rebase s', '(b) full build s', '(b)/(a)', 'app layer kept'],
        results.map((r) => [r.rep, r.order, r.rebaseSeconds, r.fullBuildSeconds, `${r.speedup}×`, r.appLayerKept ? 'yes' : 'NO']),
      ),
    );
    console.log(
      `\nMedians of ${REPS}: rebase ${rebaseMedian} s, full build ${fullMedian} s: a rebase takes ${round((100 * rebaseMedian) / fullMedian, 1)} % of a full build (${round(fullMedian / rebaseMedian, 1)}× faster).`,
    );
    if (results.some((r) => !r.appLayerKept)) throw new Error('a rebase did not keep the app layer');
    console.log(`\nwrote ${writeResults('rebase', results, { sizeMiB: SIZE_MIB, rebaseMedian, fullMedian })}`);
  } finally {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench('rebase', main);
