import { hostname } from 'node:os';

import { IsEgressCidrList } from '@stagecraft/config';
import { CLUSTER_NETWORK_CIDRS, parseCidrList, parseEgressAllowList } from '@stagecraft/kube';
import { ServiceConfig } from '@stagecraft/service';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateBy } from 'class-validator';

/** A string the parser accepts; the failure names the rule (loadConfig never echoes values). */
function Parses(name: string, parse: (value: string) => unknown) {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          parse(value);
          return true;
        } catch {
          return false;
        }
      },
      defaultMessage: (args) => `${args?.property ?? 'value'} must pass ${name}`,
    },
  });
}

/** The clusters service's environment. Each property is named as the variable it reads. */
export class ClustersConfig extends ServiceConfig {
  override DATABASE_SCHEMA = 'clusters';
  /** AES-256-GCM key (32 bytes, base64) for kubeconfigs at rest. */
  @IsOptional() @IsString() @MinLength(44) SECRETS_KEY?: string;
  /** Or a file holding that key (a Docker or Kubernetes secret). */
  @IsOptional() @IsString() SECRETS_KEY_FILE?: string;
  /** The one node of a LOCAL cluster: this machine. */
  @IsString() @MinLength(1) LOCAL_NODE_NAME = hostname();
  /** Its labels, as `key=value` pairs separated by commas. */
  @IsString()
  @Matches(/^$|^[^=,\s]+=[^=,\s]*(,[^=,\s]+=[^=,\s]*)*$/, { message: 'must be key=value pairs separated by commas' })
  LOCAL_NODE_LABELS = 'stagecraft.io/build-node=true';
  /** The namespace builds run in, on each Kubernetes cluster. */
  @IsString() @Matches(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/) BUILD_NAMESPACE = 'stagecraft-builds';
  /** How many build pods may run at once in the build namespace (its ResourceQuota). */
  @IsInt() @Min(1) BUILD_QUOTA_PODS = 20;
  /**
   * The cluster networks build pods may not reach (pods, services, nodes, the API server,
   * metadata), as CIDRs separated by commas. The metadata addresses stay blocked whatever is set.
   */
  @Parses('isCidrList', parseCidrList) BUILD_EGRESS_BLOCKED_CIDRS = CLUSTER_NETWORK_CIDRS.join(',');
  /**
   * What build pods may reach inside those networks (the registry, an in-cluster package store):
   * `cidr` or `cidr:port` separated by commas, e.g. `10.96.5.5/32:5000`; repeat a CIDR for more ports.
   */
  @Parses('isEgressAllowList', parseEgressAllowList) BUILD_EGRESS_ALLOWED = '';
  @IsInt() @Min(100) @Max(60_000) KUBE_CONNECT_TIMEOUT_MS = 5000;
  @IsInt() @Min(100) KUBE_WATCH_BACKOFF_MAX_MS = 30_000;
  /**
   * How often each replica looks for Kubernetes clusters no replica watches (their owner stopped
   * or died) and takes them over, and lets go of the ones deleted or found unavailable: about how
   * long a cluster goes unwatched once Postgres has ended its dead owner's session (docs/clusters.md#nodes).
   */
  @IsInt() @Min(100) CLUSTER_WATCH_SWEEP_MS = 5000;
  @IsOptional() @IsString() LOCAL_NODE_INTERNAL_IP?: string;
  /**
   * Loopback, private and link-local ranges this service may connect to anyway (docs/security.md#egress):
   * CIDRs separated by commas. Empty: none.
   */
  @IsEgressCidrList() EGRESS_ALLOWED_CIDRS = '';
  /** Whether a kubeconfig's `proxy-url` is honoured (the proxy then decides where traffic goes). */
  @IsBoolean() EGRESS_ALLOW_PROXY = false;
}
