// Every request client-node makes with a KubeConfig (API calls, watches, log streams) gets its
// socket from `createAgent`; this replaces it so that the socket passes the egress policy: the
// API server's name is resolved once, the address checked, and the connection made to it.
import type * as http from 'node:http';
import type * as https from 'node:https';

import type { Cluster, KubeConfig } from '@kubernetes/client-node';
import type { EgressPolicy } from '@stagecraft/config';

type CreateAgent = (cluster: Cluster | null, agentOptions: https.AgentOptions) => http.Agent;

const APPLIED = Symbol('stagecraft.egress');

/** Makes `kubeConfig` connect only where `policy` allows. A proxy is used only when the policy allows proxies. */
export function applyEgressPolicy(kubeConfig: KubeConfig, policy: EgressPolicy): KubeConfig {
  const target = kubeConfig as unknown as { createAgent: CreateAgent; [APPLIED]?: EgressPolicy };
  const original = target.createAgent.bind(kubeConfig);
  target[APPLIED] = policy;
  target.createAgent = (cluster, agentOptions) => {
    if (cluster?.proxyUrl) {
      // The proxy reaches the API server, so it decides where traffic goes: an administrator's choice.
      if (!policy.allowProxy) throw new Error('proxy-url is not accepted by the egress policy');
      return original(cluster, agentOptions);
    }
    if (cluster?.server.startsWith('http:')) {
      if (!cluster.skipTLSVerify) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
      return policy.httpAgent(agentOptions);
    }
    return policy.httpsAgent(agentOptions);
  };
  return kubeConfig;
}

/** The policy a KubeConfig was given by applyEgressPolicy, if any. */
export function egressPolicyOf(kubeConfig: KubeConfig): EgressPolicy | undefined {
  return (kubeConfig as unknown as { [APPLIED]?: EgressPolicy })[APPLIED];
}
