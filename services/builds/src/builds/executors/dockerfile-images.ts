import { parseDockerfile } from '@stagecraft/dockerfile';

/** A Dockerfile whose images cannot be known before it runs. */
export class DockerfileImagesError extends Error {
  override readonly name = 'DockerfileImagesError';
}

/**
 * The images a Dockerfile builds from (`FROM`, and `COPY --from=` naming an image rather than a
 * stage), so they can be pulled before the build runs without network. Stage names and `scratch`
 * are left out; ARGs declared before the first FROM are substituted with their defaults. An image
 * that still depends on an ARG is refused: it cannot be pulled beforehand.
 */
export function dockerfileImages(dockerfile: string): string[] {
  const parsed = parseDockerfile(dockerfile);
  if (!parsed.ok) throw new DockerfileImagesError(parsed.problem);
  const args = new Map<string, string>();
  const stages = new Set<string>();
  const images: string[] = [];
  let seenFrom = false;
  const add = (raw: string, line: number) => {
    const image = withArgs(raw, args);
    if (image.includes('$'))
      throw new DockerfileImagesError(
        `dockerfile line ${line}: the image ${image} depends on an ARG without a default; LOCAL builds pull their images before the build runs, so name it outright`,
      );
    if (image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase()) && !images.includes(image)) images.push(image);
  };
  for (const instruction of parsed.instructions) {
    const words = instruction.args.split(/\s+/).filter(Boolean);
    if (instruction.keyword === 'ARG' && !seenFrom) {
      declareArgs(words, args);
    } else if (instruction.keyword === 'FROM') {
      seenFrom = true;
      const rest = words.filter((word) => !word.startsWith('--'));
      if (!rest[0]) throw new DockerfileImagesError(`dockerfile line ${instruction.line}: FROM needs an image`);
      add(rest[0], instruction.line);
      if (rest[1]?.toUpperCase() === 'AS' && rest[2]) stages.add(rest[2].toLowerCase());
    } else if (instruction.keyword === 'COPY' || instruction.keyword === 'ADD') {
      for (const word of words) {
        const from = /^--from=(.+)$/.exec(word)?.[1];
        // A stage by name or by index, else an image.
        if (from && !/^\d+$/.test(from)) add(from, instruction.line);
      }
    }
  }
  return images;
}

/**
 * The image a Dockerfile's final stage builds on, following stage names (`FROM build AS x` …
 * `FROM x`): the base its image has, which base image changes watch. Null for `scratch`, an
 * image that depends on an ARG without a default, or a Dockerfile that does not parse.
 */
export function dockerfileBaseImage(dockerfile: string): string | null {
  const parsed = parseDockerfile(dockerfile);
  if (!parsed.ok) return null;
  const args = new Map<string, string>();
  const stageBases = new Map<string, string | null>();
  let base: string | null = null;
  let seenFrom = false;
  for (const instruction of parsed.instructions) {
    const words = instruction.args.split(/\s+/).filter(Boolean);
    if (instruction.keyword === 'ARG' && !seenFrom) declareArgs(words, args);
    if (instruction.keyword !== 'FROM') continue;
    seenFrom = true;
    const rest = words.filter((word) => !word.startsWith('--'));
    const image = withArgs(rest[0] ?? '', args);
    const named = image.toLowerCase();
    if (!image || image.includes('$') || named === 'scratch') base = null;
    else base = stageBases.has(named) ? stageBases.get(named)! : image;
    if (rest[1]?.toUpperCase() === 'AS' && rest[2]) stageBases.set(rest[2].toLowerCase(), base);
  }
  return base;
}

/** `ARG name=default …` before the first FROM: the defaults FROM lines may use. */
function declareArgs(words: string[], args: Map<string, string>): void {
  for (const word of words) {
    const [name, ...value] = word.split('=');
    if (value.length) args.set(name, value.join('=').replace(/^(["'])(.*)\1$/, '$2'));
  }
}

/** `raw` with the ARGs it names replaced by their defaults; one without a default stays as written. */
function withArgs(raw: string, args: Map<string, string>): string {
  return raw.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (match, name: string) => args.get(name) ?? match);
}
