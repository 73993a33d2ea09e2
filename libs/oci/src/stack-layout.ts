import { posix } from 'node:path';

import type { TechStack } from '@stagecraft/contracts';

import type { ContainerConfig } from './manifest.types';

export interface StackLayoutOptions {
  /** Where JAVA, NODEJS and PYTHON packages go: `/app`. */
  appDir?: string;
  /** Tomcat's webapps folder: `/usr/local/tomcat/webapps` (the official image's CATALINA_HOME). */
  tomcatWebappsDir?: string;
  /** The PHP web root: `/var/www/html` (the official php:apache image's DocumentRoot). */
  phpWebRoot?: string;
}

/** Where the package goes in the image: copied as one file, or unpacked into a folder. */
export type PackagePlacement =
  | { kind: 'file'; path: string; gzipHint: 'compressed' }
  | { kind: 'unpack'; root: string; gzipHint: 'tree' };

/** What the unpacked package holds, for stack defaults that depend on it. */
export interface PackageFacts {
  has(path: string): boolean;
  /**
   * The text of the package's top-level `Procfile`: null or absent when it has none, and for a
   * JAR or WAR, which is placed as one file (a Procfile inside it is not looked for).
   */
  procfile?: string | null;
}

export interface StackConfigChange {
  config: ContainerConfig;
  /** Lines for the build log that explain a choice. */
  notes: string[];
}

const DEFAULTS: Required<StackLayoutOptions> = {
  appDir: '/app',
  tomcatWebappsDir: '/usr/local/tomcat/webapps',
  phpWebRoot: '/var/www/html',
};

export function resolveLayout(options: StackLayoutOptions = {}): Required<StackLayoutOptions> {
  return { ...DEFAULTS, ...options };
}

export function placementFor(stack: TechStack, layout: Required<StackLayoutOptions>): PackagePlacement {
  switch (stack) {
    case 'JAVA':
      return { kind: 'file', path: posix.join(layout.appDir, 'app.jar'), gzipHint: 'compressed' };
    case 'TOMCAT':
      return { kind: 'file', path: posix.join(layout.tomcatWebappsDir, 'ROOT.war'), gzipHint: 'compressed' };
    case 'NODEJS':
    case 'PYTHON':
      return { kind: 'unpack', root: layout.appDir, gzipHint: 'tree' };
    case 'PHP':
      return { kind: 'unpack', root: layout.phpWebRoot, gzipHint: 'tree' };
  }
}

/** A Procfile's process types and commands (`web: node server.js`), as foreman and Heroku read it. */
export function parseProcfile(text: string): Map<string, string> {
  const processes = new Map<string, string>();
  for (const raw of text.replace(/^\uFEFF/, '').split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*(?:#|$)/.test(line)) continue;
    const match = /^([A-Za-z0-9_-]+):\s*(.*?)\s*$/.exec(line);
    // A later line of the same type wins, as in foreman; a line without a command names nothing.
    if (match && match[2]) processes.set(match[1], match[2]);
  }
  return processes;
}

/**
 * The runtime settings each stack needs on top of the base image's. Everything not named here
 * (Env, User, ExposedPorts, and the base's Entrypoint for the non-JAVA stacks) stays as the base
 * image has it. A folder package (NODEJS, PYTHON, PHP) with a top-level `Procfile` holding a
 * `web:` line runs that command instead, the buildpacks convention: `/bin/sh -c <command>` in
 * the package's folder, with the base's Entrypoint cleared so that the command is exactly what
 * runs (an entrypoint that wraps or prefixes its arguments, `python3` say, would change it).
 */
export function applyStackConfig(
  stack: TechStack,
  base: ContainerConfig,
  layout: Required<StackLayoutOptions>,
  facts: PackageFacts,
): StackConfigChange {
  const config: ContainerConfig = { ...base };
  const notes: string[] = [];
  const folder = stack === 'PHP' ? layout.phpWebRoot : layout.appDir;
  const procfile = stack !== 'JAVA' && stack !== 'TOMCAT' && facts.procfile != null ? parseProcfile(facts.procfile) : null;
  const web = procfile?.get('web');
  if (web) {
    config.WorkingDir = folder;
    delete config.Entrypoint;
    config.Cmd = ['/bin/sh', '-c', web];
    notes.push(
      `Command set by the package's Procfile (web: ${web}): /bin/sh -c in ${folder}, the base image's Entrypoint (${JSON.stringify(base.Entrypoint ?? null)}) cleared`,
    );
    return { config, notes };
  }
  if (procfile) {
    const types = [...procfile.keys()];
    notes.push(
      `The package's Procfile has no web: line (${types.length ? `only ${types.join(', ')}` : 'no process at all'}): the ${stack} default command is kept`,
    );
  }
  switch (stack) {
    case 'JAVA': {
      const jar = posix.join(layout.appDir, 'app.jar');
      config.WorkingDir = layout.appDir;
      config.Entrypoint = ['java', '-jar', jar];
      delete config.Cmd;
      break;
    }
    case 'TOMCAT':
      notes.push(`Tomcat deploys ${posix.join(layout.tomcatWebappsDir, 'ROOT.war')} at / with the base image's command`);
      break;
    case 'NODEJS':
      config.WorkingDir = layout.appDir;
      config.Cmd = ['npm', 'start'];
      // npm's own default: without a "start" script, `npm start` runs `node server.js`.
      notes.push(`Cmd set to npm start in ${layout.appDir}: package.json's "start" script, or node server.js without one`);
      break;
    case 'PYTHON':
      config.WorkingDir = layout.appDir;
      // `python DIR` runs DIR/__main__.py: Python's own convention for a runnable folder. Guessing
      // among main.py, app.py or a WSGI module would start the wrong thing as often as the right one.
      if (facts.has('__main__.py')) {
        config.Cmd = ['python3', layout.appDir];
        notes.push(`Cmd set to python3 ${layout.appDir}: the package has a top-level __main__.py`);
      } else {
        notes.push(
          `Cmd left as the base image's (${JSON.stringify(base.Cmd ?? null)}): the package has no top-level __main__.py`,
        );
      }
      break;
    case 'PHP':
      notes.push(`PHP files served from ${layout.phpWebRoot} with the base image's command`);
      break;
  }
  return { config, notes };
}
