import { ErrorCode } from '@stagecraft/contracts';

import { checkNodeLabels } from './node-labels';

describe('checkNodeLabels', () => {
  it('sorts valid labels', () => {
    expect(
      checkNodeLabels([
        { key: 'zone', value: 'az1' },
        { key: 'stagecraft.io/build-node', value: 'true' },
      ]),
    ).toEqual([
      { key: 'stagecraft.io/build-node', value: 'true' },
      { key: 'zone', value: 'az1' },
    ]);
    expect(checkNodeLabels(null)).toEqual([]);
  });

  it.each([
    [[{ key: '', value: 'x' }], 'nodeLabels[0].key'],
    [[{ key: 'bad key', value: 'x' }], 'nodeLabels[0].key'],
    [
      [
        { key: 'a', value: 'b' },
        { key: 'ok', value: 'spaces not ok' },
      ],
      'nodeLabels[1].value',
    ],
    [
      [
        { key: 'a', value: '1' },
        { key: 'a', value: '2' },
      ],
      'nodeLabels[1].key',
    ],
  ])('refuses %j on %s', (labels, field) => {
    expect(() => checkNodeLabels(labels)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT, field }));
  });
});
