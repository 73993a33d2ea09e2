/**
 * Upload and complete a 1 GiB package through Stagecraft (presigned PUT with the package's sha256
 * declared, then `completePackageUpload`), beside a plain `@aws-sdk/client-s3` PutObject of the
 * same bytes to the same S3 server; and the artifacts service's RSS growth while it does so. On
 * a store that verifies checksums (the default, as `npm start`'s) complete takes the store's
 * word and reads only the JAR's directory; on plain s3rver (BENCH_UPLOAD_STORE=plain) it reads
 * and hashes every byte again.
 *
 *   npm run --silent build && node -r ./bench/register.cjs bench/package-upload.bench.ts
 *
 * Environment: BENCH_SIZE_MIB (package size, default 1024), BENCH_UPLOAD_REPS (4),
 * BENCH_UPLOAD_STORE (verifying | plain), BENCH_UPLOAD_CLIENT (http | fetch, how (b) PUTs),
 * BENCH_UPLOAD_MULTIPART (1: also time a lib-storage multipart Upload, for reference; off by default),
 * BENCH_UPLOAD_CPU_PROFILE (1: profile the artifacts process during upload + complete of the
 * first repetition; timings of that run are then not comparable), BENCH_UPLOAD_SEED,
 * BENCH_UPLOAD_SERVICE_LOGS (1: echo the services' output), BENCH_UPLOAD_QUIET_CORES (0.3) and
 * BENCH_UPLOAD_QUIET_MAX_S (30): before each step, wait up to that long for a machine that quiet,
 * after a pause of BENCH_UPLOAD_SETTLE_MS (1500).
 *
 * Processes: this one (the clients, and the RSS sampler in a worker thread), s3rver (forked
 * child), iam and artifacts (`node dist/services/<name>/src/main.js`). Machine's Postgres (fresh
 * database, dropped at the end) and NATS (fresh subject prefix). Method: docs/benchmarks.md.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

import { CreateBucketCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ArtifactsSubjects, IamSubjects, type SoftwarePackageDto } from '@stagecraft/contracts';
import type { NatsRpcClient } from '@stagecraft/messaging';
import {
  connectTestClient,
  createTestDatabase,
  ensureTestNatsServer,
  generateSigningKeyPem,
  type TestDatabase,
  testNatsSettings,
  testSubjectPrefix,
} from '@stagecraft/testing';

import { type ProfileSummary, summarizeCpuProfile } from './package-upload/cpu-profile-summary';
import { type GeneratedJar, writeExecutableJar } from './package-upload/executable-jar';
import {
  cpuSeconds,
  machineCpuSeconds,
  peakRssMiB,
  resetPeakRss,
  rssMiB,
  type RssSeries,
  sampleRss,
  waitForQuiet,
} from './package-upload/process-probe';
import { readBootstrapCredentials, type ServiceProcess, spawnService, waitHealthy } from './package-upload/service-processes';
import {
  describeEnvironment,
  describeOrderBalance,
  envInt,
  markdownTable,
  median,
  orderBalancedRatio,
  orderBalanceFigures,
  passFail,
  round,
  writeResults,
} from './support/bench-report';
import { runBench } from './support/run-bench';

const MiB = 1024 * 1024;
const SIZE_MIB = envInt('BENCH_SIZE_MIB', 1024);
const SIZE_BYTES = SIZE_MIB * MiB;
// Even, so that each order (plain first, Stagecraft first) runs as often.
const REPS = envInt('BENCH_UPLOAD_REPS', 4);
// Off unless asked for: run between the two measured uploads, it made the one after it 20–40 %
// faster than the one before it, whichever that was (docs/benchmarks.md, "Both orders weigh the same").
const MULTIPART = process.env.BENCH_UPLOAD_MULTIPART === '1';
const CPU_PROFILE = process.env.BENCH_UPLOAD_CPU_PROFILE === '1';
const SEED = process.env.BENCH_UPLOAD_SEED ?? 'stagecraft-bench';
/** verifying: the store checks the declared sha256 (as S3, MinIO and `npm start`'s); plain: s3rver as it is, which checks none. */
const STORE = process.env.BENCH_UPLOAD_STORE ?? 'verifying';
if (STORE !== 'verifying' && STORE !== 'plain') throw new Error(`BENCH_UPLOAD_STORE must be verifying or plain, not ${STORE}`);
const EXPECTED_VERIFICATION = STORE === 'verifying' ? 'STORE_CHECKSUM' : 'FULL_READ';
/**
 * How (b) PUTs to the presigned URL. http: the file piped into a node:http request, as the SDK's
 * PutObject of (a) sends it, so (b)/(a) compares the stores' and services' work, not two HTTP
 * clients; fetch: a WHATWG stream through undici, as the figures before 5 Dec 2026 were taken.
 */
