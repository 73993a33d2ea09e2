import { selectBuildNodes } from './build-nodes.selector';
import { NodeSummary } from './node-summary';

const node = (name: string, extra: Partial<NodeSummary> = {}): NodeSummary => ({
  name,
  labels: { pool: 'build' },
  ready: true,
  unschedulable: false,
  internalIP: '10.0.0.1',
  ...extra,
});

describe('selectBuildNodes', () => {
  const nodes = [
    node('d-ready-external', { externalIP: '203.0.113.4' }),
    node('a-ready-internal-only'),
    node('c-not-ready', { ready: false, externalIP: '203.0.113.5' }),
    node('b-other-pool', { labels: { pool: 'web' }, externalIP: '203.0.113.6' }),
    node('e-cordoned', { unschedulable: true, externalIP: '203.0.113.7' }),
    node('f-two-labels', { labels: { pool: 'build', arch: 'arm64' }, externalIP: '203.0.113.8' }),
  ];

  it('keeps ready, schedulable nodes carrying every label, sorted, each telling whether it has an ExternalIP', () => {
    const selection = selectBuildNodes(nodes, { pool: 'build' });
    expect(selection.nodes.map((n) => [n.name, n.hasExternalIP])).toEqual([
      ['a-ready-internal-only', false],
      ['d-ready-external', true],
      ['f-two-labels', true],
    ]);
    expect(selection.eligibleCount).toBe(2);
  });

  it('requires all labels, with equal values', () => {
    expect(selectBuildNodes(nodes, { pool: 'build', arch: 'arm64' }).nodes.map((n) => n.name)).toEqual(['f-two-labels']);
    expect(selectBuildNodes(nodes, { pool: 'BUILD' })).toEqual({ nodes: [], eligibleCount: 0 });
  });

  it('a label with an empty value matches only nodes that have it empty', () => {
    const withEmpty = [node('x', { labels: { gpu: '' }, externalIP: '203.0.113.9' }), node('y', { labels: {} })];
    expect(selectBuildNodes(withEmpty, { gpu: '' }).nodes.map((n) => n.name)).toEqual(['x']);
  });

  it('without labels every ready node is a candidate', () => {
    expect(selectBuildNodes(nodes).nodes.map((n) => n.name)).toEqual([
      'a-ready-internal-only',
      'b-other-pool',
      'd-ready-external',
      'f-two-labels',
    ]);
    expect(selectBuildNodes(nodes, {}).eligibleCount).toBe(3);
  });

  it("does not hand out the caller's objects", () => {
    const input = [node('a', { externalIP: '203.0.113.1' })];
    const [selected] = selectBuildNodes(input, {}).nodes;
    selected.labels.pool = 'changed';
    expect(input[0].labels.pool).toBe('build');
  });
});
