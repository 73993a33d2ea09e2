// No Docker engine runs on the dev machines or in CI, so docker-compose.yml is kept true here:
// every app it builds is checked against that app's config class (the variables it reads and
// the values it accepts), its dependencies and its mounts.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { configKeys, loadConfig } from '@stagecraft/config';
import { parse } from 'yaml';

import { GatewayConfig } from '../../gateway/src/config';
import { ArtifactsConfig } from '../../services/artifacts/src/config';
import { BuildsConfig } from '../../services/builds/src/config';
import { ClustersConfig } from '../../services/clusters/src/config';
import { IamConfig } from '../../services/iam/src/config';
import { JobsConfig } from '../../services/jobs/src/config';

type ConfigClass = new () => object;

/** The config class of every app deploy/Dockerfile builds, by its APP build arg. One line per app. */
const CONFIG_CLASSES: Record<string, ConfigClass> = {
  gateway: GatewayConfig,
  'services/iam': IamConfig,
  'services/artifacts': ArtifactsConfig,
  'services/clusters': ClustersConfig,
  'services/jobs': JobsConfig,
  'services/builds': BuildsConfig,
};

/**
 * Services that exist in services/ but have no compose block yet, each with the reason. Giving
 * one a compose block means removing its line here (the test fails while both are true).
 */
const NOT_IN_COMPOSE_YET: Record<string, string> = {};

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE = 'deploy/Dockerfile';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; args?: Record<string, unknown> | string[] };
  environment?: Record<string, unknown> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  volumes?: (string | { type?: string; source?: string; target: string })[];
  secrets?: (string | { source: string; target?: string })[];
  ports?: (string | number | { target: number; published?: string | number })[];
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const services = compose.services ?? {};
const dockerfile = readFileSync(join(ROOT, DOCKERFILE), 'utf8');

/** Compose's own variable substitution, with nothing set (a fresh checkout without `.env`). */
function interpolate(value: string, variables: Record<string, string | undefined> = {}): string {
  return value.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _match,
      dollar: string | undefined,
      name: string | undefined,
      operator: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      if (dollar) return '$';
      const variable = name ?? bare!;
      const current = variables[variable];
      const unset = operator?.startsWith(':') ? !current : current === undefined;
      if (!unset) return current!;
      if (operator?.endsWith('?')) throw new Error(`\${${variable}} is required: ${word}`);
      return operator ? (word ?? '') : '';
    },
  );
}

/** The environment a compose service sets; a variable passed through from the host has value undefined. */
function environmentOf(service: ComposeService): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  const entries = service.environment ?? {};
  if (Array.isArray(entries)) {
    for (const entry of entries) {
      const [key, ...rest] = String(entry).split('=');
      env[key] = rest.length > 0 ? interpolate(rest.join('=')) : undefined;
    }
  } else {
    for (const [key, value] of Object.entries(entries))
      env[key] = value === null || value === undefined ? undefined : interpolate(String(value));
  }
  return env;
}

function buildArgsOf(service: ComposeService): Record<string, string> {
  const build = typeof service.build === 'object' ? service.build : {};
  const args = build.args ?? {};
  if (Array.isArray(args)) return Object.fromEntries(args.map((entry) => String(entry).split(/=(.*)/s, 2) as [string, string]));
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, String(value)]));
}

function dependsOn(service: ComposeService): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, spec]) => [name, spec?.condition ?? 'service_started']));
}

function hasHealthcheck(service: ComposeService | undefined): boolean {
  const check = service?.healthcheck;
  if (!check || check.disable) return false;
  const test = Array.isArray(check.test) ? check.test : [check.test];
  return test.length > 0 && test[0] !== 'NONE' && test[0] !== undefined;
}

/** Where a service's volumes and secrets appear inside its container. */
function mountTargets(service: ComposeService): string[] {
  const volumes = (service.volumes ?? []).map((volume) =>
    typeof volume === 'string' ? (volume.split(':')[1] ?? volume) : volume.target,
  );
  const secrets = (service.secrets ?? []).map((secret) => {
    if (typeof secret === 'string') return `/run/secrets/${secret}`;
    const target = secret.target ?? secret.source;
    return target.startsWith('/') ? target : `/run/secrets/${target}`;
  });
  return [...volumes, ...secrets];
}