const CLIENT = process.env.BENCH_UPLOAD_CLIENT ?? 'http';
if (CLIENT !== 'http' && CLIENT !== 'fetch') throw new Error(`BENCH_UPLOAD_CLIENT must be http or fetch, not ${CLIENT}`);
/** A small package through every path first, so no path pays for first-use costs (JIT, lazy modules, sockets). */
const WARMUP_MIB = 8;
/** One upload or one complete may take this long (1 GiB at a few MiB/s would still fit). */
const OP_TIMEOUT_MS = 10 * 60_000;
/** Pause before each step, so one step's disk writeback and GC tail fall less into the next. */
const SETTLE_MS = envInt('BENCH_UPLOAD_SETTLE_MS', 1_500);
/** When the artifacts process's RSS is read again after complete, to see what it kept. */
const RSS_AFTER_MS = 4_500;
/**
 * Then, before each measured step, wait (at most QUIET_MAX_S) until the whole machine was busy on
 * at most QUIET_CORES cores' worth of CPU for a second: on a shared machine, a step should not
 * start in the middle of someone else's build or test run. Whether it was quiet is reported.
 */
const QUIET_CORES = Number(process.env.BENCH_UPLOAD_QUIET_CORES ?? '0.3');
const QUIET_MAX_S = envInt('BENCH_UPLOAD_QUIET_MAX_S', 30);
const RSS_INTERVAL_MS = 50;
const PLAIN_BUCKET = 'bench-plain';
/** The artifacts service's bucket (S3_BUCKET, passed explicitly). */
const PACKAGE_BUCKET = 'stagecraft-packages';
/** Issue 16: upload + complete at ≥ 0.95× a plain PutObject, with the service's RSS growing ≤ 64 MiB. */
const TARGET = { minRatio: 0.95, maxGrowthMiB: 64 };
const REGISTER = join(__dirname, 'register.cjs');
const PROFILER_PRELOAD = join(__dirname, 'package-upload', 'cpu-profiler.preload.cjs');

type Step = 'plain' | 'multipart' | 'presigned' | 'complete';
type ProcessName = 'bench' | 's3rver' | 'artifacts' | 'iam';

interface StepResult {
  seconds: number;
  /** CPU seconds each process used during the step. */
  cpu: Record<ProcessName, number>;
  /** CPU seconds the rest of the machine (other work, kernel threads) used during the step. */
  otherCpu: number;
  /** Busy cores in the second before the step started, and whether that met the quiet threshold. */
  before?: { busyCores: number; quiet: boolean; waitedMs: number };
}

interface RepResult {
  rep: number;
  /**
   * The best (b+c)/(a) the contract allows on this machine: the presigned PUT as fast as the plain
   * one, and complete costing nothing but SHA-256 over every byte at the measured rate.
   */
  ceiling: number;
  order: string;
  /** The machine's 1-minute load average when the repetition ended: how busy its neighbours were. */
  loadAverage1m: number;
  steps: Partial<Record<Step, StepResult>>;
  createMs: number;
  package: Pick<SoftwarePackageDto, 'status' | 'techStack' | 'sizeBytes' | 'sha256' | 'verification'>;
  /** The ETags (MD5) s3rver computed for the plain object and the package object: equal bytes. */
  etags: { plain: string; package: string };
  rss: {
    baselineMiB: number;
    peakSampledMiB: number;
    /** The kernel's high-water mark over the window (reset at its start), when clear_refs is allowed. */
    peakHwmMiB: number | null;
    growthMiB: number;
    /** RSS a few seconds after complete answered: what the service kept. */
    afterMiB: number;
    samples: number;
    maxGapMs: number;
  };
  ratio: { uploadAndComplete: number; uploadOnly: number };
}

