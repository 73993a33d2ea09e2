import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  BUILD_POD_EXIT_CODES,
  type BuildPhase,
  formatTerminationMessage,
  phaseMarker,
  TERMINATED_EXIT_CODE,
  TERMINATION_LOG_PATH,
  type TerminationMessage,
} from '@stagecraft/contracts';
import type { RegistryCredentials } from '@stagecraft/oci';
import { prepareBuildContext } from '@stagecraft/oci';
import { classifyBuildFailure } from '@stagecraft/oci';
import { buildDependencyLayer } from '@stagecraft/oci';
import { dependencyLayerKey, type DependencyPlan, installVolumes, outputLocation } from '@stagecraft/oci';
import { planPackageDependencies } from '@stagecraft/oci';
import { type DependencyLayerRequest, ImageAssembler, isPushProgressLine } from '@stagecraft/oci';
import { manifestReferenceOf, parseImageReference } from '@stagecraft/oci';
import { downloadPackage, PackageDownloadError } from '@stagecraft/oci';
import { formatPlatform } from '@stagecraft/oci';
import { formatSize } from '@stagecraft/oci';
import { RegistryClient } from '@stagecraft/oci';
import { parseRegistryAuthFile, RegistryAuthFileError } from '@stagecraft/oci';

import { type BuildSpec, type CliCommand, parseBuildSpec } from './build-spec';
import { CliInputError } from './cli-input.error';
import { SecretMask } from './secret-mask';

export interface CliContext {
  /** The container's environment: STAGECRAFT_BUILD_SPEC, REGISTRY_AUTH_FILE, TERMINATION_LOG, CONTEXT_DIR, TMPDIR. */
  env: Record<string, string | undefined>;
  /** One line of the build log (no newline). */
  stdout(line: string): void;
  /** One line for operators: what an unexpected failure was. */
  stderr(line: string): void;
  /** Aborted on SIGTERM: the work stops and the run ends with TERMINATED_EXIT_CODE (build-pod.protocol.ts). */
  signal: AbortSignal;
}

export const DEFAULT_CONTEXT_DIR = '/workspace';
export const DEFAULT_DEPENDENCIES_DIR = '/stagecraft/dependencies';

/** The build's phases as markers on stdout; each is entered at most once. */
class PhaseLog {
  current: BuildPhase = 'INIT';
  private readonly entered = new Set<BuildPhase>(['INIT']);

  constructor(private readonly log: (line: string) => void) {}

  enter(phase: BuildPhase): void {
    if (this.entered.has(phase)) return;
    this.entered.add(phase);
    this.current = phase;
    this.log(phaseMarker(phase));
  }
}

interface Work {
  spec: BuildSpec;
  env: CliContext['env'];
  log: (line: string) => void;
  phases: PhaseLog;
  mask: SecretMask;
  signal: AbortSignal;
}

/**
 * One run of the build container: `assemble` (download, assemble, push) or `fetch` (download and
 * lay out a Docker build context for BuildKit). Never throws: it logs, writes the termination
 * message and resolves to the exit code.
 */
