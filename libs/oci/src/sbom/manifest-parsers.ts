import { composerPurl, mavenPurl, normalizePypiName, npmPurl, pypiPurl } from './purl';

/** One dependency found in a manifest, before it becomes a CycloneDX component. */
export interface FoundComponent {
  ecosystem: 'maven' | 'npm' | 'pypi' | 'composer';
  group?: string;
  name: string;
  version: string;
  purl: string;
  /** The manifest it was read from, inside the package (`WEB-INF/lib/x.jar!/META-INF/...` for nested jars). */
  source: string;
}

/** `META-INF/maven/<group>/<artifact>/pom.properties`, which Maven writes into every JAR it builds. */
export const POM_PROPERTIES = /(^|\/)META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;

export function parsePomProperties(text: string, source: string): FoundComponent[] {
  const props = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(line);
    if (match) props.set(match[1], match[2].trim());
  }
  const group = props.get('groupId');
  const artifact = props.get('artifactId');
  const version = props.get('version');
  if (!group || !artifact || !version) return [];
  return [{ ecosystem: 'maven', group, name: artifact, version, purl: mavenPurl(group, artifact, version), source }];
}

/**
 * npm lockfiles: v2/v3 list every installed package under `packages` keyed by its folder
 * (`node_modules/a/node_modules/b`); v1 nests `dependencies`. The root entry (`""`) and links
 * to folders of the package itself are not dependencies.
 */
export function parseNpmLockfile(text: string, source: string): FoundComponent[] {
  const lock = JSON.parse(text) as {
    packages?: Record<string, { name?: string; version?: string; link?: boolean }>;
    dependencies?: Record<string, NpmV1Dependency>;
  };
  const found: FoundComponent[] = [];
  const add = (name: string, version: string | undefined) => {
    if (version && !/^(file|link|git|https?):/.test(version))
      found.push({ ecosystem: 'npm', name, version, purl: npmPurl(name, version), source });
  };
  if (lock.packages) {
    for (const [path, entry] of Object.entries(lock.packages)) {
      const at = path.lastIndexOf('node_modules/');
      if (at < 0 || entry.link) continue;
      add(entry.name ?? path.slice(at + 'node_modules/'.length), entry.version);
    }
    return found;
  }
  const walk = (deps: Record<string, NpmV1Dependency> | undefined) => {
    for (const [name, dep] of Object.entries(deps ?? {})) {
      add(name, dep.version);
      walk(dep.dependencies);
    }
  };
  walk(lock.dependencies);
  return found;
}

interface NpmV1Dependency {
  version?: string;
  dependencies?: Record<string, NpmV1Dependency>;
}

/** An installed Python distribution's `*.dist-info/METADATA` (core metadata: `Name:`, `Version:` headers). */
export const DIST_INFO_METADATA = /(^|\/)[^/]+\.dist-info\/METADATA$/;

export function parseDistInfoMetadata(text: string, source: string): FoundComponent[] {
  // Headers end at the first empty line; the description follows.
  const headers = text.split(/\r?\n\r?\n/, 1)[0];
  const name = /^Name:\s*(.+)$/m.exec(headers)?.[1].trim();
  const version = /^Version:\s*(.+)$/m.exec(headers)?.[1].trim();
  if (!name || !version) return [];
  return [{ ecosystem: 'pypi', name: normalizePypiName(name), version, purl: pypiPurl(name, version), source }];
}

/** Only exact pins (`name==1.2.3`, extras and markers allowed) name one version; ranges name none. */
export function parseRequirementsPins(text: string, source: string): FoundComponent[] {
  const found: FoundComponent[] = [];
  for (const raw of text.replace(/\\\r?\n/g, ' ').split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    const match =
      /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9._+!-]+)\s*(?:;.*|--hash.*)?$/.exec(
        line,
      );
    if (match)
      found.push({
        ecosystem: 'pypi',
        name: normalizePypiName(match[1]),
        version: match[2],
        purl: pypiPurl(match[1], match[2]),
        source,
      });
  }
  return found;
}

/** composer.lock: `packages` and `packages-dev`, each `{ name: "vendor/name", version }`. */
export function parseComposerLock(text: string, source: string): FoundComponent[] {
  const lock = JSON.parse(text) as Record<string, { name?: string; version?: string }[] | undefined>;
  const found: FoundComponent[] = [];
  for (const entry of [...(lock.packages ?? []), ...(lock['packages-dev'] ?? [])]) {
    if (!entry.name || !entry.version) continue;
    const [vendor, name] = entry.name.split('/', 2);
    found.push({
      ecosystem: 'composer',
      group: name ? vendor : undefined,
      name: name ?? vendor,
      version: entry.version,
      purl: composerPurl(entry.name, entry.version),
      source,
    });
  }
  return found;
}