interface Platform {
  client: NatsRpcClient;
  token: string;
  s3: S3Client;
  pids: Record<ProcessName, number>;
  artifacts: ServiceProcess;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * SHA-256 throughput of this machine on one core, as the service hashes (64 KiB updates, no I/O):
 * completing must hash every byte, so no complete can be faster than this.
 */
function sha256MiBPerSecond(): number {
  const buffer = randomBytes(64 * MiB);
  const rates: number[] = [];
  for (let run = 0; run < 3; run += 1) {
    const started = performance.now();
    const hash = createHash('sha256');
    for (let at = 0; at < buffer.length; at += 64 * 1024) hash.update(buffer.subarray(at, at + 64 * 1024));
    hash.digest();
    rates.push(64 / ((performance.now() - started) / 1000));
  }
  return median(rates);
}

function mibPerSecond(seconds: number): number {
  return SIZE_BYTES / MiB / seconds;
}

async function timed(
  pids: Record<ProcessName, number>,
  work: () => Promise<void>,
  before?: StepResult['before'],
): Promise<StepResult> {
  const names = Object.keys(pids) as ProcessName[];
  const cpuBefore = names.map((name) => cpuSeconds(pids[name]));
  const machineBefore = machineCpuSeconds().busy;
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const used = names.map((name, i) => cpuSeconds(pids[name]) - cpuBefore[i]);
  const otherCpu = machineCpuSeconds().busy - machineBefore - used.reduce((sum, value) => sum + value, 0);
  const cpu = Object.fromEntries(names.map((name, i) => [name, round(used[i], 2)]));
  return { seconds, cpu: cpu as Record<ProcessName, number>, otherCpu: round(Math.max(0, otherCpu), 2), before };
}

/** The pause before a measured step: settle, then wait for a quiet machine (bounded). */
async function settle(): Promise<StepResult['before']> {
  await sleep(SETTLE_MS);
  const quiet = await waitForQuiet(QUIET_CORES, QUIET_MAX_S * 1000);
  return { busyCores: round(quiet.busyCores, 2), quiet: quiet.quiet, waitedMs: Math.round(quiet.waitedMs) };
}

/** The file as a web stream for fetch, pulled chunk by chunk (backpressure end to end). */
function webStreamOf(path: string): ReadableStream<Uint8Array> {
  const iterator = createReadStream(path)[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

// ---------------------------------------------------------------------------------------------
// The three ways in

async function plainPut(s3: S3Client, key: string, path: string, sizeBytes: number): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: PLAIN_BUCKET, Key: key, Body: createReadStream(path), ContentLength: sizeBytes }),
    { abortSignal: AbortSignal.timeout(OP_TIMEOUT_MS) },
  );
}

async function multipartUpload(s3: S3Client, key: string, path: string): Promise<void> {
  // lib-storage's defaults: 5 MiB parts, 4 in flight.
  await new Upload({ client: s3, params: { Bucket: PLAIN_BUCKET, Key: key, Body: createReadStream(path) } }).done();
}

async function presignedPut(
  url: string,
  signedHeaders: { name: string; value: string }[],
  path: string,
  sizeBytes: number,
): Promise<void> {
  const headers = {
    ...Object.fromEntries(signedHeaders.map((header) => [header.name, header.value])),
    'content-length': String(sizeBytes),
  };
  if (CLIENT === 'http') return httpPut(url, headers, path);
  const response = await fetch(url, {
    method: 'PUT',
    body: webStreamOf(path),
    duplex: 'half',
    headers,
    signal: AbortSignal.timeout(OP_TIMEOUT_MS),
  } as RequestInit);
  const text = await response.text();
  if (!response.ok) throw new Error(`the presigned PUT answered ${response.status}: ${text.slice(0, 300)}`);
}

/** The file piped into a node:http request, as the SDK's PutObject in (a) sends it. */
async function httpPut(url: string, headers: Record<string, string>, path: string): Promise<void> {
  const request = httpRequest(url, { method: 'PUT', headers, timeout: OP_TIMEOUT_MS });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve).once('error', reject);
    request.once('timeout', () => request.destroy(new Error('the presigned PUT timed out')));
  });
  await pipeline(createReadStream(path), request);
  const response = await answered;
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  if (response.statusCode !== 200) {
    throw new Error(`the presigned PUT answered ${response.statusCode}: ${Buffer.concat(chunks).toString().slice(0, 300)}`);
  }
}

async function etagOf(s3: S3Client, bucket: string, key: string): Promise<string> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return head.ETag ?? '';
}

// ---------------------------------------------------------------------------------------------
// One repetition

