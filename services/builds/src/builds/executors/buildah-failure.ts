import type { BuildReasonOf } from '@stagecraft/contracts';
import { type BuildFailure, parseImageReference } from '@stagecraft/oci';

/** The buildah command that failed, and what it worked on. */
export type BuildahCommand =
  | { kind: 'pull'; image: string }
  | { kind: 'bud'; /** What the build context holds, for a COPY that finds nothing. */ contextFiles: string[] }
  | { kind: 'push'; image: string };

/** `STEP 3/5: RUN make`, or `[1/2] STEP 3/5: …` in a multi-stage build: buildah's line before each instruction. */
const STEP_LINE = /^(?:\[\d+\/\d+\] )?STEP \d+\/\d+: /;
const TAIL_LINES = 40;
const MAX_STEP_TEXT = 300;

/**
 * What a failure is read from, kept while the command runs: the last STEP line (however much a RUN
 * printed after it) and the last lines, where buildah prints its `Error: …`.
 */
export class BuildahOutput {
  private step: string | null = null;
  private readonly tail: string[] = [];

  static of(lines: Iterable<string>): BuildahOutput {
    const output = new BuildahOutput();
    for (const line of lines) output.record(line);
    return output;
  }

  record(line: string): void {
    if (STEP_LINE.test(line)) this.step = line.trim();
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  get lastStep(): string | null {
    return this.step;
  }

  /** buildah's own error: its last `Error: ` line, without the prefix. */
  get error(): string | null {
    for (let i = this.tail.length - 1; i >= 0; i--) {
      const line = this.tail[i].trim();
      if (line.startsWith('Error: ')) return line.slice('Error: '.length);
    }
    return null;
  }

