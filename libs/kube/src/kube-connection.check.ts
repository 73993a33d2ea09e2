import { KubeConfig, VersionApi } from '@kubernetes/client-node';

import { describeKubeError } from './kube-error';
import { requestOptions } from './request-options';

export interface KubeVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform: string;
}

export type ConnectionCheck = { ok: true; version: KubeVersion } | { ok: false; reason: string };

/**
 * Asks the cluster for its version (GET /version) to prove the URL, the CA and the credentials.
 * Reasons read like "TLS: certificate signed by unknown authority", "401 Unauthorized",
 * "connection refused" or "timed out after 5000 ms", and never contain credentials.
 */
export async function checkConnection(kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}): Promise<ConnectionCheck> {
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!kubeConfig.getCurrentCluster()) return { ok: false, reason: 'the kubeconfig has no current cluster' };
  try {
    const info = await kubeConfig.makeApiClient(VersionApi).getCode({}, requestOptions(timeoutMs));
    return {
      ok: true,
      version: { gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform },
    };
  } catch (err) {
    const { kind, reason } = describeKubeError(err);
    return { ok: false, reason: kind === 'timeout' ? `timed out after ${timeoutMs} ms` : reason };
  }
}
