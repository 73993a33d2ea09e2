import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readZipItems, resolveUnpackLimits, type UnpackLimits } from '@stagecraft/archive';

import type { LayerEntry } from '../layer-entry';
import { unpackPackage } from '../package/package-unpacker';
import {
  DIST_INFO_METADATA,
  type FoundComponent,
  parseComposerLock,
  parseDistInfoMetadata,
  parseNpmLockfile,
  parsePomProperties,
  parseRequirementsPins,
  POM_PROPERTIES,
} from './manifest-parsers';

/** Manifests are small; a larger file with a manifest's name is skipped, not read into memory. */
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/** A library JAR inside a WAR or Spring Boot JAR; larger ones are not opened. */
const MAX_NESTED_JAR_BYTES = 256 * 1024 * 1024;
/** Where WARs and Spring Boot fat JARs keep their libraries. */
const NESTED_JAR = /(^|\/)(WEB-INF|BOOT-INF)\/lib\/[^/]+\.jar$/;

/**
 * The dependencies a package's own manifests name: `pom.properties` in the JAR/WAR and in the
 * JARs it carries, npm lockfiles, Python `*.dist-info/METADATA` and pinned `requirements.txt`,
 * `composer.lock`. The package is read with the same unpacker (and limits) as a build, so an
 * archive the build accepted is read the same way here.
 */
export async function readPackageComponents(
  packageFile: string,
  options: { limits?: Partial<UnpackLimits>; tmpDir?: string } = {},
): Promise<FoundComponent[]> {
  const unpacked = await unpackPackage(packageFile, {
    root: '/',
    stripSingleTopFolder: true,
    limits: options.limits,
    tmpDir: options.tmpDir,
  });
  const work = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'stagecraft-sbom-'));
  try {
    const found: FoundComponent[] = [];
    for (const entry of unpacked.entries) {
      if (entry.type !== 'file') continue;
      const path = entry.path.replace(/^\/+/, '');
      const size = 'content' in entry ? entry.content.length : entry.size;
      if (NESTED_JAR.test(path)) {
        if (size <= MAX_NESTED_JAR_BYTES) found.push(...(await readNestedJar(entry, path, work, options.limits)));
        continue;
      }
      const parse = parserFor(path);
      if (!parse || size > MAX_MANIFEST_BYTES) continue;
      found.push(...safeParse(parse, (await readAll(entry)).toString('utf8'), path));
    }
    return found;
  } finally {
    await rm(work, { recursive: true, force: true });
    await unpacked.cleanup();
  }
}

type Parser = (text: string, source: string) => FoundComponent[];

function parserFor(path: string): Parser | null {
  if (POM_PROPERTIES.test(path)) return parsePomProperties;
  if (DIST_INFO_METADATA.test(path)) return parseDistInfoMetadata;
  // Lockfiles and requirements count at the package's top only: nested ones belong to installed dependencies.
  if (path === 'package-lock.json' || path === 'npm-shrinkwrap.json') return parseNpmLockfile;
  if (path === 'requirements.txt') return parseRequirementsPins;
  if (path === 'composer.lock') return parseComposerLock;
  return null;
}

/** A malformed manifest leaves a gap in the SBOM rather than failing a build that already succeeded. */
function safeParse(parse: Parser, text: string, source: string): FoundComponent[] {
  try {
    return parse(text, source);
  } catch {
    return [];
  }
}

/** A JAR inside the package: copied out (the zip reader needs a file), its pom.properties read. */
async function readNestedJar(
  entry: Extract<LayerEntry, { type: 'file' }>,
  path: string,
  work: string,
  limits: Partial<UnpackLimits> | undefined,
): Promise<FoundComponent[]> {
  const file = join(work, 'nested.jar');
  await writeFile(file, await readAll(entry));
  try {
    const found: FoundComponent[] = [];
    for (const item of await readZipItems(file, resolveUnpackLimits(limits))) {
      if (item.type !== 'file' || !POM_PROPERTIES.test(item.path) || item.size > MAX_MANIFEST_BYTES) continue;
      const parts: Buffer[] = [];
      for await (const chunk of await item.open()) parts.push(Buffer.from(chunk as Uint8Array));
      found.push(...safeParse(parsePomProperties, Buffer.concat(parts).toString('utf8'), `${path}!/${item.path}`));
    }
    return found;
  } catch {
    // Not a readable zip: a JAR the JVM could not load either; it names nothing.
    return [];
  } finally {
    await rm(file, { force: true });
  }
}

async function readAll(entry: Extract<LayerEntry, { type: 'file' }>): Promise<Buffer> {
  if ('content' in entry) return entry.content;
  const parts: Buffer[] = [];
  for await (const chunk of await entry.open()) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}