async function stagecraftUpload(
  platform: Platform,
  jar: Pick<GeneratedJar, 'path' | 'sizeBytes' | 'sha256'>,
  version: string,
  measure: boolean,
  profileTo?: string,
): Promise<{
  createMs: number;
  presigned: StepResult;
  complete: StepResult;
  done: SoftwarePackageDto;
  rss: RepResult['rss'] | null;
  etag: string;
}> {
  const { client, token, pids, artifacts } = platform;
  const createStarted = performance.now();
  const upload = await client.send(
    ArtifactsSubjects.createPackageUpload,
    { name: 'bench-upload', version, source: 'SWR', sizeBytes: jar.sizeBytes, sha256: jar.sha256 },
    { token },
  );
  const createMs = performance.now() - createStarted;

  let baselineMiB = 0;
  let hwmReset = false;
  let sampler: { stop(): Promise<RssSeries> } | undefined;
  let before: StepResult['before'];
  if (measure) {
    before = await settle();
    const readings: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      readings.push(rssMiB(artifacts.pid));
      await sleep(50);
    }
    baselineMiB = median(readings);
    hwmReset = resetPeakRss(artifacts.pid);
    sampler = sampleRss(artifacts.pid, RSS_INTERVAL_MS);
  }
  if (profileTo) await profilerCommand(artifacts, { profile: 'start' }, 'started');

  const presigned = await timed(
    pids,
    () => presignedPut(upload.uploadUrl, upload.uploadHeaders, jar.path, jar.sizeBytes),
    before,
  );
  let done!: SoftwarePackageDto;
  const complete = await timed(pids, async () => {
    done = await client.send(ArtifactsSubjects.completePackageUpload, { id: upload.package.id }, { token });
  });

  if (profileTo) await profilerCommand(artifacts, { profile: 'stop', path: profileTo }, 'stopped');
  let rss: RepResult['rss'] | null = null;
  if (sampler) {
    const series = await sampler.stop();
    const peakHwmMiB = hwmReset ? peakRssMiB(artifacts.pid) : null;
    await sleep(RSS_AFTER_MS);
    const afterMiB = rssMiB(artifacts.pid);
    const peak = Math.max(series.maxMiB, peakHwmMiB ?? 0);
    rss = {
      baselineMiB: round(baselineMiB, 1),
      peakSampledMiB: round(series.maxMiB, 1),
      peakHwmMiB: peakHwmMiB === null ? null : round(peakHwmMiB, 1),
      growthMiB: round(peak - baselineMiB, 1),
      afterMiB: round(afterMiB, 1),
      samples: series.samples,
      maxGapMs: Math.round(series.maxGapMs),
    };
  }

  const problems: string[] = [];
  if (done.status !== 'READY') problems.push(`status ${done.status} (${done.rejectionReason ?? ''})`);
  if (done.techStack !== 'JAVA') problems.push(`techStack ${done.techStack}`);
  if (done.sha256 !== jar.sha256) problems.push(`sha256 ${done.sha256}, expected ${jar.sha256}`);
  if (done.sizeBytes !== jar.sizeBytes) problems.push(`sizeBytes ${done.sizeBytes}, expected ${jar.sizeBytes}`);
  if (done.verification !== EXPECTED_VERIFICATION)
    problems.push(`verification ${done.verification}, expected ${EXPECTED_VERIFICATION}`);
  if (problems.length > 0) throw new Error(`the package did not end as expected: ${problems.join('; ')}`);

  const etag = await etagOf(platform.s3, PACKAGE_BUCKET, done.objectKey);
  // The object goes at once (disk space); the row stays until the database is dropped. Not through
  // deletePackage: that asks the jobs service whether a job uses the package, which would add a
  // third service to a bench about uploads.
  await platform.s3.send(new DeleteObjectCommand({ Bucket: PACKAGE_BUCKET, Key: done.objectKey }));
  return { createMs, presigned, complete, done, rss, etag };
}

function profilerCommand(artifacts: ServiceProcess, message: Record<string, string>, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the artifacts profiler did not answer')), 60_000);
    const onMessage = (answer: { profile?: string; error?: string }) => {
      if (!answer?.profile) return;
      artifacts.child.off('message', onMessage);
      clearTimeout(timer);
      if (answer.profile === expected) resolve();
      else reject(new Error(`profiler: ${answer.error ?? answer.profile}`));
    };
    artifacts.child.on('message', onMessage);
    artifacts.send(message);
  });
}

