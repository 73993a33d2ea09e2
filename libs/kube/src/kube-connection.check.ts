import type { ConfigurationOptions, KubeConfig, ObservableMiddleware } from '@kubernetes/client-node';
import { isEgressDenied } from '@stagecraft/config';

import { kubeClient } from './kube-client';
import { egressPolicyOf } from './kube-egress';
import { describeKubeError, isKubernetesStatusBody, isKubernetesStatusError } from './kube-error';
import { requestOptions } from './request-options';

export interface KubeVersion {
  gitVersion: string;
  major: string;
  minor: string;
  platform: string;
}

/** What a user who is not an administrator learns when no Kubernetes API server answered. */
export const API_SERVER_UNREACHABLE = 'the API server could not be reached';
/** The same, when the kubeconfig names an IP address the egress policy refuses (nothing is learnt by saying so). */
export const API_SERVER_ADDRESS_REFUSED =
  'the API server address is not allowed: loopback, private and link-local addresses need an administrator (EGRESS_ALLOWED_CIDRS)';

export type ConnectionCheck =
  | { ok: true; version: KubeVersion }
  | {
      ok: false;
      /** For administrators and the log: what happened ("TLS: …", "connection refused", "401 Unauthorized"). */
      reason: string;
      /**
       * For everyone else: the reason when a Kubernetes API server answered (an HTTP Status), and
       * otherwise one message, so that a kubeconfig cannot tell closed, open, TLS or plain-HTTP
       * ports apart (a port scanner through the platform).
       */
      publicReason: string;
    };

/**
 * Asks the cluster for its version (GET /version) to prove the URL, the CA and the credentials.
 * Reasons read like "TLS: certificate signed by unknown authority", "401 Unauthorized",
 * "connection refused" or "timed out after 5000 ms", and never contain credentials.
 */
export async function checkConnection(kubeConfig: KubeConfig, options: { timeoutMs?: number } = {}): Promise<ConnectionCheck> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) return failed('the kubeconfig has no current cluster', 'the kubeconfig has no current cluster');
  const policy = egressPolicyOf(kubeConfig);
  if (policy && !cluster.proxyUrl) {
    // For a clear reason only: the socket checks again, on the address it connects to.
    const host = new URL(cluster.server).hostname;
    try {
      await policy.resolve(host);
    } catch (err) {
      if (isEgressDenied(err)) {
        const literal = /^[\d.]+$|^\[.*\]$/.test(host);
        return failed(
          `refused by the egress policy: ${err.detail}`,
          literal ? API_SERVER_ADDRESS_REFUSED : API_SERVER_UNREACHABLE,
        );
      }
      // A name that does not resolve: the request below says so in its own words.
    }
  }
  // client-node drops the body of a 401; keep it, to tell a Kubernetes answer from any web server's.
  let answeredWithStatus = false;
  const { Observable, ResponseContext, SelfDecodingBody, VersionApi } = kubeClient();
  const keepStatus: ObservableMiddleware = {
    pre: (context) => new Observable(Promise.resolve(context)),
    post: (response) =>
      new Observable(
        (async () => {
          if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return response;
          const text = await response.body.text();
          answeredWithStatus = isKubernetesStatusBody(text);
          return new ResponseContext(
            response.httpStatusCode,
            response.headers,
            new SelfDecodingBody(Promise.resolve(Buffer.from(text))),
          );
        })(),
      ),
  };
  const base = requestOptions(timeoutMs);
  const callOptions: ConfigurationOptions = { ...base, middleware: [...(base.middleware ?? []), keepStatus] };
  try {
    const info = await kubeConfig.makeApiClient(VersionApi).getCode({}, callOptions);
    if (!info || typeof info.gitVersion !== 'string')
      return failed('the server did not answer like a Kubernetes API server', API_SERVER_UNREACHABLE);
    return {
      ok: true,
      version: { gitVersion: info.gitVersion, major: info.major, minor: info.minor, platform: info.platform },
    };
  } catch (err) {
    const { kind, reason } = describeKubeError(err);
    const detail = kind === 'timeout' ? `timed out after ${timeoutMs} ms` : reason;
    return failed(detail, answeredWithStatus || isKubernetesStatusError(err) ? detail : API_SERVER_UNREACHABLE);
  }
}

function failed(reason: string, publicReason: string): ConnectionCheck {
  return { ok: false, reason, publicReason };
}
