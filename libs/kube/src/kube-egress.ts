// Every request client-node makes with a KubeConfig goes out through one of two doors: API calls,
// watches and log streams through undici's fetch with the dispatcher `createDispatcher` makes,
// WebSockets (exec, attach, port-forward) through the http(s).Agent `createAgent` makes. Both are
// replaced here so that every connection passes the egress policy: the API server's name is
// resolved once, the address checked, and the connection made to it.
import type * as http from 'node:http';
import type * as https from 'node:https';

import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import type { EgressPolicy } from '@stagecraft/config';
import type { Dispatcher } from 'undici';

type CreateAgent = (cluster: Cluster | null, agentOptions: https.AgentOptions) => http.Agent;
type CreateDispatcher = (cluster: Cluster | null, agentOptions: https.AgentOptions) => Dispatcher | undefined;

/** What client-node would configure its own dispatcher with (its public createDispatcherOptions). */
type DispatcherOptions =
  | { type: 'none' }
  | { type: 'agent'; connect: Record<string, unknown> }
  | { type: 'proxy' | 'socks'; uri: string };

interface Patched {
  createAgent: CreateAgent;
  createDispatcher: CreateDispatcher;
  createDispatcherOptions(cluster: Cluster | null, agentOptions: https.AgentOptions): DispatcherOptions;
  [APPLIED]?: EgressPolicy;
}

const APPLIED = Symbol('stagecraft.egress');

/** Makes `kubeConfig` connect only where `policy` allows. A proxy is used only when the policy allows proxies. */
export function applyEgressPolicy(kubeConfig: KubeConfig, policy: EgressPolicy): KubeConfig {
  const target = kubeConfig as unknown as Patched;
  const originalAgent = target.createAgent.bind(kubeConfig);
  const originalDispatcher = target.createDispatcher.bind(kubeConfig);
  target[APPLIED] = policy;
  // The proxy reaches the API server, so it decides where traffic goes: an administrator's choice.
  const throughProxy = (cluster: Cluster | null): boolean => {
    if (!cluster?.proxyUrl) return false;
    if (!policy.allowProxy) throw new Error('proxy-url is not accepted by the egress policy');
    return true;
  };
  target.createAgent = (cluster, agentOptions) => {
    if (throughProxy(cluster)) return originalAgent(cluster, agentOptions);
    if (cluster?.server.startsWith('http:')) {
      if (!cluster.skipTLSVerify) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
      return policy.httpAgent(agentOptions);
    }
    return policy.httpsAgent(agentOptions);
  };
  // client-node asks for a dispatcher on every request: one per cluster and user is kept, as
  // client-node keeps its agents. Without TLS settings client-node would answer none (undici's
  // global dispatcher, past the policy): here there is always one.
  const dispatchers = new Map<string, Dispatcher>();
  target.createDispatcher = (cluster, agentOptions) => {
    if (throughProxy(cluster)) return originalDispatcher(cluster, agentOptions);
    // Also refuses plain http without skipTLSVerify, as client-node does.
    const options = target.createDispatcherOptions(cluster, agentOptions);
    const key = JSON.stringify([cluster?.name ?? '', kubeConfig.getCurrentUser()?.name ?? '']);
    let dispatcher = dispatchers.get(key);
    if (!dispatcher) {
      dispatcher = policy.dispatcherWith(options.type === 'agent' ? options.connect : {});
      dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  };
  return kubeConfig;
}

/** The policy a KubeConfig was given by applyEgressPolicy, if any. */
export function egressPolicyOf(kubeConfig: KubeConfig): EgressPolicy | undefined {
  return (kubeConfig as unknown as { [APPLIED]?: EgressPolicy })[APPLIED];
}
