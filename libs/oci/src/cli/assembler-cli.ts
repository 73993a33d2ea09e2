import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BuildPhase } from '@stagecraft/contracts';

import { prepareBuildContext } from '../build-context';
import { classifyBuildFailure } from '../build-failure';
import { ImageAssembler, isPushProgressLine } from '../image.assembler';
import { downloadPackage } from '../package-download';
import { formatPlatform } from '../platform';
import { formatSize } from '../progress.format';
import type { RegistryCredentials } from '../registry.auth';
import { RegistryClient } from '../registry.client';
import { parseRegistryAuthFile, RegistryAuthFileError } from '../registry-auth-file';
import { type BuildSpec, type CliCommand, parseBuildSpec } from './build-spec';
import { CliInputError } from './cli-input.error';
import { SecretMask } from './secret-mask';
import { formatTerminationMessage, type TerminationMessage } from './termination-message';

export interface CliContext {
  /** The container's environment: STAGECRAFT_BUILD_SPEC, REGISTRY_AUTH_FILE, TERMINATION_LOG, CONTEXT_DIR, TMPDIR. */
  env: Record<string, string | undefined>;
  /** One line of the build log (no newline). */
  stdout(line: string): void;
  /** One line for operators: what an unexpected failure was. */
  stderr(line: string): void;
  /** Aborted on SIGTERM: the work stops and the run ends with TERMINATED_EXIT_CODE. */
  signal: AbortSignal;
}

export const EXIT_CODES = { SUCCEEDED: 0, FAILED: 1, ERROR: 2 } as const;
/** 128 + SIGTERM, what a shell reports for a process the signal ended. */
export const TERMINATED_EXIT_CODE = 143;
export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';
export const DEFAULT_CONTEXT_DIR = '/workspace';

/** The phase marker line, which the Kubernetes executor reads from the container's log. */
export function phaseMarker(phase: BuildPhase): string {
  return `::stagecraft phase=${phase}`;
}

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
    message = cliCommand === 'assemble' ? await assemble(work) : await fetchContext(work);
    exitCode = EXIT_CODES.SUCCEEDED;
  } catch (error) {
    const failure = context.signal.aborted
      ? { status: 'ERROR' as const, reason: 'TERMINATED', message: 'the build container was stopped (SIGTERM)' }
      : error instanceof CliInputError
        ? { status: 'ERROR' as const, reason: error.reason, message: error.message }
        : classifyBuildFailure(error);
    if (failure.reason === 'EXECUTOR_ERROR') context.stderr(mask.apply(`unexpected failure: ${describe(error)}`));
    message = { ...failure, message: mask.apply(failure.message), phase: phases.current };
    log(`${failure.status} (${failure.reason}): ${failure.message}`);
    exitCode = context.signal.aborted ? TERMINATED_EXIT_CODE : EXIT_CODES[failure.status];
  }
  const terminationLog = context.env['TERMINATION_LOG'] || DEFAULT_TERMINATION_LOG;
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
  try {
    phases.enter('DOWNLOAD');
    const packageFile = join(workdir, 'package');
    await download(spec, packageFile, log, signal);

    phases.enter('PREPROCESS');
    log(`Base image ${spec.baseImage}, target image ${spec.targetImage}, ${spec.techStack} for ${formatPlatform(spec.platform)}`);

    phases.enter('BUILD');
    const assembler = new ImageAssembler({
      tmpDir: workdir,
      clientFactory: ({ registry, signal: requestSignal }) =>
        new RegistryClient({ registry, credentials: credentials[registry], platform: spec.platform, signal: requestSignal }),
    });
    const image = await assembler.assemble({
      baseImage: spec.baseImage!,
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