  /** Why the step's process did not start (`process failed to start with error: …`), if it said so. */
  get startFailure(): string | null {
    for (const line of this.tail) {
      const match = /process failed to start with error: (.*?)(?:process exited with error|subprocess exited|$)/.exec(line);
      if (match) return match[1].trim();
    }
    return null;
  }
}

/**
 * The outcome of a failed buildah command, from what it printed (the lines stay in the build log
 * as they were). FAILED with a reason the user can act on wherever the cause is the job's
 * Dockerfile, image names or registries; ERROR only for a registry's own fault (5xx, rate limits)
 * or the build machine's. Messages name the image, registry host or Dockerfile step; `hide` are
 * paths of the build machine, cut out of anything quoted from buildah.
 */
export function classifyBuildahFailure(
  command: BuildahCommand,
  output: BuildahOutput,
  options: { hide?: string[] } = {},
): BuildFailure {
  const failure = command.kind === 'bud' ? budFailure(command, output) : registryFailure(command, output.error);
  let message = failure.message;
  for (const path of options.hide ?? []) if (path) message = message.split(path).join('…');
  return { ...failure, message };
}

const failed = (reason: BuildReasonOf<'FAILED'>, message: string): BuildFailure => ({ status: 'FAILED', reason, message });
const errored = (reason: BuildReasonOf<'ERROR'>, message: string): BuildFailure => ({ status: 'ERROR', reason, message });

function registryFailure(command: { kind: 'pull' | 'push'; image: string }, error: string | null): BuildFailure {
  const { image } = command;
  const { host, repository } = namesOf(image);
  const verb = command.kind === 'pull' ? 'pulling' : 'pushing';
  const unknown = errored('EXECUTOR_ERROR', `buildah failed ${verb} ${image}; its output is in the build log`);
  if (!error) return unknown;
  const answer = registryAnswer(error, host, repository);
  // Matched on the registry's answer only: a repository may well be called "denied" or "timeout".
  const said = answer.toLowerCase();

  if (/no image found in (?:image index|manifest list) for architecture/.test(said))
    return failed('BASE_IMAGE_NOT_FOUND', `the image ${image} has no variant for this build machine (${answer})`);
  if (/unexpected http status: 5\d\d|\b5\d\d \(/.test(said))
    return errored('REGISTRY_ERROR', `registry ${host} failed while ${verb} ${image}: ${answer}`);
  if (/toomanyrequests|\b429\b/.test(said))
    return errored('REGISTRY_ERROR', `registry ${host} refused more requests for now (${answer}); run the build again later`);
  const unreachable = unreachableCause(answer);
  if (unreachable)
    return failed(
      'REGISTRY_UNREACHABLE',
      `registry ${host} cannot be reached from the build machine, ${verb} ${image}: ${unreachable}`,
    );
  if (/manifest unknown|name unknown|\b404\b|not found/.test(said)) {
    return command.kind === 'pull'
      ? failed('BASE_IMAGE_NOT_FOUND', `the image ${image} that the Dockerfile builds from does not exist (${answer})`)
      : failed(
          'REGISTRY_DENIED',
          `registry ${host} does not accept ${image} (${answer}): the repository (or its project) must exist and take pushes from the platform's credentials for ${host}`,
        );
  }
  if (/unauthorized|denied|authentication required|forbidden|\b40[13]\b/.test(said)) {
    return failed(
      'REGISTRY_DENIED',
      command.kind === 'pull'
        ? `registry ${host} denied pulling ${image} (${answer}): the platform has no credentials for ${host} or they may not read that repository, or it does not exist`
        : `registry ${host} denied pushing ${image} (${answer}): the platform has no credentials for ${host} or they may not push to that repository`,
    );
  }
  return unknown;
}

function namesOf(image: string): { host: string; repository: string } {
  try {
    const parsed = parseImageReference(image);
    return { host: parsed.registry, repository: parsed.repository };
  } catch {
    const [host, ...rest] = image.split('/');
    return { host, repository: rest.join('/').replace(/[:@].*$/, '') };
  }
}

/**
 * What the registry (or the network) answered, without buildah's account of what it was doing:
 * `…reading manifest 2 in host/base: manifest unknown: manifest unknown` is `manifest unknown`.
 */
function registryAnswer(error: string, host: string, repository: string): string {
  let answer = error;
  const afterRepository = error.lastIndexOf(`${repository}: `);
  const afterPing = error.lastIndexOf(`container registry ${host}: `);
  if (afterPing !== -1) answer = error.slice(afterPing + `container registry ${host}: `.length);
  else if (afterRepository !== -1) answer = error.slice(afterRepository + `${repository}: `.length);
  else {
    const manifestList = /choosing an image from manifest list \S+: (.*)$/.exec(error);
    if (manifestList) answer = manifestList[1];
  }
  // The distribution registry repeats its code as its message: "manifest unknown: manifest unknown".
  const halves = /^(.+): \1$/.exec(answer);
  return (halves ? halves[1] : answer).trim();
}

/** Why a registry could not be talked to at all (connection, name, TLS), or null if it answered. */
function unreachableCause(answer: string): string | null {
  const cause = answer.replace(/^Get "[^"]*": /, '');
  const said = cause.toLowerCase();
  if (/http response to https client/.test(said))
    return `${cause} (it speaks plain HTTP; only loopback registries are reached without TLS)`;
  if (/x509|certificate/.test(said)) return `${cause} (its TLS certificate is not trusted here)`;
  if (
    /connection refused|no such host|i\/o timeout|network is unreachable|no route to host|connection reset|tls handshake|server misbehaving|deadline exceeded|dial tcp|\beof\b/.test(
      said,
    )
  )
    return cause;
  return null;
}

function budFailure(command: { contextFiles: string[] }, output: BuildahOutput): BuildFailure {
  const error = output.error;
  const unknown = errored('EXECUTOR_ERROR', 'buildah failed building the Dockerfile; its output is in the build log');
  if (!error) return unknown;
  const atStep = stepError(error, output.lastStep);
  if (!atStep) {
    if (/no from statement|requires|no stage or image found|unknown instruction|unknown flag|parse|dockerfile/i.test(error))
      return failed('DOCKERFILE_INVALID', `the Dockerfile is invalid: ${error}`);
    return unknown;
  }
  const { step, instruction, detail } = atStep;

  const exit = /^exit status (\d+)$/.exec(detail);
  if (exit) {
    const notStarted = output.startFailure;
    if (notStarted) return failed('DOCKERFILE_STEP_FAILED', `${step}: the command could not start (${notStarted})`);
    const code = Number(exit[1]);
    return failed(
      'DOCKERFILE_STEP_FAILED',
      `${step}: the command exited with code ${code}${code === 127 ? ' (a command was not found)' : ''}`,
    );
  }

  const missing = /copier: stat: (?:"([^"]*)"|\[([^\]]*)\]): no such file or directory/.exec(detail);
  if (missing) {
    const paths = missing[1] !== undefined ? [missing[1]] : [...missing[2].matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    const from = /(?:^|\s)--from=(\S+)/.exec(instruction)?.[1];
    if (from) return failed('COPY_SOURCE_NOT_FOUND', `${step}: nothing in ${from} matches ${paths.join(', ')}`);
    const names = paths.map((path) => path.replace(/^\/+/, '') || '.');
    return failed(
      'COPY_SOURCE_NOT_FOUND',
      `${step}: nothing in the build context matches ${names.join(', ')}; the context holds only ${command.contextFiles.join(' and ')}`,
    );
  }

  const cleaned = detail.replace(/^Build error: /, '').replace(/\s*&\w+\.\w+\{.*$/, '');
  if (/no space left on device|cannot allocate memory|disk quota exceeded|read-only file system/i.test(cleaned))
    return errored('EXECUTOR_ERROR', `${step}: the build machine failed: ${cleaned}`);
  if (
    /unknown instruction|requires (?:at least|exactly|either)|only supports|isn't allowed|unknown flag|invalid|parse/i.test(
      cleaned,
    )
  )
    return failed('DOCKERFILE_INVALID', `${step}: ${cleaned}`);
  if (/^reading "https?:\/\//.test(cleaned))
    return failed(
      'DOCKERFILE_STEP_FAILED',
      `${step}: ${cleaned} (Dockerfile steps have no network on a LOCAL cluster: put the file into the package)`,
    );
  return failed('DOCKERFILE_STEP_FAILED', `${step}: ${cleaned}`);
}

/**
 * Splits `building at STEP "<instruction>": <detail>`. The instruction may hold quotes and `": `
 * itself, so the one of the last STEP line is tried first; buildah prints some instructions
 * differently there (a RUN in exec form), so the first `": ` is the fallback.
 */
function stepError(error: string, lastStep: string | null): { step: string; instruction: string; detail: string } | null {
  const prefix = 'building at STEP "';
  if (!error.startsWith(prefix)) return null;
  const printed = lastStep?.replace(STEP_LINE, '');
  let instruction: string;
  let detail: string;
  if (printed !== undefined && error.startsWith(`${prefix}${printed}": `)) {
    instruction = printed;
    detail = error.slice(`${prefix}${printed}": `.length);
  } else {
    const end = error.indexOf('": ', prefix.length);
    if (end === -1) return null;
    instruction = error.slice(prefix.length, end);
    detail = error.slice(end + 3);
  }
  const step = lastStep ?? `STEP "${instruction}"`;
  return { step: step.length > MAX_STEP_TEXT ? `${step.slice(0, MAX_STEP_TEXT)}…` : step, instruction, detail: detail.trim() };
}
