import type { V1Node } from '@kubernetes/client-node';

import { summarizeNode } from './node-summary';

describe('summarizeNode', () => {
  it('keeps the name, labels, Ready condition, cordon and both IPs', () => {
    const node: V1Node = {
      metadata: { name: 'n1', labels: { pool: 'build' } },
      spec: { unschedulable: true },
      status: {
        conditions: [
          { type: 'MemoryPressure', status: 'False' },
          { type: 'Ready', status: 'True' },
        ],
        addresses: [
          { type: 'Hostname', address: 'n1' },
          { type: 'InternalIP', address: '10.0.0.5' },
          { type: 'ExternalIP', address: '203.0.113.5' },
        ],
      },
    };
    expect(summarizeNode(node)).toEqual({
      name: 'n1',
      labels: { pool: 'build' },
      ready: true,
      unschedulable: true,
      internalIP: '10.0.0.5',
      externalIP: '203.0.113.5',
    });
  });

  it.each([
    ['False', false],
    ['Unknown', false],
    ['True', true],
  ])('Ready=%s means ready=%s', (status, ready) => {
    expect(summarizeNode({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status }] } }).ready).toBe(ready);
  });

  it('a node without status is not ready and has no addresses', () => {
    expect(summarizeNode({ metadata: { name: 'bare' } })).toEqual({
      name: 'bare',
      labels: {},
      ready: false,
      unschedulable: false,
    });
  });
});
