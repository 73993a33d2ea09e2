export { IsEgressCidrList } from './egress-config';
export {
  EgressDeniedError,
  EgressPolicy,
  type EgressPolicyOptions,
  type EgressVerdict,
  isEgressDenied,
  type ResolvedAddress,
  type Resolver,
} from './egress-policy';
export { type Cidr, DENIED_RANGES, deniedRangeOf, embeddedIpv4, mappedIpv4, parseCidr, parseCidrList } from './ip-ranges';
