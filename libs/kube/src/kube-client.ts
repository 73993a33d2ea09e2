/* eslint-disable @typescript-eslint/no-require-imports -- loaded on first use (below) */
import type * as KubeClientModule from '@kubernetes/client-node';

export type KubeClient = typeof KubeClientModule;

/**
 * @kubernetes/client-node, loaded the first time a Kubernetes cluster is used. Its generated models
 * and their serializer add about 35 MiB to a process that holds them, which builds and clusters
 * would otherwise carry from start on a platform that builds only on LOCAL. Types come from
 * `import type`; values (API classes, `loadYaml`, `Watch`…) through this (Node's module cache
 * makes every call after the first a lookup).
 */
export function kubeClient(): KubeClient {
  return require('@kubernetes/client-node') as KubeClient;
}
