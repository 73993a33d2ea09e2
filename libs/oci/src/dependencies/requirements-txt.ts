import { DependencyError, quoteForMessage } from './dependency.errors';

/** One requirement of a requirements.txt, as pip will read it from the file the build writes. */
export interface Requirement {
  /** 1-based line where it starts in the package's file. */
  line: number;
  /** `name[extras] specifiers ; marker`, then its `--hash=` options. */
  text: string;
}

export interface ParsedRequirements {
  requirements: Requirement[];
  /** Global options the file may keep (they only narrow what pip picks): `--require-hashes`, `--pre`, … */
  options: string[];
}

/**
 * Options that change nothing but which distribution of an already named project pip picks. Every
 * other option is refused: index and link options (`-i`, `--index-url`, `--extra-index-url`,
 * `-f`, `--find-links`, `--trusted-host`, `--no-index`) would send pip to hosts of the package's
 * choosing, `-r`/`-c` name files the build does not have, `-e` is a VCS checkout or a local
 * folder, and `--no-binary` or build options mean running a source distribution's build code.
 */
const ALLOWED_GLOBAL = new Set(['--require-hashes', '--pre', '--prefer-binary', '--only-binary']);

const NAME = String.raw`[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?`;
const EXTRAS = String.raw`\[\s*(?:${NAME}(?:\s*,\s*${NAME})*)?\s*\]`;
const CLAUSE = String.raw`(?:~=|===|==|!=|<=|>=|<|>)\s*[A-Za-z0-9_.*+!-]+`;
const CLAUSES = String.raw`${CLAUSE}(?:\s*,\s*${CLAUSE})*`;
/** PEP 508 without a URL: `name [extras] (specifiers)`, and the marker apart. */
const REQUIREMENT = new RegExp(String.raw`^(${NAME})\s*(?:${EXTRAS})?\s*(?:\(\s*${CLAUSES}\s*\)|${CLAUSES})?$`);
/** Markers compare environment values with quoted strings: nothing in them can name a location. */
const MARKER = /^[A-Za-z0-9_.\s"'()<>=!~,*+-]+$/;
const HASH = /^--hash[= ]\s*(sha256|sha384|sha512):[0-9a-f]+$/;

/**
 * Reads requirements.txt the way pip does (continuation lines, `#` comments) and keeps only what
 * pip can resolve from the configured index alone: project names with versions, markers and
 * hashes. A line that could reach another host — an index or find-links option, a URL, `name @
 * url`, a VCS (`git+…`) or local path, `${VAR}` expansion — fails the build with
 * DEPENDENCY_SOURCE_REFUSED naming the line.
 */
export function parseRequirementsTxt(text: string, file = 'requirements.txt'): ParsedRequirements {
  const requirements: Requirement[] = [];
  const options: string[] = [];
  for (const { line, text: logical } of logicalLines(text)) {
    const refuse = (why: string) =>
      new DependencyError('DEPENDENCY_SOURCE_REFUSED', `${file} line ${line}: ${quoteForMessage(logical)} ${why}`);
    if (logical.includes('${')) throw refuse('uses environment variable expansion, which the build does not do');
    if (logical.startsWith('-')) {
      const name = logical.split(/[\s=]/, 1)[0];
      if (!ALLOWED_GLOBAL.has(name)) throw refuse(optionProblem(name));
      if (name === '--only-binary' && !/^--only-binary[= ]\s*(:all:|:none:|[A-Za-z0-9._,-]+)$/.test(logical))
        throw refuse('has an --only-binary value the build does not understand');
      if (name !== '--only-binary' && logical !== name) throw refuse('gives a value to an option that takes none');
      options.push(logical);
      continue;
    }
    const optionAt = logical.search(/\s--?[A-Za-z]/);
    const requirement = (optionAt === -1 ? logical : logical.slice(0, optionAt)).trim();
    const perRequirement = optionAt === -1 ? [] : splitOptions(logical.slice(optionAt));
    for (const option of perRequirement)
      if (!HASH.test(option))
        throw refuse(`has the option ${quoteForMessage(option.split(/[\s=]/, 1)[0])}; only --hash may follow a requirement`);
    if (/:\/\/|^(git|hg|svn|bzr)\+/i.test(requirement))
      throw refuse('is a URL: the build installs only from the configured package index (ship the package instead)');
    const semicolon = requirement.indexOf(';');
    const spec = (semicolon === -1 ? requirement : requirement.slice(0, semicolon)).trim();
    const marker = semicolon === -1 ? null : requirement.slice(semicolon + 1).trim();
    if (spec.includes('@'))
      throw refuse('is a direct reference (name @ url): the build installs only from the configured package index');
    if (/^[./~\\]|[/\\]/.test(spec) || /\.(whl|zip|tar\.gz|tgz|tar\.bz2)$/i.test(spec))
      throw refuse('is a local file or folder: the build has only requirements.txt, not the rest of the package');
    if (!REQUIREMENT.test(spec)) throw refuse('is not a requirement pip can resolve from an index (name, extras, versions)');
    if (marker !== null && (marker === '' || !MARKER.test(marker))) throw refuse('has an environment marker the build refuses');
    requirements.push({ line, text: [requirement.replace(/\s+/g, ' '), ...perRequirement].join(' ') });
  }
  return { requirements, options };
}

/** The requirements file the build hands to pip: what was checked, one requirement a line, nothing else. */
export function formatRequirementsTxt(parsed: ParsedRequirements): Buffer {
  return Buffer.from([...parsed.options, ...parsed.requirements.map((r) => r.text)].map((l) => `${l}\n`).join(''));
}

function optionProblem(name: string): string {
  if (['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--trusted-host', '--no-index'].includes(name))
    return 'names a package index or link location: the build installs only from the configured index (PIP_INDEX_URL, set by the administrator)';
  if (['-r', '--requirement', '-c', '--constraint'].includes(name))
    return 'includes another file: the build installs from requirements.txt alone (put every requirement in it)';
  if (['-e', '--editable'].includes(name)) return 'is an editable install of a VCS checkout or a folder, which the build refuses';
  if (['--no-binary', '--use-pep517', '--no-build-isolation', '--config-settings', '--global-option'].includes(name))
    return 'asks for a source build: the build installs wheels only (no package code runs while it has network)';
  return `uses the option ${quoteForMessage(name)}, which the build refuses`;
}

/** `--hash=a --hash b` → ['--hash=a', '--hash b']. */
function splitOptions(text: string): string[] {
  const words = text.trim().split(/\s+/);
  const options: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (/^--?[A-Za-z][A-Za-z-]*$/.test(word) && i + 1 < words.length && !words[i + 1].startsWith('-'))
      options.push(`${word} ${words[++i]}`);
    else options.push(word);
  }
  return options;
}

/** Joins `\` continuations and drops comments (`#` at the start or after whitespace) and blank lines. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const physical = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let pending = '';
  let start = 0;
  physical.forEach((raw, index) => {
    if (pending === '') start = index + 1;
    const continued = /(^|[^\\])\\$/.test(raw);
    pending += continued ? raw.slice(0, -1) : raw;
    if (continued && index < physical.length - 1) return;
    const withoutComment = pending.replace(/(^|\s)#.*$/, '').trim();
    if (withoutComment) out.push({ line: start, text: withoutComment });
    pending = '';
  });
  return out;
}
