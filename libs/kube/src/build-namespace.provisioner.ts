import type {
  KubeConfig,
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1ResourceQuota,
  V1ServiceAccount,
} from '@kubernetes/client-node';

import { buildNamespaceManifests, BuildNamespaceOptions, toClientModel } from './build-namespace.manifests';
import { kubeClient } from './kube-client';
import { KubeRequestError } from './kube-error';
import { requestOptions } from './request-options';

export interface EnsureBuildNamespaceResult {
  namespace: string;
  /** Objects this call created, as "Kind/name". */
  created: string[];
  /** Objects that were already there and were left untouched. */
  existing: string[];
}

/**
 * Creates the build namespace and its ServiceAccount, NetworkPolicy, ResourceQuota and LimitRange.
 * Idempotent: an object that already exists (409) counts as done and is not overwritten, so an
 * administrator's changes survive. Any other failure throws a KubeRequestError naming the object.
 */
export async function ensureBuildNamespace(
  kubeConfig: KubeConfig,
  options: BuildNamespaceOptions,
  callOptions: { requestTimeoutMs?: number } = {},
): Promise<EnsureBuildNamespaceResult> {
  const m = buildNamespaceManifests(options);
  const ns = options.namespace;
  const { CoreV1Api, NetworkingV1Api } = kubeClient();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const networking = kubeConfig.makeApiClient(NetworkingV1Api);
  const opts = () => requestOptions(callOptions.requestTimeoutMs ?? 10_000);
  const steps: [string, () => Promise<unknown>][] = [
    [`Namespace/${ns}`, () => core.createNamespace({ body: toClientModel<V1Namespace>(m.namespace) }, opts())],
    [
      `ServiceAccount/${m.serviceAccount.metadata.name}`,
      () =>
        core.createNamespacedServiceAccount({ namespace: ns, body: toClientModel<V1ServiceAccount>(m.serviceAccount) }, opts()),
    ],
    [
      `NetworkPolicy/${m.networkPolicy.metadata.name}`,
      () =>
        networking.createNamespacedNetworkPolicy(
          { namespace: ns, body: toClientModel<V1NetworkPolicy>(m.networkPolicy) },
          opts(),
        ),
    ],
    [
      `ResourceQuota/${m.resourceQuota.metadata.name}`,
      () => core.createNamespacedResourceQuota({ namespace: ns, body: toClientModel<V1ResourceQuota>(m.resourceQuota) }, opts()),
    ],
    [
      `LimitRange/${m.limitRange.metadata.name}`,
      () => core.createNamespacedLimitRange({ namespace: ns, body: toClientModel<V1LimitRange>(m.limitRange) }, opts()),
    ],
  ];
  const result: EnsureBuildNamespaceResult = { namespace: ns, created: [], existing: [] };
  for (const [what, create] of steps) {
    try {
      await create();
      result.created.push(what);
    } catch (err) {
      const error = new KubeRequestError(`creating ${what} in namespace ${ns}`, err);
      if (error.status === 409 && error.statusReason !== 'Conflict') {
        result.existing.push(what);
        continue;
      }
      throw error;
    }
  }
  return result;
}