function isBuiltFromDockerfile(service: ComposeService): boolean {
  return typeof service.build === 'object' && (service.build.dockerfile ?? '').replace(/^\.\//, '') === DOCKERFILE;
}

const appServices = Object.entries(services).filter(([, service]) => isBuiltFromDockerfile(service));
const appOf = (service: ComposeService) => buildArgsOf(service).APP;

/** Fails once with every problem found; each one names the compose service and what is wrong. */
function expectNoProblems(problems: string[]): void {
  expect(problems).toEqual([]);
}

describe('docker-compose.yml', () => {
  it('builds at least the gateway and iam from deploy/Dockerfile', () => {
    expect(appServices.map(([, service]) => appOf(service)).sort()).toEqual(expect.arrayContaining(['gateway', 'services/iam']));
  });

  it('builds every app from deploy/Dockerfile with the repository root as context', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      if (service.build === undefined) continue;
      if (!isBuiltFromDockerfile(service)) problems.push(`compose service "${name}" is built, but not from ${DOCKERFILE}`);
      else if (typeof service.build === 'object' && (service.build.context ?? '.').replace(/\/$/, '') !== '.')
        problems.push(`compose service "${name}": build context must be "." (the Dockerfile copies the whole workspace)`);
    }
    expectNoProblems(problems);
  });

  it('has a known config class for the APP of every app service', () => {
    const problems = appServices
      .filter(([, service]) => !(appOf(service) in CONFIG_CLASSES))
      .map(
        ([name, service]) =>
          `compose service "${name}" builds APP=${JSON.stringify(appOf(service))}, which has no config class in CONFIG_CLASSES (${Object.keys(CONFIG_CLASSES).join(', ')})`,
      );
    expectNoProblems(problems);
  });

  it('runs every service that exists in services/, unless it is listed as not in compose yet', () => {
    const built = new Set(appServices.map(([, service]) => appOf(service)));
    const existing = readdirSync(join(ROOT, 'services'))
      .map((name) => `services/${name}`)
      .filter((app) => existsSync(join(ROOT, app, 'src', 'main.ts')));
    const problems = [
      ...existing
        .filter((app) => !built.has(app) && !(app in NOT_IN_COMPOSE_YET))
        .map((app) => `${app} has no compose service (copy the iam block, or list it in NOT_IN_COMPOSE_YET with a reason)`),
      ...Object.keys(NOT_IN_COMPOSE_YET)
        .filter((app) => built.has(app))
        .map((app) => `${app} is in compose now: remove it from NOT_IN_COMPOSE_YET`),
    ];
    expectNoProblems(problems);
  });

  it('lets the gateway health check ask exactly the services compose runs', () => {
    const gateway = appServices.find(([, service]) => appOf(service) === 'gateway');
    expect(gateway).toBeDefined();
    const asked = (loadConfig(GatewayConfig, environmentOf(gateway![1])).SERVICES ?? '').split(',').sort();
    const running = appServices
      .map(([, service]) => appOf(service))
      .filter((app) => app.startsWith('services/'))
      .map((app) => app.slice('services/'.length))
      .sort();
    expect(asked).toEqual(running);
  });

  it('publishes the gateway on the port it listens on', () => {
    const [, gateway] = appServices.find(([, service]) => appOf(service) === 'gateway')!;
    const port = loadConfig(GatewayConfig, environmentOf(gateway)).PORT;
    const targets = (gateway.ports ?? []).map((entry) =>
      typeof entry === 'object' ? Number(entry.target) : Number(String(entry).split(':').pop()),
    );
    expect(targets).toContain(port);
  });

  it('gives every service a healthcheck, or makes it wait for a healthy one', () => {
    const problems = Object.entries(services)
      .filter(([, service]) => !hasHealthcheck(service) && !Object.values(dependsOn(service)).includes('service_healthy'))
      .map(([name]) => `compose service "${name}" has no healthcheck and waits for no healthy service`);
    expectNoProblems(problems);
  });

  it('waits only for services that exist, and for service_healthy only where a healthcheck is', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, condition] of Object.entries(dependsOn(service))) {
        if (!services[dependency]) problems.push(`compose service "${name}" depends on "${dependency}", which is not defined`);
        else if (condition === 'service_healthy' && !hasHealthcheck(services[dependency]))
          problems.push(`compose service "${name}" waits for "${dependency}" to be healthy, but it has no healthcheck`);
      }
    }
    expectNoProblems(problems);
  });

  it('declares every named volume and secret it mounts', () => {
    const problems: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source =
          typeof volume === 'string'
            ? volume.split(':')[0]
            : volume.type === 'volume' || volume.type === undefined
              ? volume.source
              : undefined;
        if (source && !/^[./~]/.test(source) && !(source in (compose.volumes ?? {})))
          problems.push(`compose service "${name}" mounts volume "${source}", which is not declared under volumes:`);
      }
      for (const secret of service.secrets ?? []) {
        const source = typeof secret === 'string' ? secret : secret.source;
        if (!(source in (compose.secrets ?? {})))
          problems.push(`compose service "${name}" uses secret "${source}", which is not declared under secrets:`);
      }
    }
    expectNoProblems(problems);
  });

  describe.each(appServices.filter(([, service]) => appOf(service) in CONFIG_CLASSES))('app service %s', (name, service) => {
    const app = appOf(service);
    const configClass = CONFIG_CLASSES[app];
    const env = environmentOf(service);

    it('sets only variables its config class reads', () => {
      const keys = configKeys(configClass);
      const problems = Object.keys(env)
        .filter((key) => !keys.includes(key))
        .map(
          (key) => `compose service "${name}" sets ${key}, which ${configClass.name} does not read (it reads ${keys.join(', ')})`,
        );
      expectNoProblems(problems);
    });

    it('sets values its config class accepts', () => {
      let problem: string | undefined;
      try {
        loadConfig(configClass, env);
      } catch (error) {
        problem = `compose service "${name}": ${(error as Error).message}`;
      }
      expect(problem).toBeUndefined();
    });

    it('points no address at the container itself', () => {
      const config = loadConfig(configClass, env) as Record<string, unknown>;
      const problems = Object.entries(config)
        // *_PUBLIC_ENDPOINT addresses are for clients outside compose (presigned URLs), not for the container.
        .filter(
          ([key, value]) => !key.endsWith('_PUBLIC_ENDPOINT') && typeof value === 'string' && LOOPBACK.has(hostOf(value) ?? ''),
        )
        .map(
          ([key, value]) =>
            `compose service "${name}": ${key} is ${String(value)}, which inside a container is the container itself; set it to a compose service`,
        );
      expectNoProblems(problems);
    });

    it('waits for every compose service its addresses name, healthy where it has a healthcheck', () => {
      const needed = new Set(
        Object.values(env)
          .map((value) => (value === undefined ? undefined : hostOf(value)))
          .filter((host): host is string => !!host && host in services),
      );
      const deps = dependsOn(service);
      const problems = [...needed]
        .filter((host) => !(host in deps) || (hasHealthcheck(services[host]) && deps[host] !== 'service_healthy'))
        .map(
          (host) =>
            `compose service "${name}" uses "${host}" but does not depend on it${hasHealthcheck(services[host]) ? ' with condition: service_healthy' : ''}`,
        );
      expectNoProblems(problems);
    });

    it('reads *_FILE variables from a path that is mounted', () => {
      const targets = mountTargets(service);
      const problems = Object.entries(env)
        .filter(([key, value]) => key.endsWith('_FILE') && value !== undefined)
        .filter(([, value]) => !targets.some((target) => value === target || value!.startsWith(`${target.replace(/\/$/, '')}/`)))
        .map(
          ([key, value]) =>
            `compose service "${name}": ${key}=${value} is in none of its volumes or secrets (${targets.join(', ') || 'none'})`,
        );
      expectNoProblems(problems);
    });

    it('runs its healthcheck with a script the image contains', () => {
      const test = Array.isArray(service.healthcheck?.test) ? service.healthcheck.test : [];
      for (const argument of test.filter((part) => part.startsWith('/app/'))) {
        const path = argument.slice('/app/'.length);
        expect(existsSync(join(ROOT, path))).toBe(true);
        expect(dockerfile).toMatch(new RegExp(`^COPY\\s+${escapeRegExp(path)}\\s`, 'm'));
      }
    });
  });
});

function hostOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.hostname || undefined;
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('interpolate (the compose substitution the checks above rely on)', () => {
  it.each([
    ['plain', 'plain'],
    ['${A:-x}', 'x'],
    ['${A-x}', 'x'],
    ['${B:-x}', 'x'],
    ['${B-x}', ''],
    ['${C:-x}', 'set'],
    ['$C/$$HOME', 'set/$HOME'],
    ['postgres://u:${C}@h/db', 'postgres://u:set@h/db'],
  ])('%s -> %s', (input, expected) => {
    expect(interpolate(input, { B: '', C: 'set' })).toBe(expected);
  });

  it('fails on a required variable that is not set', () => {
    expect(() => interpolate('${A:?give A}')).toThrow('give A');
  });
});