async function repetition(
  platform: Platform,
  jar: GeneratedJar,
  rep: number,
  hashMiBps: number,
  profileTo?: string,
): Promise<RepResult> {
  const steps: RepResult['steps'] = {};
  const plainKey = `plain/${rep}`;
  const multipartKey = `multipart/${rep}`;
  const runPlain = async () => {
    const before = await settle();
    steps.plain = await timed(platform.pids, () => plainPut(platform.s3, plainKey, jar.path, jar.sizeBytes), before);
  };
  const runMultipart = async () => {
    if (!MULTIPART) return;
    const before = await settle();
    steps.multipart = await timed(platform.pids, () => multipartUpload(platform.s3, multipartKey, jar.path), before);
    await platform.s3.send(new DeleteObjectCommand({ Bucket: PLAIN_BUCKET, Key: multipartKey }));
  };
  let stagecraft!: Awaited<ReturnType<typeof stagecraftUpload>>;
  const runStagecraft = async () => {
    stagecraft = await stagecraftUpload(platform, jar, `1.0.${rep}`, true, profileTo);
    steps.presigned = stagecraft.presigned;
    steps.complete = stagecraft.complete;
  };

  // Taking turns: odd repetitions start with the plain upload, even ones with Stagecraft's.
  const plainFirst = rep % 2 === 1;
  const order = plainFirst ? [runPlain, runMultipart, runStagecraft] : [runStagecraft, runMultipart, runPlain];
  for (const run of order) await run();

  const plainEtag = await etagOf(platform.s3, PLAIN_BUCKET, plainKey);
  await platform.s3.send(new DeleteObjectCommand({ Bucket: PLAIN_BUCKET, Key: plainKey }));
  if (plainEtag !== stagecraft.etag) {
    throw new Error(`the two uploads stored different bytes (ETag ${plainEtag} vs ${stagecraft.etag})`);
  }
  const a = steps.plain!.seconds;
  const b = steps.presigned!.seconds;
  const c = steps.complete!.seconds;
  const result: RepResult = {
    rep,
    // A store-vouched complete hashes nothing: only (b) as fast as (a) bounds it.
    ceiling: STORE === 'verifying' ? 1 : round(a / (a + SIZE_MIB / hashMiBps), 3),
    order: plainFirst ? 'plain first' : 'Stagecraft first',
    loadAverage1m: round(loadavg()[0], 2),
    steps,
    createMs: round(stagecraft.createMs, 1),
    package: {
      status: stagecraft.done.status,
      techStack: stagecraft.done.techStack,
      sizeBytes: stagecraft.done.sizeBytes,
      sha256: stagecraft.done.sha256,
      verification: stagecraft.done.verification,
    },
    etags: { plain: plainEtag, package: stagecraft.etag },
    rss: stagecraft.rss!,
    ratio: { uploadAndComplete: round(a / (b + c), 3), uploadOnly: round(a / b, 3) },
  };
  console.error(
    `rep ${rep}: plain ${a.toFixed(2)} s, presigned ${b.toFixed(2)} s, complete ${c.toFixed(2)} s` +
      (steps.multipart ? `, multipart ${steps.multipart.seconds.toFixed(2)} s` : '') +
      `; (b+c)/(a) ${result.ratio.uploadAndComplete}, RSS growth ${result.rss.growthMiB} MiB`,
  );
  return result;
}

// ---------------------------------------------------------------------------------------------
// Setup, run, teardown

