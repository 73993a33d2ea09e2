import { TECH_STACKS, type TechStack } from '@stagecraft/contracts';
import { imageReferenceProblem, parseImageReference } from '@stagecraft/oci';

/** The official images per stack: what SYSTEM_DEFAULT builds on unless configured otherwise. */
export const OFFICIAL_BASE_IMAGES: Record<TechStack, string[]> = {
  JAVA: ['eclipse-temurin:8-jre', 'eclipse-temurin:11-jre', 'eclipse-temurin:17-jre', 'eclipse-temurin:21-jre'],
  TOMCAT: ['tomcat:9.0-jre17', 'tomcat:10.1-jre17', 'tomcat:10.1-jre21'],
  NODEJS: ['node:18-slim', 'node:20-slim', 'node:22-slim'],
  PYTHON: ['python:3.10-slim', 'python:3.11-slim', 'python:3.12-slim'],
  PHP: ['php:8.1-apache', 'php:8.2-apache', 'php:8.3-apache'],
};

/**
 * The SYSTEM_DEFAULT catalog: per tech stack, base image repositories and the tags allowed for
 * each. It also decides which stack an IMAGE build's base image belongs to: an image whose
 * repository has the same last path component as a catalog repository of the stack
 * (`swr.example.com/team/eclipse-temurin:21-jdk` is a JAVA image).
 */
export class BaseImageCatalog {
  private readonly tags = new Map<TechStack, Map<string, string[]>>();

  constructor(private readonly entries: Record<TechStack, string[]>) {
    for (const stack of TECH_STACKS) {
      const repositories = new Map<string, string[]>();
      for (const entry of entries[stack] ?? []) {
        const [repository, tag] = splitEntry(entry);
        repositories.set(repository, [...(repositories.get(repository) ?? []), tag]);
      }
      this.tags.set(stack, repositories);
    }
  }

  /** From BASE_IMAGE_CATALOG (JSON), or the official images. Throws on a malformed catalog. */
  static fromConfig(json: string | undefined): BaseImageCatalog {
    if (!json) return new BaseImageCatalog(OFFICIAL_BASE_IMAGES);
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      throw new Error('BASE_IMAGE_CATALOG is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null)
      throw new Error('BASE_IMAGE_CATALOG must map tech stacks to lists of repository:tag');
    const entries = {} as Record<TechStack, string[]>;
    for (const stack of TECH_STACKS) {
      const list = (parsed as Record<string, unknown>)[stack] ?? [];
      if (!Array.isArray(list) || list.some((entry) => typeof entry !== 'string'))
        throw new Error(`BASE_IMAGE_CATALOG.${stack} must be a list of repository:tag`);
      for (const entry of list as string[]) splitEntry(entry);
      entries[stack] = list as string[];
    }
    return new BaseImageCatalog(entries);
  }

  /** `repository:tag` entries of a stack, in catalog order (what `baseImages` answers). */
  imagesFor(stack: TechStack): string[] {
    return [...(this.entries[stack] ?? [])];
  }

  repositoriesFor(stack: TechStack): string[] {
    return [...(this.tags.get(stack)?.keys() ?? [])];
  }

  tagsFor(stack: TechStack, repository: string): string[] | null {
    return this.tags.get(stack)?.get(repository) ?? null;
  }

  /** Whether an IMAGE build's base image is one of the stack's images. */
  isImageOf(stack: TechStack, image: string): boolean {
    if (imageReferenceProblem(image)) return false;
    const name = lastComponent(parseImageReference(image).repository);
    return this.repositoriesFor(stack).some((repository) => lastComponent(parseImageReference(repository).repository) === name);
  }
}

function splitEntry(entry: string): [string, string] {
  const parsed = imageReferenceProblem(entry) ? null : parseImageReference(entry);
  if (!parsed?.tag || parsed.digest) throw new Error(`base image catalog entry ${entry} must be repository:tag`);
  return [entry.slice(0, entry.length - parsed.tag.length - 1), parsed.tag];
}

function lastComponent(repository: string): string {
  return repository.slice(repository.lastIndexOf('/') + 1);
}
