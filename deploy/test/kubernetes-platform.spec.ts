// deploy/kubernetes/platform/ runs Stagecraft itself on Kubernetes (docs/deployment.md, "Stagecraft on
// Kubernetes"). No cluster runs on the dev machines or in CI, so every overlay is rendered here with
// `kubectl kustomize`, each object is validated against the Kubernetes schemas (kubernetes-models),
// and the Deployments are held to the apps' config classes (as compose-env.spec.ts holds compose), to
// the restricted Pod Security Standard, and to their probes, PodDisruptionBudgets, Service and
// NetworkPolicies.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

import { configKeys, loadConfig } from '@stagecraft/config';
import { READINESS_CHECK_TIMEOUT_MS } from '@stagecraft/observability';
import { ProcessConfig } from '@stagecraft/service';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { type INetworkPolicy, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  type IConfigMap,
  type IContainer,
  type INamespace,
  type IPodSpec,
  type IProbe,
  type IService,
  type IServiceAccount,
  Namespace,
  Service,
  ServiceAccount,
} from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

import { GatewayConfig } from '../../gateway/src/config';
import { ArtifactsConfig } from '../../services/artifacts/src/config';
import { BuildsConfig } from '../../services/builds/src/config';
import { ClustersConfig } from '../../services/clusters/src/config';
import { IamConfig } from '../../services/iam/src/config';
import { JobsConfig } from '../../services/jobs/src/config';

type ConfigClass = new () => object;

const ROOT = join(__dirname, '..', '..');
const PLATFORM = join(ROOT, 'deploy', 'kubernetes', 'platform');
const OVERLAYS = readdirSync(join(PLATFORM, 'overlays'))
  .filter((name) => existsSync(join(PLATFORM, 'overlays', name, 'kustomization.yaml')))
  .sort();

/** The config class of every process, by its Deployment's name (its image is `stagecraft/<name>`). */
const CONFIG_CLASSES: Record<string, ConfigClass> = {
  gateway: GatewayConfig,
  iam: IamConfig,
  artifacts: ArtifactsConfig,
  clusters: ClustersConfig,
  jobs: JobsConfig,
  builds: BuildsConfig,
};

/** Replicas per overlay. */
const REPLICAS: Record<string, Record<string, number>> = {
  small: { gateway: 1, iam: 1, artifacts: 1, clusters: 1, jobs: 1, builds: 1 },
  production: { gateway: 2, iam: 2, artifacts: 2, clusters: 2, jobs: 2, builds: 2 },
};

/**
 * What an app needs that its config class cannot say as a rule of one property: one of several
 * variables, which the app checks when it starts.
 */
const ONE_OF_REQUIRED: Record<string, string[][]> = {
  iam: [['IAM_SIGNING_KEY_FILE', 'IAM_SIGNING_KEY']],
  // artifacts seals OBS credentials, clusters kubeconfigs, and builds opens those kubeconfigs.
  artifacts: [['SECRETS_KEY_FILE', 'SECRETS_KEY']],
  clusters: [['SECRETS_KEY_FILE', 'SECRETS_KEY']],
  builds: [['SECRETS_KEY_FILE', 'SECRETS_KEY']],
};
/** Every process is its own NATS user and never connects anonymously (docs/security.md). */
const NATS_CREDENTIALS = ['NATS_NKEY_SEED_FILE', 'NATS_NKEY_SEED', 'NATS_CREDS_FILE'];

/** Variables that hold a secret: only ever from a Secret, never a literal or a ConfigMap. */
const SECRET_VARIABLES = [
  'DATABASE_URL',
  'NATS_NKEY_SEED',
  'IAM_SIGNING_KEY',
  'SECRETS_KEY',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'REGISTRY_CREDENTIALS',
  'REGISTRY_TOKEN_KEY',
];

/** Variables naming a place the app writes to; the root filesystem is read-only. */
const WRITTEN_PATHS = ['IAM_BOOTSTRAP_CREDENTIALS_FILE', 'BUILD_CACHE_DIR', 'BUILD_WORKDIR'];
/** Apps that write to os.tmpdir() (/tmp): builds (build plans, LOCAL build folders). */
const WRITES_TMP = ['builds'];

/** The volume types the restricted Pod Security Standard allows. */
const RESTRICTED_VOLUME_TYPES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** DATABASE_URL is in a Secret, so its port is not in the manifests: the docs ask for Postgres on 5432. */
const POSTGRES_PORT = 5432;

