import { networkInterfaces } from 'node:os';

import type { ClusterNodeDto, LabelDto } from '@stagecraft/contracts';

/** `a=b,c=d` → labels, in the order given. */
export function parseLabelList(text: string): LabelDto[] {
  if (!text.trim()) return [];
  return text.split(',').map((pair) => {
    const [key, value = ''] = pair.split('=');
    return { key: key.trim(), value: value.trim() };
  });
}

/**
 * The one node of a LOCAL cluster: this machine, always ready. It reaches the network itself,
 * so it counts as a build node without an EIP.
 */
export function localNode(name: string, labels: LabelDto[], internalIP = firstExternalIPv4()): ClusterNodeDto {
  return { name, labels, ready: true, internalIP, externalIP: null };
}

function firstExternalIPv4(): string | null {
  for (const addresses of Object.values(networkInterfaces())) {
    const address = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (address) return address.address;
  }
  return '127.0.0.1';
}
