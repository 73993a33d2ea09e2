import { parseRegistryScopes } from './registry-token';

describe('parseRegistryScopes', () => {
  it('reads the spec’s scopes, several per parameter, names with slashes and ports', () => {
    expect(
      parseRegistryScopes([
        'repository:team/app:pull,push repository:base/node:pull',
        'registry:catalog:*',
        'repository(plugin):x/y:pull',
      ]),
    ).toEqual([
      { type: 'repository', name: 'team/app', actions: ['pull', 'push'] },
      { type: 'repository', name: 'base/node', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'x/y', actions: ['pull'] },
    ]);
  });

  it('drops what is not a scope: it grants nothing', () => {
    expect(parseRegistryScopes(['', 'repository', 'repository:app', 'repository::pull', ':app:pull', 'repository:app:'])).toEqual(
      [],
    );
  });
});