type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};
type Selector = NonNullable<NonNullable<IDeployment['spec']>['selector']>;

/** The kinds the manifests may hold, with their schemas; anything else (a Secret above all) fails. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** An overlay as `kubectl apply -k` would send it. YAML 1.1, as Kubernetes reads it. */
function render(overlay: string): KubeObject[] {
  let text: string;
  try {
    text = execFileSync('kubectl', ['kustomize', join(PLATFORM, 'overlays', overlay)], { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('kubectl is not on PATH: this spec renders the overlays with `kubectl kustomize` (Kustomize v5)');
    throw error;
  }
  return parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS() as KubeObject);
}

interface Rendered {
  objects: KubeObject[];
  deployments: IDeployment[];
  configMaps: IConfigMap[];
  services: IService[];
  pdbs: IPodDisruptionBudget[];
  policies: INetworkPolicy[];
  serviceAccounts: IServiceAccount[];
  namespaces: INamespace[];
}

function ofKind<T>(objects: KubeObject[], kind: string): T[] {
  return objects.filter((object) => object.kind === kind) as unknown as T[];
}

function classify(objects: KubeObject[]): Rendered {
  return {
    objects,
    deployments: ofKind(objects, 'Deployment'),
    configMaps: ofKind(objects, 'ConfigMap'),
    services: ofKind(objects, 'Service'),
    pdbs: ofKind(objects, 'PodDisruptionBudget'),
    policies: ofKind(objects, 'NetworkPolicy'),
    serviceAccounts: ofKind(objects, 'ServiceAccount'),
    namespaces: ofKind(objects, 'Namespace'),
  };
}

const nameOf = (deployment: IDeployment) => deployment.metadata!.name!;
const podSpecOf = (deployment: IDeployment) => deployment.spec!.template.spec!;
const podLabelsOf = (deployment: IDeployment) => deployment.spec!.template.metadata?.labels ?? {};
const containersOf = (spec: IPodSpec): IContainer[] => [...(spec.initContainers ?? []), ...spec.containers];

/** Whether a label selector selects these labels. A missing selector selects nothing. */
function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const expressionsMatch = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
      default:
        return false;
    }
  });
  return labelsMatch && expressionsMatch;
}

interface Variable {
  /** The value, where the manifests hold it (a literal or a ConfigMap). */
  value?: string;
  secret?: { name: string; key: string; optional: boolean };
  from: string;
}

/** A container's environment as the kubelet builds it; what cannot be known from the manifests is a problem. */
function environmentOf(
  container: IContainer,
  configMaps: IConfigMap[],
): { variables: Map<string, Variable>; problems: string[] } {
  const variables = new Map<string, Variable>();
  const problems: string[] = [];
  const configMap = (name: string) => configMaps.find((candidate) => candidate.metadata?.name === name);
  for (const source of container.envFrom ?? []) {
    if (source.secretRef) {
      problems.push(`envFrom Secret ${source.secretRef.name}: its keys are not in the manifests; use env with secretKeyRef`);
      continue;
    }
    const name = source.configMapRef?.name ?? '';
    const map = configMap(name);
    if (!map) {
      problems.push(`envFrom ConfigMap ${name} is not rendered`);
      continue;
    }
    for (const [key, value] of Object.entries(map.data ?? {}))
      variables.set(`${source.prefix ?? ''}${key}`, { value, from: `ConfigMap ${name}` });
  }
  const declared = new Set<string>();
  for (const entry of container.env ?? []) {
    if (declared.has(entry.name)) problems.push(`${entry.name} is set twice in env`);
    declared.add(entry.name);
    const from = entry.valueFrom;
    if (from?.secretKeyRef) {
      const { name = '', key, optional = false } = from.secretKeyRef;
      variables.set(entry.name, { secret: { name, key, optional }, from: `Secret ${name}` });
    } else if (from?.configMapKeyRef) {
      const { name = '', key } = from.configMapKeyRef;
      const value = configMap(name)?.data?.[key];
      if (value === undefined) problems.push(`${entry.name}: ConfigMap ${name} has no key ${key}`);
      variables.set(entry.name, { value, from: `ConfigMap ${name}` });
    } else if (from) {
      problems.push(`${entry.name}: a field reference, whose value the manifests do not hold`);
    } else {
      variables.set(entry.name, { value: entry.value ?? '', from: 'a literal' });
    }
  }
  return { variables, problems };
}