export async function runAssemblerCli(command: string | undefined, context: CliContext): Promise<number> {
  const mask = new SecretMask();
  const log = (line: string) => context.stdout(mask.apply(line));
  const phases = new PhaseLog(log);
  let message: TerminationMessage;
  let exitCode: number;
  try {
    const cliCommand = parseCommand(command);
    const spec = parseBuildSpec(await readInput(context.env, 'STAGECRAFT_BUILD_SPEC', 'BUILD_SPEC_INVALID'), cliCommand);
    mask.addUrl(spec.packageUrl);
    const work: Work = { spec, env: context.env, log, phases, mask, signal: context.signal };
    message =
      cliCommand === 'assemble'
        ? await assemble(work)
        : spec.dockerfile !== null
          ? await fetchContext(work)
          : await fetchDependencies(work);
    exitCode = BUILD_POD_EXIT_CODES.SUCCEEDED;
  } catch (error) {
    const failure = context.signal.aborted
      ? { status: 'ERROR' as const, reason: 'TERMINATED' as const, message: 'the build container was stopped (SIGTERM)' }
      : error instanceof CliInputError
        ? { status: 'ERROR' as const, reason: error.reason, message: error.message }
        : classifyBuildFailure(error);
    if (failure.reason === 'EXECUTOR_ERROR') context.stderr(mask.apply(`unexpected failure: ${describe(error)}`));
    message = { ...failure, message: mask.apply(failure.message), phase: phases.current };
    log(`${failure.status} (${failure.reason}): ${failure.message}`);
    exitCode = context.signal.aborted ? TERMINATED_EXIT_CODE : BUILD_POD_EXIT_CODES[failure.status];
  }
  const terminationLog = context.env['TERMINATION_LOG'] || TERMINATION_LOG_PATH;
  try {
    await writeFile(terminationLog, formatTerminationMessage(message));
  } catch (error) {
    context.stderr(
      `cannot write the termination message to ${terminationLog}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  return exitCode;
}

async function assemble({ spec, env, log, phases, mask, signal }: Work): Promise<TerminationMessage> {
  const credentials = await readRegistryCredentials(env);
  Object.values(credentials).forEach((c) => mask.addCredentials(c));
  // TMPDIR decides where: a read-only root filesystem needs an emptyDir there.
  const workdir = await mkdtemp(join(tmpdir(), 'stagecraft-assemble-'));
  const clientFor = (registry: string, requestSignal?: AbortSignal) =>
    new RegistryClient({ registry, credentials: credentials[registry], platform: spec.platform, signal: requestSignal });
  try {
    // With a `fetch` step before (dependency installs), the package is in the workspace already.
    let packageFile = env['PACKAGE_FILE'];
    if (packageFile) {
      await verifyPackage(packageFile, spec.packageSha256);
    } else {
      phases.enter('DOWNLOAD');
      packageFile = join(workdir, 'package');
      await download(spec, packageFile, log, signal);
      phases.enter('PREPROCESS');
    }
    log(`Base image ${spec.baseImage}, target image ${spec.targetImage}, ${spec.techStack} for ${formatPlatform(spec.platform)}`);

    phases.enter('BUILD');
    const dependencies = spec.dependencies
      ? await dependencyLayer(spec, packageFile, env['DEPENDENCIES_DIR'] || DEFAULT_DEPENDENCIES_DIR, workdir, clientFor, log)
      : undefined;
    const assembler = new ImageAssembler({
      tmpDir: workdir,
      clientFactory: ({ registry, signal: requestSignal }) => clientFor(registry, requestSignal),
    });
    const image = await assembler.assemble({
      baseImage: spec.baseImage!,
      dependencies,
      targetImage: spec.targetImage,
      packageFile,
      packageName: spec.packageName,
      techStack: spec.techStack,
      labels: spec.labels,
      signal,
      onProgress: (line) => {
        if (isPushProgressLine(line)) phases.enter('PUSH');
        log(line);
      },
    });

    phases.enter('POSTPROCESS');
    log(`Pushed ${image.reference}@${image.digest}`);
    return { status: 'SUCCEEDED', digest: image.digest, image: `${spec.targetImage}@${image.digest}` };
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}

async function fetchContext({ spec, env, log, phases, signal }: Work): Promise<TerminationMessage> {
  const contextDir = env['CONTEXT_DIR'] || DEFAULT_CONTEXT_DIR;
  phases.enter('DOWNLOAD');
  await mkdir(contextDir, { recursive: true });
  // Downloaded next to its final place, so it is renamed there rather than copied.
  const partial = join(contextDir, '.stagecraft-package.partial');
  try {
    await download(spec, partial, log, signal);

    phases.enter('PREPROCESS');
    const laid = await prepareBuildContext(contextDir, {
      dockerfile: spec.dockerfile!,
      packageFile: partial,
      techStack: spec.techStack,
      move: true,
    });
    log(
      `Build context ${contextDir}: Dockerfile (${formatSize(Buffer.byteLength(spec.dockerfile!))}) and ${laid.packageFileName}`,
    );
    return { status: 'SUCCEEDED' };
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * `fetch` for a build whose pod installs dependencies: the package into the workspace (where the
 * build container takes it from), then the install's files (package.json and the lockfile, or
 * requirements.txt, as the plan checked them) into the dependencies volume the `dependencies`
 * container mounts at its working folder, and its empty output folder.
 */
async function fetchDependencies({ spec, env, log, phases, signal }: Work): Promise<TerminationMessage> {
  const packageFile = env['PACKAGE_FILE'] || join(env['CONTEXT_DIR'] || DEFAULT_CONTEXT_DIR, 'package');
  const dependenciesDir = env['DEPENDENCIES_DIR'] || DEFAULT_DEPENDENCIES_DIR;
  phases.enter('DOWNLOAD');
  const partial = `${packageFile}.partial`;
  try {
    await download(spec, partial, log, signal);
    await rename(partial, packageFile);
  } finally {
    await rm(partial, { force: true });
  }

  phases.enter('PREPROCESS');
  const install = plannedInstall(await planPackageDependencies(packageFile, spec.techStack), spec);
  const folders = Object.fromEntries(installVolumes(install).map((volume) => [volume.name, join(dependenciesDir, volume.name)]));
  for (const folder of Object.values(folders)) await mkdir(folder, { recursive: true, mode: 0o755 });
  for (const file of install.files) await writeFile(join(folders.work, file.name), file.content, { mode: 0o644 });
  log(`Dependencies: ${install.files.map((f) => f.name).join(' and ')} for ${install.command.join(' ')} in ${install.workDir}`);
  return { status: 'SUCCEEDED' };
}

/** The install of the plan, which must be the one the builds service planned (the spec names its tool). */
function plannedInstall(plan: DependencyPlan, spec: BuildSpec) {
  if (!plan.install || plan.install.tool !== spec.dependencies?.tool)
    throw new CliInputError(
      'BUILD_SPEC_INVALID',
      `STAGECRAFT_BUILD_SPEC: the package needs ${plan.install ? `a ${plan.install.tool} install` : 'no install'}, not the ${spec.dependencies?.tool} install the build was planned with`,
      'dependencies',
    );
  return plan.install;
}

/** The layer of what the `dependencies` container installed, with the key of the base image it ran on. */
async function dependencyLayer(
  spec: BuildSpec,
  packageFile: string,
  dependenciesDir: string,
  workdir: string,
  clientFor: (registry: string) => RegistryClient,
  log: (line: string) => void,
): Promise<DependencyLayerRequest> {
  const install = plannedInstall(await planPackageDependencies(packageFile, spec.techStack, { tmpDir: workdir }), spec);
  const output = outputLocation(install);
  const built = await buildDependencyLayer(
    join(dependenciesDir, output.volume, output.subPath),
    install,
    join(workdir, 'dependencies.tar.gz'),
    // The dependencies container ran as this container's user: every file must be that user's.
    { owner: process.getuid?.() },
  );
  const base = parseImageReference(spec.baseImage!);
  const manifest = await clientFor(base.registry).getManifest(base.repository, manifestReferenceOf(base));
  const key = dependencyLayerKey(install, manifest.digest, spec.dependencies!.registryUrl);
  log(
    `Dependency layer ${built.digest}: ${built.files} files, ${formatSize(built.bytes)} installed by ${install.tool} into ${install.outputDir}, key ${key}`,
  );
  return { layer: built, install, key };
}

/** The package `fetch` left in the workspace, checked against the sha256 recorded at upload. */
async function verifyPackage(file: string, expectedSha256: string): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== expectedSha256)
    throw new PackageDownloadError(
      'PACKAGE_CORRUPTED',
      `the package's sha256 is ${actual}, not the ${expectedSha256} recorded when it was uploaded`,
    );
}

async function download(spec: BuildSpec, file: string, log: (line: string) => void, signal: AbortSignal): Promise<void> {
  const size = await downloadPackage(spec.packageUrl, file, spec.packageSha256, signal);
  log(`Downloaded the package ${spec.packageName}: ${formatSize(size)}, sha256 ${spec.packageSha256} verified`);
}

function parseCommand(command: string | undefined): CliCommand {
  if (command === 'assemble' || command === 'fetch') return command;
  throw new CliInputError(
    'USAGE',
    `the command must be "assemble" or "fetch"${command ? `, not ${JSON.stringify(command)}` : ''}`,
  );
}

/** The text of the file an environment variable names; the message names the variable, never the content. */
async function readInput(
  env: CliContext['env'],
  variable: 'STAGECRAFT_BUILD_SPEC' | 'REGISTRY_AUTH_FILE',
  reason: CliInputError['reason'],
): Promise<string> {
  const path = env[variable];
  if (!path) throw new CliInputError(reason, `${variable} is not set`, variable);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliInputError(reason, `${variable}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code})`, variable);
  }
}

async function readRegistryCredentials(env: CliContext['env']): Promise<Record<string, RegistryCredentials>> {
  if (!env['REGISTRY_AUTH_FILE']) return {};
  const text = await readInput(env, 'REGISTRY_AUTH_FILE', 'REGISTRY_AUTH_INVALID');
  try {
    return parseRegistryAuthFile(text);
  } catch (error) {
    if (error instanceof RegistryAuthFileError)
      throw new CliInputError('REGISTRY_AUTH_INVALID', `REGISTRY_AUTH_FILE: ${error.message}`);
    throw error;
  }
}

/** Name and message only: no stack leaves the container. */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