function startS3rverChild(): Promise<{
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  pid: number;
  close(): Promise<void>;
}> {
  const child = fork(join(__dirname, 'package-upload', 's3rver.child.ts'), [STORE], {
    execArgv: ['-r', REGISTER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.send({ close: true });
    else child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('s3rver did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} during start`)));
    child.once('message', (message: { ready: { endpoint: string; accessKeyId: string; secretAccessKey: string } }) => {
      clearTimeout(timer);
      resolve({ ...message.ready, pid: child.pid!, close });
    });
  });
}

async function main(): Promise<void> {
  await ensureTestNatsServer();
  const cleanup: { what: string; run: () => Promise<void> | void }[] = [];
  const onSignal = () => {
    console.error('package-upload: interrupted, cleaning up');
    void runCleanup(cleanup).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const folder = mkdtempSync(join(tmpdir(), 'stagecraft-bench-upload-'));
    cleanup.push({ what: 'temp folder', run: () => rmSync(folder, { recursive: true, force: true }) });

    console.error(`package-upload: generating a ${SIZE_MIB} MiB executable jar (seed "${SEED}") …`);
    const jar = await writeExecutableJar(join(folder, 'package.jar'), SIZE_BYTES, SEED);
    const warmupJar = await writeExecutableJar(join(folder, 'warmup.jar'), WARMUP_MIB * MiB, `${SEED}-warmup`);
    console.error(`package-upload: ${jar.entries} entries, sha256 ${jar.sha256}, generated in ${jar.seconds.toFixed(1)} s`);

    const s3 = await startS3rverChild();
    cleanup.push({ what: 's3rver', run: () => s3.close() });

    const database: TestDatabase = await createTestDatabase('bench');
    cleanup.push({ what: 'database', run: () => database.drop() });
    const prefix = testSubjectPrefix();
    const client = await connectTestClient(prefix, OP_TIMEOUT_MS);
    cleanup.push({ what: 'NATS client', run: () => client.connection.close() });

    const keyFile = join(folder, 'iam-signing-key.pem');
    writeFileSync(keyFile, generateSigningKeyPem(), { mode: 0o600 });
    const credentialsFile = join(folder, 'admin.json');
    const common = { DATABASE_URL: database.url, LOG_LEVEL: 'warn' };
    const iam = spawnService({
      name: 'iam',
      env: {
        ...common,
        ...testNatsSettings('iam', prefix),
        IAM_SIGNING_KEY_FILE: keyFile,
        IAM_BOOTSTRAP_CREDENTIALS_FILE: credentialsFile,
      },
    });
    cleanup.push({ what: 'iam', run: () => iam.stop() });
    await waitHealthy(iam, client);
    const admin = await readBootstrapCredentials(credentialsFile, iam);

    const artifacts = spawnService({
      name: 'artifacts',
      env: {
        ...common,
        ...testNatsSettings('artifacts', prefix),
        S3_ENDPOINT: s3.endpoint,
        S3_ACCESS_KEY_ID: s3.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
        S3_BUCKET: PACKAGE_BUCKET,
        SECRETS_KEY: Buffer.alloc(32, 7).toString('base64'),
        // The bench's S3 server listens on loopback, which the egress policy refuses unless allowed.
        EGRESS_ALLOWED_CIDRS: '127.0.0.1/32',
      },
      ...(CPU_PROFILE ? { nodeArgs: ['-r', PROFILER_PRELOAD], ipc: true } : {}),
    });
    cleanup.push({ what: 'artifacts', run: () => artifacts.stop() });
    await waitHealthy(artifacts, client);

    const { token } = await client.send(IamSubjects.createAccessToken, {
      accessKey: admin.accessKey,
      secretKey: admin.secretKey,
    });
    const s3Client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      // As the artifacts service configures its client (and TOOLCHAIN.md advises for s3rver).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    cleanup.push({ what: 'S3 client', run: () => s3Client.destroy() });
    await s3Client.send(new CreateBucketCommand({ Bucket: PLAIN_BUCKET }));

    const platform: Platform = {
      client,
      token,
      s3: s3Client,
      artifacts,
      pids: { bench: process.pid, s3rver: s3.pid, artifacts: artifacts.pid, iam: iam.pid },
    };

    // Warm-up: every path once with a small jar (not measured).
    await stagecraftUpload(platform, warmupJar, '0.0.1', false);
    await plainPut(s3Client, 'warmup/plain', warmupJar.path, warmupJar.sizeBytes);
    if (MULTIPART) await multipartUpload(s3Client, 'warmup/multipart', warmupJar.path);
    for (const key of ['warmup/plain', 'warmup/multipart']) {
      await s3Client.send(new DeleteObjectCommand({ Bucket: PLAIN_BUCKET, Key: key }));
    }

    await settle();
    const hashMiBps = sha256MiBPerSecond();
    console.error(`package-upload: SHA-256 on one core here: ${hashMiBps.toFixed(0)} MiB/s`);
    const results: RepResult[] = [];
    let profile: { file: string; summary: ProfileSummary } | undefined;
    for (let rep = 1; rep <= REPS; rep += 1) {
      const profileTo = CPU_PROFILE && rep === 1 ? join(__dirname, 'results', 'package-upload.artifacts.cpuprofile') : undefined;
      if (profileTo) rmSync(profileTo, { force: true });
      results.push(await repetition(platform, jar, rep, hashMiBps, profileTo));
      if (profileTo) profile = { file: profileTo, summary: summarizeCpuProfile(profileTo) };
    }
    report(jar, results, hashMiBps, profile);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runCleanup(cleanup);
  }
}

async function runCleanup(cleanup: { what: string; run: () => Promise<void> | void }[]): Promise<void> {
  while (cleanup.length > 0) {
    const step = cleanup.pop()!;
    try {
      await step.run();
    } catch (error) {
      console.error(`package-upload: cleaning up ${step.what} failed: ${String(error)}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function report(
  jar: GeneratedJar,
  results: RepResult[],
  hashMiBps: number,
  profile?: { file: string; summary: ProfileSummary },
): void {
  // Which upload goes first must not decide the verdict: both orders weigh the same (with the
  // multipart row between them, the order moved a repetition's ratio by 20–40 %).
  const balanced = orderBalancedRatio(results.map((r) => ({ order: r.order, ratio: r.ratio.uploadAndComplete })));
  const worstGrowth = Math.max(...results.map((r) => r.rss.growthMiB));
  const throughputVerdict = passFail(balanced.ratio >= TARGET.minRatio);
  const memoryVerdict = passFail(worstGrowth <= TARGET.maxGrowthMiB);

  const cpuCells = (step: StepResult) => [step.cpu.bench, step.cpu.s3rver, step.cpu.artifacts, step.cpu.iam, step.otherCpu];
  const quietCell = (step: StepResult) =>
    step.before ? `${step.before.busyCores}${step.before.quiet ? '' : ' (not quiet)'}` : '—';
  const rows: (string | number)[][] = [];
  for (const r of results) {
    const a = r.steps.plain!;
    const b = r.steps.presigned!;
    const c = r.steps.complete!;
    const line = (label: string, step: StepResult, versusPlain: string) => [
      r.rep,
      label,
      round(step.seconds, 2),
      round(mibPerSecond(step.seconds), 1),
      versusPlain,
      ...cpuCells(step),
      quietCell(step),
    ];
    const times = (seconds: number) => `${round(a.seconds / seconds, 2)}×`;
    rows.push(line('(a) plain PutObject (@aws-sdk/client-s3)', a, '1×'));
    if (r.steps.multipart)
      rows.push(line('(a′) lib-storage Upload, reference', r.steps.multipart, times(r.steps.multipart.seconds)));
    rows.push(line(`(b) Stagecraft: presigned PUT (${CLIENT === 'http' ? 'node:http' : 'fetch'})`, b, times(b.seconds)));
    rows.push(line('(c) Stagecraft: completePackageUpload', c, times(c.seconds)));
    const d: StepResult = {
      seconds: b.seconds + c.seconds,
      cpu: Object.fromEntries(
        (Object.keys(b.cpu) as ProcessName[]).map((name) => [name, round(b.cpu[name] + c.cpu[name], 2)]),
      ) as Record<ProcessName, number>,
      otherCpu: round(b.otherCpu + c.otherCpu, 2),
    };
    rows.push(
      line(
        '(d) Stagecraft: upload + complete',
        d,
        `${times(d.seconds)} ${passFail(r.ratio.uploadAndComplete >= TARGET.minRatio)}`,
      ),
    );
  }

  console.log(`\n## package-upload — ${SIZE_MIB} MiB package (${describeEnvironment()})\n`);
  console.log(
    markdownTable(
      [
        'rep',
        'step',
        's',
        'MiB/s',
        `× plain (≥ ${TARGET.minRatio})`,
        'CPU s bench',
        'CPU s s3rver',
        'CPU s artifacts',
        'CPU s iam',
        'CPU s rest of machine',
        'busy cores before',
      ],
      rows,
    ),
  );
  console.log('');
  console.log(
    markdownTable(
      [
        'rep',
        'order',
        '(b+c)/(a)',
        '(b)/(a)',
        'ceiling (SHA-256 only)',
        'RSS baseline MiB',
        'RSS peak MiB (50 ms samples)',
        'VmHWM MiB',
        `RSS growth MiB (≤ ${TARGET.maxGrowthMiB})`,
        `RSS ${RSS_AFTER_MS / 1000} s later MiB`,
        'create ms',
        'load avg',
      ],
      results.map((r) => [
        r.rep,
        r.order,
        r.ratio.uploadAndComplete,
        r.ratio.uploadOnly,
        r.ceiling,
        r.rss.baselineMiB,
        r.rss.peakSampledMiB,
        r.rss.peakHwmMiB ?? 'n/a',
        `${r.rss.growthMiB} ${passFail(r.rss.growthMiB <= TARGET.maxGrowthMiB)}`,
        r.rss.afterMiB,
        r.createMs,
        r.loadAverage1m,
      ]),
    ),
  );
  console.log(
    `\nTargets: throughput of upload + complete ≥ ${TARGET.minRatio}× the plain upload (each order's median, ` +
      `geometric mean: ${describeOrderBalance(balanced)}) → ${throughputVerdict}; artifacts RSS growth ≤ ${TARGET.maxGrowthMiB} MiB ` +
      `(worst: ${worstGrowth} MiB) → ${memoryVerdict}.`,
  );
  console.log(
    `Package: ${jar.sizeBytes} bytes, ${jar.entries} stored entries (manifest with Main-Class, a class, ` +
      `${jar.blobs} pseudo-random blobs of ≤ 16 MiB), sha256 ${jar.sha256}; every repetition ended READY, JAVA, ` +
      `that sha256, and the same ETag (MD5) for the plain object and the package's object.`,
  );
  console.log(
    STORE === 'verifying'
      ? `Store: verifies the declared sha256 (every repetition ended ${EXPECTED_VERIFICATION}); complete read only the ` +
          `JAR's directory and manifest. The client declared a sha256 it knew: one that must hash its file first ` +
          `pays ${round(SIZE_MIB / hashMiBps, 2)} s at ${round(hashMiBps, 0)} MiB/s before (b).`
      : `Store: plain s3rver, which verifies no checksum (every repetition ended ${EXPECTED_VERIFICATION}). Ceiling: ` +
          `SHA-256 runs at ${round(hashMiBps, 0)} MiB/s on one core here; with (b) as fast as (a) and a complete that ` +
          `only hashed, (b+c)/(a) would be (a)/((a) + size/that rate).`,
  );
  if (CPU_PROFILE)
    console.log('CPU profile run: the sampling profiler slowed the artifacts process; do not compare these timings.');
  if (profile) {
    console.log(
      `\nartifacts CPU profile of rep 1's (b)+(c): ${profile.file} (${profile.summary.busyMs} ms busy of ${profile.summary.totalMs} ms)\n`,
    );
    const share = (value: number) => `${round(value * 100, 1)}%`;
    console.log(
      markdownTable(
        ['self time by origin', 'ms', 'share'],
        profile.summary.byOrigin.map((o) => [o.name, o.ms, share(o.share)]),
      ),
    );
    console.log('');
    console.log(
      markdownTable(
        ['self time by function', 'ms', 'share'],
        profile.summary.byFunction.map((o) => [o.name, o.ms, share(o.share)]),
      ),
    );
  }

  const file = writeResults(
    CPU_PROFILE ? 'package-upload.profiled' : 'package-upload',
    results.map((r) => ({
      ...r,
      steps: Object.fromEntries(
        Object.entries(r.steps).map(([k, v]) => [
          k,
          { ...v, seconds: round(v.seconds, 3), mibPerSecond: round(mibPerSecond(v.seconds), 1) },
        ]),
      ),
    })),
    {
      sha256MiBPerSecond: round(hashMiBps, 0),
      target: {
        ...TARGET,
        ...orderBalanceFigures(balanced),
        worstGrowthMiB: worstGrowth,
        throughputVerdict,
        memoryVerdict,
      },
      package: { sizeBytes: jar.sizeBytes, entries: jar.entries, blobs: jar.blobs, sha256: jar.sha256, seed: SEED },
      method: {
        plain: 'PutObjectCommand, Body fs.createReadStream(file), ContentLength',
        multipart: MULTIPART ? 'lib-storage Upload, default 5 MiB parts, queueSize 4' : null,
        presigned:
          CLIENT === 'http'
            ? 'node:http PUT, fs.createReadStream(file) piped into the request, Content-Length and the signed checksum header'
            : "fetch PUT, ReadableStream pulled from fs.createReadStream(file), duplex 'half', Content-Length",
        complete: 'NATS request artifacts.packages.upload.complete.v1',
        s3: `s3rver 3.7.1 in a forked child process, ${STORE === 'verifying' ? 'verifying x-amz-checksum-sha256 (@stagecraft/s3-server)' : 'plain'}`,
        verification: EXPECTED_VERIFICATION,
        rssIntervalMs: RSS_INTERVAL_MS,
        warmupMiB: WARMUP_MIB,
        settleMs: SETTLE_MS,
        quiet: { maxBusyCores: QUIET_CORES, maxWaitSeconds: QUIET_MAX_S },
      },
      ...(profile ? { profile } : {}),
    },
  );
  console.log(`\nwrote ${file}`);
}

runBench('package-upload', main);
