export const MAX_DOCKERFILE_BYTES = 64 * 1024;

const INSTRUCTIONS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

export interface DockerfileInstruction {
  keyword: string;
  /** Everything after the keyword, continuation lines joined, heredoc bodies appended. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
  /** The source lines it spans, as written. */
  source: string[];
}

export type DockerfileParse = { ok: true; instructions: DockerfileInstruction[] } | { ok: false; problem: string };

/**
 * Parses a Dockerfile the way BuildKit reads it: parser directives, comments, line
 * continuations (with the escape character), heredocs. It must hold at least one instruction,
 * and the first (after ARGs, which may precede FROM) must be FROM.
 */
export function parseDockerfile(text: string): DockerfileParse {
  if (Buffer.byteLength(text, 'utf8') > MAX_DOCKERFILE_BYTES)
    return { ok: false, problem: `dockerfile must be at most ${MAX_DOCKERFILE_BYTES / 1024} KiB` };
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const escape = escapeCharacter(lines);
  const instructions: DockerfileInstruction[] = [];
  let index = 0;
  while (index < lines.length) {
    const start = index;
    const first = lines[index];
    index += 1;
    if (first.trim() === '' || first.trim().startsWith('#')) continue;
    const source = [first];
    let logical = first;
    let continues = logical.trimEnd().endsWith(escape);
    if (continues) logical = logical.trimEnd().slice(0, -1);
    while (continues && index < lines.length) {
      const next = lines[index];
      source.push(next);
      index += 1;
      // Comment and empty lines inside a continued instruction are skipped, as BuildKit does.
      if (next.trim().startsWith('#') || next.trim() === '') continue;
      continues = next.trimEnd().endsWith(escape);
      logical += continues ? next.trimEnd().slice(0, -1) : next;
    }
    const match = /^\s*([A-Za-z]+)(?:\s+(.*))?$/.exec(logical);
    if (!match) return { ok: false, problem: `dockerfile line ${start + 1}: expected an instruction` };
    const keyword = match[1].toUpperCase();
    if (!INSTRUCTIONS.has(keyword))
      return { ok: false, problem: `dockerfile line ${start + 1}: unknown instruction ${match[1]}` };
    let args = (match[2] ?? '').trim();
    for (const delimiter of heredocDelimiters(args)) {
      const end = lines.findIndex((line, i) => i >= index && line.replace(/^\t+/, '') === delimiter);
      if (end < 0) return { ok: false, problem: `dockerfile line ${start + 1}: the heredoc ${delimiter} is never closed` };
      const body = lines.slice(index, end);
      source.push(...body, lines[end]);
      args += '\n' + body.join('\n');
      index = end + 1;
    }
    if (keyword === 'FROM' && args === '') return { ok: false, problem: `dockerfile line ${start + 1}: FROM needs an image` };
    instructions.push({ keyword, args, line: start + 1, source });
  }
  const firstNonArg = instructions.find((instruction) => instruction.keyword !== 'ARG');
  if (!firstNonArg) return { ok: false, problem: 'dockerfile has no instructions' };
  if (firstNonArg.keyword !== 'FROM')
    return { ok: false, problem: `dockerfile must start with FROM (line ${firstNonArg.line} is ${firstNonArg.keyword})` };
  return { ok: true, instructions };
}

/** `# escape=`` ` among the leading parser directives switches the continuation character. */
function escapeCharacter(lines: string[]): string {
  for (const line of lines) {
    const directive = /^#\s*([a-z]+)\s*=\s*(\S+)\s*$/i.exec(line);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}

function heredocDelimiters(args: string): string[] {
  return [...args.matchAll(/<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g)].map((m) => m[2]);
}
