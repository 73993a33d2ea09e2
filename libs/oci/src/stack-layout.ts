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

/**
 * The runtime settings each stack needs on top of the base image's. Everything not named here
 * (Env, User, ExposedPorts, and the base's Entrypoint for the non-JAVA stacks) stays as the base
 * image has it.
 */
export function applyStackConfig(
  stack: TechStack,
  base: ContainerConfig,
  layout: Required<StackLayoutOptions>,
  facts: PackageFacts,
): StackConfigChange {
  const config: ContainerConfig = { ...base };
  const notes: string[] = [];
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
