import type { ConfigurationOptions, ObservableMiddleware } from '@kubernetes/client-node';

import { kubeClient } from './kube-client';

/**
 * Per-call options for client-node's generated APIs (their last argument) that abort the request
 * after `timeoutMs` (client-node sets no timeout of its own) or when `signal` aborts.
 */
export function requestOptions(timeoutMs: number, signal?: AbortSignal): ConfigurationOptions {
  const { Observable } = kubeClient();
  const timeout: ObservableMiddleware = {
    pre: (context) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      context.setSignal(signal ? AbortSignal.any([signal, deadline]) : deadline);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: [timeout], middlewareMergeStrategy: 'append' };
}
