import { localNode, parseLabelList } from './local-node';

describe('the LOCAL node', () => {
  it.each([
    ['', []],
    ['stagecraft.io/build-node=true', [{ key: 'stagecraft.io/build-node', value: 'true' }]],
    [
      'a=1,b=',
      [
        { key: 'a', value: '1' },
        { key: 'b', value: '' },
      ],
    ],
  ])('parses %j', (text, labels) => expect(parseLabelList(text)).toEqual(labels));

  it('is ready, with the labels from config and no EIP', () => {
    expect(localNode('builder', [{ key: 'k', value: 'v' }], '10.0.0.5')).toEqual({
      name: 'builder',
      labels: [{ key: 'k', value: 'v' }],
      ready: true,
      internalIP: '10.0.0.5',
      externalIP: null,
    });
  });
});