/** The environment an app would see, with a stand-in for each Secret value (never a real one). */
function plainEnvironment(variables: Map<string, Variable>): Record<string, string> {
  return Object.fromEntries(
    [...variables].map(([name, variable]) => [
      name,
      variable.secret ? `from-secret-${variable.secret.name}` : (variable.value ?? ''),
    ]),
  );
}

/** Properties of a config class that are neither optional nor given a default. */
function requiredKeys(configClass: ConfigClass): string[] {
  const defaults = new configClass() as Record<string, unknown>;
  const optional = new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(configClass, '', true, false)
      .filter((metadata) => metadata.type === ValidationTypes.CONDITIONAL_VALIDATION)
      .map((metadata) => metadata.propertyName),
  );
  return configKeys(configClass).filter((key) => defaults[key] === undefined && !optional.has(key));
}

/** Where a path of the container comes from: the mount it lies under, and the Secret key when it is one. */
function mountOf(path: string, container: IContainer, spec: IPodSpec) {
  const mount = (container.volumeMounts ?? [])
    .filter((candidate) => path === candidate.mountPath || path.startsWith(`${candidate.mountPath.replace(/\/$/, '')}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
  if (!mount) return undefined;
  const volume = (spec.volumes ?? []).find((candidate) => candidate.name === mount.name);
  const relative = posix.relative(mount.mountPath, path);
  const secret = volume?.secret;
  const secretKey = secret ? (secret.items ? secret.items.find((item) => item.path === relative)?.key : relative) : undefined;
  return { mount, volume, secretName: secret?.secretName, secretKey };
}

function hostOf(value: string): string | undefined {
  try {
    return new URL(value).hostname || undefined;
  } catch {
    return undefined;
  }
}

function portOf(url: string): number {
  const parsed = new URL(url);
  if (parsed.port) return Number(parsed.port);
  return { 'nats:': 4222, 'https:': 443, 'http:': 80, 'postgres:': 5432 }[parsed.protocol] ?? NaN;
}

/** A Kubernetes quantity in base units (cores, bytes). */
function quantity(value: string | number | undefined): number {
  if (value === undefined) return NaN;
  const match = /^(\d+(?:\.\d+)?)(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/.exec(String(value));
  if (!match) return NaN;
  const factor =
    { m: 1e-3, k: 1e3, Ki: 2 ** 10, M: 1e6, Mi: 2 ** 20, G: 1e9, Gi: 2 ** 30, T: 1e12, Ti: 2 ** 40 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * factor;
}

/** The container port a probe, Service or NetworkPolicy port names (a number or a port's name). */
function containerPort(container: IContainer, port: string | number | undefined): number | undefined {
  if (typeof port === 'number')
    return (container.ports ?? []).some((candidate) => candidate.containerPort === port) ? port : undefined;
  return (container.ports ?? []).find((candidate) => candidate.name === port)?.containerPort;
}

/** The egress rules that let these pods reach this port (a rule without ports allows every port). */
function egressRulesTo(policies: INetworkPolicy[], labels: Record<string, string>, protocol: string, port: number) {
  return policies
    .filter((policy) => selects(policy.spec!.podSelector, labels) && (policy.spec!.policyTypes ?? []).includes('Egress'))
    .flatMap((policy) => policy.spec!.egress ?? [])
    .filter(
      (rule) =>
        !rule.ports ||
        rule.ports.some(
          (candidate) => (candidate.protocol ?? 'TCP') === protocol && (candidate.port === undefined || candidate.port === port),
        ),
    );
}

/** Every `kubectl create secret generic NAME --from-…=KEY=…` in the docs: the Secrets an operator is told to make. */
function documentedSecrets(): Map<string, Set<string>> {
  const docs = readFileSync(join(ROOT, 'docs', 'deployment.md'), 'utf8').replace(/\\\n\s*/g, ' ');
  const secrets = new Map<string, Set<string>>();
  for (const [, name, rest] of docs.matchAll(/kubectl\b[^\n]*?\bcreate secret generic ([a-z0-9-]+)([^\n]*)/g)) {
    const keys = secrets.get(name) ?? new Set<string>();
    for (const [, key] of rest.matchAll(/--from-(?:file|literal)=([^=\s]+)=/g)) keys.add(key);
    secrets.set(name, keys);
  }
  return secrets;
}

/** Fails once with every problem found; each names the overlay, the object and what is wrong. */
function expectNoProblems(problems: string[]): void {
  expect(problems).toEqual([]);
}

const renderedOverlays: Record<string, Rendered> = Object.fromEntries(
  OVERLAYS.map((overlay) => [overlay, classify(render(overlay))]),
);

describe('deploy/kubernetes/platform', () => {
  it('has the overlays small and production, and a replica count here for each overlay', () => {
    expect(OVERLAYS).toEqual(expect.arrayContaining(['small', 'production']));
    expect(OVERLAYS).toEqual(Object.keys(REPLICAS).sort());
  });

  it('tells the operator how to create every Secret the manifests name, with every key they read', () => {
    const documented = documentedSecrets();
    const problems: string[] = [];
    for (const [overlay, { deployments }] of Object.entries(renderedOverlays)) {
      for (const deployment of deployments) {
        const spec = podSpecOf(deployment);
        const references = [
          ...containersOf(spec).flatMap((container) =>
            (container.env ?? []).flatMap((entry) => (entry.valueFrom?.secretKeyRef ? [entry.valueFrom.secretKeyRef] : [])),
          ),
          ...(spec.volumes ?? []).flatMap((volume) =>
            volume.secret
              ? (volume.secret.items ?? [{ key: '' }]).map((item) => ({ name: volume.secret!.secretName, key: item.key }))
              : [],
          ),
        ];
        for (const { name = '', key } of references) {
          if (!documented.has(name))
            problems.push(`${overlay}: ${nameOf(deployment)} reads Secret ${name}, which docs/deployment.md does not create`);
          else if (key && !documented.get(name)!.has(key))
            problems.push(
              `${overlay}: ${nameOf(deployment)} reads key ${key} of Secret ${name}, which docs/deployment.md does not put there`,
            );
        }
      }
    }
    expectNoProblems([...new Set(problems)]);
  });
});

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const rendered = renderedOverlays[overlay];
  const { objects, deployments, configMaps, services, pdbs, policies } = rendered;
  const deployment = (name: string) => deployments.find((candidate) => nameOf(candidate) === name);

  it('holds only objects the Kubernetes API accepts, and no Secret', () => {
    const problems: string[] = [];
    for (const object of objects) {
      const model = MODELS[`${object.apiVersion}/${object.kind}`];
      if (!model) {
        problems.push(
          `${object.kind} ${object.metadata.name}: ${object.apiVersion}/${object.kind} is not expected here (no Secret is committed)`,
        );
        continue;
      }
      try {
        new model(object as never).validate();
      } catch (error) {
        problems.push(`${object.kind} ${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expectNoProblems(problems);
  });

  it('runs each app once, as a Deployment of its own image, and every service in services/', () => {
    const existing = readdirSync(join(ROOT, 'services')).filter((name) =>
      existsSync(join(ROOT, 'services', name, 'src', 'main.ts')),
    );
    expect(deployments.map(nameOf).sort()).toEqual(Object.keys(CONFIG_CLASSES).sort());
    expect(Object.keys(CONFIG_CLASSES).sort()).toEqual([...existing, 'gateway'].sort());
    const problems = deployments.flatMap((candidate) =>
      podSpecOf(candidate)
        .containers.filter((container) => !new RegExp(`(^|/)stagecraft/${nameOf(candidate)}(:|@|$)`).test(container.image ?? ''))
        .map((container) => `${nameOf(candidate)} runs ${container.image}, not the image stagecraft/${nameOf(candidate)}`),
    );
    expectNoProblems(problems);
  });

  it('runs the replicas this overlay stands for', () => {
    const replicas = Object.fromEntries(deployments.map((candidate) => [nameOf(candidate), candidate.spec!.replicas ?? 1]));
    expect(replicas).toEqual(REPLICAS[overlay]);
  });

  it('gives every app the variables its config class requires, and none it does not read', () => {
    const problems: string[] = [];
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const configClass = CONFIG_CLASSES[name];
      if (podSpecOf(candidate).enableServiceLinks !== false)
        problems.push(`${name}: enableServiceLinks must be false (service links add variables no config class reads)`);
      for (const container of podSpecOf(candidate).containers) {
        const { variables, problems: unknowable } = environmentOf(container, configMaps);
        problems.push(...unknowable.map((problem) => `${name}: ${problem}`));
        const keys = configKeys(configClass);
        for (const variable of variables.keys())
          if (!keys.includes(variable)) problems.push(`${name} sets ${variable}, which ${configClass.name} does not read`);
        const isSet = (variable: string) => {
          const found = variables.get(variable);
          return !!found && (found.secret ? !found.secret.optional : found.value !== '');
        };
        for (const variable of requiredKeys(configClass))
          if (!isSet(variable)) problems.push(`${name} does not set ${variable}, which ${configClass.name} requires`);
        for (const group of [NATS_CREDENTIALS, ...(ONE_OF_REQUIRED[name] ?? [])])
          if (!group.some(isSet)) problems.push(`${name} sets none of ${group.join(', ')}`);
        try {
          loadConfig(configClass, plainEnvironment(variables));
        } catch (error) {
          problems.push(`${name}: ${(error as Error).message}`);
        }
      }
    }
    expectNoProblems(problems);
  });

  it('takes secrets from Secrets only, each NATS identity from its own', () => {
    const problems: string[] = [];
    for (const map of configMaps)
      for (const key of Object.keys(map.data ?? {}))
        if (SECRET_VARIABLES.includes(key)) problems.push(`ConfigMap ${map.metadata!.name} holds ${key}, a secret`);
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const spec = podSpecOf(candidate);
      for (const container of spec.containers) {
        const { variables } = environmentOf(container, configMaps);
        for (const [variable, { secret, from }] of variables)
          if (SECRET_VARIABLES.includes(variable) && !secret)
            problems.push(`${name} takes ${variable} from ${from}, not from a Secret`);
        const seedFile = variables.get('NATS_NKEY_SEED_FILE')?.value;
        const seed = seedFile ? mountOf(seedFile, container, spec) : undefined;
        if (seedFile && (seed?.secretName !== `stagecraft-nats-${name}` || !seed.secretKey))
          problems.push(`${name}: NATS_NKEY_SEED_FILE=${seedFile} is not a key of its own Secret stagecraft-nats-${name}`);
      }
      for (const volume of spec.volumes ?? []) {
        const other = /^stagecraft-nats-(.+)$/.exec(volume.secret?.secretName ?? '')?.[1];
        if (other && other !== name) problems.push(`${name} mounts the NATS identity of ${other}`);
      }
    }
    expectNoProblems(problems);
  });

  it('reads every *_FILE from a mounted Secret key, and writes only to writable volumes', () => {
    const problems: string[] = [];
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const spec = podSpecOf(candidate);
      for (const container of spec.containers) {
        const { variables } = environmentOf(container, configMaps);
        for (const [variable, { value }] of variables) {
          if (!value) continue;
          const written = WRITTEN_PATHS.includes(variable);
          if (!written && !variable.endsWith('_FILE')) continue;
          const source = mountOf(value, container, spec);
          if (!source) problems.push(`${name}: ${variable}=${value} is in none of its volumes`);
          else if (written && (source.mount.readOnly || !source.volume?.emptyDir))
            problems.push(`${name}: ${variable}=${value} is written, but ${source.mount.mountPath} is not a writable emptyDir`);
          else if (!written && !source.secretKey)
            problems.push(`${name}: ${variable}=${value} is not a key of the Secret volume at ${source.mount.mountPath}`);
        }
        if (WRITES_TMP.includes(name)) {
          const tmp = mountOf('/tmp', container, spec);
          if (!tmp || tmp.mount.mountPath !== '/tmp' || tmp.mount.readOnly || !tmp.volume?.emptyDir)
            problems.push(`${name} writes to /tmp, which is not a writable emptyDir`);
        }
      }
    }
    expectNoProblems(problems);
  });

  it('points no address at the pod itself, and every app at the same NATS', () => {
    const problems: string[] = [];
    const nats = new Set<string>();
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      for (const container of podSpecOf(candidate).containers) {
        const config = loadConfig(
          CONFIG_CLASSES[name],
          plainEnvironment(environmentOf(container, configMaps).variables),
        ) as Record<string, unknown>;
        for (const [key, value] of Object.entries(config))
          if (!key.endsWith('_PUBLIC_ENDPOINT') && typeof value === 'string' && LOOPBACK.has(hostOf(value) ?? ''))
            problems.push(`${name}: ${key} is ${value}, which inside a pod is the pod itself`);
        nats.add(`${String(config.NATS_URL)} ${String(config.NATS_SUBJECT_PREFIX)}`);
      }
    }
    expect(nats.size).toBe(1);
    expectNoProblems(problems);
  });

  it('lets the gateway health check ask only services that run here', () => {
    const gateway = deployment('gateway')!;
    const env = plainEnvironment(environmentOf(podSpecOf(gateway).containers[0], configMaps).variables);
    const asked = loadConfig(GatewayConfig, env).SERVICES.split(',');
    expect(asked.filter((service) => !deployment(service) || service === 'gateway')).toEqual([]);
  });

  it('holds every pod to the restricted Pod Security Standard, as UID 10001 without a service account token', () => {
    const problems: string[] = [];
    const namespace = rendered.namespaces.find((candidate) => candidate.metadata?.name === 'stagecraft');
    if (namespace?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted')
      problems.push('the namespace stagecraft does not enforce the restricted Pod Security Standard');
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const spec = podSpecOf(candidate);
      const pod = spec.securityContext ?? {};
      if (candidate.metadata?.namespace !== 'stagecraft') problems.push(`${name} is not in the namespace stagecraft`);
      if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${name} shares a host namespace`);
      if (spec.automountServiceAccountToken !== false) problems.push(`${name} mounts a service account token`);
      const account = rendered.serviceAccounts.find((candidate) => candidate.metadata?.name === spec.serviceAccountName);
      if (!account || account.automountServiceAccountToken !== false)
        problems.push(
          `${name} runs as service account ${spec.serviceAccountName}, which is not rendered with automountServiceAccountToken: false`,
        );
      for (const volume of spec.volumes ?? []) {
        const types = Object.keys(volume).filter((key) => key !== 'name');
        if (!types.every((type) => RESTRICTED_VOLUME_TYPES.includes(type)))
          problems.push(`${name}: volume ${volume.name} is a ${types.join(', ')}`);
      }
      for (const container of [...containersOf(spec), ...(spec.ephemeralContainers ?? [])]) {
        const where = `${name}/${container.name}`;
        const own = container.securityContext ?? {};
        if ((own.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot is not true`);
        if ((own.runAsUser ?? pod.runAsUser) !== 10001)
          problems.push(`${where}: runAsUser is not 10001 (deploy/Dockerfile's user)`);
        if (own.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
        if (own.privileged) problems.push(`${where}: privileged`);
        if (own.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
        if (!(own.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where}: does not drop ALL capabilities`);
        if ((own.capabilities?.add ?? []).length > 0)
          problems.push(`${where}: adds capabilities ${own.capabilities!.add!.join(', ')}`);
        const seccomp = (own.seccompProfile ?? pod.seccompProfile)?.type;
        if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
          problems.push(`${where}: seccompProfile is ${seccomp ?? 'unset'}`);
      }
    }
    expectNoProblems(problems);
  });

  it('sets requests and limits of CPU and memory on every container, requests within limits', () => {
    const problems: string[] = [];
    for (const candidate of deployments) {
      for (const container of containersOf(podSpecOf(candidate))) {
        for (const resource of ['cpu', 'memory']) {
          const request = quantity(container.resources?.requests?.[resource]);
          const limit = quantity(container.resources?.limits?.[resource]);
          if (!(request > 0) || !(limit > 0))
            problems.push(`${nameOf(candidate)}/${container.name}: no ${resource} request and limit`);
          else if (request > limit) problems.push(`${nameOf(candidate)}/${container.name}: ${resource} request above its limit`);
        }
      }
    }
    expectNoProblems(problems);
  });

  it('probes every app on its own port: readiness GET /readyz, liveness and startup GET /healthz, with time for them', () => {
    const problems: string[] = [];
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      for (const container of podSpecOf(candidate).containers) {
        const { OBSERVABILITY_PORT, OBSERVABILITY_HOST } = loadConfig(
          ProcessConfig,
          plainEnvironment(environmentOf(container, configMaps).variables),
        );
        // The kubelet calls from the node, on the pod's address: loopback would never answer it.
        if (!OBSERVABILITY_PORT || LOOPBACK.has(OBSERVABILITY_HOST))
          problems.push(
            `${name} serves /healthz and /readyz on ${OBSERVABILITY_HOST}:${OBSERVABILITY_PORT}, out of the kubelet's reach`,
          );
        const check = (kind: string, probe: IProbe | undefined, path: string) => {
          if (!probe) return problems.push(`${name}: no ${kind} probe`);
          // Not the image's NATS health check: with replicas, any replica answers it, not this pod.
          if (probe.httpGet?.path !== path) return problems.push(`${name}: the ${kind} probe is not GET ${path}`);
          const port = containerPort(container, probe.httpGet.port);
          if (port === undefined || port !== OBSERVABILITY_PORT)
            problems.push(
              `${name}: ${kind} probe port ${String(probe.httpGet.port)} is not OBSERVABILITY_PORT (${OBSERVABILITY_PORT})`,
            );
        };
        check('readiness', container.readinessProbe, '/readyz');
        // Liveness is never readiness: a NATS or Postgres outage must not restart every pod.
        check('liveness', container.livenessProbe, '/healthz');
        if (container.startupProbe) check('startup', container.startupProbe, '/healthz');
        if ((container.readinessProbe?.timeoutSeconds ?? 1) * 1000 <= READINESS_CHECK_TIMEOUT_MS)
          problems.push(
            `${name}: the readiness probe gives up before /readyz's own checks do (${READINESS_CHECK_TIMEOUT_MS} ms)`,
          );
      }
    }
    expectNoProblems(problems);
  });

  it('gives every Deployment one PodDisruptionBudget of its own that still lets a node drain', () => {
    const problems: string[] = [];
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const labels = podLabelsOf(candidate);
      const own = pdbs.filter((pdb) => selects(pdb.spec?.selector, labels));
      if (own.length !== 1) {
        problems.push(`${name} is selected by ${own.length} PodDisruptionBudgets`);
        continue;
      }
      const [pdb] = own;
      if (!selects(candidate.spec!.selector, labels)) problems.push(`${name}: its selector does not select its own pods`);
      for (const other of deployments.filter((o) => o !== candidate && selects(pdb.spec?.selector, podLabelsOf(o))))
        problems.push(`PodDisruptionBudget ${pdb.metadata!.name} selects the pods of ${nameOf(other)} too`);
      const replicas = candidate.spec!.replicas ?? 1;
      const { maxUnavailable, minAvailable } = pdb.spec!;
      const evictable =
        maxUnavailable !== undefined
          ? typeof maxUnavailable === 'number'
            ? maxUnavailable >= 1
            : Math.ceil((parseInt(maxUnavailable, 10) / 100) * replicas) >= 1
          : typeof minAvailable === 'number' && minAvailable < replicas;
      if (!evictable)
        problems.push(`PodDisruptionBudget ${pdb.metadata!.name} lets no pod of ${name} (${replicas} replicas) be evicted`);
      if (replicas > 1 && maxUnavailable !== undefined && typeof maxUnavailable === 'number' && maxUnavailable >= replicas)
        problems.push(`PodDisruptionBudget ${pdb.metadata!.name} lets every replica of ${name} go at once`);
    }
    expectNoProblems(problems);
  });

  it('serves the gateway through a Service that selects the gateway pods and only them, on its port', () => {
    const gateway = deployment('gateway')!;
    const container = podSpecOf(gateway).containers[0];
    const { PORT } = loadConfig(GatewayConfig, plainEnvironment(environmentOf(container, configMaps).variables));
    const service = services.find(
      (candidate) => selects({ matchLabels: candidate.spec?.selector }, podLabelsOf(gateway)) && candidate.spec?.selector,
    );
    expect(service).toBeDefined();
    expect(
      deployments.filter((other) => other !== gateway && selects({ matchLabels: service!.spec!.selector }, podLabelsOf(other))),
    ).toEqual([]);
    for (const port of service!.spec!.ports ?? []) expect(containerPort(container, port.targetPort ?? port.port)).toBe(PORT);
  });

  it('denies all ingress and egress by default, and lets in only the gateway port and, from a labelled scraper, the metrics port', () => {
    const problems: string[] = [];
    const denyAll = policies.find(
      (policy) =>
        Object.keys(policy.spec!.podSelector).length === 0 &&
        (['Ingress', 'Egress'] as const).every((type) => (policy.spec!.policyTypes ?? []).includes(type)) &&
        !policy.spec!.ingress?.length &&
        !policy.spec!.egress?.length,
    );
    if (!denyAll) problems.push('no NetworkPolicy selects every pod and allows no ingress and no egress');
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const [container] = podSpecOf(candidate).containers;
      const ingress = policies
        .filter(
          (policy) =>
            selects(policy.spec!.podSelector, podLabelsOf(candidate)) && (policy.spec!.policyTypes ?? []).includes('Ingress'),
        )
        .flatMap((policy) => (policy.spec!.ingress ?? []).map((rule) => ({ policy: policy.metadata!.name, rule })))
        .filter(({ policy, rule }) => {
          // The metrics port, from a namespace its operator labelled for a Prometheus: that only.
          const { OBSERVABILITY_PORT } = loadConfig(
            ProcessConfig,
            plainEnvironment(environmentOf(container, configMaps).variables),
          );
          const scraper =
            JSON.stringify(rule.from) ===
            JSON.stringify([{ namespaceSelector: { matchLabels: { 'stagecraft.io/metrics': 'scrape' } } }]);
          const metricsOnly =
            !!rule.ports?.length && rule.ports.every((port) => containerPort(container, port.port) === OBSERVABILITY_PORT);
          if (scraper && metricsOnly && OBSERVABILITY_PORT > 0) return false;
          if (metricsOnly && !scraper)
            problems.push(`NetworkPolicy ${policy} lets more than a labelled scraper reach ${name}'s metrics`);
          return true;
        });
      if (name !== 'gateway') {
        for (const { policy } of ingress)
          problems.push(`${name} accepts connections (NetworkPolicy ${policy}); services only connect out`);
        continue;
      }
      const { PORT } = loadConfig(GatewayConfig, plainEnvironment(environmentOf(container, configMaps).variables));
      if (ingress.length === 0) problems.push('no NetworkPolicy lets anything reach the gateway');
      for (const { policy, rule } of ingress)
        if (!rule.ports?.length || rule.ports.some((port) => containerPort(container, port.port) !== PORT))
          problems.push(`NetworkPolicy ${policy} lets in more than the gateway's port ${PORT}`);
    }
    expectNoProblems(problems);
  });

  it('lets every app reach DNS and its NATS, the services Postgres, and artifacts its S3; the gateway no database', () => {
    const problems: string[] = [];
    for (const candidate of deployments) {
      const name = nameOf(candidate);
      const labels = podLabelsOf(candidate);
      const [container] = podSpecOf(candidate).containers;
      const { variables } = environmentOf(container, configMaps);
      const config = loadConfig(CONFIG_CLASSES[name], plainEnvironment(variables)) as Record<string, unknown>;
      if (egressRulesTo(policies, labels, 'UDP', 53).length === 0) problems.push(`${name} cannot resolve names (UDP 53)`);
      const natsUrl = String(config.NATS_URL);
      const natsRules = egressRulesTo(policies, labels, 'TCP', portOf(natsUrl));
      if (natsRules.length === 0) problems.push(`${name} cannot reach NATS at ${natsUrl}`);
      // A NATS in the cluster (<service>.<namespace>.svc…): the rule names that namespace.
      const namespace = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.|$)/.exec(hostOf(natsUrl) ?? '')?.[1];
      if (
        namespace &&
        !natsRules.some(
          (rule) =>
            !rule.to ||
            rule.to.some((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace),
        )
      )
        problems.push(`${name}: no egress rule names the namespace ${namespace} of NATS_URL ${natsUrl}`);
      const reachesPostgres = egressRulesTo(policies, labels, 'TCP', POSTGRES_PORT).length > 0;
      if (variables.has('DATABASE_URL') && !reachesPostgres)
        problems.push(`${name} cannot reach Postgres (TCP ${POSTGRES_PORT})`);
      if (!variables.has('DATABASE_URL') && reachesPostgres) problems.push(`${name} has no database but may reach Postgres`);
      if (
        typeof config.S3_ENDPOINT === 'string' &&
        egressRulesTo(policies, labels, 'TCP', portOf(config.S3_ENDPOINT)).length === 0
      )
        problems.push(`${name} cannot reach S3 at ${config.S3_ENDPOINT}`);
    }
    expectNoProblems(problems);
  });
});

describe('overlay sizes', () => {
  it('sizes production above small for every app', () => {
    const resourcesOf = (overlay: string, name: string) =>
      podSpecOf(renderedOverlays[overlay].deployments.find((candidate) => nameOf(candidate) === name)!).containers[0].resources!;
    const problems: string[] = [];
    for (const name of Object.keys(CONFIG_CLASSES)) {
      const small = resourcesOf('small', name);
      const production = resourcesOf('production', name);
      for (const bound of ['requests', 'limits'] as const)
        for (const resource of ['cpu', 'memory'])
          if (!(quantity(production[bound]?.[resource]) > quantity(small[bound]?.[resource])))
            problems.push(`${name}: production's ${resource} ${bound} are not above small's`);
    }
    expectNoProblems(problems);
  });
});
