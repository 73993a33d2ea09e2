import type { TechStack } from '@stagecraft/contracts';
import type { Platform } from '@stagecraft/oci';
import { parsePlatform } from '@stagecraft/oci';

import { CliInputError } from './cli-input.error';

export type CliCommand = 'assemble' | 'fetch';

/** What the build container is asked to do: the JSON file `STAGECRAFT_BUILD_SPEC` names, once validated. */
export interface BuildSpec {
  buildId: string;
  /** Required by `assemble`; `fetch` ignores it (the Dockerfile names its own base). */
  baseImage: string | null;
  targetImage: string;
  techStack: TechStack;
  packageName: string;
  labels: Record<string, string>;
  /** A presigned URL: a capability, never logged. */
  packageUrl: string;
  /** Lower-case hex, as recorded when the package was uploaded. */
  packageSha256: string;
  platform: Platform;
  /** `fetch` lays out a Docker build context when set; `assemble` ignores it. */
  dockerfile: string | null;
  /**
   * Set when the pod installs the package's dependencies (a `dependencies` init container runs the
   * base image's npm or pip): `fetch` then writes the install's files, `assemble` adds the layer.
   */
  dependencies: { tool: 'npm' | 'pip'; registryUrl: string } | null;
}

// Checked against TechStack both ways by `satisfies`; a literal rather than contracts' TECH_STACKS
// keeps @stagecraft/contracts (class-validator and friends) out of the build container at run time.
const TECH_STACKS = { JAVA: true, TOMCAT: true, NODEJS: true, PYTHON: true, PHP: true } satisfies Record<TechStack, true>;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const PLATFORM_PART = /^[a-z0-9_]+$/i;

/**
 * Validates the build spec for `command`. Unknown fields are ignored, so an older build image
 * accepts a newer executor's spec. References are only checked to be non-empty here: the
 * assembler judges their syntax, so that a bad base image is FAILED (REFERENCE_INVALID) exactly
 * as on a LOCAL cluster.
 */
export function parseBuildSpec(text: string, command: CliCommand): BuildSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it failed on, and this text holds the presigned URL.
    throw new CliInputError('BUILD_SPEC_INVALID', 'STAGECRAFT_BUILD_SPEC: the build spec is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliInputError('BUILD_SPEC_INVALID', 'STAGECRAFT_BUILD_SPEC: the build spec is not a JSON object');
  }
  const spec = parsed as Record<string, unknown>;
  return {
    buildId: requiredText(spec, 'buildId'),
    baseImage: command === 'assemble' ? requiredText(spec, 'baseImage', 'for assemble') : nullableText(spec, 'baseImage'),
    targetImage: requiredText(spec, 'targetImage'),
    techStack: techStack(spec),
    packageName: requiredText(spec, 'packageName'),
    labels: labels(spec),
    packageUrl: packageUrl(spec),
    packageSha256: check(
      spec,
      'packageSha256',
      (v) => typeof v === 'string' && SHA256_HEX.test(v),
      'be 64 lower-case hex digits',
    ),
    platform: platform(spec),
    ...fetchInputs(spec, command),
  };
}

/** `fetch` needs a Dockerfile (a Docker build context) or dependencies (an install's files); `assemble` takes either as given. */
function fetchInputs(spec: Record<string, unknown>, command: CliCommand): Pick<BuildSpec, 'dockerfile' | 'dependencies'> {
  const dependencies = dependenciesOf(spec);
  const dockerfile =
    command === 'fetch' && !dependencies ? requiredText(spec, 'dockerfile', 'for fetch') : nullableText(spec, 'dockerfile');
  return { dockerfile, dependencies };
}

function dependenciesOf(spec: Record<string, unknown>): BuildSpec['dependencies'] {
  const value = spec['dependencies'];
  if (value === undefined || value === null) return null;
  const valid =
    typeof value === 'object' &&
    !Array.isArray(value) &&
    ((value as Record<string, unknown>)['tool'] === 'npm' || (value as Record<string, unknown>)['tool'] === 'pip') &&
    typeof (value as Record<string, unknown>)['registryUrl'] === 'string' &&
    URL.canParse((value as Record<string, string>)['registryUrl']);
  if (!valid) throw problem('dependencies', 'be null or {"tool": "npm" | "pip", "registryUrl": an URL}');
  return value as BuildSpec['dependencies'];
}

function problem(field: string, rule: string): CliInputError {
  return new CliInputError('BUILD_SPEC_INVALID', `STAGECRAFT_BUILD_SPEC: "${field}" must ${rule}`, field);
}

function check<T = string>(spec: Record<string, unknown>, field: string, valid: (value: unknown) => boolean, rule: string): T {
  if (!valid(spec[field])) throw problem(field, rule);
  return spec[field] as T;
}

function requiredText(spec: Record<string, unknown>, field: string, when?: string): string {
  return check(spec, field, (v) => typeof v === 'string' && v.trim() !== '', `be a non-empty string${when ? ` ${when}` : ''}`);
}

function nullableText(spec: Record<string, unknown>, field: string): string | null {
  return check<string | null>(spec, field, (v) => v === null || typeof v === 'string', 'be a string or null');
}

function techStack(spec: Record<string, unknown>): TechStack {
  return check<TechStack>(
    spec,
    'techStack',
    (v) => typeof v === 'string' && Object.hasOwn(TECH_STACKS, v),
    `be one of ${Object.keys(TECH_STACKS).join(', ')}`,
  );
}

function labels(spec: Record<string, unknown>): Record<string, string> {
  const value = spec['labels'];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw problem('labels', 'be an object of strings');
  for (const [key, label] of Object.entries(value)) {
    if (typeof label !== 'string') throw problem(`labels[${JSON.stringify(key)}]`, 'be a string');
  }
  return value as Record<string, string>;
}

function packageUrl(spec: Record<string, unknown>): string {
  return check(
    spec,
    'packageUrl',
    (v) => typeof v === 'string' && URL.canParse(v) && /^https?:$/.test(new URL(v).protocol),
    'be an http(s) URL',
  );
}

function platform(spec: Record<string, unknown>): Platform {
  const value = check(
    spec,
    'platform',
    (v) => typeof v === 'string' && /^[^/]+\/[^/]+(\/[^/]+)?$/.test(v) && v.split('/').every((part) => PLATFORM_PART.test(part)),
    'be os/architecture[/variant], such as linux/amd64',
  );
  return parsePlatform(value);
}
